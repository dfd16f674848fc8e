/**
 * The fault run of issue 3: a workload of bank transfers and append-only lists, with a recorded
 * history, against a `strata local up` cluster while each role in turn is killed with SIGKILL
 * and restarted (with `regions`, whole regions of a multi-region cluster too). It checks that
 * every acknowledged commit is there afterwards, that the bank total never changes in any
 * snapshot, that the list-append history has no snapshot-isolation anomaly (the Elle-style
 * checker in test/support/elle), and that the cluster serves again within a bound after each kill.
 *
 * `npm run fault [-- --seconds-per-fault N] [--regions]` runs the long version; the default test
 * suite runs short ones (test/distributed/fault.test.ts, multi-region.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { localUpOnFreePort } from '../support/local-cli.js';
import { localKill, localKillRegion, localPid, localRestartRegion, localStatus, readState, recordedAlive } from '../../src/cli/local-cluster.js';
import { HistoryRecorder } from '../support/elle/recorder.js';
import { checkListAppend, type CheckResult } from '../support/elle/list-append.js';
import type { MicroOp, Txn } from '../support/elle/history.js';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');

export interface FaultRunOptions {
  /**
   * Roles to kill in turn (node names; `leader` means the current adjudicator leader). With
   * `regions`, also whole regions: `region:leader` (the peer region holding the leader),
   * `region:standby` (the other peer region), `region:wit` (the witness); a lost region stays
   * down for `secondsPerFault`, then starts again (`strata local kill|restart --region`).
   */
  readonly victims: readonly string[];
  /**
   * A multi-region cluster (`--regions east,west --witness wit --azs 1`): the workload's sessions
   * alternate between the two regions' endpoints.
   */
  readonly regions?: boolean;
  /** `local up --storage-splits`: storage shards by key range (hex split keys). */
  readonly storageSplits?: readonly string[];
  /** How long the workload runs after each kill (and before the first). */
  readonly secondsPerFault: number;
  readonly clients: number;
  readonly keys: number;
  readonly accounts: number;
  readonly log?: (line: string) => void;
}

export interface FaultRunReport {
  readonly acknowledged: number;
  readonly found: number;
  readonly missing: number;
  readonly failed: number;
  readonly unknown: number;
  readonly bankReads: number;
  readonly bankViolations: number;
  readonly anomalies: CheckResult['counts'];
  readonly historyValid: boolean;
  /** Victim → ms from the kill until the first acknowledged commit of a transaction begun after it. */
  readonly recoveryMs: Record<string, number>;
  readonly dir: string;
}

const INITIAL_BALANCE = 100;

async function strata(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [STRATA, ...args], { timeout: 120_000 });
  return stdout;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function faultRun(options: FaultRunOptions): Promise<FaultRunReport> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'strata-fault-'));
  const layout = options.regions === true ? ['--regions', `${REGIONS.join(',')}`, '--witness', WITNESS, '--azs', '1'] : ['--azs', '3'];
  const splits = options.storageSplits === undefined ? [] : ['--storage-splits', options.storageSplits.join(',')];
  // --owner-pid: if this process is killed before its `finally`, the supervisor stops the cluster.
  const { port } = await localUpOnFreePort(['--dir', dir, ...layout, ...splits, '--owner-pid', String(process.pid)], { pair: options.regions === true });
  try {
    const password = (await strata('token', '--data-dir', dir, '--admin', '--expires-in', '3600')).trim();
    const endpoints = options.regions === true ? [port, port + 1] : [port];
    let sessions = 0;
    const connect = async (): Promise<pg.Client> => {
      const c = new pg.Client({ host: '127.0.0.1', port: endpoints[sessions++ % endpoints.length], user: 'admin', password, database: 'postgres',
        connectionTimeoutMillis: 5_000, query_timeout: 15_000 });
      c.on('error', () => {});
      await c.connect();
      return c;
    };
    await setUp(connect, options);
    const workload = new Workload(connect, options);
    const stop = workload.start();
    const recoveryMs: Record<string, number> = {};
    await sleep(options.secondsPerFault * 1000);
    for (const victimSpec of options.victims) {
      if (victimSpec.startsWith('region:')) {
        // The same region may be lost twice (region:leader after the leader moved): one entry each.
        recoveryMs[uniqueKey(recoveryMs, victimSpec)] = await loseRegion(dir, victimSpec.slice('region:'.length), workload, options, log);
        continue;
      }
      const [key, ms] = await inflict(dir, victimSpec, workload, log);
      recoveryMs[uniqueKey(recoveryMs, key)] = ms;
      await sleep(options.secondsPerFault * 1000);
    }
    await stop();
    return { ...(await workload.verify(connect)), recoveryMs, dir };
  } finally {
    await strata('local', 'down', '--dir', dir).catch(() => {});
    if (!process.env['STRATA_KEEP_FAULT_DIR']) rmSync(dir, { recursive: true, force: true });
  }
}

