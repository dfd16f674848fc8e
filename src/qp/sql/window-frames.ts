import { SqlError, assert } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { FrameBound, FrameExclusion } from './ast.js';
import type { Evaluator, ExecContext } from './compiled.js';
import type { InRange } from './in-range.js';
import type { AggregateState } from './aggregates.js';

/**
 * Window frames: which rows of a partition each row's frame-based call (first/last/nth_value,
 * aggregates) sees, as PostgreSQL's nodeWindowAgg decides them.
 *
 * A frame is [head, tail] in the partition's order, minus its EXCLUDE rows. Heads and tails
 * never move backwards from one row to the next, so they are found by two pointers over the
 * partition (RANGE offsets call the sort type's in_range, NULL keys are peers of each other and
 * of nothing else), and an aggregate slides over them: rows enter at the tail and, where the
 * aggregate has an inverse (count, integer and numeric sum/avg), leave at the head; otherwise it
 * starts over when the head moves, as PostgreSQL does. O(n) for running and sliding frames of
 * aggregates with an inverse.
 */
export interface Frame {
  readonly mode: 'rows' | 'range' | 'groups';
  readonly start: FrameBound;
  readonly end: FrameBound;
  readonly startOffset: Evaluator | null;
  readonly endOffset: Evaluator | null;
  readonly exclusion: FrameExclusion;
  /** RANGE with an offset: the sort key's in_range, and its direction. */
  readonly inRange: InRange | null;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** The frame's offsets, evaluated once per execution (they cannot name the row's columns). */
export interface FrameOffsets {
  readonly start: SqlValue;
  readonly end: SqlValue;
}

/**
 * Evaluates the offsets before any row is read, as PostgreSQL does, so a NULL or negative ROWS
 * or GROUPS offset is an error even over no rows. A RANGE offset's sign is in_range's to check.
 */
export function evaluateFrameOffsets(frame: Frame, ctx: ExecContext): FrameOffsets {
  const value = (e: Evaluator | null, which: 'starting' | 'ending'): SqlValue => {
    if (e === null) return null;
    const v = e([], ctx);
    if (v === null) throw new SqlError('22004', `frame ${which} offset must not be null`);
    if (frame.mode !== 'range' && (v as bigint) < 0n) throw new SqlError('22013', `frame ${which} offset must not be negative`);
    return v;
  };
  return { start: value(frame.startOffset, 'starting'), end: value(frame.endOffset, 'ending') };
}

/** A partition's peer groups: rows equal on every ORDER BY key (all rows without ORDER BY). */
export interface Peers {
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** The peer group's number, from 0 (GROUPS frames count in these). */
  readonly group: Int32Array;
  /** Each group's first and last row. */
  readonly groupStart: readonly number[];
  readonly groupEnd: readonly number[];
}

export function peerGroups(n: number, samePeers: (i: number, j: number) => boolean): Peers {
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  const group = new Int32Array(n);
  const groupStart: number[] = [];
  const groupEnd: number[] = [];
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && samePeers(i, j)) j++;
    for (let k = i; k < j; k++) { start[k] = i; end[k] = j - 1; group[k] = groupStart.length; }
    groupStart.push(i);
    groupEnd.push(j - 1);
    i = j;
  }
  return { start, end, group, groupStart, groupEnd };
}

/** Every row's frame [head[i], tail[i]] before exclusion; empty when head > tail. */
export interface FrameBounds {
  readonly head: Int32Array;
  readonly tail: Int32Array;
}

export function frameBounds(frame: Frame, offsets: FrameOffsets, peers: Peers, keys: readonly SqlValue[]): FrameBounds {
  const n = peers.start.length;
  const head = new Int32Array(n);
  const tail = new Int32Array(n);
  let rangeHead = 0;
  let rangeTail = -1;
  for (let i = 0; i < n; i++) {
    if (frame.mode === 'range' && frame.start.offset !== null) rangeHead = head[i] = rangeHeadOf(frame, offsets.start, keys, i, rangeHead);
    else head[i] = headOf(frame, offsets.start, peers, i, n);
    if (frame.mode === 'range' && frame.end.offset !== null) rangeTail = tail[i] = rangeTailOf(frame, offsets.end, keys, i, rangeTail);
    else tail[i] = tailOf(frame, offsets.end, peers, i, n);
  }
  return { head, tail };
}

