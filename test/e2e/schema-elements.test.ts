/** CREATE SCHEMA with elements (CREATE TABLE, CREATE SEQUENCE, GRANT), compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential(['CREATE ROLE app']);

test('the elements are created in the new schema, in PostgreSQL\'s order, in one DDL transaction', { skip }, async () => {
  for (const sql of [
    "CREATE SCHEMA s1 CREATE TABLE t (a int PRIMARY KEY, b text DEFAULT 'x') CREATE SEQUENCE q CACHE 1 GRANT SELECT ON t TO app",
    'INSERT INTO s1.t (a) VALUES (1)',
    'SELECT * FROM s1.t',
    "SELECT nextval('s1.q')",
    "SELECT has_table_privilege('app', 's1.t', 'SELECT')",
    "SELECT relname FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 's1') ORDER BY 1",
    'CREATE SCHEMA s2 GRANT SELECT ON u TO app CREATE TABLE u (a int PRIMARY KEY)',
    "SELECT has_table_privilege('app', 's2.u', 'SELECT')",
    'CREATE SCHEMA s4 CREATE TABLE s4.x (a int PRIMARY KEY) CREATE TABLE y (b int PRIMARY KEY REFERENCES x (a))',
    "SELECT count(*) FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 's4')",
  ]) await db().same(sql);
});

test('an element in another schema, a failing element, IF NOT EXISTS with elements: refused as PostgreSQL', { skip }, async () => {
  for (const sql of [
    'CREATE SCHEMA s3 CREATE TABLE s1.x (a int PRIMARY KEY)',
    'CREATE SCHEMA s6 CREATE TABLE t (a int PRIMARY KEY) CREATE TABLE t (b int PRIMARY KEY)',
    'CREATE SCHEMA IF NOT EXISTS s1 CREATE TABLE z (a int PRIMARY KEY)',
    "SELECT nspname FROM pg_namespace WHERE nspname IN ('s3', 's6') ORDER BY 1",
  ]) await db().same(sql);
});

test('a view among the elements reads the new schema\'s tables wherever it is read from', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE abc (c int)',
    'CREATE SCHEMA s8 CREATE VIEW abc_view AS SELECT a + 1 AS a FROM abc CREATE TABLE abc (a int PRIMARY KEY)',
    'INSERT INTO s8.abc VALUES (1), (2)',
    'SELECT * FROM s8.abc_view ORDER BY a',
    'INSERT INTO s8.abc_view VALUES (5)',
    'CREATE SCHEMA s9 CREATE VIEW v AS SELECT a FROM s8.abc CREATE VIEW s8.w AS SELECT 1',
  ]) await db().same(sql);
});