/** How long `pause:` holds a process stopped: past the leader's 3 s lease, so a standby takes over. */
const PAUSE_MS = 4_000;

function uniqueKey(taken: Record<string, number>, key: string): string {
  let unique = key;
  for (let n = 2; unique in taken; n++) unique = `${key} #${n}`;
  return unique;
}

/**
 * One fault that is not a region's loss, then waits until every process it hit runs again.
 * Returns the report's key (the names hit, resolved) and the ms from the fault to the first
 * commit acknowledged of a transaction begun after it.
 *  - `NAME`, `leader` (the adjudicator leader), `etcd-leader` (the etcd member leading raft):
 *    SIGKILL; the supervisor starts it again.
 *  - `A+B+…`: those killed at the same instant (a replica and the leader, say).
 *  - `all`: every etcd member and node at the same instant (a power cut; the supervisor lives).
 *  - `pause:TARGET`: SIGSTOP for PAUSE_MS, then SIGCONT (a stall: GC, a frozen VM, a partition
 *    that heals) — the process wakes among peers that went on without it.
 */
async function inflict(dir: string, spec: string, workload: Workload, log: (line: string) => void): Promise<[string, number]> {
  if (spec.startsWith('pause:')) {
    const victim = await resolveVictim(dir, spec.slice('pause:'.length));
    const pausedAt = performance.now();
    localKill(dir, victim, 'SIGSTOP');
    log(`paused ${victim}`);
    const acknowledged = workload.nextAcknowledgementAfter(pausedAt, 30_000);
    let during: number | null;
    try {
      during = await Promise.race([acknowledged, sleep(PAUSE_MS).then(() => null)]);
    } finally {
      localKill(dir, victim, 'SIGCONT');
    }
    log(`resumed ${victim}`);
    // Commits that waited on the paused process (a QP's own sessions) go on once it wakes.
    const recovered = during ?? await acknowledged;
    log(`pause:${victim}: commits acknowledged again after ${(recovered - pausedAt).toFixed(0)} ms`);
    await untilRunning(dir, [victim]);
    return [`pause:${victim}`, recovered - pausedAt];
  }
  const victims = spec === 'all' ? allProcesses(dir) : await Promise.all(spec.split('+').map((v) => resolveVictim(dir, v)));
  // Killed from this process (what `strata local kill` does), so the time is the kill's own.
  const killedAt = performance.now();
  const killed = victims.map((victim) => localKill(dir, victim));
  const key = spec === 'all' ? 'all' : victims.join('+');
  log(`killed ${key}`);
  const recovery = await workload.nextAcknowledgementAfter(killedAt, 60_000) - killedAt;
  log(`${key}: commits acknowledged again after ${recovery.toFixed(0)} ms`);
  // The supervisor of `strata local up` starts the victims again.
  await Promise.all(victims.map((victim, i) => untilRestarted(dir, victim, killed[i]!)));
  return [key, recovery];
}