function headOf(frame: Frame, offset: SqlValue, peers: Peers, i: number, n: number): number {
  const { start } = frame;
  switch (start.kind) {
    case 'unbounded-preceding': return 0;
    case 'current-row': return frame.mode === 'rows' ? i : peers.start[i]!;
    case 'unbounded-following': return n;
    case 'preceding':
    case 'following': {
      const o = Number(offset as bigint) * (start.kind === 'preceding' ? -1 : 1);
      if (frame.mode === 'rows') return Math.min(Math.max(i + o, 0), n);
      const g = peers.group[i]! + o;
      return g < 0 ? 0 : g >= peers.groupStart.length ? n : peers.groupStart[g]!;
    }
  }
}

function tailOf(frame: Frame, offset: SqlValue, peers: Peers, i: number, n: number): number {
  const { end } = frame;
  switch (end.kind) {
    case 'unbounded-following': return n - 1;
    case 'current-row': return frame.mode === 'rows' ? i : peers.end[i]!;
    case 'unbounded-preceding': return -1;
    case 'preceding':
    case 'following': {
      const o = Number(offset as bigint) * (end.kind === 'preceding' ? -1 : 1);
      if (frame.mode === 'rows') return Math.min(Math.max(i + o, -1), n - 1);
      const g = peers.group[i]! + o;
      return g < 0 ? -1 : g >= peers.groupEnd.length ? n - 1 : peers.groupEnd[g]!;
    }
  }
}

/**
 * update_frameheadpos for RANGE offsets: from the previous row's head, advance past rows before
 * the frame. NULL keys sort together (first or last), so a NULL current row's frame is its
 * peers and a non-NULL row's frame holds no NULL.
 */
function rangeHeadOf(frame: Frame, offset: SqlValue, keys: readonly SqlValue[], i: number, from: number): number {
  const sub = (frame.start.kind === 'preceding') !== frame.descending;
  const less = frame.descending;
  const current = keys[i]!;
  let pos = from;
  while (pos < keys.length) {
    const key = keys[pos]!;
    if (key === null || current === null) {
      if (frame.nullsFirst ? key !== null || current === null : key === null || current !== null) break;
    } else if (frame.inRange!(key, current, offset, sub, less)) {
      break;
    }
    pos++;
  }
  return pos;
}

/** update_frametailpos for RANGE offsets: advance while the next row is inside the frame. */
function rangeTailOf(frame: Frame, offset: SqlValue, keys: readonly SqlValue[], i: number, from: number): number {
  const sub = (frame.end.kind === 'preceding') !== frame.descending;
  const less = !frame.descending;
  const current = keys[i]!;
  let pos = from;
  while (pos + 1 < keys.length) {
    const key = keys[pos + 1]!;
    if (key === null || current === null) {
      if (frame.nullsFirst ? key !== null && current === null : key === null && current !== null) break;
    } else if (!frame.inRange!(key, current, offset, sub, less)) {
      break;
    }
    pos++;
  }
  return pos;
}

/**
 * The rows of row i's frame after EXCLUDE, as up to three runs [first, last] in partition
 * order: before the excluded peers, the current row (EXCLUDE TIES keeps it), after them.
 */
export function frameRuns(frame: Frame, bounds: FrameBounds, peers: Peers, i: number): number[] {
  const h = bounds.head[i]!;
  const t = bounds.tail[i]!;
  if (frame.exclusion === 'no-others') return [h, t];
  const [xs, xe] = frame.exclusion === 'current-row' ? [i, i] : [peers.start[i]!, peers.end[i]!];
  const runs = [h, Math.min(t, xs - 1)];
  if (frame.exclusion === 'ties' && h <= i && i <= t) runs.push(i, i);
  runs.push(Math.max(h, xe + 1), t);
  return runs;
}

