/**
 * DROP SCHEMA / DROP TABLE … CASCADE tell the client what they took with it, as PostgreSQL's
 * reportDependentObjects does: one object is the NOTICE itself, several are "drop cascades to N
 * other objects" with a DETAIL line each, an object before what depends on it (ddl-cascade.ts).
 * The expected notices are PostgreSQL 15's for the same statements.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startTestCluster, expectError, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => { t = await startTestCluster(); });
after(async () => { await t.stop(); });

interface Notice { readonly message: string | undefined; readonly detail: string | undefined }

/** Runs statements on one connection; answers the notices the last one sent. */
async function noticesOf(c: pg.Client, statements: readonly string[]): Promise<Notice[]> {
  const notices: Notice[] = [];
  const listener = (n: { message?: string; detail?: string }) => notices.push({ message: n.message, detail: n.detail });
  for (const [i, sql] of statements.entries()) {
    if (i === statements.length - 1) c.on('notice', listener);
    await c.query(sql);
  }
  c.off('notice', listener);
  return notices;
}

test('DROP SCHEMA … CASCADE of one table: the notice names it, no DETAIL', async () => {
  const c = await t.client();
  const notices = await noticesOf(c, ['CREATE SCHEMA s1', 'CREATE TABLE s1.t (id int PRIMARY KEY, v int)', 'DROP SCHEMA s1 CASCADE']);
  assert.deepEqual(notices, [{ message: 'drop cascades to table s1.t', detail: undefined }]);
  await c.end();
});

test('DROP SCHEMA … CASCADE: tables, views (in other schemas too), foreign keys, types and sequences, in PostgreSQL\'s order', async () => {
  const c = await t.client();
  const notices = await noticesOf(c, [
    'CREATE SCHEMA s2',
    'CREATE TABLE s2.t (id int PRIMARY KEY, v int)',
    'CREATE TABLE s2.u (id int PRIMARY KEY, tid int REFERENCES s2.t (id))',
    'CREATE VIEW s2.tv AS SELECT * FROM s2.t',
    'CREATE DOMAIN s2.d AS int',
    'CREATE SEQUENCE s2.q CACHE 1',
    'CREATE VIEW public.pv AS SELECT * FROM s2.t',
    'CREATE TABLE public.pc (id int PRIMARY KEY, tid int REFERENCES s2.t (id))',
    'CREATE VIEW s2.uv AS SELECT * FROM s2.u',
    'DROP SCHEMA s2 CASCADE',
  ]);
  assert.deepEqual(notices, [{
    message: 'drop cascades to 8 other objects',
    detail: [
      'drop cascades to table s2.t',
      'drop cascades to view pv',
      'drop cascades to constraint pc_tid_fkey on table pc',
      'drop cascades to table s2.u',
      'drop cascades to view s2.tv',
      'drop cascades to type s2.d',
      'drop cascades to sequence s2.q',
      'drop cascades to view s2.uv',
    ].join('\n'),
  }]);
  // The view in public went with the table it reads; pc stays, without its foreign key.
  const views = await c.query("SELECT count(*)::int AS n FROM pg_views WHERE viewname = 'pv'");
  assert.equal(views.rows[0].n, 0);
  await c.query('INSERT INTO pc VALUES (1, 42)');
  await c.query('DROP TABLE pc');
  await c.end();
});

test('DROP TABLE … CASCADE: its views and the foreign keys that reference it', async () => {
  const c = await t.client();
  const notices = await noticesOf(c, [
    'CREATE TABLE dt (id int PRIMARY KEY)',
    'CREATE VIEW dv1 AS SELECT * FROM dt',
    'CREATE VIEW dv2 AS SELECT * FROM dv1',
    'CREATE TABLE dt2 (id int PRIMARY KEY, r int REFERENCES dt (id))',
    'DROP TABLE dt CASCADE',
  ]);
  assert.deepEqual(notices, [{
    message: 'drop cascades to 3 other objects',
    detail: 'drop cascades to view dv1\ndrop cascades to view dv2\ndrop cascades to constraint dt2_r_fkey on table dt2',
  }]);
  await c.query('DROP TABLE dt2');
  await c.end();
});