async function resolveVictim(dir: string, victim: string): Promise<string> {
  if (victim === 'leader') return currentLeader(dir);
  if (victim === 'etcd-leader') return etcdLeader(dir);
  return victim;
}

/** Every etcd member and node of the cluster (not the supervisor). */
function allProcesses(dir: string): string[] {
  return Object.keys(readState(dir).state.pids);
}

/** The etcd member that leads raft now, from each member's `etcd_server_is_leader` gauge. */
async function etcdLeader(dir: string): Promise<string> {
  for (const member of readState(dir).state.etcd) {
    const metrics = await fetch(`http://${member.host ?? '127.0.0.1'}:${member.clientPort}/metrics`).then((r) => r.text()).catch(() => '');
    if (/^etcd_server_is_leader 1$/m.test(metrics)) return member.name;
  }
  throw new Error('no etcd member says it leads');
}

/** Each named process runs: the one paused, or (a paused leader exits when it wakes) its restart. */
async function untilRunning(dir: string, names: readonly string[]): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { state } = readState(dir);
    if (names.every((name) => recordedAlive(state, state.pids[name] ?? -1))) return;
    await sleep(100);
  }
  throw new Error(`${names.join(', ')} did not run again within 30 s`);
}

const REGIONS = ['east', 'west'] as const;
const WITNESS = 'wit';

/**
 * Kills every process of a region (`leader`: the one holding the adjudicator leader; `standby`:
 * the other peer region; else a region's name), lets the workload run on the survivors, then
 * starts the region again. Returns the ms from the kill to the first commit acknowledged after it.
 */
async function loseRegion(dir: string, which: string, workload: Workload, options: FaultRunOptions, log: (line: string) => void): Promise<number> {
  const leader = await leaderRegion(dir);
  const region = which === 'leader' ? leader : which === 'standby' ? REGIONS.find((r) => r !== leader)! : which;
  const killedAt = performance.now();
  localKillRegion(dir, region);
  log(`lost region ${region}${region === leader ? ' (it held the adjudicator leader)' : ''}`);
  const recovery = await workload.nextAcknowledgementAfter(killedAt, 30_000) - killedAt;
  log(`region ${region}: commits acknowledged again after ${recovery.toFixed(0)} ms`);
  await sleep(options.secondsPerFault * 1000);
  await localRestartRegion(dir, region);
  log(`region ${region} started again`);
  return recovery;
}

async function leaderRegion(dir: string): Promise<string> {
  const lines = await localStatus(dir);
  const leader = lines.map((l) => l.split(/\s+/)).find((cells) => cells[5] === 'leader');
  if (!leader) throw new Error('no adjudicator leader in status');
  return leader[2]!;
}

async function untilRestarted(dir: string, name: string, killed: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (localPid(dir, name) !== killed) return;
    await sleep(100);
  }
  throw new Error(`the supervisor did not start ${name} again within 30 s`);
}

async function currentLeader(dir: string): Promise<string> {
  const lines = await localStatus(dir);
  const leader = lines.map((l) => l.split(/\s+/)).find((cells) => cells[5] === 'leader');
  if (!leader) throw new Error('no adjudicator leader in status');
  return leader[0]!;
}

async function setUp(connect: () => Promise<pg.Client>, options: FaultRunOptions): Promise<void> {
  const c = await connect();
  try {
    await c.query('CREATE TABLE lists (k int PRIMARY KEY, v text NOT NULL)');
    await c.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)');
    const keys = Array.from({ length: options.keys }, (_, k) => `(${k}, '')`).join(', ');
    await c.query(`INSERT INTO lists VALUES ${keys}`);
    const accounts = Array.from({ length: options.accounts }, (_, id) => `(${id}, ${INITIAL_BALANCE})`).join(', ');
    await c.query(`INSERT INTO accounts VALUES ${accounts}`);
  } finally {
    await c.end();
  }
}

