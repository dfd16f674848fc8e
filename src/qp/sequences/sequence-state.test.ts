import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SequenceInfo } from '../catalog/catalog.js';
import { SqlError } from '../../contracts/errors.js';
import { decodeState, encodeState, initialState, takeBlock } from './sequence-state.js';
import { applyOptions, checkDsqlCache, readOptions, SEQUENCE_CACHE_REFUSAL } from './sequence-options.js';

function sequence(overrides: Partial<SequenceInfo> = {}): SequenceInfo {
  return {
    id: 16384, schema: 'public', name: 's', increment: '1', minValue: '1', maxValue: '9223372036854775807', start: '1', cache: '1', cycle: false,
    generation: 0, ownedBy: null, ...overrides,
  };
}

test('the first block starts at START; later blocks follow the last value taken', () => {
  const s = sequence({ cache: '65536' });
  const first = takeBlock(s, initialState(1n), 65536n);
  assert.deepEqual(first.block, { first: 1n, count: 65536n });
  assert.deepEqual(first.state, { last: 65536n, called: true });
  assert.deepEqual(takeBlock(s, first.state, 65536n).block, { first: 65537n, count: 65536n });
});

test('a block stops at MAXVALUE; the next one fails with 2200H, or wraps with CYCLE', () => {
  const s = sequence({ increment: '2', maxValue: '10', cache: '100' });
  const { block, state } = takeBlock(s, initialState(5n), 100n);
  assert.deepEqual(block, { first: 5n, count: 3n }); // 5, 7, 9
  assert.throws(() => takeBlock(s, state, 100n), (e: SqlError) => e.code === '2200H' && e.message === 'nextval: reached maximum value of sequence "s" (10)');
  assert.deepEqual(takeBlock({ ...s, cycle: true }, state, 100n).block, { first: 1n, count: 5n });
});

test('descending sequences count down to MINVALUE', () => {
  const s = sequence({ increment: '-3', minValue: '-10', maxValue: '-1', cache: '1' });
  const one = takeBlock(s, initialState(-1n), 1n);
  assert.deepEqual(one.block, { first: -1n, count: 1n });
  const blocks = [one.block.first];
  let state = one.state;
  for (let i = 0; i < 3; i++) {
    const next = takeBlock(s, state, 1n);
    blocks.push(next.block.first);
    state = next.state;
  }
  assert.deepEqual(blocks, [-1n, -4n, -7n, -10n]);
  assert.throws(() => takeBlock(s, state, 1n), (e: SqlError) => e.code === '2200H' && /minimum value of sequence "s" \(-10\)/.test(e.message));
});

test('the counter row round-trips, including int8 extremes', () => {
  for (const state of [{ last: -(2n ** 63n), called: false }, { last: 2n ** 63n - 1n, called: true }]) assert.deepEqual(decodeState(encodeState(state)), state);
});

test("options: PostgreSQL's defaults and checks, and DSQL's CACHE rule", () => {
  const number = (name: string, text: string) => ({ name, value: { kind: 'number' as const, text }, location: -1 });
  assert.deepEqual(applyOptions(null, readOptions([number('increment', '-1')], false)), {
    increment: '-1', minValue: '-9223372036854775808', maxValue: '-1', start: '-1', cache: '1', cycle: false,
  });
  assert.throws(() => applyOptions(null, readOptions([number('increment', '0')], false)), (e: SqlError) => e.code === '22023');
  assert.throws(() => readOptions([number('cache', '1'), number('cache', '2')], false), (e: SqlError) => e.code === '42601');
  for (const cache of [undefined, 0n, 2n, 65535n]) {
    assert.throws(() => checkDsqlCache(cache, SEQUENCE_CACHE_REFUSAL), (e: SqlError) => e.code === '0A000' && e.message === SEQUENCE_CACHE_REFUSAL);
  }
  for (const cache of [1n, 65536n, 1000000n]) checkDsqlCache(cache, SEQUENCE_CACHE_REFUSAL);
});
