import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InetValue, TIMESTAMP_INFINITY, TimeTzValue, TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../contracts/sql-value.js';
import { compareKeys, KeyReader, KeyWriter, prefixEnd, skipKeyColumns } from './key.js';
import { compareValues, numeric, numericText, SAMPLED_TYPES, sampleValues, SeededRandom, SQL_TYPE_NAMES } from './samples.js';

const writer = new KeyWriter(8); // small, so tests exercise growth

function encode(typeOid: number, value: SqlValue, descending = false): Uint8Array {
  writer.reset();
  writer.writeValue(typeOid, value, descending);
  return writer.finish();
}

function decode(typeOid: number, key: Uint8Array, descending = false): SqlValue {
  const reader = new KeyReader(key);
  const value = reader.readValue(typeOid, descending);
  assert.equal(reader.position, key.length, 'decoding consumed the whole key');
  return value;
}

/** What decoding should give back: the documented lossy cases normalized. */
function expectedDecoded(typeOid: number, v: SqlValue): SqlValue {
  if (v === null) return null;
  if (typeOid === TypeOid.bpchar) return (v as string).replace(/ +$/, '');
  if (typeOid === TypeOid.numeric) return numeric(canonicalNumeric(v as NumericValue));
  if (typeOid === TypeOid.interval) {
    const i = v as IntervalValue;
    const span = (BigInt(i.months) * 30n + BigInt(i.days)) * 86_400_000_000n + i.micros;
    const days = span / 86_400_000_000n;
    return { months: 0, days: Number(days), micros: span - days * 86_400_000_000n };
  }
  if (typeof v === 'number' && Object.is(v, -0)) return 0;
  return v;
}