test('DROP TABLE IF EXISTS … CASCADE: the skipped name and the cascade are two notices', async () => {
  const c = await t.client();
  const notices = await noticesOf(c, ['CREATE TABLE x1 (id int PRIMARY KEY)', 'CREATE VIEW xv AS SELECT * FROM x1', 'DROP TABLE IF EXISTS nope, x1 CASCADE']);
  assert.deepEqual(notices, [
    { message: 'table "nope" does not exist, skipping', detail: undefined },
    { message: 'drop cascades to view xv', detail: undefined },
  ]);
  await c.end();
});

test('objects on the search path are named without their schema', async () => {
  const c = await t.client();
  const notices = await noticesOf(c, [
    'CREATE SCHEMA s4', 'CREATE TABLE s4.t (id int PRIMARY KEY)', 'SET search_path = s4, public', 'CREATE VIEW s4.v AS SELECT * FROM s4.t', 'DROP SCHEMA s4 CASCADE',
  ]);
  assert.deepEqual(notices, [{ message: 'drop cascades to 2 other objects', detail: 'drop cascades to table t\ndrop cascades to view v' }]);
  await c.end();
});

test('nothing to cascade to: no notice', async () => {
  const c = await t.client();
  assert.deepEqual(await noticesOf(c, ['CREATE TABLE y1 (id int PRIMARY KEY)', 'DROP TABLE y1 CASCADE']), []);
  assert.deepEqual(await noticesOf(c, ['CREATE SCHEMA s3', 'DROP SCHEMA s3 CASCADE']), []);
  await c.end();
});

test('ALTER TABLE … DROP COLUMN … CASCADE: one notice, a DETAIL line per object', async () => {
  const c = await t.client();
  const two = await noticesOf(c, [
    'CREATE TABLE dc (id int PRIMARY KEY, a int, b int)', 'CREATE VIEW dcv1 AS SELECT a FROM dc', 'CREATE VIEW dcv2 AS SELECT a, b FROM dc',
    'ALTER TABLE dc DROP COLUMN a CASCADE',
  ]);
  assert.deepEqual(two, [{ message: 'drop cascades to 2 other objects', detail: 'drop cascades to view dcv1\ndrop cascades to view dcv2' }]);
  const keyed = await noticesOf(c, [
    'CREATE TABLE dcp (id int PRIMARY KEY, k int UNIQUE)', 'CREATE TABLE dcc (id int PRIMARY KEY, pk int REFERENCES dcp (k))', 'CREATE VIEW dcpv AS SELECT k FROM dcp',
    'ALTER TABLE dcp DROP COLUMN k CASCADE',
  ]);
  assert.deepEqual(keyed, [{ message: 'drop cascades to 2 other objects', detail: 'drop cascades to constraint dcc_pk_fkey on table dcc\ndrop cascades to view dcpv' }]);
  await c.end();
});

test('DROP SEQUENCE … CASCADE: the column defaults that use it', async () => {
  const c = await t.client();
  const notices = await noticesOf(c, [
    'CREATE SEQUENCE sq1 CACHE 1', "CREATE TABLE sqt (id int PRIMARY KEY, a bigint DEFAULT nextval('sq1'), b bigint DEFAULT nextval('sq1'))",
    'DROP SEQUENCE sq1 CASCADE',
  ]);
  assert.deepEqual(notices, [{
    message: 'drop cascades to 2 other objects',
    detail: 'drop cascades to default value for column a of table sqt\ndrop cascades to default value for column b of table sqt',
  }]);
  await c.end();
});