/** The index of the frame's nth row (from 1; negative counts from the end), or -1. */
export function nthFrameRow(runs: readonly number[], nth: number): number {
  if (nth > 0) {
    let left = nth;
    for (let r = 0; r < runs.length; r += 2) {
      const size = runs[r + 1]! - runs[r]! + 1;
      if (size <= 0) continue;
      if (left <= size) return runs[r]! + left - 1;
      left -= size;
    }
    return -1;
  }
  let left = -nth;
  for (let r = runs.length - 2; r >= 0; r -= 2) {
    const size = runs[r + 1]! - runs[r]! + 1;
    if (size <= 0) continue;
    if (left <= size) return runs[r + 1]! - left + 1;
    left -= size;
  }
  return -1;
}

/** One aggregate call's inputs over a partition: values already computed per row. */
export interface AggregateInputs {
  /** The argument per row; null for count(*), which counts every row. */
  readonly values: readonly SqlValue[] | null;
  readonly seconds: readonly SqlValue[] | null;
  /** FILTER's outcome per row; null without FILTER. */
  readonly included: readonly boolean[] | null;
  readonly fresh: () => AggregateState;
}

/** The aggregate's result for every row's frame, in partition order. */
export function aggregateFrames(frame: Frame, bounds: FrameBounds, peers: Peers, inputs: AggregateInputs): SqlValue[] {
  const n = bounds.head.length;
  const { values, seconds, included, fresh } = inputs;
  const add = (state: AggregateState, j: number): void => {
    if (included === null || included[j]) state.add(values === null ? true : values[j]!, seconds === null ? undefined : seconds[j]);
  };
  const remove = (state: AggregateState, j: number): boolean =>
    (included !== null && !included[j]) || state.remove!(values === null ? true : values[j]!, seconds === null ? undefined : seconds[j]);
  const overRuns = (runs: readonly number[]): SqlValue => {
    const state = fresh();
    for (let r = 0; r < runs.length; r += 2) for (let j = runs[r]!; j <= runs[r + 1]!; j++) add(state, j);
    return state.result();
  };
  const results = new Array<SqlValue>(n);
  const invertible = fresh().remove !== undefined;
  if (frame.exclusion !== 'no-others' && !invertible) {
    for (let i = 0; i < n; i++) results[i] = overRuns(frameRuns(frame, bounds, peers, i));
    return results;
  }
  // The state holds rows [lo, hi) of the partition.
  let state = fresh();
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const h = bounds.head[i]!;
    const t = bounds.tail[i]! + 1;
    assert(h >= lo, 'window frame heads move forward');
    if (h > lo) {
      let kept = invertible && h <= hi;
      while (kept && lo < h) kept = remove(state, lo++);
      if (!kept) { state = fresh(); lo = hi = h; }
    }
    while (hi < t) add(state, hi++);
    if (frame.exclusion === 'no-others') { results[i] = state.result(); continue; }
    const result = resultWithout(state, excludedRows(frame, bounds, peers, i), add, remove);
    if (result !== undefined) { results[i] = result; continue; }
    // The state could not let a row go and is spoiled: count this frame afresh, rebuild [lo, hi).
    results[i] = overRuns(frameRuns(frame, bounds, peers, i));
    state = fresh();
    for (let j = lo; j < hi; j++) add(state, j);
  }
  return results;
}

/** The rows of row i's frame that EXCLUDE takes out. */
function excludedRows(frame: Frame, bounds: FrameBounds, peers: Peers, i: number): number[] {
  const from = Math.max(frame.exclusion === 'current-row' ? i : peers.start[i]!, bounds.head[i]!);
  const to = Math.min(frame.exclusion === 'current-row' ? i : peers.end[i]!, bounds.tail[i]!);
  const rows: number[] = [];
  for (let j = from; j <= to; j++) if (!(frame.exclusion === 'ties' && j === i)) rows.push(j);
  return rows;
}

/**
 * An invertible aggregate's result without some rows of its state: take them out, read the
 * result, put them back. undefined when the state cannot take one out (it is spoiled then).
 */
function resultWithout(
  state: AggregateState, rows: readonly number[],
  add: (s: AggregateState, j: number) => void, remove: (s: AggregateState, j: number) => boolean,
): SqlValue | undefined {
  for (const j of rows) if (!remove(state, j)) return undefined;
  const result = state.result();
  for (const j of rows) add(state, j);
  return result;
}
