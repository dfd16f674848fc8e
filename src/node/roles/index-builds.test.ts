import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SilentLog } from '../../env/log.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import type { CatalogSnapshot } from '../../qp/catalog/catalog.js';
import { IndexBuilds, type BuildingProcessor } from './index-builds.js';

/** A catalog as of τ: the index (not yet valid, job `job-1`) exists from its commit timestamp on. */
function processor(clock: FakeClock, committedAt: number): { qp: BuildingProcessor; reads: number[]; started: string[] } {
  const reads: number[] = [];
  const started: string[] = [];
  const index = { id: 2, name: 'items_color', valid: false, buildJobId: 'job-1' };
  const qp: BuildingProcessor = {
    snapshotTime: () => clock.now().latest,
    catalogAt: async (timestamp) => {
      reads.push(timestamp);
      const tables = timestamp >= committedAt ? [{ id: 1, schema: 'public', indexes: [index] }] : [];
      return { allTables: () => tables } as unknown as CatalogSnapshot;
    },
    indexBuilder: {
      start: (request) => { started.push(request.jobId); },
      waitForJob: () => new Promise<void>(() => {}),
    },
  };
  return { qp, reads, started };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('a catalog change whose commit timestamp is ahead of the clock is looked for once the clock passes it', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  // The leader gives commits timestamps above what it promised readers, ~10 ms ahead of the
  // clocks; its notice of the decision arrives at once.
  const committedAt = clock.now().latest + 10_000;
  const { qp, reads, started } = processor(clock, committedAt);
  const builds = new IndexBuilds(qp, { clock, timers, log: new SilentLog() });
  builds.scan(committedAt);
  await settle();
  assert.deepEqual(started, [], 'nothing yet');
  timers.advance(10_000);
  await settle();
  assert.deepEqual(started, ['job-1'], 'the build starts right after, not at the next periodic scan');
  assert.ok(reads.length > 0 && reads.every((t) => t >= committedAt), `the catalog was read at snapshots that see the change: ${reads}`);
});

test('each build is started once, however many scans find it', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const { qp, started } = processor(clock, 0);
  const builds = new IndexBuilds(qp, { clock, timers, log: new SilentLog() });
  builds.scan();
  builds.scan(); // while the first runs: once more after it
  await settle();
  builds.scan();
  await settle();
  assert.deepEqual(started, ['job-1']);
});