/** A numeric's text without trailing fractional zeros (display scale is not kept in keys). */
function canonicalNumeric(n: NumericValue): string {
  const text = numericText(n);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

for (const typeOid of SAMPLED_TYPES) {
  const name = SQL_TYPE_NAMES[typeOid];

  test(`key ${name}: round trip, ascending and descending`, () => {
    const values = sampleValues(new SeededRandom(typeOid), typeOid, 300);
    for (const v of values) {
      for (const descending of [false, true]) {
        const key = encode(typeOid, v, descending);
        assert.deepEqual(decode(typeOid, key, descending), expectedDecoded(typeOid, v), `${name} ${String(v)} desc=${descending}`);
      }
    }
  });

  test(`key ${name}: bytewise order is PostgreSQL's order; equal values encode identically; prefix-free`, () => {
    const values = sampleValues(new SeededRandom(typeOid * 7 + 1), typeOid, 150);
    for (const descending of [false, true]) {
      const keys = values.map((v) => encode(typeOid, v, descending));
      for (let i = 0; i < values.length; i++) {
        for (let j = 0; j < values.length; j++) {
          const expected = sign(compareValues(typeOid, values[i]!, values[j]!) * (descending ? -1 : 1)) || 0;
          const a = keys[i]!;
          const b = keys[j]!;
          assert.equal(sign(compareKeys(a, b)), expected, `${name} ${String(values[i])} vs ${String(values[j])} desc=${descending}`);
          if (expected !== 0 && a.length < b.length) {
            assert.notDeepEqual(b.subarray(0, a.length), a, 'a key is a prefix of another');
          }
        }
      }
    }
  });
}

test('key: -0 and 0, 1.0 and 1.00, bpchar trailing blanks encode identically', () => {
  assert.deepEqual(encode(TypeOid.float8, -0), encode(TypeOid.float8, 0));
  assert.deepEqual(encode(TypeOid.float4, -0), encode(TypeOid.float4, 0));
  assert.deepEqual(encode(TypeOid.numeric, numeric('1.0')), encode(TypeOid.numeric, numeric('1.00')));
  assert.deepEqual(encode(TypeOid.numeric, numeric('100')), encode(TypeOid.numeric, numeric('100.000')));
  assert.deepEqual(encode(TypeOid.numeric, numeric('0.000')), encode(TypeOid.numeric, numeric('0')));
  assert.deepEqual(encode(TypeOid.bpchar, 'ab   '), encode(TypeOid.bpchar, 'ab'));
  assert.notDeepEqual(encode(TypeOid.text, 'ab '), encode(TypeOid.text, 'ab'));
  const oneMonth = { months: 1, days: 0, micros: 0n };
  assert.deepEqual(encode(TypeOid.interval, oneMonth), encode(TypeOid.interval, { months: 0, days: 30, micros: 0n }));
});

test('key: NULL sorts last ascending and first descending', () => {
  for (const typeOid of SAMPLED_TYPES) {
    const top = typeOid === TypeOid.float8 ? NaN : sampleValues(new SeededRandom(1), typeOid, 0).at(-1)!;
    assert.ok(compareKeys(encode(typeOid, null), encode(typeOid, top)) > 0);
    assert.ok(compareKeys(encode(typeOid, null, true), encode(typeOid, top, true)) < 0);
  }
});

test('key: text escapes NUL and terminates so "a" < "a\\0" < "a\\u0001"', () => {
  const a = encode(TypeOid.text, 'a');
  const aNul = encode(TypeOid.text, 'a\0');
  const aOne = encode(TypeOid.text, 'a\u0001');
  assert.ok(compareKeys(a, aNul) < 0 && compareKeys(aNul, aOne) < 0);
  assert.equal(decode(TypeOid.text, aNul), 'a\0');
  assert.equal(decode(TypeOid.text, encode(TypeOid.text, '\0\0x\0', true), true), '\0\0x\0');
  assert.deepEqual(Array.from(encode(TypeOid.text, 'a')), [0x10, 0x61, 0x00, 0x01]);
  assert.deepEqual(Array.from(encode(TypeOid.bytea, new Uint8Array([0, 0xff]))), [0x10, 0x00, 0xff, 0xff, 0x00, 0x01]);
});

test('key: documented layouts of fixed-width types', () => {
  assert.deepEqual(Array.from(encode(TypeOid.int4, -1)), [0x10, 0x7f, 0xff, 0xff, 0xff]);
  assert.deepEqual(Array.from(encode(TypeOid.int2, 1)), [0x10, 0x80, 0x01]);
  assert.deepEqual(Array.from(encode(TypeOid.int8, 0n)), [0x10, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(encode(TypeOid.bool, true, true)), [0xef, 0xfe]);
  assert.deepEqual(Array.from(encode(TypeOid.int4, null)), [0xff]);
  assert.deepEqual(Array.from(encode(TypeOid.int4, null, true)), [0x00]);
  assert.deepEqual(Array.from(encode(TypeOid.float8, NaN)), [0x11]);
  // 12.5 = 0.125 × 10^2: exponent 2, pairs "12" "50", terminator
  assert.deepEqual(Array.from(encode(TypeOid.numeric, numeric('12.5'))), [0x23, 0x80, 0, 0, 2, 13, 51, 0]);
  assert.deepEqual(Array.from(encode(TypeOid.numeric, numeric('0'))), [0x22]);
});

test('key: numeric decoding restores the value (display scale dropped)', () => {
  for (const text of ['1.50', '100', '-0.00120', '123456789012345678901234567890.123456789', '-1e'.slice(0, 2), '0.0000000001']) {
    const n = numeric(text);
    const back = decode(TypeOid.numeric, encode(TypeOid.numeric, n)) as NumericValue;
    assert.equal(canonicalNumeric(back), canonicalNumeric(n));
  }
  assert.deepEqual(decode(TypeOid.numeric, encode(TypeOid.numeric, numeric('100'))), { coefficient: 100n, scale: 0 });
});

test('key: timestamps, dates and integers at their limits round trip', () => {
  for (const v of [TIMESTAMP_INFINITY, -TIMESTAMP_INFINITY, -(1n << 63n), 0n]) assert.equal(decode(TypeOid.timestamptz, encode(TypeOid.timestamptz, v)), v);
  for (const v of [Infinity, -Infinity, 0, -1]) assert.equal(decode(TypeOid.date, encode(TypeOid.date, v, true), true), v);
  assert.equal(decode(TypeOid.oid, encode(TypeOid.oid, 0xffffffff)), 0xffffffff);
});

test('key: multi-column keys order lexicographically with mixed directions', () => {
  const types = [TypeOid.int4, TypeOid.text, TypeOid.numeric, TypeOid.bytea];
  const descending = [false, true, false, true];
  const r = new SeededRandom(42);
  const pools = types.map((t) => sampleValues(r, t, 4).slice(0, 8));
  const rows: SqlValue[][] = [];
  for (let i = 0; i < 300; i++) rows.push(types.map((_, c) => r.pick(pools[c]!)));
  const keyOf = (row: SqlValue[]): Uint8Array => {
    writer.reset();
    writer.writeUint32(7);
    writer.writeUint16(2);
    row.forEach((v, c) => writer.writeValue(types[c]!, v, descending[c]));
    return writer.finish();
  };
  const compareRows = (a: SqlValue[], b: SqlValue[]): number => {
    for (let c = 0; c < types.length; c++) {
      const x = compareValues(types[c]!, a[c]!, b[c]!);
      if (x !== 0) return descending[c] ? -x : x;
    }
    return 0;
  };
  const keys = rows.map(keyOf);
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < rows.length; j++) assert.equal(sign(compareKeys(keys[i]!, keys[j]!)), sign(compareRows(rows[i]!, rows[j]!)));
    const reader = new KeyReader(keys[i]!);
    assert.equal(reader.readUint32(), 7);
    assert.equal(reader.readUint16(), 2);
    const back = types.map((t, c) => reader.readValue(t, descending[c]));
    assert.deepEqual(back.map((v, c) => expectedDecoded(types[c]!, v)), rows[i]!.map((v, c) => expectedDecoded(types[c]!, v)));
    assert.ok(reader.atEnd);
    assert.equal(skipKeyColumns(keys[i]!, 6, types, descending), keys[i]!.length);
    assert.equal(skipKeyColumns(keys[i]!, 6, types.slice(0, 2), descending), 6 + encode(types[0]!, rows[i]![0]!).length + encode(types[1]!, rows[i]![1]!, true).length);
  }
});

