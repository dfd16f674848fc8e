import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransactionUsage } from '../contracts/metering.js';
import type { TimerHandle, Timers } from '../contracts/time.js';
import { NodeDisk } from '../env/disk.js';
import { SilentLog } from '../env/log.js';
import { UsageStore } from './usage-store.js';
import { usageReport, renderUsage } from './usage-report.js';

const MINUTE_US = 60_000_000;

/** Timers that fire only when told (the periodic write). */
class ManualTimers implements Timers {
  private readonly intervals = new Map<number, () => void>();
  private next = 0;
  setTimeout(): TimerHandle { return { id: -1 }; }
  clearTimeout(): void {}
  setInterval(callback: () => void): TimerHandle {
    this.intervals.set(++this.next, callback);
    return { id: this.next };
  }
  clearInterval(handle: TimerHandle): void { this.intervals.delete(handle.id as number); }
  setImmediate(callback: () => void): void { callback(); }
  fire(): void { for (const callback of this.intervals.values()) callback(); }
}

function bill(overrides: Partial<TransactionUsage> = {}): TransactionUsage {
  return {
    computeDpu: 0.002, readDpu: 2048 * 0.00000183105, writeDpu: 0, bytesRead: 128, bytesWritten: 0, readOnly: true,
    occConflict: false, ageLimit: false, commitLatencyUs: null, ...overrides,
  };
}

