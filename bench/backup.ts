/**
 * A backup and a restore of a cluster of `--rows N` rows (~130 bytes each) through AWS Backup's
 * API (`@aws-sdk/client-backup` against an embedded node): the time of each job, the file's
 * size, and the node process's memory while each runs — peak RSS (every thread's) and peak V8
 * heap in use on the node's thread (a job's own thread has a heap of its own, counted only in
 * RSS), above what they were just before. Bounded memory shows as peaks that do not
 * grow with N. A writer updates one row per commit throughout: its commit latency while the
 * backup runs is printed beside the same writer's over as long a time with no backup, so a
 * pause of writers would show.
 *
 *   npm run build && flock /tmp/bench.lock node --expose-gc dist/bench/backup.js [--rows 50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BackupClient, DescribeBackupJobCommand, DescribeRestoreJobCommand, StartBackupJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import { DSQLClient, GetClusterCommand } from '@aws-sdk/client-dsql';
import { startEmbedded } from '../src/node/embedded.js';
import { option } from './options.js';

const rows = option('rows', 50_000);
const MIB = 1024 * 1024;

/**
 * Peak RSS and peak heap in use (garbage not yet collected included) above their values when it
 * starts, sampled every 5 ms until stopped. (A forced collection per sample would count only
 * live memory, but with the row cache's heap it slowed the jobs a hundredfold.)
 */
function sampleMemory(): () => { rssMiB: number; heapMiB: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  let rss = base.rss;
  let heap = base.heapUsed;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  }, 5);
  return () => {
    clearInterval(timer);
    return { rssMiB: (rss - base.rss) / MIB, heapMiB: (heap - base.heapUsed) / MIB };
  };
}

function latencies(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2);
  return `${values.length} commits, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`;
}

/**
 * A job's status, asked after POLL_MS as a client waiting for it would (AWS's waiters ask every
 * few seconds): asked back to back, the requests and their SigV4 checks took the node's thread
 * from the writer, once a job no longer held it.
 */
const POLL_MS = 100;
async function pollAfter<T>(ask: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  return ask();
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-backup-'));
  const node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
  const credentials = { accessKeyId: node.credentials.accessKeyId, secretAccessKey: node.credentials.secretAccessKey };
  const endpoint = `http://127.0.0.1:${node.apiPort}`;
  const backup = new BackupClient({ endpoint, region: node.credentials.region, credentials });
  const dsql = new DSQLClient({ endpoint, region: node.credentials.region, credentials });
  try {
    const client = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.token(), ssl: { rejectUnauthorized: false } });
    await client.connect();
    await client.query('CREATE TABLE items (id int PRIMARY KEY, note text)');
    for (let from = 1; from <= rows; from += 2_000) {
      await client.query(`INSERT INTO items SELECT g, repeat(md5(g::text), 3) FROM generate_series(${from}, ${Math.min(rows, from + 1_999)}) g`);
    }
    const id = node.endpoint.slice(0, node.endpoint.indexOf('.'));
    // One writer, one single-row UPDATE per commit, its latencies kept per window.
    let window: number[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const began = performance.now();
        await client.query('UPDATE items SET note = $2 WHERE id = $1', [1 + (i % rows), `w${i}`]);
        window.push(performance.now() - began);
      }
    })();
    const arn = (await dsql.send(new GetClusterCommand({ identifier: id }))).arn!;

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    window = [];
    let memory = sampleMemory();
    let start = performance.now();
    const job = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: arn, IamRoleArn: 'arn:aws:iam::1:role/b' }));
    let done;
    do done = await pollAfter(() => backup.send(new DescribeBackupJobCommand({ BackupJobId: job.BackupJobId }))); while (done.State !== 'COMPLETED' && done.State !== 'FAILED');
    const backupMs = performance.now() - start;
    const backupMemory = memory();
    const during = window;
    window = [];
    await new Promise((resolve) => setTimeout(resolve, backupMs));
    const quiet = window;
    writing = false;
    await writer;
    await client.end();
    if (done.State !== 'COMPLETED') throw new Error(done.StatusMessage);

    memory = sampleMemory();
    start = performance.now();
    const restore = await backup.send(new StartRestoreJobCommand({ RecoveryPointArn: job.RecoveryPointArn, Metadata: {} }));
    let restored;
    do restored = await pollAfter(() => backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restore.RestoreJobId }))); while (restored.Status !== 'COMPLETED' && restored.Status !== 'FAILED');
    const restoreMs = performance.now() - start;
    const restoreMemory = memory();
    if (restored.Status !== 'COMPLETED') throw new Error(restored.StatusMessage);

    const load = loadavg().map((value) => value.toFixed(2)).join(' ');
    console.log(`rows ${rows}, backup file ${(done.BackupSizeInBytes! / MIB).toFixed(1)} MiB, load ${load}`);
    console.log(`backup:  ${backupMs.toFixed(0)} ms, peak RSS +${backupMemory.rssMiB.toFixed(1)} MiB, peak heap (node's thread) +${backupMemory.heapMiB.toFixed(1)} MiB`);
    console.log(`writer during the backup: ${latencies(during)}; with no backup: ${latencies(quiet)}`);
    console.log(`restore: ${restoreMs.toFixed(0)} ms, peak RSS +${restoreMemory.rssMiB.toFixed(1)} MiB, peak heap (node's thread) +${restoreMemory.heapMiB.toFixed(1)} MiB`);
  } finally {
    backup.destroy();
    dsql.destroy();
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
