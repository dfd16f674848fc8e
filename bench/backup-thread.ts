/**
 * What a backup costs the thread that serves: a writer on this thread (a 512-byte append and
 * fdatasync, as the journal's, then a one-row apply into the LMDB store, as a commit's) runs
 * with no backup, during a backup of `--rows N` rows (~130 bytes) on this thread (paced, as the
 * node ran them before), and during the same backup on a thread of its own (backup-threads.ts),
 * alternated `--rounds R` times; the writer's latencies and this thread's event-loop delay.
 *
 *   npm run build && flock /tmp/bench.lock node dist/bench/backup-thread.js [--rows 200000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { JournalRecord } from '../src/contracts/journal.js';
import { systemEnv } from '../src/env/system-env.js';
import { MvccStorage } from '../src/storage/mvcc-storage.js';
import { BackupThreads, type BackupThreadJob } from '../src/node/backup-threads.js';
import { runBackupJob } from '../src/node/backup-thread.js';
import { option } from './options.js';

const rows = option('rows', 200_000);
const rounds = option('rounds', 3);
const LOAD_BATCH_ROWS = 10_000;

function key(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, 7);
  new DataView(out.buffer).setUint32(4, n);
  return out;
}

function quantile(sorted: number[], p: number): string {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-backup-thread-'));
  const env = systemEnv();
  const storePath = join(dir, 'storage');
  const storage = new MvccStorage(env.disk.openOrderedStore(storePath), { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() });
  const journal = await open(join(dir, 'journal'), 'w');
  try {
    let timestamp = 10;
    for (let from = 1; from <= rows; from += LOAD_BATCH_ROWS) {
      const writes = [];
      for (let i = from; i < Math.min(rows + 1, from + LOAD_BATCH_ROWS); i++) writes.push({ key: key(i), value: Buffer.from(`${i}`.padEnd(120, 'x')) });
      await storage.apply([{ commitTimestamp: timestamp, transactionId: `load${timestamp}`, writes }], timestamp);
      timestamp++;
    }
    const asOf = timestamp - 1;
    let files = 0;
    const job = (): BackupThreadJob => ({ kind: 'backup', storePath, path: join(dir, `${files++}.backup`), clusterId: 'c'.repeat(26), timestamp: asOf, takenAtMs: 1, catalogVersion: 0 });

    const measure = async (label: string, work: () => Promise<unknown>): Promise<void> => {
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const latencies: number[] = [];
      let writing = true;
      const writer = (async () => {
        while (writing) {
          const began = performance.now();
          await journal.write(Buffer.alloc(512));
          await journal.datasync();
          timestamp++;
          const record: JournalRecord = { commitTimestamp: timestamp, transactionId: `w${timestamp}`, writes: [{ key: key(1 + (timestamp % rows)), value: Buffer.from(`w${timestamp}`) }] };
          await storage.apply([record], timestamp);
          latencies.push(performance.now() - began);
        }
      })();
      const began = performance.now();
      await work();
      const ms = performance.now() - began;
      writing = false;
      await writer;
      delay.disable();
      latencies.sort((a, b) => a - b);
      console.log(`${label}: ${ms.toFixed(0)} ms; writer ${latencies.length} (${(latencies.length / ms * 1000).toFixed(0)}/s), p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms; `
        + `event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`);
    };
    console.log(`rows ${rows}, load ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
    for (let round = 1; round <= rounds; round++) {
      await measure('no backup, 2 s          ', () => new Promise((resolve) => setTimeout(resolve, 2_000)));
      await measure('backup on this thread   ', () => runBackupJob(env, job(), () => false));
      await measure('backup on its own thread', () => new BackupThreads(env).run(job(), () => false));
    }
  } finally {
    await journal.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
