import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idleOptions } from './start.js';

test('--idle-after and --inactive-after become the control plane options in milliseconds', () => {
  assert.deepEqual(idleOptions(undefined, undefined), {});
  assert.deepEqual(idleOptions('30', '120'), { idleAfterMs: 30_000, inactiveAfterMs: 120_000 });
  assert.deepEqual(idleOptions('0.5', undefined), { idleAfterMs: 500 });
  // An IDLE bound above the default INACTIVE one (3,600 s) is the user's only wish: allowed.
  assert.deepEqual(idleOptions('7200', undefined), { idleAfterMs: 7_200_000 });
});

test('an INACTIVE bound below the IDLE one is refused, not quietly raised', () => {
  assert.match(idleOptions('120', '60') as string, /--inactive-after 60 is below --idle-after \(120 s, given\)/);
  // Against the default IDLE bound (600 s) too.
  assert.match(idleOptions(undefined, '60') as string, /--inactive-after 60 is below --idle-after \(600 s, the default\)/);
  assert.deepEqual(idleOptions(undefined, '600'), { inactiveAfterMs: 600_000 });
});

test('durations that are not positive numbers are refused with the flag named', () => {
  assert.equal(idleOptions('soon', undefined), 'invalid --idle-after "soon" (seconds, more than 0)');
  assert.equal(idleOptions(undefined, '-1'), 'invalid --inactive-after "-1" (seconds, more than 0)');
  assert.equal(idleOptions('0', undefined), 'invalid --idle-after "0" (seconds, more than 0)');
});
