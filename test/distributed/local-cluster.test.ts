/**
 * `strata local up` end to end: a multi-process cluster (3 etcd members, 3 AZs of adjudicator,
 * storage and QP, two relays on one port) serves SQL through the relays and keeps serving, with every
 * acknowledged commit, while each role in turn is killed with SIGKILL and its supervisor starts
 * it again; a node stopped with `strata local stop` stays down until `start`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { localUpOnFreePort } from '../support/local-cli.js';
import { localKill } from '../../src/cli/local-cluster.js';
import { EtcdCoordination } from '../../src/env/etcd-coordination.js';
import { SystemTimers } from '../../src/env/timers.js';
import { CoordinatedJournal } from '../../src/journal/coordinated-journal.js';
import { journalPrefix, parseClusterConfig } from '../../src/node/roles/cluster-config.js';
import { etcdUnavailableReason } from '../support/etcd.js';
import { controlApiClient } from '../support/control-api.js';
import {
  CreateClusterCommand, DeleteClusterCommand, GetClusterCommand, type GetClusterCommandOutput, ListClustersCommand, ListTagsForResourceCommand,
  TagResourceCommand, UpdateClusterCommand,
} from '@aws-sdk/client-dsql';
import { describeServerEnd, serverEndInode, socketInodes } from '../support/socket-holder.js';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');
const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 180_000 };
let dir = '';
let port = 0;
let password = '';

/** Bounds on what the tests wait for: a wait past one fails, saying what it waited for. */
const COMMAND_MS = 120_000;
const CONNECT_MS = 30_000;
const QUERY_MS = 45_000;

async function strata(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [STRATA, ...args], { timeout: COMMAND_MS });
    return stdout;
  } catch (error) {
    const e = error as { killed?: boolean; message: string };
    throw new Error(e.killed ? `strata ${args.join(' ')} did not finish within ${COMMAND_MS} ms` : e.message);
  }
}

/**
 * `promise`, or past `ms` an error naming `what` with `explain()`'s account of where it is stuck
 * (`giveUp` then frees what the wait held).
 */
async function within<T>(ms: number, what: string, promise: Promise<T>, explain: () => Promise<string>, giveUp: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      explain().catch((error: Error) => `(no account: ${error.message})`).then((account) => {
        giveUp();
        reject(new Error(`${what}: no answer within ${ms} ms\n${account}`));
      });
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function socketOf(c: pg.Client): import('node:net').Socket {
  return (c as unknown as { connection: { stream: import('node:net').Socket } }).connection.stream;
}

/** The cluster's processes by name, as local.json and the status command know them. */
function clusterProcesses(): Record<string, number> {
  const state = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as { pids: Record<string, number>; supervisor?: number };
  return { ...state.pids, ...(state.supervisor !== undefined ? { supervisor: state.supervisor } : {}) };
}

/** Where a session's connection is stuck: its server end, the cluster's status, the relays' latest log lines. */
async function account(c: pg.Client): Promise<string> {
  const clientPort = socketOf(c)?.localPort;
  const end = clientPort === undefined ? 'no local port (not connected)' : describeServerEnd(port, clientPort, clusterProcesses());
  const statusNow = await strata('local', 'status', '--dir', dir).catch((error: Error) => error.message);
  const tail = (name: string) => readFileSync(join(dir, 'logs', `${name}.log`), 'utf8').trim().split('\n').slice(-3).map((l) => `  ${name}: ${l}`);
  return [end, statusNow.trimEnd(), ...['supervisor', 'relay-1', 'relay-2'].flatMap(tail)].join('\n');
}

/** Drops a session's connection (a wait on it gave up). */
function drop(c: pg.Client): void {
  socketOf(c)?.destroy();
}

/**
 * A session through the relays. Its connect and each of its queries are bounded: a wait past the
 * bound fails with where the connection sits.
 */
async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'admin', password, database: 'postgres' });
  c.on('error', () => {});
  await within(CONNECT_MS, `a connect through the relays (port ${port})`, c.connect(), () => account(c), () => drop(c));
  const query = c.query.bind(c) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
  c.query = ((text: string, values?: unknown[]) => within(QUERY_MS, `the query "${text}" (client port ${socketOf(c).localPort})`,
    query(text, values), () => account(c), () => drop(c))) as typeof c.query;
  return c;
}

