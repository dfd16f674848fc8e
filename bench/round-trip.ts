/**
 * CPU per transaction of the query path, in one process: an embedded Strata (no workers) and
 * raw protocol clients that send exactly what `pgbench -M prepared` sends for each transaction
 * (Bind, Describe portal, Execute, Sync) and wait for ReadyForQuery. The process's own CPU time
 * and the bytes V8 allocated, divided by the transactions, say what one transaction costs the
 * server (the clients' share is small: no parsing beyond finding ReadyForQuery), and other load
 * on the machine disturbs that far less than it disturbs tps. `--pipeline N` sends N
 * transactions per round trip, which separates the per-query cost from the per-round-trip one.
 * Run with `node --cpu-prof` for a profile of the server's side; `--allocations FILE` writes a
 * sampled profile of what the measured seconds allocated (garbage included), for DevTools.
 *
 *   npm run build && node dist/bench/round-trip.js [--script select|update] [--clients 8]
 *     [--seconds 10] [--rows 100000] [--pipeline 1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { startEmbedded } from '../src/node/embedded.js';
import { option } from './options.js';

const scriptName = process.argv.includes('--script') ? process.argv[process.argv.indexOf('--script') + 1] : 'select';
const clients = option('clients', 8);
const seconds = option('seconds', 10);
const rows = option('rows', 100_000);
const pipeline = option('pipeline', 1);
const allocationsFile = process.argv.includes('--allocations') ? process.argv[process.argv.indexOf('--allocations') + 1] : null;
const WARM_UP_SECONDS = 2;
const LOAD_BATCH = 3000;

const SCRIPTS: Record<string, { sql: string; params: () => string[] }> = {
  // pgbench's built-in select-only script.
  select: { sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;', params: () => [String(1 + Math.floor(Math.random() * rows))] },
  // bench/pgbench.ts's single-row update.
  update: {
    sql: 'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;',
    params: () => [String(Math.floor(Math.random() * 10001) - 5000), String(1 + Math.floor(Math.random() * rows))],
  },
};

const READY_FOR_QUERY = 0x5a;

/** One client: a socket, the transactions it has finished, and its next request. */
class RawClient {
  completed = 0;
  private awaiting = 0;
  private running = false;
  private waiter: (() => void) | null = null;

  constructor(private readonly socket: net.Socket, private readonly request: () => Buffer) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
  }

  /** Counts ReadyForQuery messages; pgbench's answers are small, so messages do not span reads here. */
  private received(chunk: Buffer): void {
    let offset = 0;
    while (offset + 5 <= chunk.length) {
      if (chunk[offset] === READY_FOR_QUERY) this.awaiting--;
      offset += 1 + chunk.readInt32BE(offset + 1);
    }
    if (this.awaiting > 0) return;
    if (this.waiter) { const wake = this.waiter; this.waiter = null; wake(); return; }
    if (!this.running) return;
    this.completed += pipeline;
    this.send();
  }

  start(): void {
    this.running = true;
    this.send();
  }

  private send(): void {
    this.awaiting = pipeline;
    const one = this.request();
    this.socket.write(pipeline === 1 ? one : Buffer.concat(Array.from({ length: pipeline }, () => this.request())));
  }

  /** Sends `bytes` and waits for `answers` ReadyForQuery messages (the setup steps). */
  exchange(bytes: Buffer, answers: number): Promise<void> {
    this.awaiting = answers;
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.socket.write(bytes);
    });
  }

  stop(): Promise<void> {
    this.running = false;
    return new Promise((resolve) => {
      const check = () => (this.awaiting <= 0 ? resolve() : setImmediate(check));
      check();
    });
  }

  close(): void {
    this.socket.end(serialize.end());
  }
}

async function connect(port: number, password: string, sql: string, params: () => string[]): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const request = () => Buffer.concat([
    serialize.bind({ statement: 'P_0', values: params() }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  const client = new RawClient(socket, request);
  // The startup answer (after the password) ends with ReadyForQuery; the password request does not.
  socket.write(serialize.startup({ user: 'admin', database: 'postgres' }));
  await new Promise((resolve) => socket.once('data', resolve));
  await client.exchange(serialize.password(password), 1);
  await client.exchange(Buffer.concat([serialize.parse({ name: 'P_0', text: sql }), serialize.sync()]), 1);
  return client;
}

async function load(port: number, password: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'admin', database: 'postgres', password });
  await client.connect();
  await client.query('CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))');
  for (let lo = 1; lo <= rows; lo += LOAD_BATCH) {
    const hi = Math.min(rows, lo + LOAD_BATCH - 1);
    await client.query(`INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT aid, 1, 0, '' FROM generate_series(${lo}, ${hi}) aid`);
  }
  await client.end();
}

/** Bytes V8 allocated while `run` ran: what GCs freed plus what the heap grew by. */
async function measureAllocation<T>(run: () => Promise<T>): Promise<{ result: T; bytes: number; collections: number; collectionMicros: number }> {
  const profiler = new v8.GCProfiler();
  const before = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  const result = await run();
  const after = v8.getHeapStatistics().used_heap_size;
  const report = profiler.stop();
  let freed = 0;
  let collectionMicros = 0;
  for (const gc of report.statistics) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    collectionMicros += gc.cost;
  }
  return { result, bytes: after - before + freed, collections: report.statistics.length, collectionMicros };
}

async function main(): Promise<void> {
  const script = SCRIPTS[scriptName!];
  if (!script) throw new Error(`--script is one of ${Object.keys(SCRIPTS).join(', ')}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-round-trip-'));
  const cluster = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, quiet: true, workers: 0 });
  try {
    const password = await cluster.token('admin', 3600);
    await load(cluster.port, password);
    const all: RawClient[] = [];
    for (let i = 0; i < clients; i++) all.push(await connect(cluster.port, password, script.sql, script.params));
    const run = async (s: number) => {
      const start = all.reduce((n, c) => n + c.completed, 0);
      const cpu = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, s * 1000));
      const used = process.cpuUsage(cpu);
      return { transactions: all.reduce((n, c) => n + c.completed, 0) - start, used };
    };
    for (const c of all) c.start();
    await run(WARM_UP_SECONDS);
    const inspector = allocationsFile ? new Session() : null;
    if (inspector) {
      inspector.connect();
      await inspector.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
    }
    const { result, bytes, collections, collectionMicros } = await measureAllocation(() => run(seconds));
    if (inspector) {
      const { profile } = await inspector.post('HeapProfiler.stopSampling');
      writeFileSync(allocationsFile!, JSON.stringify(profile));
      inspector.disconnect();
    }
    await Promise.all(all.map((c) => c.stop()));
    for (const c of all) c.close();
    const perTransaction = (micros: number) => (micros / result.transactions).toFixed(1);
    console.log(`${scriptName}, ${clients} clients, pipeline ${pipeline}: ${result.transactions} transactions in ${seconds} s (${(result.transactions / seconds).toFixed(0)} tps); `
      + `CPU per transaction ${perTransaction(result.used.user + result.used.system)} µs (user ${perTransaction(result.used.user)}, system ${perTransaction(result.used.system)}); `
      + `allocated ${(bytes / result.transactions / 1024).toFixed(1)} KiB per transaction, ${collections} GCs taking ${perTransaction(collectionMicros)} µs per transaction`);
  } finally {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