async function withStore(body: (open: () => Promise<UsageStore>, clock: { now: number }, timers: ManualTimers, path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-usage-store-'));
  const clock = { now: 29_000_000 * MINUTE_US };
  const timers = new ManualTimers();
  const path = join(dir, 'qp.json');
  const open = () => UsageStore.open({
    disk: new NodeDisk(), clock: { now: () => ({ earliest: clock.now, latest: clock.now }) }, timers, log: new SilentLog(), path,
  });
  try {
    await body(open, clock, timers, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('usage is summed per minute, the last hour kept and the totals forever', async () => {
  await withStore(async (open, clock) => {
    const store = await open();
    store.record(bill());
    store.record(bill({ writeDpu: 0.05, bytesWritten: 128, readOnly: false, commitLatencyUs: 1000 }));
    clock.now += MINUTE_US;
    await store.flush();
    store.record(bill({ readOnly: false, occConflict: true, commitLatencyUs: 3000 }));
    store.record(bill({ ageLimit: true }));
    clock.now += 90 * MINUTE_US;
    await store.flush();
    const file = store.snapshot();
    assert.equal(file.totals.TotalTransactions, 4);
    assert.equal(file.totals.ReadOnlyTransactions, 2);
    assert.equal(file.totals.OccConflicts, 1);
    assert.equal(file.totals.QueryTimeouts, 1);
    assert.equal(file.totals.BytesWritten, 128);
    assert.equal(file.minutes.length, 1, 'the minute 90 minutes ago is gone');
    assert.equal(file.minutes[0]!.TotalTransactions, 2);
    assert.equal(file.minutes[0]!.QueryTimeouts, 1);
    const report = usageReport([file], clock.now);
    assert.equal(report.totals.QueryTimeouts, 1);
    const p50 = report.totals.CommitLatency!;
    assert.ok(p50 > 0.9 && p50 < 1.1, `the P50 of 1 ms and 3 ms is the lower one, to ±10 % (${p50})`);
    await store.stop();
  });
});

test('the periodic write keeps all but the last interval: a crash loses only that', async () => {
  await withStore(async (open, _clock, timers) => {
    const store = await open();
    store.record(bill());
    timers.fire();
    await store.flush(); // waits for the write the timer started
    store.record(bill());
    // A crash now: no stop. What a new store reads is what the timer wrote.
    const reopened = await open();
    assert.equal(reopened.snapshot().totals.TotalTransactions, 1);
    await store.stop();
    const afterStop = await open();
    assert.equal(afterStop.snapshot().totals.TotalTransactions, 2, 'stop writes what is left');
    await afterStop.stop();
    await reopened.stop();
  });
});

test('the report sums query processors minute by minute', async () => {
  await withStore(async (open, clock) => {
    const store = await open();
    store.record(bill());
    const one = store.snapshot();
    store.record(bill({ computeDpu: 0.5 }));
    const both = store.snapshot();
    const report = usageReport([one, both], clock.now);
    assert.equal(report.sources, 2);
    assert.equal(report.totals.TotalTransactions, 3);
    assert.equal(report.minutes.length, 1);
    assert.equal(report.minutes[0]!.TotalTransactions, 3);
    assert.ok(Math.abs(report.totals.ComputeDPU - 0.504) < 1e-12);
    const text = renderUsage(report);
    assert.equal(text[0], 'Totals (2 query processors):');
    assert.ok(text.some((line) => /^ {2}TotalTransactions\s+3$/.test(line)));
    assert.equal(usageReport([one], clock.now + 61 * MINUTE_US).minutes.length, 0, 'an hour later the minute is past');
    await store.stop();
  });
});

test('a failed write is reported; the next one writes everything, and stop never rejects', async () => {
  await withStore(async (_open, clock, timers, path) => {
    const disk = new NodeDisk();
    let failures = 1;
    const flaky = Object.assign(Object.create(disk) as NodeDisk, {
      writeFileAtomic: (file: string, data: Uint8Array) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : disk.writeFileAtomic(file, data)),
    });
    const warnings: string[] = [];
    const log = { info() {}, warn: (message: string) => warnings.push(message), error() {} };
    const options = { disk: flaky, clock: { now: () => ({ earliest: clock.now, latest: clock.now }) }, timers, log, path };
    const store = await UsageStore.open(options);
    store.record(bill());
    await assert.rejects(store.flush(), /disk full/);
    await store.flush(); // nothing new: the failed write is made again
    assert.equal((await UsageStore.open(options)).snapshot().totals.TotalTransactions, 1);
    store.record(bill());
    await store.stop();
    const reopened = await UsageStore.open(options);
    assert.equal(reopened.snapshot().totals.TotalTransactions, 2);
    failures = 1;
    reopened.record(bill());
    await reopened.stop();
    assert.match(warnings.join('\n'), /writing usage at stop: disk full/);
  });
});

test('a file written before QueryTimeouts existed is read with none, and counts on from there', async () => {
  await withStore(async (open, _clock, _timers, path) => {
    const store = await open();
    store.record(bill());
    await store.stop();
    // As an earlier Strata wrote it: no QueryTimeouts in the totals or the minutes.
    const file = JSON.parse(readFileSync(path, 'utf8')) as { totals: Record<string, unknown>; minutes: Record<string, unknown>[] };
    delete file.totals.QueryTimeouts;
    for (const minute of file.minutes) delete minute.QueryTimeouts;
    writeFileSync(path, JSON.stringify(file));
    const reopened = await open();
    assert.equal(reopened.snapshot().totals.QueryTimeouts, 0);
    reopened.record(bill({ ageLimit: true }));
    await reopened.flush();
    const after = reopened.snapshot();
    assert.equal(after.totals.QueryTimeouts, 1);
    assert.equal(after.minutes.at(-1)!.QueryTimeouts, 1, 'the minute it was read with counts on too');
    assert.equal(after.totals.TotalTransactions, 2);
    await reopened.stop();
  });
});

test('a linked cluster bills its writes again per peer region, as MultiRegionWriteDPU in TotalDPU', async () => {
  await withStore(async (_open, clock, timers, path) => {
    const options = { disk: new NodeDisk(), clock: { now: () => ({ earliest: clock.now, latest: clock.now }) }, timers, log: new SilentLog(), path };
    const linked = await UsageStore.open({ ...options, peerRegions: 1 });
    linked.record(bill({ writeDpu: 0.05, bytesWritten: 128, readOnly: false, commitLatencyUs: 1000 }));
    linked.record(bill());
    const file = linked.snapshot();
    assert.equal(file.totals.WriteDPU, 0.05);
    assert.equal(file.totals.MultiRegionWriteDPU, 0.05, 'one peer: the write once more; a read bills none');
    const report = usageReport([file], clock.now);
    assert.ok(Math.abs(report.totals.TotalDPU - (report.totals.ComputeDPU + report.totals.ReadDPU + 0.05 + 0.05)) < 1e-12);
    await linked.stop();
    const single = await UsageStore.open({ ...options, path: `${path}.single` });
    single.record(bill({ writeDpu: 0.05, bytesWritten: 128, readOnly: false }));
    assert.equal(single.snapshot().totals.MultiRegionWriteDPU, 0, 'one region: nothing replicated');
    await single.stop();
  });
});

test('connections: every token presented counts by its action; the most open at once is kept per minute, not summed', async () => {
  await withStore(async (open, clock, _timers, path) => {
    const store = await open();
    store.connectionAttempt(true);
    store.connectionAttempt(false);
    store.connectionAttempt(false);
    for (const count of [1, 2, 3, 2, 1]) store.openConnections(count);
    await store.flush();
    let file = store.snapshot();
    assert.equal(file.minutes.length, 1, 'connections alone make a minute: no transaction ran');
    assert.deepEqual([file.minutes[0]!.DbConnectAdminCalls, file.minutes[0]!.DbConnectCalls, file.minutes[0]!.ClusterConnectionCount], [1, 2, 3]);
    assert.equal(file.totals.TotalTransactions, 0);

    // The same minute, one connection still open: nothing changed, so the file is not written again.
    rmSync(path);
    await store.flush();
    assert.equal(await new NodeDisk().readFile(path), null, 'an unchanged gauge writes nothing');

    // The next minute: the connection still open counts there, though nothing else happened.
    clock.now += MINUTE_US;
    await store.flush();
    file = store.snapshot();
    assert.equal(file.minutes.length, 2);
    assert.deepEqual([file.minutes[1]!.ClusterConnectionCount, file.minutes[1]!.DbConnectCalls], [1, 0]);
    assert.equal(file.totals.ClusterConnectionCount, 3, 'a gauge over time is its maximum');
    assert.equal(file.totals.DbConnectCalls, 2);

    // All closed: the minute after that has nothing, and no bucket.
    store.openConnections(0);
    clock.now += MINUTE_US;
    await store.flush();
    clock.now += MINUTE_US;
    await store.flush();
    assert.equal(store.snapshot().minutes.length, 3, 'the minute the last one closed in, and none after');

    // Two processes in one minute add up; the report's total is the busiest minute.
    const other = { ...file, minutes: [{ ...file.minutes[0]!, ClusterConnectionCount: 4 }] };
    const report = usageReport([file, other], clock.now);
    assert.equal(report.minutes[0]!.ClusterConnectionCount, 7);
    assert.equal(report.totals.ClusterConnectionCount, 7);
    assert.equal(report.totals.DbConnectAdminCalls, 2);
    const text = renderUsage(report);
    assert.ok(text.some((line) => /^ {2}ClusterConnectionCount \(peak\)\s+7$/.test(line)), text.join('\n'));
    assert.ok(text.some((line) => /^ {2}CallCount DbConnect\s+4$/.test(line)));
    await store.stop();
  });
});

test('storage: its size is written when it changes, accrues GiB-months while it holds, and the report takes the largest replica of each shard, summed over the shards', async () => {
  await withStore(async (_open, clock, timers, path) => {
    let bytes = 0;
    const options = {
      disk: new NodeDisk(), clock: { now: () => ({ earliest: clock.now, latest: clock.now }) }, timers, log: new SilentLog(), path,
      storageBytes: () => bytes, role: 'storage' as const,
    };
    const replica = await UsageStore.open(options);
    bytes = 1024 ** 3; // 1 GiB
    await replica.flush();
    assert.deepEqual(replica.snapshot().storage, { bytes, sinceMicros: clock.now, gibMonths: 0 });
    // Unchanged, the file is not written again; the time at the size accrues when read.
    rmSync(path);
    clock.now += 73 * 3600 * 1e6; // a tenth of AWS's 730-hour month
    await replica.flush();
    assert.equal(await new NodeDisk().readFile(path), null, 'an unchanged size writes nothing');
    let report = usageReport([replica.snapshot()], clock.now);
    assert.equal(report.ClusterStorageSize, 1024 ** 3);
    assert.ok(Math.abs(report.StorageGiBMonths! - 0.1) < 1e-9, `a tenth of a GiB-month (${report.StorageGiBMonths})`);
    // It doubles: the tenth at 1 GiB is kept, the new size accrues from now.
    bytes *= 2;
    await replica.flush();
    clock.now += 73 * 3600 * 1e6;
    await replica.stop();
    const file = (await UsageStore.open(options)).snapshot();
    assert.equal(file.role, 'storage');
    report = usageReport([file, { ...file, storage: { ...file.storage!, bytes: 5 } }], clock.now);
    assert.equal(report.ClusterStorageSize, 2 * 1024 ** 3, 'replicas are copies: the largest, not the sum');
    assert.ok(Math.abs(report.StorageGiBMonths! - 0.3) < 1e-9, `0.1 + 0.2 (${report.StorageGiBMonths})`);
    assert.deepEqual([report.sources, report.storageSources], [0, 2]);
    // A sharded cluster's shards hold different rows: per shard the largest, summed.
    const shard1 = { ...file, shard: 1, storage: { bytes: 1024 ** 3, sinceMicros: clock.now, gibMonths: 0.5 } };
    const sharded = usageReport([file, { ...file, storage: { ...file.storage!, bytes: 5 } }, shard1, { ...shard1, storage: { ...shard1.storage, bytes: 7, gibMonths: 0.01 } }], clock.now);
    assert.equal(sharded.ClusterStorageSize, 3 * 1024 ** 3, 'shard 0\'s largest (2 GiB) + shard 1\'s (1 GiB)');
    assert.ok(Math.abs(sharded.StorageGiBMonths! - 0.8) < 1e-9, `shard 0's 0.3 + shard 1's 0.5 (${sharded.StorageGiBMonths})`);
    const text = renderUsage(report);
    assert.equal(text[0], 'Totals (0 query processors, 2 storage replicas):');
    assert.ok(text.some((line) => /^ {2}ClusterStorageSize \(bytes\)\s+2147483648$/.test(line)), text.join('\n'));
    assert.equal(usageReport([], clock.now).ClusterStorageSize, null, 'no storage sampled: none shown');
  });
});
