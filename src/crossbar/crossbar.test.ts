import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalPosition, JournalRecord } from '../contracts/journal.js';
import { Crossbar, type CrossbarTarget } from './crossbar.js';

const k = (...bytes: number[]) => new Uint8Array(bytes);

/** A storage stand-in that records what it applied and can hold an apply open. */
class Recorder implements CrossbarTarget {
  appliedPosition: JournalPosition;
  readonly applied: string[] = [];
  gate: Promise<void> | null = null;
  failNext = false;

  constructor(start = 0) {
    this.appliedPosition = start;
  }

  async apply(records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    if (this.failNext) throw new Error('disk full');
    if (this.gate) await this.gate;
    for (const r of records) this.applied.push(`${r.commitTimestamp}:${r.writes.map((w) => w.key.join('.')).join(',')}`);
    this.applied.push(`@${position}`);
    this.appliedPosition = position;
  }
}

function rec(ts: number, ...keys: Uint8Array[]): JournalRecord {
  return { commitTimestamp: ts, transactionId: `t${ts}`, writes: keys.map((key) => ({ key, value: new Uint8Array([1]) })) };
}

test('records are split per subscriber range, keeping order; an untouched range still advances', async () => {
  const crossbar = new Crossbar();
  const low = new Recorder();
  const high = new Recorder();
  const other = new Recorder();
  crossbar.subscribe({ start: k(1), end: k(5) }, low);
  crossbar.subscribe({ start: k(5), end: k(9) }, high);
  crossbar.subscribe({ start: k(9), end: k(10) }, other);
  await crossbar.deliver([rec(1, k(1), k(6)), rec(2, k(7)), rec(3, k(4, 9), k(5), k(2))], 3);
  assert.deepEqual(low.applied, ['1:1', '3:4.9,2', '@3']);
  assert.deepEqual(high.applied, ['1:6', '2:7', '3:5', '@3']);
  assert.deepEqual(other.applied, ['@3']);
  assert.deepEqual(crossbar.status().map((s) => s.appliedPosition), [3, 3, 3]);
  assert.equal(crossbar.deliveredPosition, 3);
});

test('deliveries apply strictly in call order even when an apply is slow', async () => {
  const crossbar = new Crossbar();
  const node = new Recorder();
  crossbar.subscribe({ start: k(0), end: k(0xff) }, node);
  let open: () => void = () => {};
  node.gate = new Promise((resolve) => { open = resolve; });
  const first = crossbar.deliver([rec(1, k(1))], 1);
  const second = crossbar.deliver([rec(2, k(2))], 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(node.applied, []);
  node.gate = null;
  open();
  await Promise.all([first, second]);
  assert.deepEqual(node.applied, ['1:1', '@1', '2:2', '@2']);
});

test('a subscriber that already applied part of a delivery gets only the rest; a gap fails', async () => {
  const crossbar = new Crossbar();
  const replayed = new Recorder(4);
  crossbar.subscribe({ start: k(0), end: k(0xff) }, replayed);
  await crossbar.deliver([rec(1, k(1)), rec(2, k(2)), rec(3, k(3))], 3); // all applied before: skipped
  await crossbar.deliver([rec(4, k(4)), rec(5, k(5)), rec(6, k(6))], 6);
  assert.deepEqual(replayed.applied, ['5:5', '6:6', '@6']);
  await assert.rejects(crossbar.deliver([rec(9, k(9))], 9), /no journal records are skipped/);
});

test('a failed apply stops that subscriber; the others keep applying; later deliveries fail', async () => {
  const crossbar = new Crossbar();
  const healthy = new Recorder();
  const broken = new Recorder();
  crossbar.subscribe({ start: k(0), end: k(5) }, healthy);
  crossbar.subscribe({ start: k(5), end: k(9) }, broken);
  broken.failNext = true;
  await assert.rejects(crossbar.deliver([rec(1, k(1), k(6))], 1), /disk full/);
  broken.failNext = false;
  await assert.rejects(crossbar.deliver([rec(2, k(2), k(7))], 2), /disk full/);
  assert.deepEqual(healthy.applied, ['1:1', '@1', '2:2', '@2']);
  assert.deepEqual(broken.applied, [], 'nothing is applied over the hole');
  assert.match(crossbar.status()[1]!.failure!.message, /disk full/);
  await assert.rejects(crossbar.deliver([rec(3, k(3))], 2), /positions increase/);
});
