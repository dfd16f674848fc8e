/**
 * Window frames move forward: finding every row's RANGE bounds costs O(n) in_range calls, and an
 * aggregate with an inverse slides over them with O(n) adds and removes, whatever the frame's
 * width. Counted, not timed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { AggregateState } from './aggregates.js';
import type { Expr } from './ast.js';
import { inRangeFor, type InRange } from './in-range.js';
import * as types from './typesystem.js';
import { aggregateFrames, frameBounds, frameRuns, nthFrameRow, peerGroups, type Frame } from './window-frames.js';

/** The offset's expression: frames read the evaluated value (FrameOffsets); this marks that there is one. */
const OFFSET: Expr = { kind: 'const', literal: 'integer', text: '1', location: -1 };

function rangeFrame(inRange: InRange, overrides: Partial<Frame> = {}): Frame {
  return {
    mode: 'range', start: { kind: 'preceding', offset: OFFSET }, end: { kind: 'current-row', offset: null },
    startOffset: null, endOffset: null, exclusion: 'no-others', inRange, descending: false, nullsFirst: false, ...overrides,
  };
}

/** A sum state that counts the calls made on it. */
function countingSum(counts: { add: number; remove: number }): AggregateState {
  const inner = types.newAggregateState('sum', TypeOid.int4, false);
  return {
    add: (v) => { counts.add++; inner.add(v); },
    remove: (v) => { counts.remove++; return inner.remove!(v); },
    result: () => inner.result(),
  };
}

test('a sliding RANGE sum over n rows makes O(n) in_range calls, adds and removes', () => {
  const n = 20_000;
  for (const width of [3, 2_000]) {
    const keys = Array.from({ length: n }, (_, i) => Math.floor(i / 2));
    let calls = 0;
    const inRange = inRangeFor(TypeOid.int4, TypeOid.int4);
    const frame = rangeFrame((...args) => { calls++; return inRange(...args); });
    const peers = peerGroups(n, (i, j) => keys[i] === keys[j]);
    const bounds = frameBounds(frame, { start: width, end: null }, peers, keys);
    assert.ok(calls <= 2 * n, `${calls} in_range calls for ${n} rows`);
    const counts = { add: 0, remove: 0 };
    const sums = aggregateFrames(frame, bounds, peers, { values: keys, seconds: null, included: null, fresh: () => countingSum(counts) });
    assert.ok(counts.add <= n && counts.remove <= n, `${counts.add} adds, ${counts.remove} removes`);
    // Spot-check against the definition: keys in [key − width, key], all peers of the current row.
    for (const i of [0, 1, n / 2, n - 1]) {
      let expected = 0n;
      for (const k of keys) if (k >= keys[i]! - width && k <= keys[i]!) expected += BigInt(k);
      assert.equal(sums[i], expected, `row ${i}`);
    }
  }
});

test('NULL keys are peers of each other only, first or last', () => {
  const inRange = inRangeFor(TypeOid.int4, TypeOid.int8);
  const last: SqlValue[] = [1, 2, 3, null, null];
  const frame = rangeFrame(inRange, { end: { kind: 'following', offset: OFFSET } });
  const peersLast = peerGroups(5, (i, j) => last[i] === last[j]);
  const bounds = frameBounds(frame, { start: 1n, end: 1n }, peersLast, last);
  assert.deepEqual([...bounds.head], [0, 0, 1, 3, 3]);
  assert.deepEqual([...bounds.tail], [1, 2, 2, 4, 4]);
  const first: SqlValue[] = [null, null, 1, 2, 3];
  const bounds2 = frameBounds({ ...frame, nullsFirst: true }, { start: 1n, end: 1n }, peerGroups(5, (i, j) => first[i] === first[j]), first);
  assert.deepEqual([...bounds2.head], [0, 0, 2, 2, 3]);
  assert.deepEqual([...bounds2.tail], [1, 1, 3, 4, 4]);
});

test('EXCLUDE leaves up to three runs, and the nth row counts across them', () => {
  const keys = [1, 2, 2, 2, 3];
  const peers = peerGroups(5, (i, j) => keys[i] === keys[j]);
  const whole = { head: Int32Array.from([0, 0, 0, 0, 0]), tail: Int32Array.from([4, 4, 4, 4, 4]) };
  const frame = (exclusion: Frame['exclusion']): Frame => ({ ...rangeFrame(inRangeFor(TypeOid.int4, TypeOid.int4)), exclusion });
  assert.deepEqual(frameRuns(frame('ties'), whole, peers, 2), [0, 0, 2, 2, 4, 4]);
  assert.deepEqual(frameRuns(frame('group'), whole, peers, 2), [0, 0, 4, 4]);
  assert.deepEqual(frameRuns(frame('current-row'), whole, peers, 2), [0, 1, 3, 4]);
  const runs = frameRuns(frame('ties'), whole, peers, 2);
  assert.deepEqual([1, 2, 3, 4, -1, -3].map((nth) => nthFrameRow(runs, nth)), [0, 2, 4, -1, 4, 0]);
});