/** Splits the stored list text ('' or ',1,7,9') into elements. */
function elements(text: string): number[] {
  return text === '' ? [] : text.slice(1).split(',').map(Number);
}

class Workload {
  private readonly recorder = new HistoryRecorder({ clock: () => performance.now() });
  private nextProcess = 0;
  private nextElement = 1;
  private running = true;
  private readonly waiters: { after: number; resolve: (at: number) => void }[] = [];
  private failed = 0;
  private unknown = 0;
  private bankReads = 0;
  private bankViolations = 0;
  private readonly seed: () => number;

  constructor(private readonly connect: () => Promise<pg.Client>, private readonly options: FaultRunOptions) {
    let state = 0x2545f491;
    this.seed = () => {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
      return (state >>> 0) / 0x1_0000_0000;
    };
  }

  start(): () => Promise<void> {
    const lanes = Array.from({ length: this.options.clients }, () => this.lane());
    return async () => {
      this.running = false;
      await Promise.all(lanes);
    };
  }

  /** A commit of a transaction that began at `startedAt` was acknowledged. */
  private acknowledged(startedAt: number): void {
    const now = performance.now();
    // Only a transaction begun after the kill shows the cluster serving again: one begun
    // before may have been decided before the kill and only answered after it.
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (startedAt > this.waiters[i]!.after) this.waiters.splice(i, 1)[0]!.resolve(now);
    }
  }

  nextAcknowledgementAfter(after: number, limitMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter = { after, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) {
          this.waiters.splice(index, 1);
          reject(new Error(`no commit acknowledged within ${limitMs} ms of the kill`));
        }
      }, limitMs);
    });
  }

  private async lane(): Promise<void> {
    let client: pg.Client | null = null;
    let proc = this.nextProcess++;
    while (this.running) {
      try {
        client ??= await this.connect();
      } catch {
        await sleep(50);
        continue;
      }
      const outcome = this.seed() < 0.7 ? await this.listTransaction(client, proc) : await this.bankTransaction(client);
      if (outcome === 'lost-connection') {
        await client.end().catch(() => {});
        client = null;
      }
      if (outcome === 'info' || outcome === 'lost-connection') proc = this.nextProcess++;
    }
    await client?.end().catch(() => {});
  }

  /** A transaction of 1–4 micro-ops over a few keys: appends of fresh elements and reads. */
  private async listTransaction(client: pg.Client, process: number): Promise<'ok' | 'fail' | 'info' | 'lost-connection'> {
    const txn: MicroOp[] = [];
    const length = 1 + Math.floor(this.seed() * 4);
    for (let i = 0; i < length; i++) {
      const key = Math.floor(this.seed() * this.options.keys);
      txn.push(this.seed() < 0.5 ? ['append', key, this.nextElement++] : ['r', key, null]);
    }
    const startedAt = performance.now();
    const handle = this.recorder.invoke(process, txn);
    const result: MicroOp[] = [];
    let committing = false;
    try {
      await client.query('BEGIN');
      for (const mop of txn) {
        if (mop[0] === 'append') {
          await client.query("UPDATE lists SET v = v || ',' || $2 WHERE k = $1", [mop[1], String(mop[2])]);
          result.push(mop);
        } else {
          const rows = (await client.query('SELECT v FROM lists WHERE k = $1', [mop[1]])).rows as { v: string }[];
          result.push(['r', mop[1], elements(rows[0]!.v)]);
        }
      }
      committing = true;
      await client.query('COMMIT');
      this.recorder.ok(handle, result as Txn);
      // A transaction of reads alone never reaches the adjudicator: it shows reads served,
      // not commits, so it does not end a recovery.
      if (txn.some((mop) => mop[0] === 'append')) this.acknowledged(startedAt);
      return 'ok';
    } catch (error) {
      return this.settle(client, error, committing, () => this.recorder.fail(handle), () => this.recorder.info(handle));
    }
  }

  /** A transfer between two accounts, or a read of every balance (whose sum never changes). */
  private async bankTransaction(client: pg.Client): Promise<'ok' | 'fail' | 'info' | 'lost-connection'> {
    let committing = false;
    const startedAt = performance.now();
    try {
      if (this.seed() < 0.3) {
        await client.query('BEGIN');
        const rows = (await client.query('SELECT balance FROM accounts')).rows as { balance: number }[];
        committing = true;
        await client.query('COMMIT');
        this.bankReads++;
        const total = rows.reduce((sum, r) => sum + r.balance, 0);
        if (total !== INITIAL_BALANCE * this.options.accounts || rows.length !== this.options.accounts) this.bankViolations++;
        return 'ok';
      }
      const from = Math.floor(this.seed() * this.options.accounts);
      const to = (from + 1 + Math.floor(this.seed() * (this.options.accounts - 1))) % this.options.accounts;
      const amount = 1 + Math.floor(this.seed() * 5);
      await client.query('BEGIN');
      await client.query('UPDATE accounts SET balance = balance - $2 WHERE id = $1', [from, amount]);
      await client.query('UPDATE accounts SET balance = balance + $2 WHERE id = $1', [to, amount]);
      committing = true;
      await client.query('COMMIT');
      this.acknowledged(startedAt);
      return 'ok';
    } catch (error) {
      return this.settle(client, error, committing, () => {}, () => {});
    }
  }

  /**
   * Classifies a failed transaction: an answer from the server before COMMIT, or a 40001 at
   * COMMIT, means it had no effect; a lost connection or any other error (57P03 server unavailable) during COMMIT leaves it unknown.
   */
  private async settle(client: pg.Client, error: unknown, committing: boolean, fail: () => void, info: () => void): Promise<'fail' | 'info' | 'lost-connection'> {
    const code = (error as { code?: string }).code;
    const answered = typeof code === 'string' && code.length === 5;
    if (answered && (!committing || code === '40001')) {
      fail();
      this.failed++;
      await client.query('ROLLBACK').catch(() => {});
      return 'fail';
    }
    info();
    this.unknown++;
    if (answered) {
      await client.query('ROLLBACK').catch(() => {});
      return 'info';
    }
    return 'lost-connection';
  }

  async verify(connect: () => Promise<pg.Client>): Promise<Omit<FaultRunReport, 'recoveryMs' | 'dir'>> {
    let client: pg.Client | null = null;
    for (let attempt = 0; client === null; attempt++) {
      try {
        client = await connect();
      } catch (error) {
        if (attempt > 100) throw error;
        await sleep(100);
      }
    }
    try {
      const lists = (await client.query('SELECT k, v FROM lists')).rows as { k: number; v: string }[];
      const balances = (await client.query('SELECT balance FROM accounts')).rows as { balance: number }[];
      const total = balances.reduce((sum, r) => sum + r.balance, 0);
      if (total !== INITIAL_BALANCE * this.options.accounts) this.bankViolations++;
      const stored = new Map(lists.map((r) => [r.k, new Set(elements(r.v))]));
      const history = this.recorder.history();
      let acknowledged = 0;
      let found = 0;
      for (const op of history) {
        if (op.type !== 'ok') continue;
        for (const mop of op.value) {
          if (mop[0] !== 'append') continue;
          acknowledged++;
          if (stored.get(mop[1] as number)?.has(mop[2] as number)) found++;
        }
      }
      // The final read is a transaction of the history too: it must fit the same order.
      const checked = checkListAppend(history, { consistencyModel: 'snapshot-isolation' });
      if (process.env['STRATA_FAULT_HISTORY']) writeFileSync(process.env['STRATA_FAULT_HISTORY'], JSON.stringify(history));
      return {
        acknowledged, found, missing: acknowledged - found, failed: this.failed, unknown: this.unknown,
        bankReads: this.bankReads, bankViolations: this.bankViolations,
        anomalies: checked.counts, historyValid: checked.valid,
      };
    } finally {
      await client.end();
    }
  }
}