test('DROP VIEW of a view other views read: 2BP01 with the chain, CASCADE drops and names them', async () => {
  const c = await t.client();
  for (const sql of [
    'CREATE TABLE dvt (id int PRIMARY KEY)', 'CREATE VIEW dvv1 AS SELECT * FROM dvt', 'CREATE VIEW dvv2 AS SELECT * FROM dvv1',
    'CREATE VIEW dvv3 AS SELECT * FROM dvv2', 'CREATE VIEW dvv4 AS SELECT d1.id FROM dvv1 d1, dvt',
  ]) await c.query(sql);
  const refused = await expectError(c, 'DROP VIEW dvv1');
  assert.equal(refused.code, '2BP01');
  assert.equal(refused.message, 'cannot drop view dvv1 because other objects depend on it');
  assert.equal(refused.detail, 'view dvv2 depends on view dvv1\nview dvv3 depends on view dvv2\nview dvv4 depends on view dvv1');
  assert.equal(refused.hint, 'Use DROP ... CASCADE to drop the dependent objects too.');
  // Views the statement drops itself need no CASCADE.
  assert.deepEqual(await noticesOf(c, ['DROP VIEW dvv2, dvv3']), []);
  assert.deepEqual(await noticesOf(c, ['DROP VIEW dvv1 CASCADE']), [{ message: 'drop cascades to view dvv4', detail: undefined }]);
  const gone = await expectError(c, 'SELECT * FROM dvv4');
  assert.equal(gone.code, '42P01');
  // DROP SCHEMA and DROP TABLE reach a view through the view it reads.
  const notices = await noticesOf(c, [
    'CREATE SCHEMA dvs', 'CREATE VIEW dvs.a AS SELECT * FROM dvt', 'CREATE VIEW public.dvb AS SELECT * FROM dvs.a', 'DROP SCHEMA dvs CASCADE',
  ]);
  assert.deepEqual(notices, [{ message: 'drop cascades to 2 other objects', detail: 'drop cascades to view dvs.a\ndrop cascades to view dvb' }]);
  assert.deepEqual(await noticesOf(c, ['CREATE VIEW dvc AS SELECT * FROM dvt', 'CREATE VIEW dvd AS SELECT * FROM dvc', 'DROP TABLE dvt CASCADE']),
    [{ message: 'drop cascades to 2 other objects', detail: 'drop cascades to view dvc\ndrop cascades to view dvd' }]);
  await c.end();
});

test('without CASCADE: 2BP01 lists everything the drop would reach, each with what it depends on, as PostgreSQL does', async () => {
  const c = await t.client();
  for (const sql of [
    'CREATE SCHEMA s5', 'CREATE TABLE s5.t (id int PRIMARY KEY, v int)', 'CREATE TABLE s5.u (id int PRIMARY KEY, tid int REFERENCES s5.t (id))',
    'CREATE VIEW s5.tv AS SELECT * FROM s5.t', 'CREATE DOMAIN s5.d AS int', 'CREATE SEQUENCE s5.q CACHE 1',
    'CREATE VIEW public.pv5 AS SELECT * FROM s5.t', 'CREATE VIEW public.pv6 AS SELECT * FROM public.pv5',
    'CREATE TABLE public.pc5 (id int PRIMARY KEY, tid int REFERENCES s5.t (id))',
  ]) await c.query(sql);
  const schema = await expectError(c, 'DROP SCHEMA s5');
  assert.equal(schema.code, '2BP01');
  assert.equal(schema.message, 'cannot drop schema s5 because other objects depend on it');
  assert.equal(schema.detail, [
    'table s5.t depends on schema s5', 'view pv5 depends on table s5.t', 'view pv6 depends on view pv5',
    'constraint pc5_tid_fkey on table pc5 depends on table s5.t', 'table s5.u depends on schema s5', 'view s5.tv depends on schema s5',
    'type s5.d depends on schema s5', 'sequence s5.q depends on schema s5',
  ].join('\n'));
  const table = await expectError(c, 'DROP TABLE s5.t');
  assert.equal(table.message, 'cannot drop table s5.t because other objects depend on it');
  assert.equal(table.detail, [
    'constraint u_tid_fkey on table s5.u depends on table s5.t', 'view s5.tv depends on table s5.t', 'view pv5 depends on table s5.t',
    'view pv6 depends on view pv5', 'constraint pc5_tid_fkey on table pc5 depends on table s5.t',
  ].join('\n'));
  assert.equal(table.hint, 'Use DROP ... CASCADE to drop the dependent objects too.');
  await c.query('DROP SCHEMA s5 CASCADE');
  await c.query('DROP TABLE pc5');
  await c.end();
});

