/**
 * CPU per commit of the embedded node's write path alone, in one process: commit bundles shaped
 * like bench/pgbench.ts's single-row update (one 100-byte row of a 100,000-row table, its
 * table's schema key) go straight to the adjudicator, which decides, writes the file journal
 * (one O_DSYNC write per group), applies to LMDB storage through the crossbar and acknowledges.
 * `--committers N` keep one commit each in flight, as N clients would. No SQL, no sockets, no
 * worker: what this prints is the adjudicator, journal, crossbar and apply, with the commits
 * per journal write that share the per-write costs, and the bytes V8 allocated per commit
 * (garbage included; the committers' own bundles count too, as a session's would).
 *
 * `--allocations FILE` writes a sampled profile of what the measured seconds allocated.
 *
 *   npm run build && node dist/bench/commit-path.js [--committers 8] [--seconds 5] [--allocations FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import type { CommitRequest } from '../src/contracts/adjudicator.js';
import type { Timestamp } from '../src/contracts/time.js';
import { LocalAdjudicator } from '../src/adjudicator/adjudicator.js';
import { Crossbar } from '../src/crossbar/crossbar.js';
import { SystemClock } from '../src/env/clock.js';
import { NodeDisk } from '../src/env/disk.js';
import { SystemTimers } from '../src/env/timers.js';
import { FileJournal } from '../src/journal/file-journal.js';
import { MvccStorage } from '../src/storage/mvcc-storage.js';
import { option } from './options.js';

const committers = option('committers', 8);
const seconds = option('seconds', 5);
const ROWS = 100_000;
const ROW_BYTES = 100;
const WARM_UP_SECONDS = 1;
const allocationsFile = process.argv.includes('--allocations') ? process.argv[process.argv.indexOf('--allocations') + 1] : null;

function accountKey(aid: number): Uint8Array {
  const key = Buffer.alloc(10);
  key.writeUInt32BE(2, 0); // table id
  key.writeUInt16BE(1, 4); // primary index
  key.writeUInt32BE((aid ^ 0x8000_0000) >>> 0, 6);
  return key;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-commit-path-'));
  const disk = new NodeDisk();
  const clock = new SystemClock(0);
  const timers = new SystemTimers();
  const journal = await FileJournal.open(disk, join(dir, 'journal'));
  const storageRef: { adjudicator: LocalAdjudicator | null } = { adjudicator: null };
  const storage = new MvccStorage(disk.openOrderedStore(join(dir, 'storage')), {
    safeTime: () => storageRef.adjudicator!.watermark(),
    waitFor: () => Promise.resolve(),
  });
  const crossbar = new Crossbar();
  crossbar.subscribe({ start: new Uint8Array([0]), end: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]) }, storage);
  const adjudicator = await LocalAdjudicator.rebuild({ clock, timers, journal, publish: (records, position) => crossbar.deliver(records, position) });
  storageRef.adjudicator = adjudicator;
  const schemaKey = new Uint8Array([0, 0, 0, 1, 0, 1, 0, 0, 0, 2]);
  let committed = 0;
  let conflicts = 0;
  let running = true;
  let nextId = 0;
  const committer = async (): Promise<void> => {
    while (running) {
      const request: CommitRequest = {
        transactionId: `bench-${nextId++}`, startTimestamp: adjudicator.watermark() as Timestamp,
        writes: [{ key: accountKey(1 + Math.floor(Math.random() * ROWS)), value: new Uint8Array(ROW_BYTES).fill(7) }],
        lockKeys: [], schemaKeys: [schemaKey],
      };
      const outcome = await adjudicator.commit(request);
      if (outcome.kind === 'committed') committed++;
      else if (outcome.kind === 'data-conflict') conflicts++;
      else throw new Error(`commit refused: ${outcome.kind}`);
    }
  };
  const all = Array.from({ length: committers }, () => committer());
  await new Promise((resolve) => setTimeout(resolve, WARM_UP_SECONDS * 1000));
  const commitsBefore = committed;
  const syncsBefore = journal.syncCount;
  const inspector = allocationsFile ? new Session() : null;
  if (inspector) {
    inspector.connect();
    await inspector.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  }
  const profiler = new v8.GCProfiler();
  const heapBefore = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  const cpu = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = process.cpuUsage(cpu);
  const heapAfter = v8.getHeapStatistics().used_heap_size;
  let freed = 0;
  for (const gc of profiler.stop().statistics) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  if (inspector) {
    const { profile } = await inspector.post('HeapProfiler.stopSampling');
    writeFileSync(allocationsFile!, JSON.stringify(profile));
    inspector.disconnect();
  }
  const commits = committed - commitsBefore;
  const writes = journal.syncCount - syncsBefore;
  running = false;
  await Promise.all(all);
  const per = (micros: number) => (micros / commits).toFixed(1);
  console.log(`${committers} committers: ${commits} commits in ${seconds} s (${(commits / seconds).toFixed(0)}/s), ${(commits / Math.max(1, writes)).toFixed(2)} per journal write; `
    + `CPU per commit ${per(used.user + used.system)} µs (user ${per(used.user)}, system ${per(used.system)}); `
    + `allocated ${((heapAfter - heapBefore + freed) / commits).toFixed(0)} bytes per commit; ${conflicts} conflicts`);
  await adjudicator.close();
  await journal.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
