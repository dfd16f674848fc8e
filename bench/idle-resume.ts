/**
 * What scaling to zero costs and frees (docs/control-plane.md, "Idle clusters"), on one embedded
 * node with short idle times:
 * - the first connection to an INACTIVE cluster (reopen: journal, LMDB, adjudicator, catalog,
 *   query service; then TLS, token, `SELECT count(*)` over `--rows` rows) against the same
 *   connection to the cluster while it is open, alternated over `--rounds` rounds;
 * - the memory and handles `--clusters N` created clusters hold open, and what is left once
 *   all are INACTIVE (heap after a full GC, RSS, open file descriptors, libuv handles).
 *
 *   npm run build && flock /tmp/bench.lock node --expose-gc dist/bench/idle-resume.js [--rounds 8] [--rows 10000] [--clusters 10]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { CreateClusterCommand, DSQLClient, GetClusterCommand } from '@aws-sdk/client-dsql';
import { startEmbedded, type EmbeddedCluster } from '../src/node/embedded.js';
import { option } from './options.js';

const rounds = option('rounds', 8);
const rows = option('rows', 10_000);
const clusterCount = option('clusters', 10);
const IDLE_AFTER_MS = 3_000;
const INACTIVE_AFTER_MS = 4_000;
const IDLE_CPU_MS = 1_000;

async function session(node: EmbeddedCluster, endpoint: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres',
    password: await node.tokenFor(endpoint), ssl: { rejectUnauthorized: false, servername: endpoint },
  });
  await client.connect();
  return client;
}

/** Connect + one query + disconnect, in ms. */
async function connectAndCount(node: EmbeddedCluster, endpoint: string): Promise<number> {
  const start = performance.now();
  const client = await session(node, endpoint);
  await client.query('SELECT count(*) FROM filler');
  const ms = performance.now() - start;
  await client.end();
  return ms;
}

async function until(client: DSQLClient, id: string, status: string): Promise<void> {
  while ((await client.send(new GetClusterCommand({ identifier: id }))).status !== status) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function created(client: DSQLClient, node: EmbeddedCluster, fill: number): Promise<{ id: string; endpoint: string; sql: pg.Client }> {
  const cluster = await client.send(new CreateClusterCommand({ deletionProtectionEnabled: false }));
  while ((await client.send(new GetClusterCommand({ identifier: cluster.identifier }))).status === 'CREATING') await new Promise((resolve) => setTimeout(resolve, 5));
  const sql = await session(node, cluster.endpoint!);
  await sql.query('CREATE TABLE filler (id int PRIMARY KEY, note text)');
  for (let i = 0; i < fill; i += 1000) {
    await sql.query(`INSERT INTO filler SELECT g, repeat('x', 100) FROM generate_series(${i + 1}, ${Math.min(fill, i + 1000)}) g`);
  }
  // Left open: the caller closes it when the cluster may go idle.
  return { id: cluster.identifier!, endpoint: cluster.endpoint!, sql };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Heap after a full GC, RSS, open file descriptors, and the process's CPU over 1 s of no work
 * (what the open clusters' timers cost: watermarks, pruning, garbage collection); 1 s, so the
 * clusters are still open at its end.
 */
async function footprint(): Promise<string> {
  // What the last close or session end left running settles first.
  await new Promise((resolve) => setTimeout(resolve, 300));
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  const fds = readdirSync('/proc/self/fd').length;
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, IDLE_CPU_MS));
  const cpu = process.cpuUsage(before);
  const cpuPerSecondMs = (cpu.user + cpu.system) / 1000 / (IDLE_CPU_MS / 1000);
  return `heap ${(memory.heapUsed / 1048576).toFixed(1)} MiB, external ${(memory.external / 1048576).toFixed(1)} MiB, RSS ${(memory.rss / 1048576).toFixed(0)} MiB, fds ${fds}, idle CPU ${cpuPerSecondMs.toFixed(1)} ms/s`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-idle-'));
  const node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true, maxClusters: clusterCount + 2, idleAfterMs: IDLE_AFTER_MS, inactiveAfterMs: INACTIVE_AFTER_MS });
  const client = new DSQLClient({ endpoint: `http://127.0.0.1:${node.apiPort}`, region: node.credentials.region, credentials: node.credentials });
  try {
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const measured = await created(client, node, rows);
    await measured.sql.end();
    const resumed: number[] = [];
    const open: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await until(client, measured.id, 'INACTIVE');
      resumed.push(await connectAndCount(node, measured.endpoint));
      // Open now, for IDLE_AFTER_MS: the same connection without the reopen.
      open.push(await connectAndCount(node, measured.endpoint));
      open.push(await connectAndCount(node, measured.endpoint));
    }
    console.log(`connect + SELECT count(*) over ${rows} rows, ${rounds} rounds:`);
    console.log(`  INACTIVE (reopen first)  median ${median(resumed).toFixed(1)} ms  max ${Math.max(...resumed).toFixed(1)} ms`);
    console.log(`  ACTIVE                   median ${median(open).toFixed(1)} ms  max ${Math.max(...open).toFixed(1)} ms`);
    await until(client, measured.id, 'INACTIVE');

    console.log(`footprint, default cluster only open:  ${await footprint()}`);
    const others = [];
    // Each keeps its session until all exist, so all are open (and idle) together.
    for (let i = 0; i < clusterCount; i++) others.push(await created(client, node, 100));
    for (const other of others) await other.sql.end();
    console.log(`footprint, ${clusterCount} created clusters open: ${await footprint()}`);
    for (const other of others) await until(client, other.id, 'INACTIVE');
    console.log(`footprint, all of them INACTIVE:       ${await footprint()}`);
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    client.destroy();
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
