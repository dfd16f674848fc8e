/** LIKE … ESCAPE (like_escape), compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([]);

test('LIKE and ILIKE with ESCAPE match as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    "SELECT 'a_b' LIKE 'a#_b' ESCAPE '#', 'axb' LIKE 'a#_b' ESCAPE '#', '10%' LIKE '10#%' ESCAPE '#'",
    "SELECT 'a\\b' LIKE 'a\\b' ESCAPE '#', 'a\\b' LIKE 'a\\\\b' ESCAPE '', 'a#b' LIKE 'a##b' ESCAPE '#'",
    "SELECT 'ab' LIKE 'a%' ESCAPE '', 'a%' LIKE 'a\\%' ESCAPE '\\', 'A_B' ILIKE 'a$_b' ESCAPE '$'",
    "SELECT 'x' NOT LIKE 'x' ESCAPE '#', like_escape('a#_b', '#')",
    "SELECT 'ab' LIKE 'ab' ESCAPE '##'",
  ]) await db().same(sql);
});

test('VARIADIC ARRAY[…] spreads the elements as arguments', { skip }, async () => {
  for (const sql of [
    'select concat(variadic array[1,2,3])',
    "select concat_ws(',', variadic array[1,2,3])",
    "select format('%2$s, %1$s', variadic array['first', 'second'])",
  ]) await db().same(sql);
});

test('parse_ident splits and folds qualified names as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    `SELECT parse_ident('Schemax.Tabley'), parse_ident('"SchemaX"."TableY"'), parse_ident(' a . "b""c" ')`,
    `SELECT parse_ident('foo.boo[]', false)`,
    `SELECT parse_ident('foo.boo[]')`,
    `SELECT parse_ident('"foo')`,
    `SELECT parse_ident('.foo')`,
    `SELECT parse_ident('foo.')`,
    `SELECT parse_ident('""')`,
  ]) await db().same(sql);
});
