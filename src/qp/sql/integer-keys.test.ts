/**
 * Wider integers restated as bounds of a narrower integer key: in range they convert exactly,
 * out of range an equality is NULL (no key) and a range bound clamps or is NULL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { ExecContext } from './compiled.js';
import { narrowedKeyBound, narrowedKeyValue, narrowsToKey, type KeyOp } from './integer-keys.js';

const ctx = {} as ExecContext;

function bound(columnOid: number, op: KeyOp, v: SqlValue): [KeyOp, SqlValue] {
  const narrowed = narrowedKeyBound(columnOid, op, () => v);
  return [narrowed.op, narrowed.value([], ctx)];
}

test('only wider integer types narrow to an integer key', () => {
  assert.equal(narrowsToKey(TypeOid.int4, TypeOid.int8), true);
  assert.equal(narrowsToKey(TypeOid.int2, TypeOid.int4), true);
  assert.equal(narrowsToKey(TypeOid.int2, TypeOid.int8), true);
  assert.equal(narrowsToKey(TypeOid.int8, TypeOid.int4), false);
  assert.equal(narrowsToKey(TypeOid.int4, TypeOid.int4), false);
  assert.equal(narrowsToKey(TypeOid.int4, TypeOid.numeric), false);
  assert.equal(narrowsToKey(TypeOid.int4, TypeOid.float8), false);
});

test('an equality outside the key type reads nothing, never a wrapped value', () => {
  assert.deepEqual(bound(TypeOid.int4, '=', 4294967297n), ['=', null]);
  assert.deepEqual(bound(TypeOid.int4, '=', -2147483649n), ['=', null]);
  assert.deepEqual(bound(TypeOid.int4, '=', 2147483647n), ['=', 2147483647]);
  assert.deepEqual(bound(TypeOid.int2, '=', 70000), ['=', null]);
  assert.deepEqual(bound(TypeOid.int2, '=', -32768), ['=', -32768]);
  assert.deepEqual(bound(TypeOid.int4, '=', null), ['=', null]);
  assert.equal(narrowedKeyValue(TypeOid.int2, 32768n), null);
  assert.equal(narrowedKeyValue(TypeOid.int2, -32768n), -32768);
});

test('range bounds become inclusive and clamp to the key type', () => {
  assert.deepEqual(bound(TypeOid.int4, '<', 5000000000n), ['<=', 2147483647]);
  assert.deepEqual(bound(TypeOid.int4, '<', 2147483647n), ['<=', 2147483646]);
  assert.deepEqual(bound(TypeOid.int4, '<', -2147483648n), ['<=', null]);
  assert.deepEqual(bound(TypeOid.int4, '<=', -2147483649n), ['<=', null]);
  assert.deepEqual(bound(TypeOid.int4, '>', 5000000000n), ['>=', null]);
  assert.deepEqual(bound(TypeOid.int4, '>', 2147483647n), ['>=', null]);
  assert.deepEqual(bound(TypeOid.int4, '>', -9223372036854775808n), ['>=', -2147483648]);
  assert.deepEqual(bound(TypeOid.int4, '>=', -2147483648n), ['>=', -2147483648]);
  assert.deepEqual(bound(TypeOid.int2, '<=', 2147483647), ['<=', 32767]);
  assert.deepEqual(bound(TypeOid.int2, '>=', 32768), ['>=', null]);
});
