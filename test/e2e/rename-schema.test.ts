/**
 * ALTER SCHEMA … RENAME TO (src/qp/sql/ddl-rename-schema.ts), compared with PostgreSQL 15: the
 * objects in the schema move with it, a view's qualified names follow it (PostgreSQL binds views
 * by oid), the schema keeps its oid, comment, grants and owner; PostgreSQL's errors in its order.
 * What Strata keeps as text naming the schema (a DEFAULT's `nextval('s.q')`) refuses the rename.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE SCHEMA rn_a',
  'CREATE SCHEMA rn_taken',
  'CREATE TABLE rn_a.t (k int PRIMARY KEY, v text)',
  "INSERT INTO rn_a.t VALUES (1, 'one'), (2, 'two')",
  'CREATE VIEW rn_a.inside AS SELECT k FROM rn_a.t',
  "CREATE VIEW public.outside AS SELECT t.k, 'rn_a.t' AS label, \"rn_a\".t.v FROM rn_a.t WHERE rn_a.t.k > 1",
  "COMMENT ON SCHEMA rn_a IS 'the schema'",
  'CREATE ROLE rn_reader',
  'GRANT USAGE ON SCHEMA rn_a TO rn_reader',
]);

test('a schema renamed takes its tables and views along, and views elsewhere follow it', { skip }, async () => {
  for (const sql of [
    "SELECT oid = (SELECT oid FROM pg_namespace WHERE nspname = 'rn_a') AS same FROM pg_namespace WHERE nspname = 'rn_a'",
    'ALTER SCHEMA rn_a RENAME TO rn_b',
    'SELECT * FROM rn_b.t ORDER BY k',
    'SELECT * FROM rn_b.inside ORDER BY k',
    'SELECT * FROM outside ORDER BY k',
    'SELECT * FROM rn_a.t',
    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rn\\_%' ORDER BY 1",
    "SELECT schemaname, viewname FROM pg_views WHERE viewname IN ('inside', 'outside') ORDER BY 2",
    "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'rn_b'",
    "SELECT has_schema_privilege('rn_reader', 'rn_b', 'USAGE')",
    "INSERT INTO rn_b.t VALUES (3, 'three')",
    'SELECT count(*) FROM rn_b.t',
    'ALTER SCHEMA rn_b RENAME TO rn_a',
    'SELECT * FROM outside ORDER BY k',
  ]) await db().same(sql);
});

test('PostgreSQL\'s errors, in its order', { skip }, async () => {
  for (const sql of [
    'ALTER SCHEMA rn_nosuch RENAME TO rn_x',
    'ALTER SCHEMA rn_a RENAME TO rn_taken',
    'ALTER SCHEMA rn_a RENAME TO pg_rn',
    'ALTER SCHEMA rn_nosuch RENAME TO rn_taken',
  ]) await db().same(sql);
});

test('what Strata keeps as text naming the schema, and the built-in schemas, refuse the rename with 0A000', { skip }, async () => {
  const strata = db().strata;
  await strata.query('CREATE SEQUENCE rn_taken.q CACHE 1');
  await strata.query("CREATE TABLE rn_taken.u (k bigint PRIMARY KEY DEFAULT nextval('rn_taken.q'))");
  await assert.rejects(strata.query('ALTER SCHEMA rn_taken RENAME TO rn_other'),
    { code: '0A000', message: 'renaming schema "rn_taken", which the default of column "k" of table "u" names, is not supported' });
  await assert.rejects(strata.query('ALTER SCHEMA public RENAME TO rn_public'), { code: '0A000', message: 'renaming schema "public" is not supported' });
  // Nothing moved.
  assert.equal((await strata.query('SELECT count(*)::int AS n FROM rn_taken.u')).rows[0].n, 0);
});
