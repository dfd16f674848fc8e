/**
 * What drizzle-kit's catalog queries rely on, compared with PostgreSQL 15: int2vector and
 * oidvector (text form, subscripts from 0, unnest, generate_subscripts, ANY), pg_index's
 * indkey/indcollation/indclass/indoption joined to pg_opclass, pg_stat_user_indexes,
 * information_schema.columns' identity and generation columns, and names cast to reg* types
 * (an array literal to regtype[], a parameter to regnamespace, a per-row name to regclass).
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  `CREATE TABLE vt (id int PRIMARY KEY, name varchar(20) UNIQUE, total numeric, twice numeric GENERATED ALWAYS AS (total * 2) STORED,
     n bigint GENERATED ALWAYS AS IDENTITY (CACHE 1 START WITH 5 INCREMENT BY 2 MAXVALUE 99 CYCLE), code text)`,
  'CREATE TABLE vt2 (a bigint, b bigint, PRIMARY KEY (a, b))',
]);

test('int2vector and oidvector: text form, subscripts from 0, unnest, generate_subscripts, ANY', { skip }, async () => {
  for (const sql of [
    "SELECT '1 2 3'::int2vector AS v, ' 23  20 '::oidvector AS o, ''::int2vector AS e",
    "SELECT ('4 5 6'::int2vector)[0] AS first, ('4 5 6'::int2vector)[2] AS last, ('4 5 6'::int2vector)[3] AS beyond",
    "SELECT * FROM unnest('4 5'::int2vector)",
    "SELECT generate_subscripts('4 5'::int2vector, 1)",
    "SELECT 5 = ANY('4 5'::int2vector) AS yes, 7 = ANY('4 5'::int2vector) AS no",
    "SELECT 'x'::int2vector",
  ]) await db().same(sql);
});

test('pg_index vectors join pg_opclass; pg_stat_user_indexes lists the user indexes', { skip }, async () => {
  for (const sql of [
    `SELECT c.relname, i.indkey, i.indcollation, i.indclass, i.indoption FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname IN ('vt', 'vt2') ORDER BY 1`,
    `SELECT c.relname, k.attnum, k.i, i.indoption[k.i - 1] & 1 = 1 AS descending, opc.opcname, a.attname
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       CROSS JOIN LATERAL (SELECT unnest(i.indkey), generate_subscripts(i.indkey, 1) + 1) AS k(attnum, i)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       JOIN pg_opclass opc ON opc.oid = i.indclass[k.i - 1]
       WHERE t.relname IN ('vt', 'vt2') ORDER BY 1, 3`,
    "SELECT relname, indexrelname, schemaname FROM pg_stat_user_indexes WHERE relname IN ('vt', 'vt2') ORDER BY 2",
  ]) await db().same(sql);
});

test('information_schema.columns: identity and generation columns', { skip }, async () => {
  await db().same(`SELECT column_name::text, is_identity::text, identity_generation::text, identity_start::text, identity_increment::text,
    identity_maximum::text, identity_minimum::text, identity_cycle::text, is_generated::text, generation_expression::text
    FROM information_schema.columns WHERE table_name = 'vt' ORDER BY ordinal_position`);
});

test('names cast to reg* types: a regtype[] literal, a regnamespace parameter, a per-row regclass', { skip }, async () => {
  for (const sql of [
    "SELECT a.attname, a.atttypid = ANY ('{int,int8,int2}'::regtype[]) AS integral FROM pg_attribute a WHERE a.attrelid = 'vt'::regclass AND a.attnum > 0 ORDER BY a.attnum",
    "SELECT CASE a.atttypid WHEN 'int'::regtype THEN 'serial' WHEN 'int8'::regtype THEN 'bigserial' END AS kind FROM pg_attribute a WHERE a.attrelid = 'vt'::regclass AND a.attnum > 0 ORDER BY a.attnum",
    "SELECT a.attname, pg_get_serial_sequence('\"public\".\"vt\"', a.attname)::regclass::text AS seq FROM pg_attribute a WHERE a.attrelid = 'vt'::regclass AND a.attnum > 0 ORDER BY a.attnum",
    "SELECT 'no_such'::text::regclass",
  ]) await db().same(sql);
  await db().same("SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE contype = 'p' AND connamespace = $1::regnamespace AND t.relname = $2", ['public', 'vt2']);
});
