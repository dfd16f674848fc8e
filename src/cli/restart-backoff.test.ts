import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRESH, MAX_BACKOFF_MS, restartDelayMs, restarted, STABLE_RUN_MS } from './restart-backoff.js';

test('a killed node comes back at once; one that keeps dying waits longer each time, up to a ceiling', () => {
  let node = { ...FRESH, startedAtMs: 0 };
  let now = 60_000;
  assert.equal(restartDelayMs(node, now), 0, 'a node that ran a while restarts at once');
  node = restarted(node, now, now);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    now += 100; // dies right after each start
    const delay = restartDelayMs(node, now);
    delays.push(delay);
    now += delay;
    node = restarted(node, now - delay, now);
  }
  assert.deepEqual(delays, [250, 500, 1_000, 2_000, 4_000, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
  assert.equal(node.total, 9);
  now += STABLE_RUN_MS + 1;
  assert.equal(restartDelayMs(node, now), 0, 'a run longer than the stable time forgets the crash loop');
  assert.equal(restarted(node, now, now).quick, 1);
});
