/**
 * `strata local up --regions east,west --witness wit` end to end (DESIGN.md §4, docs/distributed.md
 * "Multi-region"): two peer regions with an endpoint each and a witness that holds only an etcd
 * member. Writes through either endpoint are seen through the other at once; first committer
 * wins across regions; losing the witness or a whole peer region (the one with the adjudicator
 * leader, then the other) loses no acknowledged commit and the surviving region serves again; a
 * region cut off from the other two answers 57P03 within a bound — never a stale read, never a
 * hang — and serves again when the cut heals.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { localUpOnFreePort } from '../support/local-cli.js';
import { decodeUsageFile } from '../../src/metering/usage-store.js';
import type { UsageReport } from '../../src/metering/usage-report.js';
import { etcdUnavailableReason } from '../support/etcd.js';
import { controlApiClient } from '../support/control-api.js';
import { GetClusterCommand, TagResourceCommand } from '@aws-sdk/client-dsql';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');
const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 240_000 };
const REGIONS = ['east', 'west'] as const;
type Region = (typeof REGIONS)[number];
let dir = '';
/** Each peer region's client endpoint. */
const ports = new Map<Region, number>();
let password = '';

/** Bounds on what the tests wait for (a loaded 2-core machine): generous, but a hang fails. */
const COMMAND_MS = 120_000;
const CONNECT_MS = 30_000;
const QUERY_MS = 45_000;
/** A region cut off from the other two must answer every statement within this (reads wait at most 10 s at storage, commits 8 s + one 5 s attempt). */
const CUT_OFF_ANSWER_MS = 30_000;

async function strata(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [STRATA, ...args], { timeout: COMMAND_MS });
  return stdout;
}

/** A session through a region's endpoint; its connect and every query are bounded on the client. */
async function client(region: Region): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: ports.get(region)!, user: 'admin', password, database: 'postgres',
    connectionTimeoutMillis: CONNECT_MS, query_timeout: QUERY_MS });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function end(c: pg.Client): Promise<void> {
  await Promise.race([c.end(), new Promise((r) => setTimeout(r, 5_000))]).catch(() => {});
}

/** Name → region and state, as `strata local status` prints them. */
async function statusRows(): Promise<Map<string, { region: string; state: string }>> {
  const lines = (await strata('local', 'status', '--dir', dir)).trim().split('\n');
  assert.deepEqual(lines[0]!.split(/\s{2,}/).slice(0, 6), ['NAME', 'ROLE', 'REGION', 'AZ', 'PID', 'STATE']);
  return new Map(lines.slice(1).map((l) => {
    const cells = l.split(/\s{2,}/);
    return [cells[0]!, { region: cells[2]!, state: cells[5]! }];
  }));
}

async function leaderRegion(): Promise<Region> {
  const leaders = [...(await statusRows()).values()].filter((row) => row.state === 'leader');
  assert.equal(leaders.length, 1, 'one adjudicator leads');
  return leaders[0]!.region as Region;
}

/** Retries `body` on a fresh session through `region` until it succeeds; returns how long that took. */
async function untilServed(region: Region, body: (c: pg.Client) => Promise<void>, limitMs = 60_000): Promise<number> {
  const started = performance.now();
  let lastError: unknown = null;
  while (performance.now() - started < limitMs) {
    let c: pg.Client | null = null;
    try {
      c = await client(region);
      await body(c);
      return performance.now() - started;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      if (c !== null) await end(c);
    }
  }
  throw new Error(`${region} not served within ${limitMs} ms: ${(lastError as Error)?.message}`);
}

const acknowledged: number[] = [];
let nextId = 1;
async function insert(c: pg.Client, id = nextId++): Promise<number> {
  await c.query('INSERT INTO acked (id, note) VALUES ($1, $2)', [id, 'x']);
  acknowledged.push(id);
  return id;
}

/** Every acknowledged commit is there, read through `region`. */
async function assertNothingLost(region: Region): Promise<void> {
  await untilServed(region, async (c) => {
    const found = new Set((await c.query('SELECT id FROM acked')).rows.map((r: { id: number }) => r.id));
    assert.deepEqual(acknowledged.filter((id) => !found.has(id)), [], `every acknowledged commit is there (read in ${region})`);
  });
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'strata-regions-'));
  // The endpoints of east and west: two consecutive ports.
  const { port, out } = await localUpOnFreePort(['--dir', dir, '--regions', 'east,west', '--witness', 'wit', '--azs', '1', '--owner-pid', String(process.pid)], { pair: true });
  ports.set('east', port).set('west', port + 1);
  assert.match(out, /ready: .* in regions east, west \(1 AZs each\) and witness wit/);
  assert.match(out, new RegExp(`connect \\(east\\): .*port=${port} `));
  assert.match(out, new RegExp(`connect \\(west\\): .*port=${port + 1} `));
  password = (await strata('token', '--data-dir', dir, '--admin')).trim();
});

