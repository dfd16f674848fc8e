/**
 * Differential tests of whole SQL expressions: `SELECT <expression>` parsed, converted and
 * compiled the way a query is (src/qp/sql), evaluated with no input row, against a throwaway
 * PostgreSQL 15. This covers what is SQL syntax rather than a plain call: SIMILAR TO,
 * EXTRACT(… FROM …), SUBSTRING(… SIMILAR …), typed literals, casts inside arguments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../contracts/errors.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../../../test/support/postgres.js';
import { compileExpr, type CompileContext } from '../sql/compile.js';
import type { ExecContext } from '../sql/compiled.js';
import { loadParser, parseSql } from '../sql/parse.js';
import { Scope } from '../sql/scope.js';
import { formatTextValue } from './index.js';

type Outcome = { ok: true; text: string | null; oid: number } | { ok: false; code: string; message: string; detail?: string };

/** 2024-01-02 03:04:05 UTC, the transaction time now() sees. */
const FIXED_NOW = Date.UTC(2024, 0, 2, 3, 4, 5) * 1000;

function mine(sql: string): Outcome {
  try {
    const [parsed] = parseSql(sql);
    const statement = parsed!.statement;
    if (statement.kind !== 'select' || statement.targets.length !== 1) throw new Error(`not a one-column SELECT: ${sql}`);
    const ctx: CompileContext = {
      scope: new Scope([]), paramTypes: [], aggregates: null, aggregateBase: 0, clause: 'SELECT', sessionUser: 'admin', currentSchema: 'public',
    };
    const compiled = compileExpr(statement.targets[0]!.expr, ctx);
    const exec: ExecContext = {
      params: [], statementTimestamp: FIXED_NOW, user: 'admin', excluded: null,
      random: { bytes: (n: number) => new Uint8Array(n), int: () => 0 } as unknown as ExecContext['random'],
    };
    const value = compiled.eval([], exec);
    return { ok: true, text: formatTextValue(compiled.oid, value), oid: compiled.oid };
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    return { ok: false, code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) };
  }
}

async function theirs(pgsql: TestPostgres, sql: string): Promise<Outcome> {
  try {
    const r = await pgsql.query({ text: sql, types: { getTypeParser: () => (v: string) => v } } as any);
    return { ok: true, text: r.rows[0][r.fields[0]!.name] ?? null, oid: r.fields[0]!.dataTypeID };
  } catch (error) {
    const e = error as { code?: string; message: string; detail?: string };
    if (!e.code) throw error;
    return { ok: false, code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) };
  }
}

/** Expressions Strata refuses with 0A000 on purpose, whatever PostgreSQL answers. */
const REFUSED = new Set<string>([
  "regexp_matches('abab', 'b', 'g')",
]);

const SIMILAR = [
  "'abc' SIMILAR TO 'a%'", "'abc' SIMILAR TO 'b%'", "'abc' NOT SIMILAR TO 'a_c'", "'abc' SIMILAR TO '(a|x)(b|y)c'",
  "'a|b' SIMILAR TO 'a#|b' ESCAPE '#'", "'ab' SIMILAR TO 'a[bc]'", "'ab' SIMILAR TO 'a[^bc]'", "'aaa' SIMILAR TO 'a{2,3}'",
  "'a+' SIMILAR TO 'a\\+'", "'a.c' SIMILAR TO 'a.c'", "'abc' SIMILAR TO 'a.c'", "'' SIMILAR TO '%'", "NULL SIMILAR TO 'a'",
  "'abc' SIMILAR TO 'A%'", "'a%' SIMILAR TO 'a!%' ESCAPE '!'", "'ab' SIMILAR TO 'a' || 'b'", "'x' SIMILAR TO 'x' ESCAPE ''",
  "'x' SIMILAR TO 'x' ESCAPE 'ab'", "'x' SIMILAR TO 'x' ESCAPE NULL", "'a\nb' SIMILAR TO 'a_b'", "'ab' SIMILAR TO '(a)+b*'",
  "substring('foobar' SIMILAR '%#\"o_b#\"%' ESCAPE '#')", "substring('foobar' FROM 'o(.)b')", "substring('foobar' FROM 2 FOR 3)",
  "'foo' ~ 'o{2}'", "'foo' !~* 'O'", "regexp_matches('abab', 'b', 'g')",
];

