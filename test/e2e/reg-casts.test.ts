/**
 * Casts to the reg* types compared with PostgreSQL 15: a chain of casts keeps the name of the
 * column it starts from (FigureColname), and a name cast to regclass or regtype reads back as the
 * name through ::text.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE rc (id int PRIMARY KEY, code text UNIQUE)',
  'CREATE SCHEMA rc_s',
  'CREATE TABLE rc_s.hidden (id int PRIMARY KEY)',
]);

test('chained casts keep the column\'s name; the last cast\'s type names a constant', { skip }, async () => {
  for (const sql of [
    "SELECT indexrelid::regclass::text, indrelid::regclass::text FROM pg_index WHERE indrelid = 'rc'::regclass ORDER BY 1",
    "SELECT c.oid::regclass::text FROM pg_class c WHERE c.relname = 'rc'",
    "SELECT relname::text::varchar FROM pg_class WHERE relname = 'rc'",
    "SELECT 'rc'::regclass::oid::int8 > 0",
    "SELECT 'rc'::text::regclass::text",
    'SELECT 1::int8::text',
  ]) await db().same(sql);
});

test('a name cast to regclass or regtype reads back as the name, qualified when not on the search path', { skip }, async () => {
  for (const sql of [
    "SELECT 'rc'::regclass::text",
    "SELECT 'public.rc'::regclass::text AS t",
    "SELECT 'rc_s.hidden'::regclass::text",
    "SELECT 'rc_code_key'::regclass::text",
    "SELECT 'pg_class'::regclass::text",
    "SELECT 'int4'::regtype::text, 'character varying'::regtype::text",
    "SELECT 'nope'::regclass::text",
    "SELECT NULL::regclass::text",
  ]) await db().same(sql);
});
