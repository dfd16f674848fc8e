/**
 * Simple queries with their values written in, answered from one plan per literal shape
 * (src/qp/sql/auto-parameters.ts), against PostgreSQL 15 side by side: each statement form runs
 * with several value sets in a row (a shape's fourth text on takes the shared plan), and every
 * answer — rows, column names and types, command tags, or the error's SQLSTATE, message, DETAIL
 * and position — must be PostgreSQL's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([
  'CREATE TABLE ap (id int PRIMARY KEY, small int2, big int8, n numeric(6,2), f float8, t text, v varchar(3), c char(3), d date, b bool)',
  "INSERT INTO ap VALUES (1, 1, 3000000000, 1.50, 1.5, 'one', 'a', 'a', '2024-01-01', true), (2, 2, -2147483648, -2.25, -2.5, 'two', 'bb', 'bb', '2024-02-29', false), (3, 3, 3, 3, 3, 'it''s', 'ccc', 'c ', '2024-12-31', null)",
  'CREATE TABLE ap_log (id int PRIMARY KEY, note varchar(5), amount int, at date)',
  'CREATE DOMAIN ap_positive AS int CHECK (VALUE > 0)',
  'CREATE DOMAIN ap_code AS varchar(4) NOT NULL',
  'CREATE TABLE ap_domains (id int PRIMARY KEY, p ap_positive, c ap_code)',
]);

/** Runs each text on both servers in order and compares every answer. */
async function same(texts: readonly string[]): Promise<void> {
  await sameAnswers(pair.db(), texts);
}

/**
 * `form` with each value written in, in turn, after three others of the same literal shape: a
 * shape's fourth text on is answered from its shared plan, so every value of `values` is.
 */
function texts(form: (value: string) => string, warm: readonly string[], values: readonly string[]): string[] {
  assert.equal(new Set(warm).size, 3);
  return [...warm, ...values].map(form);
}

const INTS = ['7', '8', '9'];
const STRINGS = ["'p'", "'q'", "'r'"];

