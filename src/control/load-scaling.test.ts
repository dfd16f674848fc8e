import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadScaler, type MemberLoad, type ScalingPolicy } from './load-scaling.js';

const POLICY: ScalingPolicy = { maxPerGroup: 4, scaleOutBusy: 0.7, scaleOutAfterMs: 30_000, scaleInBusy: 0.2, scaleInAfterMs: 60_000, cooldownMs: 20_000 };

function qp(name: string, az: string, busy: number, removable = false, group = 'r1'): MemberLoad {
  return { name, group, az, busy, removable };
}

test('scale-out waits until the region has stayed busy for the whole interval, then adds in the AZ with the fewest QPs', () => {
  const scaler = new LoadScaler(POLICY);
  const busy = [qp('qp-1', '1', 0.9), qp('qp-1-r2', '1', 0.8, true), qp('qp-2', '2', 0.75)];
  assert.deepEqual(scaler.step(0, busy), []);
  assert.deepEqual(scaler.step(29_999, busy), []);
  const [action] = scaler.step(30_000, busy);
  assert.equal(action?.kind, 'add');
  assert.equal(action.kind === 'add' && action.az, '2');
  assert.match(action!.reason, /3 QPs of r1 averaged 82 % busy/);
});

test('a dip below the line starts the interval again', () => {
  const scaler = new LoadScaler(POLICY);
  assert.deepEqual(scaler.step(0, [qp('qp-1', '1', 0.9)]), []);
  assert.deepEqual(scaler.step(20_000, [qp('qp-1', '1', 0.5)]), []);
  assert.deepEqual(scaler.step(35_000, [qp('qp-1', '1', 0.9)]), []);
  assert.deepEqual(scaler.step(64_999, [qp('qp-1', '1', 0.9)]), []);
  assert.equal(scaler.step(65_000, [qp('qp-1', '1', 0.9)]).length, 1);
});

test('after an action the region is quiet for the cooldown, and the interval counts from its end', () => {
  const scaler = new LoadScaler(POLICY);
  const busy = [qp('qp-1', '1', 0.95)];
  scaler.step(0, busy);
  assert.equal(scaler.step(30_000, busy).length, 1);
  assert.deepEqual(scaler.step(49_999, busy), []);
  assert.deepEqual(scaler.step(50_000, busy), []);
  assert.deepEqual(scaler.step(79_999, busy), []);
  assert.equal(scaler.step(80_000, busy).length, 1);
  // `quiet` holds it too (an action still under way).
  scaler.quiet('r1', 200_000);
  assert.deepEqual(scaler.step(210_000, busy), []);
});

test('no scale-out beyond the region\'s maximum', () => {
  const scaler = new LoadScaler({ ...POLICY, maxPerGroup: 2 });
  const busy = [qp('qp-1', '1', 0.9), qp('qp-2', '2', 0.9)];
  scaler.step(0, busy);
  assert.deepEqual(scaler.step(100_000, busy), []);
});

test('scale-in removes only a QP added while the cluster ran: the newest, in the AZ with the most', () => {
  const scaler = new LoadScaler(POLICY);
  const idle = [qp('qp-1', '1', 0.05), qp('qp-1-r2', '1', 0.02, true), qp('qp-1-r3', '1', 0.01, true), qp('qp-2', '2', 0.05), qp('qp-2-r2', '2', 0.0, true)];
  assert.deepEqual(scaler.step(0, idle), []);
  assert.deepEqual(scaler.step(59_999, idle), []);
  const [action] = scaler.step(60_000, idle);
  assert.deepEqual(action && action.kind === 'remove' && action.name, 'qp-1-r3');
  // Only the ones it was created with: nothing to remove.
  const base = new LoadScaler(POLICY);
  const created = [qp('qp-1', '1', 0), qp('qp-2', '2', 0)];
  base.step(0, created);
  assert.deepEqual(base.step(1_000_000, created), []);
});

test('scale-in keeps a QP whose removal would push the rest back over the line', () => {
  const scaler = new LoadScaler({ ...POLICY, scaleInBusy: 0.45, scaleOutBusy: 0.6 });
  // Two QPs at 0.4: one alone would run at 0.8, above 0.6 × 0.8.
  const loads = [qp('qp-1', '1', 0.4), qp('qp-1-r2', '1', 0.4, true)];
  scaler.step(0, loads);
  assert.deepEqual(scaler.step(120_000, loads), []);
  const lighter = [qp('qp-1', '1', 0.2), qp('qp-1-r2', '1', 0.2, true)];
  // Still low since 0: lighter, the removal leaves 0.4, below the line.
  assert.equal(scaler.step(130_000, lighter)[0]?.kind, 'remove');
});

test('groups (regions here) scale apart: one busy, the other idle', () => {
  const scaler = new LoadScaler(POLICY);
  const loads = [qp('qp-a', '1', 0.9, false, 'east'), qp('qp-b', '4', 0.01, false, 'west'), qp('qp-b-r2', '4', 0.0, true, 'west')];
  scaler.step(0, loads);
  const actions = scaler.step(60_000, loads);
  assert.deepEqual(actions.map((a) => [a.kind, a.group]), [['add', 'east'], ['remove', 'west']]);
});

test('a policy whose lines cross is refused', () => {
  assert.throws(() => new LoadScaler({ ...POLICY, scaleInBusy: 0.8 }), /scaleInBusy below scaleOutBusy/);
  assert.throws(() => new LoadScaler({ ...POLICY, maxPerGroup: 0 }), /a maximum ≥ 1/);
});

test('a shard\'s replicas are a group of their own, named so in the reason', () => {
  const scaler = new LoadScaler({ ...POLICY, maxPerGroup: 4 }, 'storage replicas');
  const replicas = [qp('storage-1', '1', 0.9, false, 'shard 1 of r1'), qp('storage-2', '2', 0.8, false, 'shard 1 of r1'), qp('storage-3', '3', 0.1, false, 'shard 0 of r1')];
  scaler.step(0, replicas);
  const actions = scaler.step(30_000, replicas);
  assert.equal(actions.length, 1);
  assert.equal(actions[0]!.group, 'shard 1 of r1');
  assert.match(actions[0]!.reason, /^2 storage replicas of shard 1 of r1 averaged 85 % busy/);
});

test('asked for one action, a second group that is due acts on the next step, not a cooldown later', () => {
  const scaler = new LoadScaler(POLICY);
  const loads = [qp('qp-1', '1', 0.9, false, 'east'), qp('qp-2', '1', 0.9, false, 'west')];
  assert.deepEqual(scaler.step(0, loads, 1), []);
  const [first, ...rest] = scaler.step(30_000, loads, 1);
  assert.deepEqual([first?.group, rest.length], ['east', 0]);
  // East is quiet for its cooldown; west's interval kept counting and it acts at once.
  const [second, ...others] = scaler.step(30_500, loads, 1);
  assert.deepEqual([second?.group, others.length], ['west', 0]);
  assert.deepEqual(scaler.step(31_000, loads, 1), []);
  // Without a limit both act on one step, as before.
  const both = new LoadScaler(POLICY);
  both.step(0, loads);
  assert.deepEqual(both.step(30_000, loads).map((a) => a.group), ['east', 'west']);
});
