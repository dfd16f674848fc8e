/**
 * The distributed cluster's benchmark (issue 3): what group commit on etcd costs, and what a
 * read on an idle cluster waits for. Everything runs on this machine: a `strata local up`
 * cluster (3 etcd members, per AZ an adjudicator, a storage replica and a QP, one relay), then
 * an embedded Strata and a PostgreSQL 15 for the read comparison.
 *
 * 1. Commits: C node-postgres clients through the relay, each an autocommit single-row INSERT
 *    of its own keys (small rows, no conflicts), for S seconds after a warm-up. Commits/s and
 *    p50/p99 commit latency as the client sees it.
 * 2. Raw etcd, same bytes: the journal batches Strata wrote during (1) are read back from etcd
 *    and sent again, one etcd transaction each, to the same etcd cluster, as fast as it takes
 *    them with as many in flight as the adjudicator allows. Strata commits/s ÷ raw records/s
 *    is the ratio the issue asks for (target ≥ 0.7×).
 * 3. Idle reads: after a pause with no writes, single-row primary-key SELECTs one at a time
 *    with a pause between them, through the relay; the same on an embedded Strata
 *    (`strata start --workers 0`) and PostgreSQL 15. Added latency = distributed p99 −
 *    embedded p99 (target ≤ 5 ms). A `SELECT 1` between the reads (no table; its transaction
 *    still reads the catalog version at its snapshot).
 * 4. Quiet commits: autocommit INSERTs one at a time, each after 150 ms of reads alone, so the
 *    leader has decided nothing for a while — what the idle leader's promise (a decided
 *    watermark ahead of the clock) costs the first commit after a quiet spell.
 *
 * Where the time goes, printed beside the results: CPU seconds per role (from /proc); etcd's
 * own counters (WAL fsyncs, proposals, Txn calls served: more calls than batches are re-sent
 * appends); the same records through Strata's CoordinatedJournal alone; one etcd transaction
 * alone; the write load as BEGIN/INSERT/COMMIT with each statement timed; the same idle reads
 * straight to a QP (no relay); a storage Get at now() (waits for a notice) and at an old
 * timestamp (does not) over gRPC; and the spacing and age of the leader's watermark notices.
 *
 *   npm run bench:distributed -- [--seconds 15] [--clients 16] [--warmup 3] [--reads 500]
 *                                [--pause 20] [--idle 3] [--in-flight N (default: the adjudicator's)] [--no-postgres]
 *                                [--tls (local up --tls: mutual TLS on every gRPC and etcd link)]
 *                                [--only-idle (skip 1 and 2, the commit phase and raw etcd)]
 *                                [--storage-splits K1,K2 (storage shards by key range: local up's)]
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { EtcdCoordination } from '../src/env/etcd-coordination.js';
import type { Comparison, Operation, StoredEntry } from '../src/env/coordination.js';
import { prefixEnd } from '../src/env/coordination.js';
import { freePorts } from '../src/env/ports.js';
import { SystemClock } from '../src/env/clock.js';
import { grpcClient } from '../src/env/grpc.js';
import { etcdHttpGet, type LinkTls } from '../src/env/link-tls.js';
import { linkTlsOfTools } from '../src/cli/local-cluster.js';
import { SystemTimers } from '../src/env/timers.js';
import { CoordinatedJournal, JOURNAL_HEADER_BYTES } from '../src/journal/coordinated-journal.js';
import { decodeBatch } from '../src/journal/record-codec.js';
import { MAX_APPENDS_IN_FLIGHT } from '../src/node/roles/adjudicator-role.js';
import { journalPrefix, leaderKey, shardMapOf, shardOf, type ClusterConfig } from '../src/node/roles/cluster-config.js';
import { startPostgres, postgresUnavailableReason, type TestPostgres } from '../test/support/postgres.js';
import { idleRoundTrips } from './idle-hop.js';
import { option, root } from './options.js';

const STRATA = join(root, 'bin', 'strata.js');
const run = promisify(execFile);
const seconds = option('seconds', 15);
const clients = option('clients', 16);
const warmupSeconds = option('warmup', 3);
const reads = option('reads', 500);
const pauseMs = option('pause', 20);
const idleSeconds = option('idle', 3);
/** The adjudicator role's journal appends in flight (src/node/roles/adjudicator-role.ts). */
const inFlight = option('in-flight', MAX_APPENDS_IN_FLIGHT);
const withPostgres = !process.argv.includes('--no-postgres');
const withTls = process.argv.includes('--tls');
/** `local up --storage-splits`: storage shards by key range (hex split keys), each with a replica per AZ. */
const splitsAt = process.argv.indexOf('--storage-splits');
const storageSplits = splitsAt > 0 ? ['--storage-splits', process.argv[splitsAt + 1]!] : [];
/** Only the idle reads (3) and quiet commits (4): a minute instead of several for the read's tail. */
const onlyIdle = process.argv.includes('--only-idle');
/** The tools' certificate (local up --tls) for the bench's own etcd and gRPC calls; null: plaintext. */
let toolTls: LinkTls | null = null;
const QUIET_COMMITS = 40;
const QUIET_MS = 150;

/** Row payload: small (a 32-byte text), like a typical OLTP row. */
const PAYLOAD = 'x'.repeat(32);
const POSITION_DIGITS = 16;
const encoder = new TextEncoder();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function summary(latencies: number[]): { p50: number; p99: number; max: number; mean: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, mean };
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function strata(...command: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [STRATA, ...command], { timeout: 180_000 });
  return stdout;
}

// ---------------------------------------------------------------------------------------------
// Where the time goes: CPU per process (from /proc) and etcd's counters (its /metrics).