const TS = "timestamp '2024-02-29 13:45:56.789012'";
const TZ = "timestamptz '2024-02-29 13:45:56.789012+00'";
const TRUNC_UNITS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'decade', 'century',
  'millennium', 'MONTH', 'mon', 'hrs', 'y', 'dow', 'epoch', 'timezone', 'foo', 'millisecondsxyz', 'w'];
const PART_UNITS = [...TRUNC_UNITS, 'doy', 'isodow', 'isoyear', 'julian', 'j', 'timezone_hour', 'timezone_minute', 'mm', 'infinity', 'jan'];
const DATETIME = [
  ...TRUNC_UNITS.flatMap((u) => [`date_trunc('${u}', ${TS})`, `date_trunc('${u}', ${TZ})`,
    `date_trunc('${u}', interval '1234 years 11 mons 45 days 25:59:58.987654')`, `date_trunc('${u}', interval '-1234 years -11 mons -45 days -25:59:58.987654')`]),
  ...PART_UNITS.flatMap((u) => [`extract('${u}' from ${TS})`, `date_part('${u}', ${TS})`, `extract('${u}' from ${TZ})`, `date_part('${u}', ${TZ})`,
    `extract('${u}' from date '2024-02-29')`, `date_part('${u}', date '2024-02-29')`,
    `extract('${u}' from interval '1234 years 11 mons 45 days 25:59:58.987654')`, `date_part('${u}', interval '-1234 years -11 mons -45 days -25:59:58.987654')`,
    `extract('${u}' from timestamp 'infinity')`, `date_part('${u}', timestamp '-infinity')`, `extract('${u}' from date '-infinity')`]),
  "date_trunc('week', timestamp '2021-01-01')", "date_trunc('week', timestamp '2020-12-31 23:00')", "date_trunc('week', timestamp '2024-12-30')",
  "date_trunc('decade', timestamp '0005-01-01 BC')", "date_trunc('century', timestamp '0150-01-01 BC')", "date_trunc('millennium', timestamp '2000-12-31')",
  "date_trunc('millennium', timestamp '2001-01-01')", "date_trunc('century', timestamp '2000-06-01')", "date_trunc('decade', timestamp '1999-12-31')",
  "date_trunc('month', date '2024-02-29')", "date_trunc('day', timestamp 'infinity')", "date_trunc('foo', timestamp 'infinity')",
  "date_trunc('quarter', interval '-5 mons')", "date_trunc('year', interval '-1 mons')",
  "extract(year from timestamp '0001-01-01 BC')", "extract(century from timestamp '0001-01-01 BC')", "extract(decade from timestamp '0001-06-01 BC')",
  "extract(millennium from date '2001-01-01')", "extract(isoyear from date '2021-01-03')", "extract(week from date '2021-01-03')",
  "extract(week from date '2024-12-30')", "extract(isoyear from date '2024-12-30')", "extract(isoyear from date '0001-01-01')",
  "extract(dow from date '2024-03-03')", "extract(isodow from date '2024-03-03')", "extract(doy from date '2024-12-31')",
  "extract(epoch from timestamp '1969-12-31 23:59:59.5')", "date_part('epoch', timestamp '1969-12-31 23:59:59.5')",
  "extract(julian from timestamp '2024-01-01 06:00')", "date_part('julian', timestamp '2024-01-01 06:00')", "extract(epoch from date '1900-01-01')",
  "extract(quarter from interval '-7 mons')", "extract(epoch from interval '-1 year -1 mon')", "date_part('epoch', interval '1.5 years')",
  "extract(second from interval '-1.5 sec')", "date_part('millisecond', interval '-61.5 sec')", "extract(YEAR FROM timestamp '2024-06-01')",
  "extract(epoch from timestamptz '2024-01-01 00:00:00+05')",
  "age(timestamp '2024-03-31', timestamp '2024-02-29')", "age(timestamp '2024-02-29', timestamp '2024-03-31')",
  "age(timestamp '2024-01-31 10:00', timestamp '2023-02-28 12:30:45.5')", "age(timestamp '2023-02-28 12:30:45.5', timestamp '2024-01-31 10:00')",
  "age(timestamptz '2024-05-01', timestamptz '2000-12-31 23:59:59.999999')", "age(timestamp '2024-01-01', timestamp '2024-01-01')",
  "age(timestamp 'infinity', timestamp '2024-01-01')", "age(date '2024-03-01', date '2023-03-31')", "age(timestamp '0010-03-01 BC', timestamp '0010-01-31')",
  "make_date(2024, 2, 29)", "make_date(2023, 2, 29)", "make_date(-44, 3, 15)", "make_date(0, 1, 1)", "make_date(2024, 13, 1)", "make_date(5874898, 1, 1)",
  "make_timestamp(2024, 1, 2, 3, 4, 5.678)", "make_timestamp(2024, 1, 2, 24, 0, 0)", "make_timestamp(2024, 1, 2, 24, 0, 0.5)",
  "make_timestamp(2024, 1, 2, 3, 60, 5)", "make_timestamp(2024, 1, 2, 3, 4, 60)", "make_timestamp(2024, 1, 2, 3, 4, 5.5555555)",
  "make_timestamp(2024, 1, 2, 3, 4, -1)", "make_timestamp(2024, 1, 2, 3, 4, 75.25)", "make_timestamp(-1, 12, 31, 23, 59, 59.999999)",
  "make_timestamp(294277, 1, 1, 0, 0, 0)", "make_timestamptz(2024, 1, 2, 3, 4, 5)",
  "make_interval()", "make_interval(1)", "make_interval(1, 2)", "make_interval(1, 2, 3)", "make_interval(1, 2, 3, 4)", "make_interval(1, 2, 3, 4, 5)",
  "make_interval(1, 2, 3, 4, 5, 6)", "make_interval(1, 2, 3, 4, 5, 6, 7.5)", "make_interval(0, 0, 0, 0, 0, 0, -1.0000005)", "make_interval(0, 0, 0, 0, 0, 0, 'infinity')",
  "make_interval(-1, -13, 0, -40, -25, -61, -61)",
  "justify_days(interval '65 days 25:00')", "justify_days(interval '-65 days')", "justify_days(interval '1 mon -65 days')", "justify_days(interval '-1 mon 65 days')",
  "justify_hours(interval '50:30:00')", "justify_hours(interval '-50:30:00')", "justify_hours(interval '1 day -50:30:00')", "justify_hours(interval '-1 day 50:30:00')",
  "justify_interval(interval '1 mon -1 hour')", "justify_interval(interval '-1 mon 1 hour')", "justify_interval(interval '65 days 50:00')",
  "justify_interval(interval '1 mon -31 days')", "justify_interval(interval '-1 mon 31 days 1 hour')", "justify_interval(interval '1 year -400 days -1 sec')",
  "to_timestamp(0)", "to_timestamp(1704164645.5)", "to_timestamp(-1.5)", "to_timestamp('infinity')", "to_timestamp('-infinity')", "to_timestamp('nan')",
  "to_timestamp(1e20)", "to_timestamp(1234567890.1234567)",
  "isfinite(date 'infinity')", "isfinite(date '2024-01-01')", "isfinite(timestamp '-infinity')", "isfinite(timestamptz '2024-01-01')",
  "isfinite(interval '1 day')",
];

