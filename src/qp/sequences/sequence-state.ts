import { SqlError, assert } from '../../contracts/errors.js';
import type { Key } from '../../contracts/kv.js';
import type { SequenceInfo } from '../catalog/catalog.js';

/**
 * A sequence's counter: one row in the key space, `[u32 sequence id][u16 1]` — the sequence is
 * a relation of its own with a single row, as in PostgreSQL, so its commits conflict only with
 * each other. The row holds PostgreSQL's (last_value, is_called): the last value handed to any
 * query processor's cache, or with is_called false the value the next nextval returns.
 */
export interface SequenceState {
  readonly last: bigint;
  readonly called: boolean;
}

/** A run of values a query processor took in one commit: first, first + increment, … (count of them). */
export interface SequenceBlock {
  readonly first: bigint;
  readonly count: bigint;
}

const PRIMARY_INDEX_ID = 1;

export function sequenceRowKey(sequenceId: number): Key {
  const key = Buffer.alloc(6);
  key.writeUInt32BE(sequenceId, 0);
  key.writeUInt16BE(PRIMARY_INDEX_ID, 4);
  return key;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeState(state: SequenceState): Uint8Array {
  return encoder.encode(`${state.last}:${state.called ? 't' : 'f'}`);
}

export function decodeState(value: Uint8Array): SequenceState {
  const [last, called] = decoder.decode(value).split(':');
  assert(last !== undefined && (called === 't' || called === 'f'), 'a sequence row is "last:t|f"');
  return { last: BigInt(last), called: called === 't' };
}

/** The row a new (or restarted) sequence starts with: nextval returns START first. */
export function initialState(start: bigint): SequenceState {
  return { last: start, called: false };
}

/**
 * The next block of at most `want` values after `state`, and the state that records it taken
 * (PostgreSQL's nextval_internal, for a whole cache at once). A block never wraps: a CYCLE
 * sequence that reaches its limit ends the block there, and the next block starts over.
 */
export function takeBlock(sequence: SequenceInfo, state: SequenceState, want: bigint): { block: SequenceBlock; state: SequenceState } {
  assert(want >= 1n, 'a block has at least one value');
  const increment = BigInt(sequence.increment);
  const min = BigInt(sequence.minValue);
  const max = BigInt(sequence.maxValue);
  let first = state.called ? state.last + increment : state.last;
  if (increment > 0n && first > max) {
    if (!sequence.cycle) throw new SqlError('2200H', `nextval: reached maximum value of sequence "${sequence.name}" (${max})`);
    first = min;
  } else if (increment < 0n && first < min) {
    if (!sequence.cycle) throw new SqlError('2200H', `nextval: reached minimum value of sequence "${sequence.name}" (${min})`);
    first = max;
  }
  const room = increment > 0n ? (max - first) / increment + 1n : (first - min) / -increment + 1n;
  const count = room < want ? room : want;
  const last = first + (count - 1n) * increment;
  assert(last >= min && last <= max, 'a block stays within the sequence bounds');
  return { block: { first, count }, state: { last, called: true } };
}