const TICKS_PER_SECOND = 100;

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** CPU seconds of every cluster process, grouped by role, plus this process (the clients). */
function cpuByRole(pids: Record<string, number>): Map<string, number> {
  const groups = new Map<string, number>();
  for (const [name, pid] of Object.entries(pids)) {
    const role = name.replace(/-\d+$/, '');
    groups.set(role, (groups.get(role) ?? 0) + cpuSeconds(pid));
  }
  const self = process.cpuUsage();
  groups.set('bench clients', (self.user + self.system) / 1e6);
  return groups;
}

/** CPU seconds each role used between two `cpuByRole` readings. */
function cpuUsed(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([role, end]) => [role, end - (before.get(role) ?? 0)]));
}

/** `used` (cpuUsed) as cores busy by role, and CPU per `unit`. */
function cpuReport(usedByRole: Map<string, number>, elapsedS: number, perUnit: number, unit: string): string {
  const parts: string[] = [];
  let total = 0;
  for (const [role, used] of usedByRole) {
    total += used;
    // The role's CPU per unit beside its cores: two decimals of cores hide a 20 % change of a
    // light role (the relays).
    if (used / elapsedS >= 0.01) parts.push(`${role} ${(used / elapsedS).toFixed(2)} (${((used / perUnit) * 1e6).toFixed(0)} µs)`);
  }
  return `cores busy ${(total / elapsedS).toFixed(2)} of 2 (${parts.join(', ')}); ${((total / perUnit) * 1e6).toFixed(0)} µs CPU per ${unit}`;
}

/**
 * Where the commit phase's CPU went per commit, beside what the target allows on this host:
 * both sides keep the two cores busy, so 0.7× the raw rate leaves 2 cores ÷ that rate of CPU
 * per commit for everything — etcd, the clients and Strata's processes together. Raw etcd's own
 * CPU per record (its client's included) is the yardstick for etcd's share.
 */
function cpuPerCommit(used: Map<string, number>, commits: number, rawUsed: Map<string, number>, rawRecords: number, rawRate: number): string {
  const sum = (from: Map<string, number>, roles: (role: string) => boolean) =>
    [...from].filter(([role]) => roles(role)).reduce((s, [, seconds]) => s + seconds, 0);
  const us = (seconds: number, count: number) => fmt(seconds / count * 1e6);
  const etcd = (role: string) => role === 'etcd';
  const clients = (role: string) => role === 'bench clients';
  return `CPU per commit: etcd ${us(sum(used, etcd), commits)} µs (raw etcd ${us(sum(rawUsed, etcd), rawRecords)} per record, its client ${us(sum(rawUsed, clients), rawRecords)}), `
    + `Strata's processes ${us(sum(used, (r) => !etcd(r) && !clients(r)), commits)}, the clients ${us(sum(used, clients), commits)}; `
    + `0.7× would leave ${fmt(2 / (0.7 * rawRate) * 1e6)} µs for all of it`;
}

function httpText(url: string): Promise<string> {
  return new Promise((ok, fail) => {
    const answer = (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (c: string) => { body += c; });
      response.on('end', () => ok(body));
    };
    etcdHttpGet(url, toolTls, {}, answer).on('error', fail);
  });
}

interface EtcdCounters {
  leader: boolean;
  walFsyncs: number;
  walFsyncSeconds: number;
  backendCommits: number;
  backendCommitSeconds: number;
  proposals: number;
  txnCalls: number;
}