const TO_CHAR_TEMPLATES = [
  'YYYY-MM-DD HH24:MI:SS.US', 'YYYY-MM-DD HH12:MI:SS AM', 'FMMonth DD, YYYY', 'Mon Dy DAY day Day MONTH month', 'FMDDth "of" FMMonth',
  'IYYY-IW-ID IDDD', 'Y,YYY YYY YY Y CC', 'J Q RM rm W WW DDD D', 'HH hh12 MI SS MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS', 'a.m. P.M. pm',
  'AD B.C. bc a.d.', 'TZ tz OF TZH:TZM', 'FMHH12:FMMI FMam', '"quoted YYYY" \\"YYYY', 'DDTH ddth HH24th MMTH', 'YYYYMMDD', 'FXYYYY', 'TMMonth TMDay',
];
const NUMBER_TEMPLATES = [
  '999', '999.99', 'FM999.99', '0000.00', 'S999', '999S', '999MI', 'MI999', 'PL999', 'SG999', '999PR', 'FM999PR', '9,999.99', '9G999D99',
  'L999', '9.99EEEE', 'RN', 'FMRN', 'rn', '99V99', '999th', 'FM999TH', 'B999', '0.99', 'FM0.9999', '"USD" 999.99', '99', '.99', 'FM9.90',
  '999.999', 'SG0000', 'FM0000', '9,9', '09', '99.0S', 'FMS999.00',
];
const NUMBERS = ['0', '5', '-5', '12.5', '-12.5', '123.456', '0.05', '-0.5', '1234.5678', '99.995', '100000', '-98765.4321', '0.125', '2.5'];
const FORMATTING = [
  ...TO_CHAR_TEMPLATES.flatMap((t) => [
    `to_char(timestamp '2024-03-09 15:04:05.123456', '${t.replace(/'/g, "''")}')`,
    `to_char(timestamptz '0044-03-15 00:30:00.5+00 BC', '${t.replace(/'/g, "''")}')`,
    `to_char(date '2021-01-03', '${t.replace(/'/g, "''")}')`,
    `to_char(interval '-1 year -2 mons -3 days -04:05:06.789', '${t.replace(/'/g, "''")}')`,
  ]),
  "to_char(interval '1 year 2 mons 3 days 25:05:06.789', 'YYYY MM DD HH HH12 HH24 MI SS MS US CC J DDD WW W Q RM SSSS')", "to_char(interval '0', 'HH12')",
  "to_char(timestamp 'infinity', 'YYYY')", "to_char(timestamp '2024-01-01', '')", "to_char(timestamp '2024-01-01', NULL)",
  ...NUMBER_TEMPLATES.flatMap((t) => NUMBERS.flatMap((n) => [`to_char(${n}::numeric, '${t}')`, `to_char(${n}::float8, '${t}')`])),
  ...NUMBER_TEMPLATES.flatMap((t) => ['0', '7', '-7', '1234', '-98765', '3999', '4000'].flatMap((n) => [`to_char(${n}, '${t}')`, `to_char(${n}::int8, '${t}')`])),
  ...NUMBER_TEMPLATES.map((t) => `to_char(1.5::float4, '${t}')`),
  "to_char('NaN'::numeric, '999.99')", "to_char('Infinity'::numeric, '999.99')", "to_char('NaN'::float8, '9.99EEEE')", "to_char('-Infinity'::float8, '999')",
  "to_char(1e20::numeric, 'RN')", "to_char(12345678901234567890::numeric, '9.99EEEE')", "to_char(1, '9D9D9')", "to_char(1, '99SS')", "to_char(1, 'S9MI')",
  "to_char(1, '9.9EEEE9')", "to_char(1, 'EEEE')", "to_char(5::int2, '9.9')", "to_char(5, '')", "to_char(123456789012345, '999')",
  "to_date('2024-03-09', 'YYYY-MM-DD')", "to_date('09 Mar 2024', 'DD Mon YYYY')", "to_date('2024-02-30', 'YYYY-MM-DD')", "to_date('20240309', 'YYYYMMDD')",
  "to_date('  2024 - 3 - 9', 'YYYY-MM-DD')", "to_date('2024-069', 'YYYY-DDD')", "to_date('2024-10-3', 'IYYY-IW-ID')", "to_date('5 BC', 'YYYY BC')",
  "to_date('24', 'YY')", "to_date('99', 'YY')", "to_date('21 3', 'CC YY')", "to_date('2460379', 'J')", "to_date('March 9th, 2024', 'Month DDth, YYYY')",
  "to_date('2024-13-01', 'YYYY-MM-DD')", "to_date('x', 'YYYY')", "to_date('2024', 'YYYYMM')", "to_date('2024-03-09', 'YYYY-IW')", "to_date('', '')",
  "to_date('2024 Mar', 'YYYY FMMonth')", "to_date('10000-01-01', 'YYYY-MM-DD')", "to_date('1,234', 'Y,YYY')", "to_date('2024-03', 'YYYY-MM-DD')",
  "to_timestamp('2024-03-09 15:04:05.123', 'YYYY-MM-DD HH24:MI:SS.MS')", "to_timestamp('2024-03-09 03:04:05 PM', 'YYYY-MM-DD HH12:MI:SS AM')",
  "to_timestamp('2024-03-09 13:04 PM', 'YYYY-MM-DD HH12:MI PM')", "to_timestamp('2024-03-09 15:04:05 +05:30', 'YYYY-MM-DD HH24:MI:SS TZH:TZM')",
  "to_timestamp('2024-03-09 15:04:05 -02', 'YYYY-MM-DD HH24:MI:SS TZH')", "to_timestamp('2024-03-09 UTC', 'YYYY-MM-DD TZ')",
  "to_timestamp('2024-03-09 15:04:05.123456789', 'YYYY-MM-DD HH24:MI:SS.US')", "to_timestamp('2024-03-09 15:04:05.12345', 'YYYY-MM-DD HH24:MI:SS.FF2')",
  "to_timestamp('12345', 'SSSS')", "to_timestamp('2024-03-09 25:00', 'YYYY-MM-DD HH24:MI')", "to_timestamp('2024-03-09', 'YYYY-MM-DDFX')",
  "to_timestamp('2024 03 09', 'FXYYYY MM DD')", "to_timestamp('2024  03', 'FXYYYY MM')", "to_timestamp('294277-01-01', 'YYYY-MM-DD')",
  "to_number('12,454.8-', '99G999D9S')", "to_number('-12,345.67', '99,999.99')", "to_number('<123>', '999PR')", "to_number('$ 1,234.5', 'L9,999.9')",
  "to_number('1234', '99')", "to_number('12.345', '99.99')", "to_number('5', '9V9')", "to_number('', '999')", "to_number('abc', '999')",
  "to_number('1.5e3', '9.9EEEE')", "to_number('XII', 'RN')", "to_number('  42  ', '9999')", "to_number('42nd', '99th')", "to_number('1 2 3', '9 9 9')",
  "to_number('-', '9')", "to_number('0.5', 'FM9.9')", "to_number('12', '')",
];