after(async () => {
  if (skip || dir === '') return;
  await strata('local', 'down', '--dir', dir).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

test('every node has its region; the witness runs only etcd', opts, async () => {
  const rows = await statusRows();
  const byRegion = (region: string) => [...rows.entries()].filter(([, row]) => row.region === region).map(([name]) => name).sort();
  assert.deepEqual(byRegion('wit'), ['wit-etcd-1']);
  for (const region of REGIONS) {
    assert.deepEqual(byRegion(region), [`${region}-adjudicator-1`, `${region}-control-1`, `${region}-etcd-1`, `${region}-qp-1`,
      `${region}-relay-1`, `${region}-storage-1`]);
  }
  await leaderRegion();
});

test('each region\'s control node shows the linked cluster: its witness and both peers\' ARNs, one set of tags', opts, async () => {
  const [east, west] = REGIONS.map((region) => controlApiClient(dir, `${region}-control-1`));
  try {
    const identifier = east!.identity.clusterId;
    const seen = await Promise.all([east!, west!].map(({ client }) => client.send(new GetClusterCommand({ identifier }))));
    const account = /:(\d{12}):/.exec(seen[0]!.arn!)![1];
    for (const view of seen) {
      assert.deepEqual(view.multiRegionProperties, { witnessRegion: 'wit', clusters: REGIONS.map((region) => `arn:aws:dsql:${region}:${account}:cluster/${identifier}`) });
    }
    // A change through one region's node is what the other's shows.
    await east!.client.send(new TagResourceCommand({ resourceArn: seen[0]!.multiRegionProperties!.clusters![1]!, tags: { linked: 'yes' } }));
    assert.deepEqual((await west!.client.send(new GetClusterCommand({ identifier }))).tags, { linked: 'yes' });
  } finally {
    for (const side of [east!, west!]) {
      side.client.destroy();
      side.forged.destroy();
      side.backup.destroy();
    }
  }
});

test('a commit acknowledged through one endpoint is seen through the other at once, both ways', opts, async () => {
  const east = await client('east');
  const west = await client('west');
  await east.query('CREATE TABLE acked (id int PRIMARY KEY, note text)');
  // No stale read: each read starts after the commit was acknowledged in the other region.
  for (let i = 0; i < 10; i++) {
    const [writer, reader] = i % 2 === 0 ? [east, west] : [west, east];
    const id = await insert(writer);
    assert.deepEqual((await reader.query('SELECT id FROM acked WHERE id = $1', [id])).rows, [{ id }]);
    assert.deepEqual((await reader.query('SELECT count(*)::int AS n FROM acked')).rows, [{ n: acknowledged.length }]);
  }
  await Promise.all([end(east), end(west)]);
});

test('each region bills the writes it originated once more for its peer, as MultiRegionWriteDPU; usage --region shows one region\'s bill', opts, async () => {
  // The test before wrote through both endpoints; each QP writes its usage file every 5 s.
  const deadline = performance.now() + 60_000;
  for (;;) {
    const totals = REGIONS.map((region) => {
      const path = join(dir, 'usage', `${region}-qp-1.json`);
      return existsSync(path) ? decodeUsageFile(readFileSync(path)).totals : null;
    });
    if (totals.every((t) => t !== null && t.WriteDPU > 0) || performance.now() > deadline) {
      for (const [i, t] of totals.entries()) {
        assert.ok(t !== null && t.WriteDPU > 0, `${REGIONS[i]} wrote (${JSON.stringify(t)})`);
        assert.ok(Math.abs(t.MultiRegionWriteDPU - t.WriteDPU) < 1e-9, `${REGIONS[i]}: one peer, so its writes once more`);
        // `strata usage --region` shows that region's bill alone: its QP's writes and its replica's size.
        const report = JSON.parse(await strata('usage', '--dir', dir, '--region', REGIONS[i]!, '--json')) as UsageReport;
        assert.equal(report.sources, 1);
        assert.ok(report.totals.WriteDPU >= t.WriteDPU, `${REGIONS[i]}'s report holds its QP's writes`);
        assert.ok(report.totals.TotalDPU >= report.totals.WriteDPU + report.totals.MultiRegionWriteDPU);
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
});

test('conflicting transactions through both endpoints: the first committer wins, the other gets 40001 OC000', opts, async () => {
  const east = await client('east');
  const west = await client('west');
  for (const [first, second] of [[east, west], [west, east]] as const) {
    await first.query('BEGIN');
    await second.query('BEGIN');
    await first.query("UPDATE acked SET note = 'first' WHERE id = 1");
    await second.query("UPDATE acked SET note = 'second' WHERE id = 1");
    await first.query('COMMIT');
    await assert.rejects(second.query('COMMIT'), (e: pg.DatabaseError) => e.code === '40001' && /OC000/.test(e.message));
    assert.deepEqual((await second.query('SELECT note FROM acked WHERE id = 1')).rows, [{ note: 'first' }]);
  }
  await Promise.all([end(east), end(west)]);
});

test('losing the witness: both regions keep committing', opts, async () => {
  await strata('local', 'kill', '--dir', dir, '--region', 'wit');
  const served: Record<string, number> = {};
  for (const region of REGIONS) served[region] = await untilServed(region, async (c) => { await insert(c); });
  console.log(`witness lost: commits served in (ms) ${JSON.stringify(served)}`);
  await strata('local', 'restart', '--dir', dir, '--region', 'wit');
  await assertNothingLost('east');
});

test('a region cut off from the other two answers 57P03 within a bound — no stale read, no hang — and serves again after', opts, async () => {
  const cut: Region = 'east';
  // A transaction whose writes are buffered before the cut commits during it.
  const pending = await client(cut);
  await pending.query('BEGIN');
  const pendingId = 900_000;
  await pending.query('INSERT INTO acked (id, note) VALUES ($1, $2)', [pendingId, 'cut']);
  await strata('local', 'pause', '--dir', dir, '--region', 'west');
  await strata('local', 'pause', '--dir', dir, '--region', 'wit');
  const answeredMs: number[] = [];
  try {
    const c = await client(cut);
    for (const statement of ['SELECT id FROM acked', 'INSERT INTO acked (id, note) VALUES (900001, \'cut\')', 'COMMIT']) {
      const started = performance.now();
      const session = statement === 'COMMIT' ? pending : c;
      const outcome = await session.query(statement).then((result) => ({ result }), (error: pg.DatabaseError) => ({ error }));
      answeredMs.push(performance.now() - started);
      assert.ok(answeredMs.at(-1)! < CUT_OFF_ANSWER_MS, `"${statement}" answered within ${CUT_OFF_ANSWER_MS} ms (${answeredMs.at(-1)!.toFixed(0)})`);
      if ('result' in outcome) {
        // Served before the cut was noticed: then it must not be stale (nothing can commit anywhere now).
        assert.notEqual(statement, 'INSERT INTO acked (id, note) VALUES (900001, \'cut\')', 'no commit while cut off');
        if (statement === 'SELECT id FROM acked') assert.equal(outcome.result.rows.length, acknowledged.length, 'a read while cut off is not stale');
      } else {
        assert.equal(outcome.error.code, '57P03', `"${statement}": ${outcome.error.message} ${outcome.error.detail ?? ''}`);
      }
    }
    await end(c);
  } finally {
    await strata('local', 'resume', '--dir', dir, '--region', 'wit');
    await strata('local', 'resume', '--dir', dir, '--region', 'west');
  }
  await end(pending);
  console.log(`cut off: answers after (ms) ${JSON.stringify(answeredMs.map(Math.round))}`);
  const again = await untilServed(cut, async (c) => { await insert(c); });
  console.log(`cut healed: ${cut} commits again after ${Math.round(again)} ms`);
  await assertNothingLost(cut);
  await assertNothingLost('west');
});

/** Kills `lost`: the other region commits again, then `lost` comes back, catches up and serves. */
async function loseRegion(lost: Region): Promise<void> {
  const other: Region = lost === 'east' ? 'west' : 'east';
  const killedAt = performance.now();
  await strata('local', 'kill', '--dir', dir, '--region', lost);
  const served = await untilServed(other, async (c) => { await insert(c); });
  await assertNothingLost(other);
  for (let i = 0; i < 5; i++) await untilServed(other, async (c) => { await insert(c); });
  await strata('local', 'restart', '--dir', dir, '--region', lost);
  // Back: it has caught up with what committed while it was gone, and commits again.
  const back = await untilServed(lost, async (c) => { await insert(c); }, 120_000);
  await assertNothingLost(lost);
  console.log(`${lost} lost: ${other} committed again after ${Math.round(served)} ms; ${lost} served again ${Math.round(back)} ms after its restart (${Math.round(performance.now() - killedAt)} ms after the kill)`);
  assert.ok(served < 60_000);
}

test('losing the region that holds the adjudicator leader: the other region serves, nothing lost, the region comes back', opts, async () => {
  const lost = await leaderRegion();
  await loseRegion(lost);
  assert.notEqual(await leaderRegion(), lost, 'the leader moved to the surviving region');
});

test('losing the region without the leader: the other region serves, nothing lost, the region comes back', opts, async () => {
  const leader = await leaderRegion();
  const lost: Region = leader === 'east' ? 'west' : 'east';
  await loseRegion(lost);
  assert.equal(await leaderRegion(), leader, 'the leader stayed where it was');
});