async function etcdCounters(endpoint: string): Promise<EtcdCounters> {
  const text = await httpText(`${endpoint}/metrics`);
  const value = (pattern: RegExp) => {
    let total = 0;
    for (const line of text.split('\n')) if (!line.startsWith('#') && pattern.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    return total;
  };
  return {
    leader: value(/^etcd_server_is_leader /) === 1,
    walFsyncs: value(/^etcd_disk_wal_fsync_duration_seconds_count /),
    walFsyncSeconds: value(/^etcd_disk_wal_fsync_duration_seconds_sum /),
    backendCommits: value(/^etcd_disk_backend_commit_duration_seconds_count /),
    backendCommitSeconds: value(/^etcd_disk_backend_commit_duration_seconds_sum /),
    proposals: value(/^etcd_server_proposals_committed_total /),
    txnCalls: value(/^grpc_server_handled_total\{.*grpc_method="Txn".*\}/),
  };
}

async function allEtcdCounters(endpoints: readonly string[]): Promise<EtcdCounters[]> {
  return Promise.all(endpoints.map((e) => etcdCounters(e.includes('://') ? e : `http://${e}`)));
}

function etcdReport(before: EtcdCounters[], after: EtcdCounters[], elapsedS: number, txns: number): string {
  const leader = after.findIndex((c) => c.leader);
  const b = before[leader]!;
  const a = after[leader]!;
  const fsyncs = a.walFsyncs - b.walFsyncs;
  const commits = a.backendCommits - b.backendCommits;
  const calls = after.reduce((s, c) => s + c.txnCalls, 0) - before.reduce((s, c) => s + c.txnCalls, 0);
  return `etcd leader: ${fmt(fsyncs / elapsedS)} WAL fsyncs/s (mean ${ms((1000 * (a.walFsyncSeconds - b.walFsyncSeconds)) / Math.max(1, fsyncs))}), `
    + `${fmt((a.proposals - b.proposals) / elapsedS)} proposals/s, ${fmt(commits / elapsedS)} backend commits/s (mean ${ms((1000 * (a.backendCommitSeconds - b.backendCommitSeconds)) / Math.max(1, commits))}); `
    + `Txn calls served (all members) ${fmt(calls)} for ${fmt(txns)} batches (${(calls / Math.max(1, txns)).toFixed(2)} per batch)`;
}

// ---------------------------------------------------------------------------------------------
// 1. Commit throughput through the relay.

interface WriteResult {
  commits: number;
  elapsedS: number;
  latencies: number[];
  errors: number;
  firstError: string | null;
}

async function connectAll(config: pg.ClientConfig, count: number): Promise<pg.Client[]> {
  const connections: pg.Client[] = [];
  for (let i = 0; i < count; i++) {
    const c = new pg.Client(config);
    c.on('error', () => {});
    await c.connect();
    connections.push(c);
  }
  return connections;
}

/** Each client inserts its own keys (client i: (i+1)·10⁹ + n, above the table's first rows), one autocommit statement at a time. */
async function writeLoad(connections: pg.Client[], durationS: number, next: number[]): Promise<WriteResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const end = started + durationS * 1000;
  await Promise.all(connections.map(async (c, i) => {
    while (performance.now() < end) {
      const id = (i + 1) * 1_000_000_000 + next[i]!++;
      const t0 = performance.now();
      try {
        await c.query({ name: 'insert', text: 'INSERT INTO bench_kv (id, v) VALUES ($1, $2)', values: [id, PAYLOAD] });
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  }));
  return { commits: latencies.length, elapsedS: (performance.now() - started) / 1000, latencies, errors, firstError };
}

/**
 * The same load as explicit transactions (BEGIN; INSERT; COMMIT), each statement timed: the
 * INSERT holds the primary-key check, a storage read at the transaction's snapshot (it waits
 * until the replica's safe time passes it), the COMMIT the adjudicator and the journal append.
 */
async function writeBreakdown(connections: pg.Client[], durationS: number, next: number[]): Promise<{ insert: number[]; commit: number[]; total: number[] }> {
  const insert: number[] = [];
  const commit: number[] = [];
  const total: number[] = [];
  const end = performance.now() + durationS * 1000;
  await Promise.all(connections.map(async (c, i) => {
    while (performance.now() < end) {
      const id = (i + 1) * 1_000_000_000 + next[i]!++;
      try {
        const t0 = performance.now();
        await c.query('BEGIN');
        const t1 = performance.now();
        await c.query({ name: 'insert', text: 'INSERT INTO bench_kv (id, v) VALUES ($1, $2)', values: [id, PAYLOAD] });
        const t2 = performance.now();
        await c.query('COMMIT');
        const t3 = performance.now();
        insert.push(t2 - t1);
        commit.push(t3 - t2);
        total.push(t3 - t0);
      } catch {
        await c.query('ROLLBACK').catch(() => {});
      }
    }
  }));
  return { insert, commit, total };
}

// ---------------------------------------------------------------------------------------------
// 2. The raw etcd baseline.
//
// What the baseline is: for every journal batch the adjudicator leader appended during the
// measured commit phase, one etcd transaction shaped exactly like CoordinatedJournal.write's:
//   compare  create_revision(leader key) == the leader's fence revision      (holds)
//            create_revision(own key) == 0                                   (a fresh key)
//   put      own key = the batch's stored value, byte for byte (header + CRC'd record frames)
// with own key = a prefix of the journal prefix's length + the same 16-digit position, so
// keys, values, comparisons and the put are the same bytes and the same work for etcd (a
// batch over the chunk limit would also replay its chunk puts first, fenced, as the journal
// does). They go through the client the adjudicator leader uses (EtcdCoordination with
// preferLeader: etcd3 over gRPC, same deadlines, calls sent to the etcd leader) with
// `inFlight` outstanding at once — the adjudicator's bound on appends in flight — each sent as
// soon as a slot frees, to the same 3-member etcd cluster, while the Strata cluster sits idle.
// (Until 2026-11-29 the adjudicator kept one append in flight and the replay did the same; with
// several in flight in Strata, a replay one at a time would understate etcd's rate.) The same
// replay one at a time is printed beside it, for comparison with the older runs.
//
// Why this is the fair "same bytes" comparison: etcd, not Strata, decides how fast a batch
// becomes durable (a Raft round and a WAL fsync on a quorum). With the batch sizes Strata
// actually formed and the same concurrency, the replay is the most any journal on this etcd
// could commit at that load; records/s = batches/s × records per batch. Strata's commits/s
// over it is the share of etcd's capacity that reaches clients after SQL parsing, the relay
// and QP hops, the adjudicator's decision and batching, and the storage replicas' following of
// the journal (pushed by the leader since 2026-11-30, before that etcd watches). What the replay
// leaves out on purpose: the fan-out to the replicas and the readers' waits
// for a batch that landed before its predecessor — costs of Strata's design, which the ratio
// is meant to expose. (Until 2026-11-30 each append also re-sent the batches still pending
// before it and required its predecessor's key, and the replay compared that key too.)

interface StoredBatch {
  readonly entry: StoredEntry;
  readonly position: number;
  readonly records: number;
  readonly chunks: StoredEntry[];
}

function positionKey(prefix: string, position: number): Uint8Array {
  return encoder.encode(prefix + String(position).padStart(POSITION_DIGITS, '0'));
}

async function journalTail(coordination: EtcdCoordination, prefix: string): Promise<number> {
  const from = encoder.encode(prefix);
  const read = await coordination.range(from, prefixEnd(from), { limit: 1, reverse: true });
  const key = read.entries[0]?.key;
  return key === undefined ? 0 : Number(Buffer.from(key).toString('latin1').slice(prefix.length));
}

/** The batches with last position in (after, through], in order, chunks fetched. */
async function readBatches(coordination: EtcdCoordination, prefix: string, after: number, through: number): Promise<StoredBatch[]> {
  const batches: StoredBatch[] = [];
  const end = positionKey(prefix, through + 1);
  let from = positionKey(prefix, after + 1);
  let previous = after;
  const chunkPrefix = `${prefix.replace(/\/$/, '')}-chunks/`;
  for (;;) {
    const page = await coordination.range(from, end, { limit: 500 });
    for (const entry of page.entries) {
      const position = Number(Buffer.from(entry.key).toString('latin1').slice(prefix.length));
      const view = new DataView(entry.value.buffer, entry.value.byteOffset, entry.value.byteLength);
      const records = view.getUint32(0, true);
      const chunkCount = view.getUint32(4, true);
      previous = position;
      // A hole (positions a deposed leader left unwritten) carries no records: nothing to replay.
      if (chunkCount === 0xffff_ffff) continue;
      let chunks: StoredEntry[] = [];
      if (chunkCount > 0) {
        const base = `${chunkPrefix}${String(position).padStart(POSITION_DIGITS, '0')}/`;
        chunks = (await coordination.range(encoder.encode(`${base}000000`), encoder.encode(`${base}${String(chunkCount).padStart(6, '0')}`))).entries;
      }
      batches.push({ entry, position, records, chunks });
    }
    if (!page.more || page.entries.length === 0) return batches;
    from = positionKey(prefix, previous + 1);
  }
}

interface RawResult {
  batches: number;
  records: number;
  elapsedS: number;
  latencies: number[];
  failed: number;
}

/** A fresh key prefix as long as the journal's, so every key is as long as the one it stands for. */
function benchPrefix(kind: string, like: string): string {
  const prefix = `${kind}/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}/`;
  return prefix.length < like.length ? `${prefix.slice(0, -1)}${'_'.repeat(like.length - prefix.length)}/` : prefix;
}

async function deletePrefixes(coordination: EtcdCoordination, prefixes: readonly string[]): Promise<void> {
  await coordination.transaction([], prefixes.map((p) => ({ type: 'delete' as const, from: encoder.encode(p), to: prefixEnd(encoder.encode(p)) })));
}

async function replayRaw(coordination: EtcdCoordination, config: ClusterConfig, batches: readonly StoredBatch[], concurrency: number): Promise<RawResult> {
  const journal = journalPrefix(config);
  const rawPrefix = benchPrefix('rawbench', journal);
  const rawChunkPrefix = `${rawPrefix.replace(/\/$/, '')}-chunks/`;
  const leaderBytes = encoder.encode(leaderKey(config));
  const leader = (await coordination.range(leaderBytes, prefixEnd(leaderBytes), { limit: 1 })).entries[0];
  if (leader === undefined) throw new Error('no adjudicator leader key to fence on');
  const fenced: Comparison = { key: leaderBytes, target: 'create', op: '==', revision: leader.createRevision };
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (;;) {
      const batch = batches[next++];
      if (batch === undefined) return;
      const t0 = performance.now();
      await Promise.all(batch.chunks.map(async (chunk, i) => {
        const key = encoder.encode(`${rawChunkPrefix}${String(batch.position).padStart(POSITION_DIGITS, '0')}/${String(i).padStart(6, '0')}`);
        const result = await coordination.transaction([fenced], [{ type: 'put', key, value: chunk.value }]);
        if (!result.succeeded) failed++;
      }));
      const own = positionKey(rawPrefix, batch.position);
      const comparisons: Comparison[] = [fenced, { key: own, target: 'create', op: '==', revision: 0 }];
      const operations: Operation[] = [{ type: 'put', key: own, value: batch.entry.value }];
      const result = await coordination.transaction(comparisons, operations);
      if (!result.succeeded) failed++;
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsedS = (performance.now() - started) / 1000;
  // The replayed keys go (the cluster is removed afterwards anyway; this keeps etcd small if not).
  await deletePrefixes(coordination, [rawPrefix, rawChunkPrefix]);
  return { batches: batches.length, records: batches.reduce((s, b) => s + b.records, 0), elapsedS, latencies, failed };
}

/**
 * The journal alone: the same records appended through Strata's own CoordinatedJournal (its
 * fencing, its appends resolving in order),
 * `inFlight` appends outstanding, from this process under a fence key of its own. Between the
 * raw rate and Strata's, this separates what the journal's ordering costs from what the layers
 * above it (SQL, relay, QP, adjudicator, the key check's read) cost.
 */
async function replayJournal(coordination: EtcdCoordination, config: ClusterConfig, batches: readonly StoredBatch[]): Promise<RawResult> {
  const prefix = benchPrefix('jrnbench', journalPrefix(config));
  const fenceKey = encoder.encode(`${prefix}leader`);
  const journalKeys = `${prefix}journal/`;
  await coordination.transaction([], [{ type: 'put', key: fenceKey, value: encoder.encode('bench') }]);
  const fence = (await coordination.range(fenceKey, prefixEnd(fenceKey), { limit: 1 })).entries[0]!;
  const journal = await CoordinatedJournal.open({
    coordination, timers: new SystemTimers(), prefix: journalKeys, fence: { key: fenceKey, createRevision: fence.createRevision },
  });
  const latencies: number[] = [];
  let failed = 0;
  const window: Promise<unknown>[] = [];
  const started = performance.now();
  try {
    for (const batch of batches) {
      const frames = batch.chunks.length > 0 ? Buffer.concat(batch.chunks.map((c) => c.value)) : batch.entry.value.subarray(JOURNAL_HEADER_BYTES);
      const records = decodeBatch(frames);
      if (window.length >= inFlight) await window.shift();
      const t0 = performance.now();
      window.push(journal.append(records).then(() => { latencies.push(performance.now() - t0); }, () => { failed++; }));
    }
    await Promise.all(window);
  } finally {
    await journal.close();
  }
  const elapsedS = (performance.now() - started) / 1000;
  await deletePrefixes(coordination, [prefix]);
  return { batches: batches.length, records: batches.reduce((s, b) => s + b.records, 0), elapsedS, latencies, failed };
}

// ---------------------------------------------------------------------------------------------
// 3. Read latency, one query at a time.

interface ReadResult {
  readonly select: ReturnType<typeof summary>;
  readonly selectOne: ReturnType<typeof summary>;
}

async function idleReads(config: pg.ClientConfig, id: number): Promise<ReadResult> {
  const [c] = await connectAll(config, 1);
  const byKey = { name: 'by_key', text: 'SELECT v FROM bench_kv WHERE id = $1', values: [id] };
  const one = { name: 'one', text: 'SELECT 1' };
  try {
    for (let i = 0; i < 20; i++) {
      await c!.query(byKey);
      await c!.query(one);
    }
    const select: number[] = [];
    const selectOne: number[] = [];
    for (let i = 0; i < reads; i++) {
      await sleep(pauseMs);
      let t0 = performance.now();
      const result = await c!.query(byKey);
      select.push(performance.now() - t0);
      if (result.rows.length !== 1) throw new Error(`the row ${id} was not found`);
      await sleep(pauseMs);
      t0 = performance.now();
      await c!.query(one);
      selectOne.push(performance.now() - t0);
    }
    return { select: summary(select), selectOne: summary(selectOne) };
  } finally {
    await c!.end().catch(() => {});
  }
}

/**
 * The storage read alone, from this process over gRPC to the replica qp-1 reads from: Get at
 * now() waits for a notice whose decided watermark passes it (asked for with Notify, as a QP
 * does), Get at a timestamp a second old does not; the difference is that wait. Meanwhile the
 * leader's watermark stream is followed: notice spacing and age (now − W on arrival). Calls go
 * over the `Calls` stream as a QP's do; the old-timestamp Get is also timed as a unary call, the
 * cost that stream saves per call.
 */
async function storageProbe(config: ClusterConfig, coordination: EtcdCoordination): Promise<{ waiting: ReturnType<typeof summary>; old: ReturnType<typeof summary>; oldUnary: ReturnType<typeof summary>; notify: ReturnType<typeof summary>; spacing: ReturnType<typeof summary>; age: ReturnType<typeof summary> }> {
  const clock = new SystemClock(0);
  const key = Buffer.from('bench-probe-absent-key');
  // The replica in qp-1's AZ of the shard holding the key (a sharded cluster's others refuse it).
  const replica = config.nodes.find((n) => n.role === 'storage' && n.az === 'az1' && shardOf(n) === shardMapOf(config).shardOf(key))!;
  const leaderBytes = encoder.encode(leaderKey(config));
  const leader = Buffer.from((await coordination.range(leaderBytes, prefixEnd(leaderBytes), { limit: 1 })).entries[0]!.value).toString('utf8');
  const storage = grpcClient('Storage', `${replica.host}:${replica.port}`, toolTls);
  const adjudicator = grpcClient('Adjudicator', leader, toolTls);
  const arrivals: number[] = [];
  const ages: number[] = [];
  const stream = adjudicator.stream('Watermarks', {}, (notice) => {
    arrivals.push(performance.now());
    ages.push((clock.now().latest - Number(notice['decided'])) / 1000);
  }, () => {});
  const waiting: number[] = [];
  const old: number[] = [];
  const notify: number[] = [];
  const oldUnary: number[] = [];
  try {
    for (let i = 0; i < 20; i++) await storage.call('Get', { key, read_timestamp: clock.now().latest - 1_000_000 }, 15_000);
    arrivals.length = 0;
    ages.length = 0;
    for (let i = 0; i < reads; i++) {
      await sleep(pauseMs);
      let t0 = performance.now();
      // As a QP does: ask the leader for a notice covering the snapshot, while the read goes out.
      const now = clock.now().latest;
      void adjudicator.call('Notify', { timestamp: now }, 1_000).catch(() => {});
      await storage.call('Get', { key, read_timestamp: now }, 15_000);
      waiting.push(performance.now() - t0);
      await sleep(pauseMs);
      t0 = performance.now();
      await storage.call('Get', { key, read_timestamp: clock.now().latest - 1_000_000 }, 15_000);
      old.push(performance.now() - t0);
      await sleep(pauseMs);
      t0 = performance.now();
      await storage.unary('Get', { key, read_timestamp: clock.now().latest - 1_000_000 }, 15_000);
      oldUnary.push(performance.now() - t0);
      // The leader's hop alone: a Notify's round trip.
      await sleep(pauseMs);
      t0 = performance.now();
      await adjudicator.call('Notify', { timestamp: clock.now().latest }, 1_000);
      notify.push(performance.now() - t0);
    }
  } finally {
    stream.cancel();
    storage.close();
    adjudicator.close();
  }
  const spacing = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
  return { waiting: summary(waiting), old: summary(old), oldUnary: summary(oldUnary), notify: summary(notify), spacing: summary(spacing), age: summary(ages) };
}

/**
 * Commits on a quiet cluster that is being read: `count` autocommit INSERTs, each after
 * `quietMs` of PK SELECTs alone (one every pauseMs), timed as the client sees them.
 */
async function quietCommits(config: pg.ClientConfig, count: number, quietMs: number, next: number[]): Promise<ReturnType<typeof summary>> {
  const [c] = await connectAll(config, 1);
  const byKey = { name: 'by_key', text: 'SELECT v FROM bench_kv WHERE id = $1', values: [1] };
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const quietEnd = performance.now() + quietMs;
      while (performance.now() < quietEnd) {
        await c!.query(byKey);
        await sleep(pauseMs);
      }
      const id = 99_000_000_000 + next[0]!++;
      const t0 = performance.now();
      await c!.query({ name: 'insert', text: 'INSERT INTO bench_kv (id, v) VALUES ($1, $2)', values: [id, PAYLOAD] });
      latencies.push(performance.now() - t0);
    }
  } finally {
    await c!.end().catch(() => {});
  }
  return summary(latencies);
}

function readLine(name: string, r: ReadResult): string {
  return `${name.padEnd(24)} PK SELECT p50 ${ms(r.select.p50)} p99 ${ms(r.select.p99)} max ${ms(r.select.max)} | SELECT 1 p50 ${ms(r.selectOne.p50)} p99 ${ms(r.selectOne.p99)}`;
}

async function prepareTable(config: pg.ClientConfig, rows: number): Promise<void> {
  const [c] = await connectAll(config, 1);
  try {
    await c!.query('CREATE TABLE bench_kv (id BIGINT PRIMARY KEY, v TEXT NOT NULL)');
    for (let i = 1; i <= rows; i++) await c!.query('INSERT INTO bench_kv (id, v) VALUES ($1, $2)', [i, PAYLOAD]);
  } finally {
    await c!.end().catch(() => {});
  }
}

interface Embedded {
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
  readonly port: number;
  readonly dataDir: string;
  readonly password: string;
}

async function stopEmbedded(embedded: Embedded): Promise<void> {
  if (embedded.child.exitCode === null && embedded.child.signalCode === null) embedded.child.kill('SIGTERM');
  await embedded.exited;
}

async function startEmbeddedStrata(): Promise<Embedded> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-embedded-'));
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, [STRATA, 'start', '--data-dir', dataDir, '--port', String(port), '--workers', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await new Promise<void>((ok, fail) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('ready')) ok(); });
      child.on('exit', (code) => fail(new Error(`strata start exited ${code}`)));
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const password = spawnSync(process.execPath, [STRATA, 'token', '--data-dir', dataDir, '--admin', '--expires-in', '3600'], { encoding: 'utf8' }).stdout.trim();
  return { child, exited, port: port!, dataDir, password };
}