test('key: prefixEnd bounds exactly the keys that start with the prefix', () => {
  const r = new SeededRandom(9);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < 400; i++) {
    writer.reset();
    writer.writeUint32(r.pick([1, 2, 0xff]));
    writer.writeUint16(r.pick([1, 0xff, 0xffff]));
    writer.writeValue(TypeOid.int2, r.pick([null, 0, 1, -1, 32767]), r.int(2) === 1);
    writer.writeValue(TypeOid.text, r.pick([null, '', 'a', 'ab', '\u00ff']), r.int(2) === 1);
    keys.push(writer.finish());
  }
  assert.deepEqual(Array.from(prefixEnd(new Uint8Array([1, 2, 0xff, 0xff]))), [1, 3]);
  for (const prefix of keys.slice(0, 60).flatMap((k) => [k, k.subarray(0, 6), k.subarray(0, 9)])) {
    const end = prefixEnd(prefix);
    for (const key of keys) {
      const startsWith = key.length >= prefix.length && compareKeys(key.subarray(0, prefix.length), prefix) === 0;
      const inRange = compareKeys(key, prefix) >= 0 && compareKeys(key, end) < 0;
      assert.equal(inRange, startsWith);
    }
  }
});

test('key: types without a fixed layout use the generic encoding and stay ordered', () => {
  const time = TypeOid.jsonpath; // a type with no fixed layout: the generic one takes any value
  const values = [1n, -5n, 100n];
  const keys = values.map((v) => encode(time, v));
  assert.ok(compareKeys(keys[1]!, keys[0]!) < 0 && compareKeys(keys[0]!, keys[2]!) < 0);
  assert.deepEqual(values.map((v, i) => decode(time, keys[i]!)), values);
  assert.equal(decode(TypeOid.char, encode(TypeOid.char, 'x')), 'x');
  assert.equal(decode(time, encode(time, 'abc', true), true), 'abc');
  // A timetz value under the generic layout: timetz's order (instant, then zone), decoded whole.
  const zoned = [new TimeTzValue(43_200_000_000n, -3600), new TimeTzValue(39_600_000_000n, 0), new TimeTzValue(43_200_000_000n, 0)];
  const zonedKeys = zoned.map((v) => encode(time, v));
  assert.ok(compareKeys(zonedKeys[0]!, zonedKeys[1]!) < 0 && compareKeys(zonedKeys[1]!, zonedKeys[2]!) < 0);
  assert.deepEqual(zoned.map((v, i) => decode(time, zonedKeys[i]!)), zoned);
});

