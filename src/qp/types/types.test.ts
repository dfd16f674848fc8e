/**
 * Table-driven unit tests; every expected value was captured from PostgreSQL 15 (psql, TimeZone
 * UTC, DateStyle ISO). The differential test checks many more cases against a live server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import {
  applyTypmod, castContext, formatFloat4, formatFloat8, formatNumeric, formatTextValue, formatType, lengthTypmod, numericDiv,
  numericTypmod, parseNumeric, parseTextValue, resolveFunction, resolveOperator, selectDivScale,
} from './index.js';

function sqlError(fn: () => unknown): { code: string; message: string; detail?: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SqlError, String(error));
    return { code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) };
  }
  assert.fail('expected an SqlError');
}

describe('types: fixtures captured from PostgreSQL 15', () => {
  it('prints floats with shortest round-trip digits', () => {
    const cases: Array<[number, string]> = [[0.1, '0.1'], [1e20, '1e+20'], [1.5e-7, '1.5e-07'], [-0, '-0'], [Infinity, 'Infinity'],
      [NaN, 'NaN'], [1e15, '1e+15'], [123456789012345, '123456789012345'], [0.0001, '0.0001'], [0.00001, '1e-05'], [5e-324, '5e-324']];
    for (const [v, text] of cases) assert.equal(formatFloat8(v), text);
    assert.equal(formatFloat4(Math.fround(0.1)), '0.1');
    assert.equal(formatFloat4(Math.fround(1e6)), '1e+06');
    assert.equal(formatFloat4(Math.fround(123456)), '123456');
  });

  it('applies column typmods on assignment', () => {
    const varchar3 = lengthTypmod(3);
    assert.deepEqual(sqlError(() => applyTypmod(TypeOid.varchar, varchar3, 'abcd', false)),
      { code: '22001', message: 'value too long for type character varying(3)' });
    assert.equal(applyTypmod(TypeOid.varchar, varchar3, 'ab   ', false), 'ab ');
    assert.equal(applyTypmod(TypeOid.varchar, varchar3, 'abcd', true), 'abc');
    assert.equal(applyTypmod(TypeOid.bpchar, varchar3, 'a', false), 'a  ');
    assert.deepEqual(sqlError(() => applyTypmod(TypeOid.numeric, numericTypmod(5, 2), parseNumeric('1234.5'), false)), {
      code: '22003', message: 'numeric field overflow',
      detail: 'A field with precision 5, scale 2 must round to an absolute value less than 10^3.',
    });
    assert.deepEqual(sqlError(() => applyTypmod(TypeOid.numeric, numericTypmod(2, 2), parseNumeric('1'), false)).detail,
      'A field with precision 2, scale 2 must round to an absolute value less than 1.');
    assert.equal(formatNumeric(applyTypmod(TypeOid.numeric, numericTypmod(5, 2), parseNumeric('1.005'), false) as never), '1.01');
  });

  it('names types as format_type does', () => {
    assert.equal(formatType(TypeOid.varchar, lengthTypmod(3)), 'character varying(3)');
    assert.equal(formatType(TypeOid.numeric, numericTypmod(10, 2)), 'numeric(10,2)');
    assert.equal(formatType(TypeOid.bpchar, -1), 'bpchar');
    assert.equal(formatType(TypeOid.bpchar, lengthTypmod(1)), 'character(1)');
    assert.equal(formatType(TypeOid.timestamptz, 3), 'timestamp(3) with time zone');
    assert.equal(formatType(TypeOid.int4, -1), 'integer');
  });

  it('knows pg_cast contexts', () => {
    assert.equal(castContext(TypeOid.int4, TypeOid.int8), 'i');
    assert.equal(castContext(TypeOid.int8, TypeOid.int4), 'a');
    assert.equal(castContext(TypeOid.numeric, TypeOid.float8), 'i');
    assert.equal(castContext(TypeOid.float8, TypeOid.numeric), 'a');
    assert.equal(castContext(TypeOid.int4, TypeOid.bool), 'e');
    assert.equal(castContext(TypeOid.int4, TypeOid.text), 'a');
    assert.equal(castContext(TypeOid.text, TypeOid.int4), 'e');
    assert.equal(castContext(TypeOid.varchar, TypeOid.text), 'i');
    assert.equal(castContext(TypeOid.date, TypeOid.timestamptz), 'i');
    assert.equal(castContext(TypeOid.bytea, TypeOid.int4), null);
  });

  it('resolves operators to PostgreSQL result types', () => {
    const cases: Array<[string, number, number, number]> = [
      ['+', TypeOid.int2, TypeOid.int2, TypeOid.int2], ['+', TypeOid.int2, TypeOid.int4, TypeOid.int4],
      ['/', TypeOid.int8, TypeOid.int4, TypeOid.int8], ['+', TypeOid.int4, TypeOid.numeric, TypeOid.numeric],
      ['+', TypeOid.float4, TypeOid.int4, TypeOid.float8], ['+', TypeOid.float4, TypeOid.numeric, TypeOid.float8],
      ['*', TypeOid.float4, TypeOid.float4, TypeOid.float4], ['+', TypeOid.int4, TypeOid.unknown, TypeOid.int4],
      ['-', TypeOid.date, TypeOid.date, TypeOid.int4], ['-', TypeOid.timestamptz, TypeOid.timestamptz, TypeOid.interval],
      ['||', TypeOid.unknown, TypeOid.int4, TypeOid.text], ['=', TypeOid.varchar, TypeOid.unknown, TypeOid.bool],
    ];
    for (const [op, l, r, result] of cases) assert.equal(resolveOperator(op, l, r)?.result, result, `${l} ${op} ${r}`);
    assert.equal(resolveOperator('+', TypeOid.unknown, TypeOid.unknown), null); // "operator is not unique"
    assert.equal(resolveOperator('||', TypeOid.int4, TypeOid.int4), null);
  });

  it('divides numerics with select_div_scale', () => {
    const div = (a: string, b: string): string => formatNumeric(numericDiv(parseNumeric(a), parseNumeric(b)));
    assert.equal(div('1.0', '3'), '0.33333333333333333333');
    assert.equal(div('10.0', '4'), '2.5000000000000000');
    assert.equal(selectDivScale(parseNumeric('1'), parseNumeric('3')), 20);
    assert.deepEqual(sqlError(() => div('1', '0')), { code: '22012', message: 'division by zero' });
  });

  it('reports input errors with PostgreSQL messages', () => {
    assert.deepEqual(sqlError(() => parseTextValue(TypeOid.int4, -1, 'abc')),
      { code: '22P02', message: 'invalid input syntax for type integer: "abc"' });
    assert.deepEqual(sqlError(() => parseTextValue(TypeOid.int4, -1, '99999999999')),
      { code: '22003', message: 'value "99999999999" is out of range for type integer' });
    assert.deepEqual(sqlError(() => parseTextValue(TypeOid.timestamp, -1, '2024-01-02 25:00')),
      { code: '22008', message: 'date/time field value out of range: "2024-01-02 25:00"' });
    assert.equal(formatTextValue(TypeOid.date, parseTextValue(TypeOid.date, -1, '0001-01-01 BC')), '0001-01-01 BC');
    assert.equal(formatTextValue(TypeOid.bytea, parseTextValue(TypeOid.bytea, -1, '\\x0A')), '\\x0a');
  });

  it('resolves functions with coercions', () => {
    assert.deepEqual(resolveFunction('round', [TypeOid.int4])?.args, [TypeOid.float8]); // float8 is the preferred type
    assert.equal(resolveFunction('length', [TypeOid.varchar])?.result, TypeOid.int4);
    assert.equal(resolveFunction('concat', [TypeOid.int4, TypeOid.unknown])?.result, TypeOid.text);
    assert.equal(resolveFunction('no_such_function', []), null);
  });
});

describe('int4 bind parameters read from their bytes', () => {
  it('agree with the text parser wherever they answer, and leave the rest to it', async () => {
    const { parseInt4, parsePlainInt4Bytes } = await import('./scalars.js');
    const inputs = ['0', '-0', '+0', '7', '-7', '+7', '42', '123456789', '-123456789', '999999999', '1234567890', '2147483647', '-2147483648',
      '', '-', '+', ' 5', '5 ', '1a', 'a1', '--1', '+-1', '1.0', '1e3', '\u0663', '00000000012', '000000001'];
    let answered = 0;
    for (const text of inputs) {
      const fast = parsePlainInt4Bytes(new TextEncoder().encode(text));
      if (fast === undefined) continue;
      answered++;
      assert.ok(Object.is(fast, parseInt4(text)), `"${text}": ${fast} vs ${parseInt4(text)}`);
    }
    assert.equal(answered, 11, 'signs and one to nine digits answer; everything else falls back');
  });
});