// ---------------------------------------------------------------------------------------------

/** Phases 1 and 2: the commit load, raw etcd with the same batches, and where a commit's time goes. */
async function commitPhases(clusterClient: pg.ClientConfig, coordination: EtcdCoordination, config: ClusterConfig, pids: Record<string, number>, say: (line: string) => void, next: number[]): Promise<void> {
  // --- 1. commits
  console.log(`commits: ${clients} clients, ${warmupSeconds} s warm-up, ${seconds} s measured …`);
  const connections = await connectAll(clusterClient, clients);
  let write: WriteResult;
  let writeCpu: string;
  let writeUsed: Map<string, number>;
  let writeEtcd: string;
  let batches: Awaited<ReturnType<typeof readBatches>>;
  try {
    await writeLoad(connections, warmupSeconds, next);
    const tailBefore = await journalTail(coordination, journalPrefix(config));
    const cpuBefore = cpuByRole(pids);
    const etcdBefore = await allEtcdCounters(config.etcd);
    write = await writeLoad(connections, seconds, next);
    const etcdAfter = await allEtcdCounters(config.etcd);
    writeUsed = cpuUsed(cpuBefore, cpuByRole(pids));
    writeCpu = cpuReport(writeUsed, write.elapsedS, write.commits, 'commit');
    const tailAfter = await journalTail(coordination, journalPrefix(config));
    batches = await readBatches(coordination, journalPrefix(config), tailBefore, tailAfter);
    writeEtcd = etcdReport(etcdBefore, etcdAfter, write.elapsedS, batches.length);
  } finally {
    await Promise.all(connections.map((c) => c.end().catch(() => {})));
  }
  const w = summary(write.latencies);
  const strataRate = write.commits / write.elapsedS;

  // --- 2. raw etcd with the same batches
  if (batches.length === 0) throw new Error('the journal holds no batches from the measured phase');
  const records = batches.reduce((s, b) => s + b.records, 0);
  const valueBytes = batches.map((b) => b.entry.value.length);
  const perBatch = batches.map((b) => b.records).sort((a, b) => a - b);
  const chunked = batches.filter((b) => b.chunks.length > 0).length;
  console.log(`raw etcd: replaying ${fmt(batches.length)} batches (${fmt(records)} records) with ${inFlight} in flight …`);
  await sleep(1000);
  const rawCpuBefore = cpuByRole(pids);
  const rawEtcdBefore = await allEtcdCounters(config.etcd);
  const raw = await replayRaw(coordination, config, batches, inFlight);
  const rawEtcdAfter = await allEtcdCounters(config.etcd);
  const rawUsed = cpuUsed(rawCpuBefore, cpuByRole(pids));
  const rawCpu = cpuReport(rawUsed, raw.elapsedS, raw.batches, 'batch');
  const rawEtcd = etcdReport(rawEtcdBefore, rawEtcdAfter, raw.elapsedS, raw.batches);
  const r = summary(raw.latencies);
  const rawRate = raw.records / raw.elapsedS;
  const ratio = strataRate / rawRate;
  await sleep(500);
  const rawOne = await replayRaw(coordination, config, batches, 1);

  say('');
  say(`== commits (${clients} clients, autocommit single-row INSERT, ${seconds} s; ${write.errors} errors${write.firstError ? `: ${write.firstError}` : ''})`);
  say(`Strata cluster   ${fmt(strataRate).padStart(7)} commits/s   commit p50 ${ms(w.p50)} p99 ${ms(w.p99)} max ${ms(w.max)}`);
  say(`  journal: ${fmt(batches.length)} batches (${fmt(batches.length / write.elapsedS)}/s), records per batch mean ${(records / batches.length).toFixed(2)} p50 ${percentile(perBatch, 0.5)} max ${perBatch[perBatch.length - 1]}, etcd value mean ${fmt(valueBytes.reduce((s, x) => s + x, 0) / valueBytes.length)} B (header ${JOURNAL_HEADER_BYTES} B), ${chunked} chunked`);
  say(`  ${writeCpu}`);
  say(`  ${writeEtcd}`);
  say(`raw etcd         ${fmt(rawRate).padStart(7)} records/s   (${fmt(raw.batches / raw.elapsedS)} txn/s × ${(raw.records / raw.batches).toFixed(2)} records, ${inFlight} in flight; ${raw.failed} refused)   txn p50 ${ms(r.p50)} p99 ${ms(r.p99)} max ${ms(r.max)}`);
  say(`  ${rawCpu}`);
  say(`  ${rawEtcd}`);
  say(`raw etcd, 1 in flight: ${fmt(rawOne.records / rawOne.elapsedS)} records/s (${fmt(rawOne.batches / rawOne.elapsedS)} txn/s); Strata ÷ it ${(strataRate / (rawOne.records / rawOne.elapsedS)).toFixed(2)}× (the comparison older runs made)`);
  say(`ratio Strata ÷ raw etcd: ${ratio.toFixed(2)}× (target ≥ 0.70×: ${ratio >= 0.7 ? 'met' : 'MISSED'})`);
  say(`  ${cpuPerCommit(writeUsed, write.commits, rawUsed, raw.records, rawRate)}`);

  // Where a commit's time goes: the journal alone, one append alone, then the statements apart.
  await sleep(500);
  const journalEtcdBefore = await allEtcdCounters(config.etcd);
  // (The first 400 batches: with its appends mostly serialised this part is slow.)
  const alone = await replayJournal(coordination, config, batches.slice(0, 400));
  const journalEtcd = etcdReport(journalEtcdBefore, await allEtcdCounters(config.etcd), alone.elapsedS, alone.batches);
  const a = summary(alone.latencies);
  say(`  the journal alone (CoordinatedJournal.append, same records, ${inFlight} in flight, on the etcd leader): ${fmt(alone.records / alone.elapsedS)} records/s (${fmt(alone.batches / alone.elapsedS)} appends/s; ${alone.failed} failed), append p50 ${ms(a.p50)} p99 ${ms(a.p99)}; ${(strataRate / (alone.records / alone.elapsedS)).toFixed(2)}× of it reaches clients`);
  say(`    ${journalEtcd}`);
  // The same with the journal's etcd client sending each call to a random member (as the
  // adjudicator did before 2026-11-29): a follower forwards each proposal to the leader.
  await sleep(500);
  const pinned = new EtcdCoordination(config.etcd, { tls: toolTls });
  try {
    const pinnedEtcdBefore = await allEtcdCounters(config.etcd);
    const alonePinned = await replayJournal(pinned, config, batches.slice(0, 400));
    const pinnedEtcd = etcdReport(pinnedEtcdBefore, await allEtcdCounters(config.etcd), alonePinned.elapsedS, alonePinned.batches);
    const ap = summary(alonePinned.latencies);
    say(`  the journal alone, its client on any member (not only the etcd leader): ${fmt(alonePinned.records / alonePinned.elapsedS)} records/s (${fmt(alonePinned.batches / alonePinned.elapsedS)} appends/s; ${alonePinned.failed} failed), append p50 ${ms(ap.p50)} p99 ${ms(ap.p99)}`);
    say(`    ${pinnedEtcd}`);
  } finally {
    await pinned.close();
  }
  await sleep(500);
  const single = summary((await replayRaw(coordination, config, batches.slice(0, 200), 1)).latencies);
  say(`  one etcd txn alone (1 in flight, idle cluster): p50 ${ms(single.p50)} p99 ${ms(single.p99)}`);
  const breakdownConnections = await connectAll(clusterClient, clients);
  try {
    const b = await writeBreakdown(breakdownConnections, Math.max(3, Math.round(seconds / 3)), next);
    const [bi, bc, bt] = [summary(b.insert), summary(b.commit), summary(b.total)];
    say(`  same load as BEGIN; INSERT; COMMIT (${fmt(b.total.length / Math.max(3, Math.round(seconds / 3)))} tx/s): INSERT (key check = a read at the snapshot) p50 ${ms(bi.p50)} p99 ${ms(bi.p99)} | COMMIT (adjudicator + journal) p50 ${ms(bc.p50)} p99 ${ms(bc.p99)} | whole p50 ${ms(bt.p50)}`);
  } finally {
    await Promise.all(breakdownConnections.map((c) => c.end().catch(() => {})));
  }
}