const MATH_AND_STRINGS = [
  'cbrt(27)', 'cbrt(-8)', 'cbrt(2)', 'cbrt(0.001)', 'cbrt(1e300)', "cbrt('-infinity')", 'exp(1)', 'exp(0)', 'exp(1000)', 'exp(-1000)', "exp('-infinity'::float8)",
  'ln(10)', 'ln(0)', 'ln(-1)', 'log(100)', 'log10(1000)', 'log(0.001)', 'pi()', 'degrees(1)', 'radians(180)', 'radians(1e-320)', 'sind(30)', 'cosd(60)',
  'tand(45)', 'tand(90)', 'tand(-270)', 'cotd(45)', 'cotd(0)', 'atand(1)', 'asind(0.5)', 'acosd(0.5)', 'acosd(-1)', 'asind(2)', 'sind(-750)', 'cosd(1080)',
  "sind('infinity')", 'atan2d(1, 1)', 'atan2(1, 0)', 'sin(0)', 'cos(0)', 'tan(0)', 'cot(0)', 'asin(1)', 'acos(2)', "sin('infinity'::float8)",
  'atan(1)', 'sinh(0)', 'cosh(0)', 'tanh(1000)', 'asinh(0)', 'acosh(1)', 'acosh(0.5)', 'atanh(1)', 'atanh(-1)', 'atanh(2)', "sin('nan'::float8)",
  'ln(2.0)', 'ln(10.00000)', 'ln(1e-20)', 'ln(0.0)', 'ln(-2.5)', "ln('Infinity'::numeric)", "ln('NaN'::numeric)", 'ln(1.0001)', 'ln(123456789.123)',
  'exp(1.0)', 'exp(2.5)', 'exp(100.0)', 'exp(-10.5)', 'exp(0.0)', 'exp(-6000.0)', 'exp(6000.0)', "exp('-Infinity'::numeric)", 'exp(1.000000000000000000001)',
  'log(2.0, 8)', 'log(2, 8)', 'log(100.0)', 'log10(2.5)', 'log(1.0, 5)', 'log(10, 0.0)', 'log(0.5, 0.25)', "log('Infinity'::numeric, 2)", "log(2, 'Infinity'::numeric)",
  'log(1.0001, 2)', 'log(100000000000000000000, 10)', 'power(2.0, 0.5)', 'power(1.5, 2.5)', 'power(10, -2.5)', 'power(2.0, 100)', 'power(0.9999, 99999999999999999999)',
  'power(-8.0, 1.0/3)', 'power(0.0, 2.5)', 'power(1.0001, 100000)', 'power(2.0, -1074)', 'power(10.0, 200000)',
  'gcd(12, 18)', 'gcd(-12, 18)', 'gcd(0, 0)', 'gcd(12::int8, -18)', 'gcd(1.5, 0.25)', 'gcd(-2147483648, 0)', 'gcd((-9223372036854775808)::int8, 0)',
  "gcd('NaN'::numeric, 1)", 'lcm(4, 6)', 'lcm(0, 5)', 'lcm(-4, 6)', 'lcm(1.5, 2.25)', 'lcm(2147483647, 2)', 'lcm(0.0, 0.00)', 'lcm(4::int8, 6)',
  'width_bucket(5.35, 0.024, 10.06, 5)', 'width_bucket(5.35::float8, 0.024, 10.06, 5)', 'width_bucket(10.06::float8, 0.024, 10.06, 5)',
  'width_bucket(-1::float8, 0, 10, 5)', 'width_bucket(5::float8, 10, 0, 5)', 'width_bucket(10::float8, 10, 0, 5)', 'width_bucket(1::float8, 0, 1, 0)',
  'width_bucket(1::float8, 1, 1, 3)', "width_bucket('nan'::float8, 0, 1, 3)", "width_bucket(1::float8, 0, 'inf', 3)", 'width_bucket(5::float8, 0, 10, 2147483647)',
  'width_bucket(20::float8, 0, 10, 2147483647)', 'width_bucket(0::float8, -1e308, 1e308, 10)', 'width_bucket(1e-20, 23.16, 0, 4)', 'width_bucket(100.0, 99999999999999999999, 54.22, 5)',
  'width_bucket(5, 0, 10, 0)', 'trim_scale(1.500)', 'trim_scale(0.000)', 'trim_scale(-10.100)', 'scale(1.500)', 'scale(0)', 'min_scale(1.500)', 'min_scale(0.00)',
  "trim_scale('NaN'::numeric)", "scale('NaN'::numeric)", 'factorial(5)', 'factorial(0)', 'factorial(20)', 'factorial(-1)', 'factorial(40)',
  'to_hex(255)', 'to_hex(-1)', 'to_hex(9223372036854775807::int8)', 'to_hex(-1::int8)', 'to_hex(0)',
  "encode('\\x00ff41'::bytea, 'hex')", "encode('\\x00ff415c'::bytea, 'escape')", "encode('hello world, this is a long long long long long long long long string'::bytea, 'base64')",
  "encode('ab'::bytea, 'BASE64')", "encode('a'::bytea, 'foo')", "decode('00ff', 'hex')", "decode('00 ff\n41', 'hex')", "decode('aGVsbG8=', 'base64')",
  "decode('aGVs\nbG8=', 'base64')", "decode('aGV=sbG8', 'base64')", "decode('abc', 'base64')", "decode('a*bc', 'base64')", "decode('0g', 'hex')",
  "decode('a b', 'hex')", "decode('abc', 'hex')", "decode('a\\\\b\\001', 'escape')", "decode('a\\9', 'escape')", "decode('héllo', 'escape')",
  "sha256('abc'::bytea)", "sha224(''::bytea)", "sha384('abc'::bytea)", "sha512('abc'::bytea)", "bit_length('héllo')", "bit_length('\\x0102'::bytea)",
  "overlay('Txxxxas' placing 'hom' from 2 for 4)", "overlay('abc' placing 'X' from 2)", "overlay('abc' placing 'XYZ' from 5)", "overlay('abc' placing 'X' from 0)",
  "overlay('abc' placing 'X' from 1 for -1)", "overlay('héllo' placing 'É' from 2 for 1)",
  "string_to_array('a,b,,c', ',')", "string_to_array('a b', NULL)", "string_to_array('a,b,x', ',', 'x')", "string_to_array('', ',')", "string_to_array('abc', '')",
  "string_to_array(NULL, ',')", "string_to_array('a\"b,c d', ',')",
  'chr(65)', 'chr(233)', 'chr(0)', 'chr(-1)', 'chr(55296)', 'chr(1114112)', "ascii('')", "ascii('é')", "right('abc', -2147483648)", "left('abc', -2147483648)",
  "initcap('hello wORLD 3rd é-x'), 'x'", "initcap('hello wORLD 3rd é-x')", "translate('abc', 'ab', '')", "md5('é'::bytea)", "split_part('a,b', ',', -2147483648)",
  "repeat('ab', 1000000000)", "lpad('a', 1000000000)", "lpad('héllo', 3)", "rpad('é', 4, 'xy')", "btrim('xxhixx', 'x')", "starts_with('abc', '')",
  "float4send('5e-20'::float4)", 'float8send(1.5::float8)', 'int4send(7)', 'int8send(-1::int8)', 'numeric_send(12.5)', "textsend('ab')", 'boolsend(true)',
  "date_send('2020-01-01')", "uuid_send('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')", "interval_send('1 day 2 hours')", "jsonb_send('{\"a\":1}')",
  '@ -5', '@ (-5)::int8', '@ -1.5::float4', '@ -2.5::float8', '@ -3.25', '@ (-32768)::int2',
];