test('key: inet values under the generic layout order as network_cmp does, both directions', () => {
  const v4 = (bits: number, ...bytes: number[]) => new InetValue(4, bits, Uint8Array.from(bytes));
  const v6 = (bits: number, ...words: number[]) => new InetValue(6, bits, Uint8Array.from(words.flatMap((w) => [w >> 8, w & 0xff])));
  // PostgreSQL 15's ORDER BY of these: the bits both masks cover, the mask length, the address; IPv4 first.
  const sorted = [
    v4(0, 0, 0, 0, 0), v4(16, 9, 255, 0, 0), v4(8, 10, 0, 0, 0), v4(8, 10, 0, 0, 5), v4(16, 10, 0, 0, 0), v4(16, 10, 0, 0, 1),
    v4(32, 10, 0, 0, 0), v4(32, 255, 255, 255, 255), v6(0, 0, 0, 0, 0, 0, 0, 0, 0), v6(128, 0, 0, 0, 0, 0, 0, 0, 1), v6(16, 0xffff, 0, 0, 0, 0, 0, 0, 0),
  ];
  for (const descending of [false, true]) {
    const keys = sorted.map((v) => encode(TypeOid.jsonpath, v, descending));
    for (let i = 1; i < keys.length; i++) assert.ok(compareKeys(keys[i - 1]!, keys[i]!) * (descending ? -1 : 1) < 0, `${i} ${descending}`);
    assert.deepEqual(sorted.map((v, i) => decode(TypeOid.jsonpath, keys[i]!, descending)), sorted);
  }
});

test('key: finished keys are independent copies; Buffer inputs decode the same', () => {
  writer.reset();
  writer.writeValue(TypeOid.text, 'first');
  const first = writer.finish();
  const firstCopy = Array.from(first);
  writer.reset();
  writer.writeValue(TypeOid.text, 'second, longer');
  writer.finish();
  assert.deepEqual(Array.from(first), firstCopy);
  assert.equal(Object.getPrototypeOf(first), Uint8Array.prototype);
  const bytes = encode(TypeOid.bytea, new Uint8Array([5, 0, 6]));
  const asBuffer = Buffer.from(bytes);
  const decoded = decode(TypeOid.bytea, asBuffer) as Uint8Array;
  asBuffer.fill(0x77);
  assert.deepEqual(decoded, new Uint8Array([5, 0, 6]));
  const end = prefixEnd(asBuffer.subarray(0, 2));
  assert.deepEqual(Array.from(end), [0x77, 0x78]);
  assert.equal(asBuffer[1], 0x77, 'prefixEnd leaves its input alone');
});

test('key: time encodes as int8 µs since midnight, in order, 24:00:00 last', () => {
  const values = [0n, 1n, 3_600_000_000n, 86_399_999_999n, 86_400_000_000n];
  const keys = values.map((v) => encode(TypeOid.time, v));
  for (let i = 1; i < keys.length; i++) assert.ok(compareKeys(keys[i - 1]!, keys[i]!) < 0);
  assert.deepEqual(keys.map((k) => decode(TypeOid.time, k)), values);
});
