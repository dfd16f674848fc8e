/**
 * Errors PostgreSQL raises while it analyses a statement, with its SQLSTATE, message and
 * position: VALUES lists of different lengths (in a query and in INSERT), a set operation's
 * column counts, and calls several built-in functions fit equally ("is not unique", 42725).
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential(['CREATE TABLE ae (a int PRIMARY KEY, b int, c int)']);

test('VALUES lists must all be the same length, at the first value of the row that differs', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    'INSERT INTO ae VALUES (1, 2, 3), (4, 5)',
    'INSERT INTO ae (a, b) VALUES (1, 2), (3)',
    'INSERT INTO ae (a, b, c) VALUES (1, 2), (3, 4)',
    'INSERT INTO ae VALUES (1, 2, 3, 4)',
    'VALUES (1, 2), (3)',
    'SELECT * FROM (VALUES (1), (2, 3)) v',
    'SELECT 1 UNION SELECT 1, 2',
    'SELECT 1, 2 INTERSECT SELECT 1',
    'SELECT count(*) FROM ae',
  ]);
});

test('a call several built-in functions fit equally is 42725, one none fits 42883', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT timestamptz(date '2024-01-01', '12:00')",
    'SELECT round(NULL) AS a, length(NULL) AS b, lower(NULL) AS c',
    "SELECT abs('1')",
    'SELECT upper(1)',
    "SELECT date_trunc('day', '2024-01-01')",
    'SELECT nosuch(1)',
  ]);
});