/** The long tail of pg_regress's scalar files: bitwise operators, bytea functions, edge cases. */
const SCALAR_TAIL = [
  // Bitwise operators on each integer type, shifts modulo the operand's width.
  "(-1::int2<<15)::text", "((-1::int2<<15)+1::int2)::text", "(-1::int4<<31)::text", "((-1::int4<<31)+1)::text",
  "(-1::int8<<63)::text", "((-1::int8<<63)+1)::text", "123::int8 & 456::int8", "123::int8 | 456::int8", "123::int8 # 456::int8",
  "~123::int8", "4567890123456789::int8 << 2", "-4567890123456789::int8 >> 3", "5::int2 & 3::int2", "5::int2 | 3::int2",
  "5::int2 # 3::int2", "~5::int2", "1::int2 << 16", "1::int2 << 17", "-32768::int2 >> 1", "5 & 3", "5 | 3", "5 # 3", "~5",
  "1 << 32", "1 << 33", "-8 >> 1", "1::int8 << 64", "1::int8 << 65", "-1::int8 >> 70",
  // Prefix square and cube roots; float8pow with ±1 and infinities.
  "|/ float8 '64'", "|/ float8 '-1'", "||/ float8 '27'", "||/ float8 '-8'", "power(float8 '-1', float8 'inf')",
  "power(float8 '-1', float8 '-inf')", "float8 '-1' ^ float8 'inf'", "power(float8 '1', float8 'inf')", "power(float8 '2', float8 '-inf')",
  "power(float8 '-inf', float8 '3')", "power(float8 'nan', float8 '0')",
  // Boolean comparison functions.
  "booleq(true, false)", "boolne(true, false)", "boollt(false, true)", "boolgt(false, true)", "boolle(true, true)", "boolge(false, true)",
  // bytea: substring/substr, trim, overlay, position, bits and bytes, LIKE.
  "SUBSTRING('1234567890'::bytea FROM 3)", "SUBSTRING('1234567890'::bytea FROM 4 FOR 3)", "SUBSTRING('string'::bytea FROM 2 FOR 2147483646)",
  "SUBSTRING('string'::bytea FROM -10 FOR 2147483646)", "SUBSTRING('string'::bytea FROM -10 FOR -2147483646)", "substr('abc'::bytea, 0, 2)",
  "substr('abc'::bytea, 5)", "trim(E'\\\\000'::bytea from E'\\\\000Tom\\\\000'::bytea)", "trim(leading E'\\\\000'::bytea from E'\\\\000Tom\\\\000'::bytea)",
  "trim(trailing E'\\\\000'::bytea from E'\\\\000Tom\\\\000'::bytea)", "btrim(''::bytea, E'\\\\000'::bytea)", "btrim(E'\\\\000trim\\\\000'::bytea, ''::bytea)",
  "encode(overlay(E'Th\\\\000omas'::bytea placing E'Th\\\\001omas'::bytea from 2),'escape')",
  "encode(overlay(E'Th\\\\000omas'::bytea placing E'\\\\002\\\\003'::bytea from 8),'escape')",
  "encode(overlay(E'Th\\\\000omas'::bytea placing E'\\\\002\\\\003'::bytea from 5 for 3),'escape')",
  "overlay('abc'::bytea placing 'x'::bytea from 0)", "overlay('abc' placing 'x' from 0)",
  "position('\\x5678'::bytea in '\\x1234567890'::bytea)", "position(''::bytea in '\\x1234'::bytea)", "position('\\x99'::bytea in '\\x1234'::bytea)",
  "get_bit('\\x1234567890abcdef00'::bytea, 43)", "get_bit('\\x1234567890abcdef00'::bytea, 99)", "set_bit('\\x1234567890abcdef00'::bytea, 43, 0)",
  "set_bit('\\x1234567890abcdef00'::bytea, 99, 0)", "set_bit('\\x12'::bytea, 0, 2)", "get_byte('\\x1234567890abcdef00'::bytea, 3)",
  "get_byte('\\x1234567890abcdef00'::bytea, 99)", "set_byte('\\x1234567890abcdef00'::bytea, 7, 11)", "set_byte('\\x1234567890abcdef00'::bytea, 99, 11)",
  "set_byte('\\x12'::bytea, 0, 257)", "get_byte('\\x12'::bytea, -1)", "bit_count('\\x1234567890'::bytea)",
  "'abc'::bytea LIKE '_b_'::bytea", "'abc'::bytea NOT LIKE '_b_'::bytea", "'a_c'::bytea LIKE 'a$__'::bytea ESCAPE '$'::bytea",
  "'a_c'::bytea NOT LIKE 'a$__'::bytea ESCAPE '$'::bytea", "'\\xff00'::bytea LIKE '\\xff25'::bytea", "'a%'::bytea LIKE 'a\\%'::bytea",
  // "char": one byte, \ooo in and out for bytes with the high bit set (charin, charout, text_char).
  `'\\101'::"char"`, `'\\377'::"char"`, `'\\377'::"char"::text`, `'\\000'::"char"::text`, `'\\377'::text::"char"`, `'é'::"char"::text`,
  `'\\1'::"char"`, `'ab'::"char"`, `''::"char"::text`, `'\\377'::"char" > 'a'::"char"`, `'\\377'::"char"::varchar`, `text('\\377'::"char")`,
  // A call named after a type is a cast when no function matches.
  "float8(4567890123456789::int8)", "float4(2::int4)", "int4(4.7::float8)", "int8(3)", "text(true)", "int4('12')", "bool(1)",
  "int4(interval '1 day')", "name('abc')",
  // unistr: \XXXX, \uXXXX, \+XXXXXX, \UXXXXXXXX, surrogate pairs.
  "unistr('\\0064at\\+0000610')", "unistr('d\\u0061t\\U000000610')", "unistr('a\\\\b')", "unistr('wrong: \\db99')", "unistr('wrong: \\db99\\0061')",
  "unistr('wrong: \\+00db99\\+000061')", "unistr('wrong: \\+2FFFFF')", "unistr('wrong: \\udb99\\u0061')", "unistr('wrong: \\U0000db99\\U00000061')",
  "unistr('wrong: \\U002FFFFF')", "unistr('wrong: \\xyz')", "unistr('\\0000')", "unistr('\\d83d\\de00 x')", "unistr('abc\\')", "unistr(NULL)",
  // float4 input rounds the decimal itself, not its nearest double (strtof).
  "float4send('7038531e-32'::float4)", "float4send('82381273e-35'::float4)", "float4send('1.00000005960464477539062500001'::float4)",
  "float4send('1.000000059604644775390625'::float4)", "float4send('-7038531e-32'::float4)", "float4send('3.4028235e38'::float4)",
  // The lexer's own SQLSTATEs.
  "E'wrong: \\u061'", "E'wrong: \\U0061'", "U&'wrong: \\061'", "E'\\000'",
];