test('reads by a column compared with a value', { skip: pair.skip }, async () => {
  await same(texts((x) => `SELECT id, t FROM ap WHERE id = ${x}`, INTS, ['1', '2', '3', '4', '0', '2147483647']));
  await same(texts((x) => `SELECT id, t FROM ap WHERE id = -${x}`, INTS, ['1', '0', '2147483647']));
  await same(texts((x) => `SELECT id FROM ap WHERE id >= ${x} AND id < 3 ORDER BY id`, INTS, ['0', '1', '2', '3']));
  await same(texts((x) => `SELECT id FROM ap WHERE big = ${x}`, INTS, ['3', '2147483647', '1']));
  await same(texts((x) => `SELECT id FROM ap WHERE big = ${x}`, ['4000000000', '5000000000', '6000000000'], ['3000000000', '99999999999999999999', '1.5']));
  await same(texts((x) => `SELECT id FROM ap WHERE big = -${x}`, ['4000000000', '5000000000', '6000000000'], ['2147483648', '3000000000']));
  await same(texts((x) => `SELECT id FROM ap WHERE small = ${x}`, INTS, ['1', '2', '100000', '32767']));
  await same(texts((x) => `SELECT id FROM ap WHERE n = ${x}`, ['7.5', '8.5', '9.5'], ['1.5', '3', '1.500', '3000000000']));
  await same(texts((x) => `SELECT id FROM ap WHERE n = ${x}`, INTS, ['3', '1']));
  await same(texts((x) => `SELECT id FROM ap WHERE f < ${x} ORDER BY id`, ['7.5', '8.5', '9.5'], ['1.5', '2', '1e308', '1e400']));
  await same(texts((x) => `SELECT id FROM ap WHERE f < ${x} ORDER BY id`, INTS, ['2', '-3', '3000000000']));
  await same(texts((x) => `SELECT id FROM ap WHERE t = ${x}`, STRINGS, ["'one'", "'two'", "'it''s'", "''", "'zzz'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE v = ${x}`, STRINGS, ["'a'", "'bb'", "'abcd'", "'ccc'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE c = ${x}`, STRINGS, ["'a'", "'bb '", "'c'", "'c  '", "'abcd'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE d = ${x}`, ["'2020-01-01'", "'2020-01-02'", "'2020-01-03'"], ["'2024-01-01'", "'2024-02-29'", "'2023-02-29'", "'x'", "'epoch'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE b = ${x}`, ["'t'", "'f'", "'true'"], ["'t'", "'false'", "'yes'", "'maybe'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE id = ${x}`, STRINGS.map((x) => x.replace(/[pqr]/, (c) => String(c.charCodeAt(0) - 110))), ["'1'", "'x'", "' 2 '", "'1.5'", "'99999999999'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE ${x} = id`, INTS, ['1', '2', '3']));
  await same(texts((x) => `SELECT id FROM ap WHERE t = ${x}`, INTS, ['1', '2']));
  await same(texts((x) => `SELECT id, ${x} AS k FROM ap WHERE id <> ${x} ORDER BY 1 LIMIT ${x}`, INTS, ['1', '2', '3']));
  await same(texts((x) => `SELECT * FROM ap WHERE id = ${x} FOR UPDATE`, INTS, ['1', '2', '3']));
  // A parameter of the text's own has no value in a simple query.
  await same(texts((x) => `SELECT id FROM ap WHERE id = ${x} OR id = $1`, INTS, ['1', '2']));
  await same(texts((x) => `SELECT id FROM ap WHERE id = ${x} AND id = $1`, INTS, ['1', '2']));
  await same(texts((x) => `SELECT count(*) FROM ap WHERE id IN (1, ${x}) AND t <> 'x'`, INTS, ['1', '2', '3']));
  await same(texts((x) => `SELECT id FROM ap WHERE id IN (${x}) ORDER BY id`, ['7, 8', '8, 9', '9, 10'], ['1, 2', '2, 2', '3, 99', "1, '2'", "1, 'x'", '1, 2.5', '-1, 3000000000']));
  await same(texts((x) => `SELECT id FROM ap WHERE id NOT IN (${x}) ORDER BY id`, ['7, 8', '8, 9', '9, 10'], ['1, 2', '3, 3']));
  await same(texts((x) => `SELECT id FROM ap WHERE t IN (${x}) ORDER BY id`, ["'p', 'q'", "'q', 'r'", "'r', 's'"], ["'one', 'it''s'", "'two', ''", '1, 2']));
  await same(texts((x) => `SELECT id FROM ap WHERE d IN (${x}) ORDER BY id`, ["'2020-01-01', 'epoch'", "'2020-01-02', 'epoch'", "'2020-01-03', 'epoch'"], ["'2024-01-01', '2024-12-31'", "'2024-01-01', 'x'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE id BETWEEN ${x} ORDER BY id`, ['7 AND 8', '8 AND 9', '9 AND 10'], ['1 AND 2', '2 AND 1', '0 AND 3000000000', "'1' AND '3'", "1 AND 'x'"]));
  await same(texts((x) => `SELECT id FROM ap WHERE big NOT BETWEEN ${x} ORDER BY id`, ['7 AND 8', '8 AND 9', '9 AND 10'], ['1 AND 3', '-3000000000 AND 0']));
});

test('writes with their values written in', { skip: pair.skip }, async () => {
  await same(texts((x) => `INSERT INTO ap_log VALUES (${x}, 'n${x}', ${x}, '2024-01-0${x}')`, ['1', '2', '3'], ['4', '5', '3']));
  await same(texts((x) => `INSERT INTO ap_log (id, note) VALUES (${x})`, ["6, 'a'", "7, 'b'", "8, 'c'"], ["9, 'toolong'", "10, 'okay'", "11, 'five5'"]));
  await same(texts((x) => `INSERT INTO ap_log (id, amount) VALUES (${x})`, ['12, 1', '13, 2', '14, 3'], ['15, 4', '1, 1', '16, 3000000000', '17, -2147483648']));
  await same(texts((x) => `INSERT INTO ap_log (id, amount) VALUES (${x})`, ["18, '1'", "19, '2'", "20, '3'"], ["21, 'x'", "22, '1.5'", "23, ' 4 '"]));
  await same(texts((x) => `INSERT INTO ap_log (id, amount) VALUES (${x})`, ['24, 1.5', '25, 2.5', '26, 3.5'], ['27, 4.4', '28, 5e9']));
  await same(texts((x) => `INSERT INTO ap_log (id, at) VALUES (${x})`, ["29, '2024-01-01'", "30, '2024-01-02'", "31, '2024-01-03'"], ["32, '2024-13-01'", "33, 'epoch'", "34, '2024-02-02'"]));
  await same(texts((x) => `INSERT INTO ap_log (id, note, amount) VALUES ${x}`, ["(50, 'a', 1), (51, 'b', 2)", "(52, 'c', 3), (53, 'd', 4)", "(54, 'e', 5), (55, 'f', 6)"],
    ["(56, 'g', 7), (57, 'h', '8')", "(58, 'i', 9), ('59', 'j', 10)", "(60, 'k', 11), (61, 'toolong', 12)", "(62, 'l', 13), (63, 'm', 'x')", "(64, '1', 1.5), (65, '2', 2.5)", "(66, 'n', 1), (66, 'o', 2)"]));
  await same(texts((x) => `INSERT INTO ap_log (id, amount) VALUES ${x}`, ['(70, 1), (71, 2.5)', '(72, 1), (73, 3.5)', '(74, 1), (75, 4.5)'], ['(76, 2), (77, 1e3)', "(78, 2), (79, 99999999999)"]));
  await same(texts((x) => `UPDATE ap_log SET amount = amount + ${x} WHERE id = ${x}`, ['1', '2', '3'], ['4', '12', '99']));
  await same(texts((x) => `UPDATE ap_log SET amount = amount - ${x} WHERE id = 13`, INTS, ['1', '2147483647', '2']));
  await same(texts((x) => `UPDATE ap_log SET amount = amount - ${x} WHERE id = 14`, ['1.5', '2.5', '3.5'], ['0.5', '1e10']));
  await same(texts((x) => `UPDATE ap_log SET amount = amount - ${x} WHERE id = 15`, STRINGS.map((x) => x.replace(/[pqr]/, '1')).map((x, i) => x.replace('1', String(i + 1))), ["'2'", "'x'"]));
  await same(['SELECT * FROM ap_log ORDER BY id']);
  await same(texts((x) => `INSERT INTO ap_domains VALUES (${x})`, ["1, 1, 'a'", "2, 2, 'b'", "3, 3, 'c'"], ["4, 0, 'd'", "5, 5, 'toolong'", "6, '6', 'ok'", "7, -1, 'e'", "8, 'x', 'f'"]));
  await same(texts((x) => `SELECT id FROM ap_domains WHERE p = ${x}`, INTS, ['1', '0', "'2'"]));
  await same(texts((x) => `UPDATE ap_domains SET p = p - ${x} WHERE id = 2`, INTS, ['1', '1', '5']));
  await same(['SELECT * FROM ap_domains ORDER BY id']);
  await same(texts((x) => `UPDATE ap SET small = small + ${x} WHERE id = 1`, INTS, ['1', '40000', '3']));
  await same(texts((x) => `DELETE FROM ap_log WHERE id = ${x} RETURNING id, note`, ['97', '98', '99'], ['1', '2', '3', '99']));
  await same(texts((x) => `DELETE FROM ap_log WHERE amount > ${x}`, ['1000', '900', '800'], ['100', '50', '10', '0']));
  await same(['SELECT * FROM ap_log ORDER BY id', 'SELECT * FROM ap ORDER BY id']);
});

test('texts beyond ASCII: positions count characters, as PostgreSQL\'s do', { skip: pair.skip }, async () => {
  await same(["SELECT 'éé', nosuch", "SELECT '日本' WHERE 1 = 'x'", "SELECT 1 WHERE 'éé' = 1", "SELECT 'éé'; SELECT nosuch", "SELECT 'é' FROMM x"]);
  await same(texts((x) => `SELECT id, 'ü' AS ü FROM ap WHERE t = ${x}`, ["'ä'", "'ö'", "'日本語'"], ["'one'", "'é'", "''"]));
  await same(texts((x) => `SELECT id FROM ap WHERE t = 'é' OR id = ${x} OR d = 'ñ'`, INTS, ['1', '2']));
  await same(texts((x) => `INSERT INTO ap_log (id, note) VALUES (${x})`, ["40, 'ä'", "41, 'ö'", "42, 'ü'"], ["43, 'ééééé'", "44, 'éééééé'", "45, 'x'"]));
  await same(['SELECT id, note FROM ap_log WHERE id >= 40 ORDER BY id']);
  // A character beyond the Basic Multilingual Plane is one character (two JavaScript units).
  await same(["SELECT '😀😀', nosuch", "SELECT '😀' WHERE 1 = 'x'", "SELECT '𝄞'; SELECT nosuch", "SELECT 1 WHERE '😀' = 1"]);
  await same(texts((x) => `SELECT id FROM ap WHERE t = '😀' OR id = ${x}`, INTS, ['1', "'x'"]));
  const { strata, postgres } = pair.db();
  for (const sql of ["SELECT '😀😀', $1::int + nosuch", "SELECT '😀', $1::int"]) {
    const answer = async (client: typeof strata) => client.query(sql, ['x']).then(() => null, (e: { code?: string; position?: string }) => [e.code, e.position]);
    assert.deepEqual(await answer(strata), await answer(postgres), `${sql} over the extended protocol`);
  }
});

test('in a transaction block, after a failure, and after the table changes', { skip: pair.skip }, async () => {
  await same(['BEGIN', ...texts((x) => `SELECT t FROM ap WHERE id = ${x}`, INTS, ['1', '2']), "SELECT t FROM ap WHERE id = 'x'", 'SELECT t FROM ap WHERE id = 1', 'ROLLBACK']);
  await same(texts((x) => `SELECT * FROM ap WHERE id = ${x}`, INTS, ['1', '2']));
  await same(['ALTER TABLE ap ADD COLUMN extra int', 'SELECT * FROM ap WHERE id = 2', 'SELECT * FROM ap WHERE id = 3']);
  await same(['CREATE SCHEMA apo', 'CREATE TABLE apo.ap (id int PRIMARY KEY, t text)', "INSERT INTO apo.ap VALUES (1, 'other')"]);
  await same(['SET search_path = apo, public', 'SELECT * FROM ap WHERE id = 1', 'RESET search_path', 'SELECT * FROM ap WHERE id = 1']);
});
