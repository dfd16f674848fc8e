import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionSpread } from './session-spread.js';
import { SeededRandom } from '../../sim/seeded-random.js';

const qps = [{ name: 'qp-1' }, { name: 'qp-2' }, { name: 'qp-3' }];
const names = (list: readonly { name: string }[]) => list.map((q) => q.name);

test('sessions go to the QP with the fewest open, ties in turn', () => {
  const spread = new SessionSpread(new SeededRandom(7));
  const counts = new Map<string, number>();
  for (let i = 0; i < 9; i++) {
    const first = spread.order(qps)[0]!.name;
    spread.opened(first);
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  assert.deepEqual([...counts.values()], [3, 3, 3]);
});

test('a QP that lost its sessions gets the next ones until it has its share again', () => {
  const spread = new SessionSpread(new SeededRandom(1));
  const ends = new Map<string, (() => void)[]>();
  for (let i = 0; i < 6; i++) {
    const first = spread.order(qps)[0]!.name;
    ends.set(first, [...(ends.get(first) ?? []), spread.opened(first)]);
  }
  // qp-2 crashes: both of its sessions end (twice, as close events may repeat).
  for (const end of ends.get('qp-2')!) { end(); end(); }
  assert.equal(spread.openOn('qp-2'), 0);
  assert.deepEqual(names(spread.order(qps)).slice(0, 1), ['qp-2']);
  spread.opened('qp-2');
  assert.deepEqual(names(spread.order(qps)).slice(0, 1), ['qp-2']);
  spread.opened('qp-2');
  assert.equal(spread.openOn('qp-1'), 2);
  assert.equal(spread.openOn('qp-3'), 2);
});

test('every candidate stays in the order, so a QP that does not answer is followed by the others', () => {
  const spread = new SessionSpread(new SeededRandom(3));
  spread.opened('qp-1');
  const order = names(spread.order(qps));
  assert.equal(order.length, 3);
  assert.equal(order[2], 'qp-1');
  assert.deepEqual([...order].sort(), ['qp-1', 'qp-2', 'qp-3']);
});

test('relays with different random starts do not move in step', () => {
  const firsts = new Set<string>();
  for (let seed = 1; seed <= 20; seed++) firsts.add(new SessionSpread(new SeededRandom(seed)).order(qps)[0]!.name);
  assert.equal(firsts.size, 3);
});