test('DROP SCHEMA takes its functions with it (they were left behind, still callable)', async () => {
  const c = await t.client();
  for (const sql of ['CREATE SCHEMA sf', "CREATE FUNCTION sf.f(a int, b text) RETURNS int LANGUAGE sql AS 'SELECT a + 1'", 'CREATE TABLE sf.t (id int PRIMARY KEY)']) await c.query(sql);
  const refused = await expectError(c, 'DROP SCHEMA sf');
  assert.equal(refused.detail, 'function sf.f(integer,text) depends on schema sf\ntable sf.t depends on schema sf');
  assert.deepEqual(await noticesOf(c, ['DROP SCHEMA sf CASCADE']), [{
    message: 'drop cascades to 2 other objects', detail: 'drop cascades to function sf.f(integer,text)\ndrop cascades to table sf.t',
  }]);
  // The same function can be made again in a new schema of the same name: nothing was left behind.
  await c.query('CREATE SCHEMA sf');
  await c.query("CREATE FUNCTION sf.f(a int, b text) RETURNS int LANGUAGE sql AS 'SELECT a + 2'");
  assert.equal((await c.query("SELECT sf.f(1, 'x') AS v")).rows[0].v, 3);
  await c.query('DROP SCHEMA sf CASCADE');
  await c.end();
});

test('DROP SCHEMA of a domain that a column of another schema\'s table uses: the column goes (and the views that read it), as PostgreSQL lists it', async () => {
  const c = await t.client();
  const setup = [
    'CREATE SCHEMA sd', 'CREATE DOMAIN sd.pos AS int CHECK (VALUE > 0)', 'CREATE DOMAIN sd.label AS text',
    'CREATE TABLE sd.t (id int PRIMARY KEY, v sd.pos)',
    'CREATE TABLE public.du (id int PRIMARY KEY, w sd.label, k int)', 'CREATE TABLE public.du2 (id int PRIMARY KEY, a sd.pos, b sd.label)',
    'CREATE VIEW duv AS SELECT id, w FROM du', 'CREATE VIEW duv2 AS SELECT id, k FROM du',
    "INSERT INTO du VALUES (1, 'x', 2)", "INSERT INTO du2 VALUES (1, 5, 'y')",
  ];
  for (const sql of setup) await c.query(sql);
  // PostgreSQL 15's DETAIL and notice for the same statements.
  const lines = [
    'type sd.pos', 'column a of table du2', 'type sd.label', 'column w of table du', 'view duv', 'column b of table du2', 'table sd.t',
  ];
  const dependees = ['schema sd', 'type sd.pos', 'schema sd', 'type sd.label', 'column w of table du', 'type sd.label', 'schema sd'];
  const refused = await expectError(c, 'DROP SCHEMA sd');
  assert.equal(refused.code, '2BP01');
  assert.equal(refused.detail, lines.map((l, i) => `${l} depends on ${dependees[i]}`).join('\n'));
  const notices = await noticesOf(c, ['DROP SCHEMA sd CASCADE']);
  assert.deepEqual(notices, [{ message: 'drop cascades to 7 other objects', detail: lines.map((l) => `drop cascades to ${l}`).join('\n') }]);
  assert.deepEqual((await c.query('SELECT * FROM du')).rows, [{ id: 1, k: 2 }]);
  assert.deepEqual((await c.query('SELECT * FROM du2')).rows, [{ id: 1 }]);
  assert.deepEqual((await c.query('SELECT * FROM duv2')).rows, [{ id: 1, k: 2 }]);
  assert.equal((await expectError(c, 'SELECT * FROM duv')).code, '42P01');
  await c.query('INSERT INTO du VALUES (2, 3)');
  await c.query('DROP VIEW duv2');
  await c.query('DROP TABLE du, du2');
  await c.end();
});