/** Ends a session; one whose goodbye is not answered is dropped. */
async function end(c: pg.Client): Promise<void> {
  await within(CONNECT_MS, 'a session\'s end', c.end(), () => account(c), () => drop(c));
}

async function status(): Promise<Map<string, string>> {
  return new Map([...(await statusRows()).entries()].map(([name, row]) => [name, row.state]));
}

/** Name → pid, state and restarts, as `strata local status` prints them. */
async function statusRows(): Promise<Map<string, { pid: string; state: string; restarts: string }>> {
  const lines = (await strata('local', 'status', '--dir', dir)).trim().split('\n').slice(1);
  return new Map(lines.map((l) => {
    const cells = l.split(/\s{2,}/);
    return [cells[0]!, { pid: cells[4]!, state: cells[5]!, restarts: cells[6]! }];
  }));
}

/** Waits until the supervisor has started `name` again and it serves (or stands by). */
async function untilBack(name: string, killedPid: string, limitMs = 60_000): Promise<{ pid: string; state: string; restarts: string }> {
  const started = performance.now();
  for (;;) {
    const row = (await statusRows()).get(name)!;
    if (row.pid !== killedPid && ['serving', 'leader', 'standby', 'running'].includes(row.state)) return row;
    assert.ok(performance.now() - started < limitMs, `${name} is back within ${limitMs} ms (now ${JSON.stringify(row)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Retries `body` on a fresh connection until it succeeds; returns how long that took. `body`
 * gets the errors of the attempts before it (an insert's retry needs them: insertAgain).
 */
async function untilServed(body: (c: pg.Client, earlier: readonly unknown[]) => Promise<void>, limitMs = 20_000): Promise<number> {
  const started = performance.now();
  const errors: unknown[] = [];
  while (performance.now() - started < limitMs) {
    let c: pg.Client | null = null;
    try {
      c = await client();
      await body(c, errors);
      return performance.now() - started;
    } catch (error) {
      errors.push(error);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      if (c !== null) await end(c).catch(() => {});
    }
  }
  const seen = [...new Set(errors.map((e) => `${(e as { code?: string }).code ?? ''} ${(e as Error)?.message}`))];
  throw new Error(`not served within ${limitMs} ms: ${seen.join(' | ')}`);
}

/**
 * An insert retried after attempts that failed. When the row is already there (23505), an
 * earlier attempt committed: right only if none of them was told its transaction did not
 * commit — every one lost its connection, or got 57P03 "the transaction may have committed"
 * (the leader's loss, its outcome unknown within the QP's retry window). After a definite
 * refusal (40001, a statement error) the row being there is a wrong answer, and fails the test.
 */
async function insertAgain(c: pg.Client, id: number, earlier: readonly unknown[]): Promise<void> {
  try {
    await insert(c, id);
  } catch (error) {
    if ((error as pg.DatabaseError).code !== '23505' || earlier.length === 0) throw error;
    // A server's answer (not a lost socket), and not one that leaves the outcome open.
    const definite = earlier.filter((e) => e instanceof pg.DatabaseError
      && !(e.code === '57P03' || e.code === '57P01' || e.code?.startsWith('08')));
    assert.deepEqual(definite.map((e) => `${(e as pg.DatabaseError).code} ${(e as Error).message}`), [],
      `row ${id} is there although an attempt to insert it was refused`);
    acknowledged.push(id);
  }
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'strata-local-'));
  // A short journal retention, so the last test sees trims and a replica restored from a snapshot.
  let out: string;
  ({ port, out } = await localUpOnFreePort(['--dir', dir, '--azs', '3', '--journal-retention', '2', '--owner-pid', String(process.pid)]));
  assert.match(out, /ready/);
  password = (await strata('token', '--data-dir', dir, '--admin')).trim();
});

after(async () => {
  if (skip || dir === '') return;
  await strata('local', 'down', '--dir', dir).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const acknowledged: number[] = [];
async function insert(c: pg.Client, id: number): Promise<void> {
  await c.query('INSERT INTO acked (id) VALUES ($1)', [id]);
  acknowledged.push(id);
}

test('the relay serves SQL from every QP, with the catalog and commits seen across processes', opts, async () => {
  const lines = await status();
  assert.equal([...lines.values()].filter((s) => s === 'leader').length, 1, 'one adjudicator leads');
  assert.equal([...lines.entries()].filter(([n, s]) => n.startsWith('qp-') && s === 'serving').length, 3);
  const a = await client();
  await a.query('CREATE TABLE acked (id int PRIMARY KEY, note text)');
  for (let i = 1; i <= 5; i++) await insert(a, i);
  // Three more sessions: the relay spreads them over the QPs; each sees every commit at once.
  for (let s = 0; s < 3; s++) {
    const b = await client();
    assert.deepEqual((await b.query('SELECT count(*)::int AS n FROM acked')).rows, [{ n: acknowledged.length }]);
    await insert(b, 100 + s);
    assert.deepEqual((await a.query('SELECT count(*)::int AS n FROM acked')).rows, [{ n: acknowledged.length }]);
    await end(b);
  }
  // Conflicts are decided by the one leader whichever QP the transactions run on.
  const c = await client();
  const d = await client();
  await c.query('BEGIN');
  await d.query('BEGIN');
  await c.query("UPDATE acked SET note = 'c' WHERE id = 1");
  await d.query("UPDATE acked SET note = 'd' WHERE id = 1");
  await c.query('COMMIT');
  await assert.rejects(d.query('COMMIT'), (e: pg.DatabaseError) => e.code === '40001' && /OC000/.test(e.message));
  await Promise.all([end(a), end(c), end(d)]);
});

test('each role killed with SIGKILL: the cluster serves again within 5 s, loses nothing, and the supervisor brings the node back', opts, async () => {
  let next = 1000;
  const recovery: Record<string, number> = {};
  const back: Record<string, number> = {};
  const leader = [...(await status()).entries()].find(([, s]) => s === 'leader')![0];
  for (const victim of [leader, 'storage-1', 'qp-2', 'etcd-1', 'relay-1']) {
    const before = (await statusRows()).get(victim)!;
    const killedAt = performance.now();
    await strata('local', 'kill', '--dir', dir, victim);
    const id = next++;
    recovery[victim] = await untilServed(async (c, earlier) => {
      await insertAgain(c, id, earlier);
      assert.deepEqual((await c.query('SELECT id FROM acked WHERE id = $1', [id])).rows, [{ id }]);
    });
    // Every loss is a failover: relay-2 shares the client port with relay-1.
    assert.ok(recovery[victim]! < 5_000, `served again ${recovery[victim]!.toFixed(0)} ms after killing ${victim}`);
    const after = await untilBack(victim, before.pid);
    back[victim] = performance.now() - killedAt;
    assert.equal(Number(after.restarts), Number(before.restarts) + 1, `${victim}: one restart counted`);
  }
  console.log(`back after SIGKILL, by the supervisor (ms): ${JSON.stringify(Object.fromEntries(Object.entries(back).map(([k, v]) => [k, Math.round(v)])))}`);
  const c = await client();
  const found = new Set((await c.query('SELECT id FROM acked')).rows.map((r: { id: number }) => r.id));
  await end(c);
  assert.deepEqual(acknowledged.filter((id) => !found.has(id)), [], 'every acknowledged commit is there');
  console.log(`recovery after SIGKILL (ms): ${JSON.stringify(Object.fromEntries(Object.entries(recovery).map(([k, v]) => [k, Math.round(v)])))}`);
});

test('a leader stalled until a standby took over goes when it wakes, and no read misses a commit of its successor', opts, async () => {
  const leader = [...(await statusRows()).entries()].find(([, row]) => row.state === 'leader')!;
  const [name, { pid }] = leader;
  const c = await client();
  let id = 3000;
  await insert(c, id++);
  const logBefore = readFileSync(join(dir, 'logs', `${name}.log`), 'utf8').length;
  const log = () => readFileSync(join(dir, 'logs', `${name}.log`), 'utf8').slice(logBefore);
  // Stopped, the leader's lease runs out and a standby takes over; the old one does not know.
  process.kill(Number(pid), 'SIGSTOP');
  try {
    const next = id++;
    const served = await untilServed(async (d, earlier) => { await insertAgain(d, next, earlier); }, 30_000);
    console.log(`stalled leader ${name}: a standby served commits after ${Math.round(served)} ms`);
  } finally {
    process.kill(Number(pid), 'SIGCONT');
  }
  // Awake, it is deposed (its leadership check or its lease) and exits; commits and reads go on
  // and every session sees every acknowledged commit.
  const woke = performance.now();
  for (let i = 0; i < 20; i++) await insert(c, id++);
  const sessions = await Promise.all(Array.from({ length: 4 }, () => client()));
  for (const s of sessions) {
    await insert(s, id++);
    for (const t of sessions) assert.deepEqual((await t.query('SELECT count(*)::int AS n FROM acked')).rows, [{ n: acknowledged.length }]);
  }
  await Promise.all([end(c), ...sessions.map(end)]);
  while (!/deposed as adjudicator leader|adjudicator leadership lost/.test(log())) {
    assert.ok(performance.now() - woke < 20_000, `${name} noticed it was deposed`);
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`${name} woke: ${/deposed as adjudicator leader/.test(log()) ? 'its leadership check' : 'its lease'} deposed it`);
  await untilBack(name, pid);
});

test('two relays share the client port: losing one costs only its sessions; new ones connect at once, also while it starts again', opts, async () => {
  // The kernel picks the relay that accepts each connection, and may favour one: open sessions
  // until both relays serve some (each session's relay found by its socket), so the kill below
  // always has sessions to keep and sessions to lose.
  const relay1 = (await statusRows()).get('relay-1')!.pid;
  const sessions: pg.Client[] = [];
  let onRelay1: pg.Client[] = [];
  while (onRelay1.length === 0 || onRelay1.length === sessions.length) {
    assert.ok(sessions.length < 96, `both relays accept connections (${sessions.length} sessions, ${onRelay1.length} on relay-1)`);
    sessions.push(...await Promise.all(Array.from({ length: 12 }, () => client())));
    for (const s of sessions) await s.query('SELECT 1');
    const held = socketInodes(relay1);
    onRelay1 = sessions.filter((s) => held.has(serverEndInode(port, socketOf(s).localPort!) ?? ''));
  }
  const before = (await statusRows()).get('relay-2')!;
  assert.equal(before.state, 'serving');
  const killedAt = performance.now();
  const killed = localKill(dir, 'relay-2');
  const connected = await untilServed(async (c) => { await c.query('SELECT 1'); });
  // New sessions keep coming while the supervisor starts relay-2 again: a relay that took
  // connections before it could serve them left them waiting. A refused one may be retried;
  // one left waiting fails (client() bounds it and says where it sits).
  let restarting = true;
  const whileRestarting = (async () => {
    let served = 0;
    while (restarting) {
      try {
        const c = await client();
        await c.query('SELECT 1');
        await end(c);
        served++;
      } catch (error) {
        if (/no answer within/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return served;
  })();
  whileRestarting.catch(() => {}); // awaited below
  const alive = (await Promise.all(sessions.map((s) => s.query('SELECT 1').then(() => true, () => false)))).filter(Boolean).length;
  console.log(`relay-2 killed: ${alive} of ${sessions.length} sessions kept; a new session connected after ${Math.round(performance.now() - killedAt)} ms`);
  assert.equal(alive, onRelay1.length, 'the sessions through relay-1 are kept, those through relay-2 lost');
  for (const s of onRelay1) await s.query('SELECT 1');
  assert.ok(connected < 5_000);
  await Promise.all(sessions.map((s) => end(s).catch(() => {})));
  try {
    await untilBack('relay-2', String(killed));
  } finally {
    restarting = false;
  }
  console.log(`relay-2 back: ${await whileRestarting} sessions connected and served while it started again`);
});

test('the journal is trimmed behind the replicas; a replica down longer than the retention comes back from a snapshot', opts, async () => {
  const config = parseClusterConfig(readFileSync(join(dir, 'cluster.json'), 'utf8'), 'cluster.json');
  const coordination = new EtcdCoordination(config.etcd);
  try {
    const journal = await CoordinatedJournal.open({ coordination, timers: new SystemTimers(), prefix: journalPrefix(config) });
    // Stopped, not killed: the supervisor would start a killed replica again at once.
    await strata('local', 'stop', '--dir', dir, 'storage-3');
    const atKill = await journal.refreshTail();
    const c = await client();
    let id = 5000;
    // Commits go on while storage-3 is down, until the journal no longer holds what it missed.
    const deadline = performance.now() + 60_000;
    while ((await journal.oldestPosition()) <= atKill + 1) {
      assert.ok(performance.now() < deadline, 'the leader trims the journal once the live replicas applied it');
      await insert(c, id++);
      await new Promise((r) => setTimeout(r, 100));
    }
    await insert(c, id++);
    assert.equal((await statusRows()).get('storage-3')!.state, 'stopped (held)', 'a stopped node stays down');
    await strata('local', 'start', '--dir', dir, 'storage-3');
    await untilServed(async () => {
      if ((await status()).get('storage-3') !== 'serving') throw new Error('storage-3 is not serving yet');
    }, 60_000);
    assert.match(readFileSync(join(dir, 'logs', 'storage-3.log'), 'utf8'), /restored \d+ entries from/);
    // With the other replicas gone, every read is served by the restored one.
    await strata('local', 'stop', '--dir', dir, 'storage-1');
    await strata('local', 'stop', '--dir', dir, 'storage-2');
    await untilServed(async (d) => {
      const found = new Set((await d.query('SELECT id FROM acked')).rows.map((r: { id: number }) => r.id));
      assert.deepEqual(acknowledged.filter((a) => !found.has(a)), [], 'the restored replica has every acknowledged commit');
      assert.equal(found.size, acknowledged.length);
    }, 30_000);
    await insert(c, id++);
    await end(c);
    await strata('local', 'start', '--dir', dir, 'storage-1');
    await strata('local', 'start', '--dir', dir, 'storage-2');
  } finally {
    await coordination.close();
  }
});

test('the control node runs index builds; one it was running when killed is resumed by its restart', opts, async () => {
  const c = await client();
  await c.query('CREATE TABLE built (id int PRIMARY KEY, v int)');
  const rows = 15_000;
  for (let from = 1; from <= rows; from += 3_000) {
    await c.query('INSERT INTO built SELECT n, n % 7 FROM generate_series($1::int, $2::int) n', [from, from + 2_999]);
  }
  const jobId = (await c.query('CREATE INDEX ASYNC built_v ON built (v)')).rows[0].job_id as string;
  const log = () => readFileSync(join(dir, 'logs', 'control-1.log'), 'utf8');
  const started = performance.now();
  while (!log().includes(`index build ${jobId} (public.built_v): running it`)) {
    assert.ok(performance.now() - started < 20_000, 'the control leader picks the build up');
    await new Promise((r) => setTimeout(r, 20));
  }
  // Killed from here (what `strata local kill` does) so the kill lands within the build.
  const killed = localKill(dir, 'control-1');
  const interrupted = !log().includes(`index build ${jobId}: completed`);
  // Without a resumed build the wait never ends: bounded like every query (QUERY_MS).
  await c.query(`CALL sys.wait_for_job('${jobId}')`);
  const valid = await c.query("SELECT indisvalid FROM pg_index i JOIN pg_class k ON k.oid = i.indexrelid WHERE k.relname = 'built_v'");
  assert.deepEqual(valid.rows, [{ indisvalid: true }]);
  const expected = Array.from({ length: rows }, (_, i) => i + 1).filter((n) => n % 7 === 3).length;
  assert.equal((await c.query('SELECT count(*)::int AS n FROM built WHERE v = 3')).rows[0].n, expected);
  await end(c);
  const runs = log().split(`index build ${jobId} (public.built_v): running it`).length - 1;
  if (interrupted) assert.equal(runs, 2, 'the restarted control node ran the interrupted build again');
  console.log(`index build: ${interrupted ? 'interrupted by the kill and resumed' : 'completed before the kill landed'}; run ${runs} times`);
  await untilBack('control-1', String(killed));
});

test('the control node serves DSQL\'s API for the cluster; what it changes lives in etcd and outlives the node', opts, async () => {
  const { client: dsql, identity, forged, backup } = controlApiClient(dir, 'control-1');
  try {
    const listed = await dsql.send(new ListClustersCommand({}));
    assert.equal(listed.clusters?.length, 1);
    const { identifier, arn } = listed.clusters![0]!;
    assert.equal(identifier, identity.clusterId);
    const before = await dsql.send(new GetClusterCommand({ identifier }));
    assert.equal(before.status, 'ACTIVE');
    assert.equal(before.arn, arn);
    assert.equal((before as { endpoint?: string }).endpoint, identity.endpoint);
    assert.equal(before.deletionProtectionEnabled, true);
    await assert.rejects(forged.send(new GetClusterCommand({ identifier })), (e: Error) => e.name === 'UnrecognizedClientException' || e.name === 'InvalidSignatureException');
    await assert.rejects(dsql.send(new GetClusterCommand({ identifier: 'z'.repeat(26) })), { name: 'ResourceNotFoundException' });
    await assert.rejects(dsql.send(new DeleteClusterCommand({ identifier })), (e: Error & { reason?: string }) => e.name === 'ValidationException' && e.reason === 'deletionProtectionEnabled');
    await assert.rejects(dsql.send(new CreateClusterCommand({})), (e: Error) => e.name === 'ValidationException' && /deployment of its own/.test(e.message));

    await dsql.send(new TagResourceCommand({ resourceArn: arn, tags: { team: 'db' } }));
    await dsql.send(new UpdateClusterCommand({ identifier, deletionProtectionEnabled: false }));
    await assert.rejects(dsql.send(new DeleteClusterCommand({ identifier })), (e: Error) => e.name === 'ValidationException' && /strata local down/.test(e.message));

    // The node's memory holds none of it: killed and started again, it reads it all back.
    const killed = localKill(dir, 'control-1');
    await untilBack('control-1', String(killed));
    let after: GetClusterCommandOutput | undefined;
    const started = performance.now();
    while (after === undefined) {
      after = await dsql.send(new GetClusterCommand({ identifier })).catch(async (error: Error) => {
        assert.ok(performance.now() - started < CONNECT_MS, `the API is back within ${CONNECT_MS} ms: ${error.message}`);
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    assert.equal(after.deletionProtectionEnabled, false);
    assert.deepEqual(after.tags, { team: 'db' });
    assert.equal(after.creationTime?.getTime(), before.creationTime?.getTime());
    assert.deepEqual((await dsql.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { team: 'db' });
  } finally {
    dsql.destroy();
    forged.destroy();
    backup.destroy();
  }
});