async function main(): Promise<void> {
  const clusterDir = mkdtempSync(join(tmpdir(), 'strata-bench-dist-'));
  let clusterUp = false;
  let coordination: EtcdCoordination | null = null;
  let embedded: Embedded | null = null;
  let postgres: TestPostgres | null = null;
  const results: string[] = [];
  const say = (line: string) => { results.push(line); console.log(line); };
  try {
    // --- the cluster
    const [port] = await freePorts(1);
    console.log(`starting a local cluster in ${clusterDir} (3 AZs${withTls ? ', mutual TLS on every link' : ''}) …`);
    clusterUp = true;
    // --owner-pid: a bench stopped with ^C or killed takes its cluster with it.
    await strata('local', 'up', '--dir', clusterDir, '--port', String(port), '--azs', '3', '--owner-pid', String(process.pid), ...(withTls ? ['--tls'] : []), ...storageSplits);
    const config = JSON.parse(readFileSync(join(clusterDir, 'cluster.json'), 'utf8')) as ClusterConfig;
    toolTls = linkTlsOfTools(config);
    const pids = (JSON.parse(readFileSync(join(clusterDir, 'local.json'), 'utf8')) as { pids: Record<string, number> }).pids;
    console.log(`cluster pids: ${Object.entries(pids).map(([name, pid]) => `${name}=${pid}`).join(' ')}`);
    const password = (await strata('token', '--data-dir', clusterDir, '--admin', '--expires-in', '3600')).trim();
    const clusterClient: pg.ClientConfig = { host: '127.0.0.1', port, user: 'admin', password, database: 'postgres' };
    // As the adjudicator leader's: its calls go to the etcd leader.
    coordination = new EtcdCoordination(config.etcd, { preferLeader: true, tls: toolTls });
    await prepareTable(clusterClient, 10);

    const next = Array.from({ length: clients }, () => 1);
    if (!onlyIdle) await commitPhases(clusterClient, coordination, config, pids, say, next);

    // --- 3. idle reads on the cluster
    console.log(`idle reads: ${idleSeconds} s without writes, then ${reads} reads ${pauseMs} ms apart …`);
    await sleep(1000);
    const quietCpuBefore = cpuByRole(pids);
    await sleep(Math.max(1, idleSeconds - 1) * 1000);
    const quietCpu = cpuReport(cpuUsed(quietCpuBefore, cpuByRole(pids)), Math.max(1, idleSeconds - 1), 1, 'second').replace(/; .*/, '');
    const idleCpuBefore = cpuByRole(pids);
    const idleStarted = performance.now();
    const distributed = await idleReads(clusterClient, 1);
    const idleCpu = cpuReport(cpuUsed(idleCpuBefore, cpuByRole(pids)), (performance.now() - idleStarted) / 1000, 2 * reads, 'query');
    // The same through one QP directly (no relay), to split the relay's hop from the rest.
    const qp = config.nodes.find((n) => n.role === 'qp' && n.az === 'az1')!;
    const direct = await idleReads({ ...clusterClient, host: qp.host, port: qp.port }, 1);
    const probe = await storageProbe(config, coordination);
    // The host's part: a bare round trip between two processes after the same pause, with the
    // idle cluster running (its background wake-ups share the cores) and below with nothing.
    const hopBeside = summary(await idleRoundTrips(reads, pauseMs));
    const quiet = await quietCommits(clusterClient, QUIET_COMMITS, QUIET_MS, next);
    await coordination.close();
    coordination = null;
    await strata('local', 'down', '--dir', clusterDir);
    clusterUp = false;

    // --- the embedded node and PostgreSQL, same queries, the cluster stopped
    const hopAlone = summary(await idleRoundTrips(reads, pauseMs));
    embedded = await startEmbeddedStrata();
    const embeddedClient: pg.ClientConfig = { host: '127.0.0.1', port: embedded.port, user: 'admin', password: embedded.password, database: 'postgres' };
    await prepareTable(embeddedClient, 10);
    await sleep(idleSeconds * 1000);
    const local = await idleReads(embeddedClient, 1);
    await stopEmbedded(embedded);
    let pgReads: ReadResult | null = null;
    const pgReason = withPostgres ? postgresUnavailableReason() : 'skipped (--no-postgres)';
    if (pgReason === null) {
      postgres = await startPostgres({ settings: { fsync: 'on', synchronous_commit: 'on' } });
      await prepareTable(postgres.config, 10);
      await sleep(idleSeconds * 1000);
      pgReads = await idleReads(postgres.config, 1);
    }
    say('');
    say(`== idle reads (${reads} single-row primary-key SELECTs, one at a time, ${pauseMs} ms apart, after ${idleSeconds} s without writes)`);
    say(readLine('Strata cluster (relay)', distributed));
    say(`  while reading: ${idleCpu}`);
    say(`  with no queries at all: ${quietCpu}`);
    say(readLine('Strata cluster (qp-1)', direct));
    say(`  a replica's Get over gRPC from here: at now() with a Notify to the leader (waits for its notice) p50 ${ms(probe.waiting.p50)} p99 ${ms(probe.waiting.p99)} | at now() − 1 s (no wait) p50 ${ms(probe.old.p50)} p99 ${ms(probe.old.p99)}, the same as a unary call p50 ${ms(probe.oldUnary.p50)} p99 ${ms(probe.oldUnary.p99)} | a Notify's round trip to the leader alone p50 ${ms(probe.notify.p50)} p99 ${ms(probe.notify.p99)}`);
    say(`  watermark notices from the leader: every p50 ${ms(probe.spacing.p50)} p99 ${ms(probe.spacing.p99)} max ${ms(probe.spacing.max)} (sent on request, with commits, else every 100 ms); age of the decided watermark on arrival p50 ${ms(probe.age.p50)} p99 ${ms(probe.age.p99)}`);
    say(`== quiet commits (${QUIET_COMMITS} autocommit INSERTs, one at a time, each after ${QUIET_MS} ms of PK SELECTs alone)`);
    say(`Strata cluster (relay)   INSERT p50 ${ms(quiet.p50)} p99 ${ms(quiet.p99)} max ${ms(quiet.max)}`);
    say(readLine('Strata embedded', local));
    say(pgReads === null ? `PostgreSQL 15            ${pgReason}` : readLine('PostgreSQL 15', pgReads));
    const added = distributed.select.p99 - local.select.p99;
    say(`added latency of a read on the idle cluster: p99 ${ms(added)} over embedded (p50 ${ms(distributed.select.p50 - local.select.p50)}) (target ≤ 5 ms: ${added <= 5 ? 'met' : 'MISSED'})`);
    say(`  this host's share: one bare TCP round trip between two processes, ${pauseMs} ms after the last, p50 ${ms(hopBeside.p50)} p99 ${ms(hopBeside.p99)} beside the idle cluster, p50 ${ms(hopAlone.p50)} p99 ${ms(hopAlone.p99)} with nothing else running; a read through the relay makes three such round trips (client–relay, relay–QP, QP–replica), embedded one`);
    say(`  SELECT 1 over embedded (no table, but its transaction reads the catalog version at the snapshot): p99 ${ms(distributed.selectOne.p99 - local.selectOne.p99)}, p50 ${ms(distributed.selectOne.p50 - local.selectOne.p50)}`);
  } finally {
    await coordination?.close().catch(() => {});
    if (clusterUp) await strata('local', 'down', '--dir', clusterDir).catch((error: Error) => console.error(`local down: ${error.message}`));
    rmSync(clusterDir, { recursive: true, force: true });
    if (embedded !== null) {
      await stopEmbedded(embedded);
      rmSync(embedded.dataDir, { recursive: true, force: true });
    }
    await postgres?.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