const SKIP = postgresUnavailableReason();

describe('SQL expressions: differential against PostgreSQL 15', { skip: SKIP ?? false }, () => {
  let pgsql: TestPostgres;
  before(async () => {
    await loadParser();
    pgsql = await startPostgres({ settings: { TimeZone: 'UTC' } });
  }, { timeout: 180_000 });
  after(async () => { await pgsql?.stop(); });

  async function check(expressions: readonly string[]): Promise<void> {
    const failures: string[] = [];
    for (const expression of expressions) {
      const sql = `SELECT ${expression}`;
      const actual = mine(sql);
      if (REFUSED.has(expression)) {
        if (actual.ok || actual.code !== '0A000') failures.push(`${sql}\n  expected a 0A000 refusal\n  strata:   ${JSON.stringify(actual)}`);
        continue;
      }
      const expected = await theirs(pgsql, sql);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        failures.push(`${sql}\n  postgres: ${JSON.stringify(expected)}\n  strata:   ${JSON.stringify(actual)}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} of ${expressions.length} differ:\n${failures.join('\n')}`);
  }

  it('SIMILAR TO, SUBSTRING and the regular-expression operators', async () => check(SIMILAR));
  it('date_trunc, extract, date_part, age, make_*, justify_*', async () => check(DATETIME));
  it('to_char, to_date, to_timestamp, to_number', async () => check(FORMATTING));
  it('math and string functions', async () => check(MATH_AND_STRINGS.filter((e) => !e.endsWith(", 'x'"))));
  it('bitwise integer operators, |/ and ||/, bytea functions and LIKE, float8pow edge cases', async () => check(SCALAR_TAIL));
});
