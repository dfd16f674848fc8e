import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InetValue, TIMESTAMP_INFINITY, TimeTzValue, TypeOid, type SqlValue } from '../contracts/sql-value.js';
import { decodeColumn, decodeTuple, decodeTupleSlots, encodeTuple, tupleColumnCount } from './tuple.js';
import { numeric, SAMPLED_TYPES, sampleValues, SeededRandom } from './samples.js';

function roundTrip(types: readonly number[], values: readonly SqlValue[]): SqlValue[] {
  const bytes = encodeTuple(types, values);
  const out = decodeTuple(types, bytes, new Array<SqlValue>(types.length));
  for (let i = 0; i < types.length; i++) assert.deepEqual(decodeColumn(bytes, i, types[i]!), out[i], `column ${i} alone`);
  return out;
}

test('tuple: every type round trips exactly, edge and random values', () => {
  const r = new SeededRandom(3);
  for (const typeOid of SAMPLED_TYPES) {
    const values = sampleValues(r, typeOid, 200);
    for (const v of values) {
      const [back] = roundTrip([typeOid], [v]);
      if (typeof v === 'number' && Number.isNaN(v)) assert.ok(Number.isNaN(back));
      else assert.deepEqual(back, v, `type ${typeOid} value ${String(v)}`);
    }
    // the whole sample as one wide row
    const types = values.map(() => typeOid);
    const back = roundTrip(types, values);
    assert.deepEqual(back.map(String), values.map(String));
  }
});

test('tuple: keeps what keys drop — -0, numeric scale, bpchar blanks, interval fields', () => {
  const types = [TypeOid.float8, TypeOid.numeric, TypeOid.bpchar, TypeOid.interval, TypeOid.numeric, TypeOid.date, TypeOid.timestamp];
  const values: SqlValue[] = [-0, numeric('1.500'), 'ab  ', { months: 1, days: -2, micros: 3n }, numeric('-123456789012345678901234567890.5'), -Infinity, TIMESTAMP_INFINITY];
  const back = roundTrip(types, values);
  assert.ok(Object.is(back[0], -0));
  assert.deepEqual(back.slice(1), values.slice(1));
});

test('tuple: NULLs, empty values and random rows of mixed types', () => {
  const r = new SeededRandom(11);
  for (let n = 0; n < 300; n++) {
    const width = r.range(0, 20);
    const types = Array.from({ length: width }, () => r.pick(SAMPLED_TYPES));
    const values = types.map((t) => (r.int(4) === 0 ? null : r.pick(sampleValues(r, t, 2))));
    const back = roundTrip(types, values);
    assert.deepEqual(back.map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)), values.map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
  }
  assert.deepEqual(roundTrip([TypeOid.text, TypeOid.bytea], ['', new Uint8Array(0)]), ['', new Uint8Array(0)]);
});

test('tuple: columns added later decode as NULL; extra slots of out are left alone', () => {
  const bytes = encodeTuple([TypeOid.int4, TypeOid.text], [7, 'x']);
  assert.equal(tupleColumnCount(bytes), 2);
  const out: SqlValue[] = ['stale', 'stale', 'stale', 'stale', 'key'];
  decodeTuple([TypeOid.int4, TypeOid.text, TypeOid.int8, TypeOid.bool], bytes, out);
  assert.deepEqual(out, [7, 'x', null, null, 'key']);
  assert.equal(decodeColumn(bytes, 3, TypeOid.bool), null);
});

test('tuple: large rows switch to wide offsets', () => {
  const big = 'é'.repeat(40_000); // 80,000 bytes of UTF-8
  const types = [TypeOid.text, TypeOid.int4, TypeOid.bytea, TypeOid.text];
  const bytes = new Uint8Array(70_000).map((_, i) => i & 0xff);
  const values: SqlValue[] = [big, 42, bytes, 'tail'];
  const encoded = encodeTuple(types, values);
  assert.equal(encoded[0]! & 1, 1);
  assert.deepEqual(roundTrip(types, values), values);
  assert.equal(decodeColumn(encoded, 3, TypeOid.text), 'tail');
});

test('tuple: decoded bytea does not alias the tuple', () => {
  const encoded = encodeTuple([TypeOid.bytea], [new Uint8Array([1, 2, 3])]);
  const [value] = decodeTuple([TypeOid.bytea], encoded, [null]);
  encoded.fill(0);
  assert.deepEqual(value, new Uint8Array([1, 2, 3]));
});

test('tuple: types without a fixed layout keep their JS representation', () => {
  const other = TypeOid.jsonpath; // a type with no fixed layout: the generic one takes any value
  const types = [other, other, TypeOid.int4Array, other, other, other, other];
  const values: SqlValue[] = [123n, 'text', new Uint8Array([9]), { months: 1, days: 2, micros: 3n }, new TimeTzValue(5n, -3600),
    new InetValue(4, 24, Uint8Array.of(10, 1, 2, 3)), new InetValue(6, 128, Uint8Array.from({ length: 16 }, (_, i) => i))];
  assert.deepEqual(roundTrip(types, values), values);
});

test('tuple: Buffer inputs decode the same, and decoded values do not alias them', () => {
  const types = [TypeOid.text, TypeOid.bytea, TypeOid.int8, TypeOid.float8];
  const values: SqlValue[] = ['héllo', new Uint8Array([1, 0, 255]), -5n, 2.5];
  const encoded = Buffer.from(encodeTuple(types, values));
  const out = decodeTuple(types, encoded, new Array<SqlValue>(4));
  encoded.fill(0);
  assert.deepEqual(out, values);
  const a = encodeTuple([TypeOid.int4], [1]);
  const b = encodeTuple([TypeOid.int4], [2]);
  assert.equal(decodeColumn(a, 0, TypeOid.int4), 1);
  assert.equal(decodeColumn(b, 0, TypeOid.int4), 2);
});

test('tuple: decoding chosen slots gives the same values as the whole row and leaves the rest alone', () => {
  const types = [TypeOid.int4, TypeOid.text, TypeOid.numeric, TypeOid.bool, TypeOid.text];
  const values: SqlValue[] = [7, 'seven', numeric('7.25'), null, 'last'];
  const bytes = encodeTuple(types, values);
  const out: SqlValue[] = ['untouched', 'untouched', 'untouched', 'untouched', 'untouched', 'untouched'];
  decodeTupleSlots(bytes, [0, 2, 3, 4], [types[0]!, types[2]!, types[3]!, types[4]!], [0, 2, 3, 5], out);
  assert.deepEqual(out, [7, 'untouched', numeric('7.25'), null, 'untouched', 'last']);
  // A slot beyond the tuple (a column added since it was written) reads as NULL.
  const short = encodeTuple(types.slice(0, 2), values.slice(0, 2));
  assert.deepEqual(decodeTupleSlots(short, [1, 4], [TypeOid.text, TypeOid.text], [0, 1], [undefined, undefined] as unknown as SqlValue[]), ['seven', null]);
});
