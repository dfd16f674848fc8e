import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission, ConnectionRate, CONNECTION_RATE_EXCEEDED, shareOf, TOO_MANY_CONNECTIONS, DSQL_LIMITS } from './admission.js';

function fakeClock(): { now(): { earliest: number; latest: number }; advanceMs(ms: number): void } {
  let us = 1_700_000_000_000_000;
  return { now: () => ({ earliest: us, latest: us }), advanceMs: (ms) => { us += ms * 1000; } };
}

test('the token bucket allows its burst at once, then the refill rate, never more than the burst', () => {
  const clock = fakeClock();
  const rate = new ConnectionRate(clock, 100, 1000);
  let taken = 0;
  while (rate.tryTake()) taken++;
  assert.equal(taken, 1000, 'the burst');
  clock.advanceMs(50); // 5 tokens at 100/s
  taken = 0;
  while (rate.tryTake()) taken++;
  assert.equal(taken, 5);
  clock.advanceMs(3_600_000); // an hour idle refills only to the burst
  taken = 0;
  while (rate.tryTake()) taken++;
  assert.equal(taken, 1000);
});

test('admission refuses over the open-connection quota with 53300 and over the rate with 53400', () => {
  const clock = fakeClock();
  const admission = new Admission(clock, { maxConnections: 3, ratePerSecond: 1, burst: 2 });
  assert.equal(admission.admit(0), null);
  assert.deepEqual(admission.admit(3), TOO_MANY_CONNECTIONS);
  assert.equal(admission.admit(1), null);
  assert.deepEqual(admission.admit(2), CONNECTION_RATE_EXCEEDED, 'the burst of 2 is spent');
  clock.advanceMs(1000);
  assert.equal(admission.admit(2), null, 'a second refills one');
  assert.equal(TOO_MANY_CONNECTIONS.code, '53300');
  assert.equal(CONNECTION_RATE_EXCEEDED.code, '53400');
  assert.equal(CONNECTION_RATE_EXCEEDED.message, 'Unable to accept connection, rate exceeded.');
});

test('a refused connection over the quota spends no token', () => {
  const clock = fakeClock();
  const admission = new Admission(clock, { maxConnections: 1, ratePerSecond: 1, burst: 1 });
  for (let i = 0; i < 5; i++) assert.deepEqual(admission.admit(1), TOO_MANY_CONNECTIONS);
  assert.equal(admission.admit(0), null);
});

test("a process's share of the cluster's limits: equal parts, rounded up", () => {
  assert.deepEqual(shareOf(DSQL_LIMITS, 3), { maxConnections: 3334, ratePerSecond: 100 / 3, burst: 334 });
  assert.deepEqual(shareOf(DSQL_LIMITS, 1), DSQL_LIMITS);
  assert.deepEqual(shareOf({ maxConnections: 2, ratePerSecond: 1, burst: 1 }, 4), { maxConnections: 1, ratePerSecond: 0.25, burst: 1 });
});

test('another share of the limits (a QP joined the region) applies to the next connection; the same share changes nothing', () => {
  const clock = fakeClock();
  const limits = { maxConnections: 10, ratePerSecond: 4, burst: 4 };
  const admission = new Admission(clock, shareOf(limits, 2));
  assert.equal(admission.admit(4), null, 'half of 10: the fifth is admitted');
  admission.reshare(shareOf(limits, 2));
  assert.equal(admission.admit(4), null, 'the same share keeps the rate\'s tokens (one of two left)');
  assert.deepEqual(admission.admit(0), CONNECTION_RATE_EXCEEDED);
  admission.reshare(shareOf(limits, 3));
  assert.deepEqual(admission.admit(4), TOO_MANY_CONNECTIONS, 'a third of 10, rounded up: 4');
  assert.equal(admission.admit(3), null);
});
