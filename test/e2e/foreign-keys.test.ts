/**
 * FOREIGN KEY constraints in one session, compared with PostgreSQL 15 (rows, tags, SQLSTATEs,
 * and for errors the message and DETAIL); DSQL's refusals with its texts. The concurrency
 * semantics are in foreign-keys-occ.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([]);

async function failure(client: pg.Client, sql: string): Promise<unknown> {
  try {
    await client.query(sql);
    return null;
  } catch (error) {
    const e = error as pg.DatabaseError;
    return { code: e.code, message: e.message, detail: e.detail, hint: e.hint };
  }
}

/** Same outcome, and when it is an error, the same message, DETAIL and HINT. */
async function same(sql: string): Promise<void> {
  await db().same(sql);
  assert.deepEqual(await failure(db().strata, sql), await failure(db().postgres, sql), sql);
}

/** Runs every statement through `same` (statements that change state run twice: use `once` for those). */
async function once(sql: string): Promise<void> {
  await db().same(sql);
}

test('REFERENCES and FOREIGN KEY: inserts, updates and deletes are checked with PostgreSQL\'s errors', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE p (id int PRIMARY KEY, name text, u int UNIQUE)',
    'CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p, note text)',
    "INSERT INTO p VALUES (1, 'a', 10), (2, 'b', 20)",
    "INSERT INTO c VALUES (1, 1, 'x')",
    "INSERT INTO c VALUES (3, NULL, 'null references nothing')",
  ]) await once(sql);
  for (const sql of [
    "INSERT INTO c VALUES (2, 7, 'y')",
    'DELETE FROM p WHERE id = 1',
    'UPDATE p SET id = 5 WHERE id = 1',
    'UPDATE c SET p_id = 9 WHERE id = 1',
    'SELECT * FROM c ORDER BY id',
  ]) await same(sql);
  for (const sql of [
    "UPDATE p SET name = 'q' WHERE id = 1",
    'DELETE FROM p WHERE id = 2',
    'WITH x AS (SELECT 1) SELECT count(*) FROM c',
  ]) await once(sql);
});

test('composite keys, column order, MATCH SIMPLE and MATCH FULL', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE cp (a int, b int, name text, PRIMARY KEY (a, b))',
    'CREATE TABLE cc (id int PRIMARY KEY, x int, y int, CONSTRAINT cfk FOREIGN KEY (x, y) REFERENCES cp MATCH FULL)',
    'CREATE TABLE cs (id int PRIMARY KEY, x int, y int, FOREIGN KEY (y, x) REFERENCES cp (b, a))',
    "INSERT INTO cp VALUES (1, 1, 'a'), (1, 2, 'b')",
    'INSERT INTO cc VALUES (2, 1, 2)',
    'INSERT INTO cc VALUES (3, NULL, NULL)',
    'INSERT INTO cs VALUES (1, 2, 1)',
    'INSERT INTO cs VALUES (3, 1, NULL)',
  ]) await once(sql);
  for (const sql of [
    'INSERT INTO cc VALUES (1, 1, NULL)',
    'INSERT INTO cs VALUES (2, 1, 2)',
    'DELETE FROM cp WHERE b = 2',
    'DELETE FROM cp WHERE b = 1',
  ]) await same(sql);
});

test('referential actions: CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, self-references', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE q (id int PRIMARY KEY, code text UNIQUE)',
    'CREATE TABLE q_cascade (id int PRIMARY KEY, code text REFERENCES q (code) ON DELETE CASCADE ON UPDATE CASCADE)',
    'CREATE TABLE q_null (id int PRIMARY KEY, q_id bigint REFERENCES q ON DELETE SET NULL)',
    'CREATE TABLE q_default (id int PRIMARY KEY, q_id int DEFAULT 2 REFERENCES q ON DELETE SET DEFAULT ON UPDATE SET NULL)',
    "INSERT INTO q VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    "INSERT INTO q_cascade VALUES (1, 'one'), (2, 'one'), (3, 'two')",
    'INSERT INTO q_null VALUES (1, 1), (2, 3)',
    'INSERT INTO q_default VALUES (1, 1)',
    "UPDATE q SET code = 'uno' WHERE id = 1",
    'SELECT * FROM q_cascade ORDER BY id',
    'DELETE FROM q WHERE id = 1',
    'SELECT * FROM q_cascade ORDER BY id',
    'SELECT * FROM q_null ORDER BY id',
    'SELECT * FROM q_default ORDER BY id',
    'UPDATE q SET id = 7 WHERE id = 2',
    'SELECT * FROM q_default ORDER BY id',
    'SELECT * FROM q_cascade ORDER BY id',
    // RESTRICT refuses even when the key comes back in the same statement; NO ACTION does not.
    'CREATE TABLE r (id int PRIMARY KEY)',
    'CREATE TABLE r_restrict (id int PRIMARY KEY, r_id int REFERENCES r ON UPDATE RESTRICT ON DELETE RESTRICT)',
    'CREATE TABLE r_no_action (id int PRIMARY KEY, r_id int REFERENCES r)',
    'INSERT INTO r VALUES (1), (2)',
    'INSERT INTO r_no_action VALUES (1, 1)',
    'UPDATE r SET id = 3 - id',
    'INSERT INTO r_restrict VALUES (1, 1)',
    'UPDATE r SET id = 3 - id',
    'DELETE FROM r WHERE id = 1',
    'SELECT * FROM r ORDER BY id',
    // Self-references, cascading down a tree.
    'CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree ON DELETE CASCADE)',
    'INSERT INTO tree VALUES (2, 1), (1, NULL)',
    'INSERT INTO tree VALUES (3, 2), (4, 3), (5, 3), (6, 6)',
    'DELETE FROM tree WHERE id = 2',
    'DELETE FROM tree WHERE id = 6',
    'SELECT * FROM tree ORDER BY id',
    // ON DELETE SET NULL (column list)
    'CREATE TABLE s_parent (a int, b int, PRIMARY KEY (a, b))',
    'CREATE TABLE s_child (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES s_parent ON DELETE SET NULL (b))',
    'INSERT INTO s_parent VALUES (1, 1)',
    'INSERT INTO s_child VALUES (1, 1, 1)',
    'DELETE FROM s_parent',
    'SELECT * FROM s_child',
  ]) await once(sql);
  for (const sql of ['DELETE FROM q WHERE id = 7', 'UPDATE r SET id = 10 WHERE id = 1']) await same(sql);
});

test('DEFERRABLE INITIALLY DEFERRED: checks run at COMMIT', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE dp (id int PRIMARY KEY)',
    'CREATE TABLE dc (id int PRIMARY KEY, dp_id int REFERENCES dp DEFERRABLE INITIALLY DEFERRED)',
    'BEGIN', 'INSERT INTO dc VALUES (1, 1)', 'INSERT INTO dp VALUES (1)', 'COMMIT',
    'BEGIN', 'INSERT INTO dc VALUES (2, 2)', 'COMMIT',
    'INSERT INTO dc VALUES (3, 3)',
    'BEGIN', 'DELETE FROM dp WHERE id = 1', 'INSERT INTO dp VALUES (1)', 'COMMIT',
    'BEGIN', 'DELETE FROM dp WHERE id = 1', 'COMMIT',
    'BEGIN', 'INSERT INTO dc VALUES (4, 4)', 'DELETE FROM dc WHERE id = 4', 'COMMIT',
    'SELECT * FROM dc ORDER BY id',
  ]) await once(sql);
  // The errors at COMMIT carry PostgreSQL's texts.
  for (const client of [db().strata, db().postgres]) {
    await client.query('BEGIN');
    await client.query('INSERT INTO dc VALUES (5, 5)');
  }
  const errors = await Promise.all([failure(db().strata, 'COMMIT'), failure(db().postgres, 'COMMIT')]);
  assert.deepEqual(errors[0], errors[1]);
  assert.equal((errors[0] as { code: string }).code, '23503');
});

test('CREATE TABLE checks: referenced keys, column counts, types, names', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE k (id int PRIMARY KEY, name text, v varchar(10) UNIQUE)',
    'CREATE TABLE nopk (a int)',
    'CREATE VIEW kv AS SELECT * FROM k',
    'CREATE TABLE f (a int REFERENCES nopk)',
    'CREATE TABLE f (a int REFERENCES k (name))',
    'CREATE TABLE f (a int REFERENCES nope)',
    'CREATE TABLE f (a int REFERENCES kv)',
    'CREATE TABLE f (a int REFERENCES k (zz))',
    'CREATE TABLE f (a int, FOREIGN KEY (zz) REFERENCES k)',
    'CREATE TABLE f (a int, b int, FOREIGN KEY (a, b) REFERENCES k)',
    'CREATE TABLE f (a int, b int, FOREIGN KEY (a, b) REFERENCES k (id, id))',
    'CREATE TABLE f (a text REFERENCES k)',
    'CREATE TABLE f (a numeric REFERENCES k)',
    'CREATE TABLE f (a int, b int, FOREIGN KEY (a, b) REFERENCES k (id, v) ON DELETE SET NULL (b))',
    'CREATE TABLE f (a int, CONSTRAINT x FOREIGN KEY (a) REFERENCES k, CONSTRAINT x FOREIGN KEY (a) REFERENCES k)',
    'CREATE TABLE f (a int, b int, FOREIGN KEY (a) REFERENCES k ON DELETE SET NULL (b))',
  ]) await same(sql);
  for (const sql of [
    'CREATE TABLE f1 (a smallint REFERENCES k, b bigint REFERENCES k, c text REFERENCES k (v), d int REFERENCES k)',
    'CREATE TABLE f2 (a int REFERENCES k, CONSTRAINT f1_a_fkey FOREIGN KEY (a) REFERENCES k)',
    'INSERT INTO k VALUES (1, \'x\', \'v1\')',
    "INSERT INTO f1 VALUES (1, 1, 'v1', 1)",
    "INSERT INTO f1 VALUES (1, 5000000000, 'v1', 1)",
    "INSERT INTO f1 VALUES (1, 1, 'v2', 1)",
    'SELECT conname, contype, confupdtype, confdeltype, confmatchtype, conkey, confkey, condeferrable, condeferred, convalidated FROM pg_constraint WHERE contype = \'f\' ORDER BY conname',
  ]) await once(sql);
});

test('introspection: pg_constraint, pg_get_constraintdef and the information_schema views', { skip }, async () => {
  for (const sql of [
    'CREATE SCHEMA other',
    'CREATE TABLE other.ip (id int PRIMARY KEY, u int UNIQUE)',
    `CREATE TABLE ic (id int PRIMARY KEY, a int REFERENCES other.ip MATCH FULL ON UPDATE CASCADE ON DELETE SET DEFAULT,
       b int, CONSTRAINT ic_b FOREIGN KEY (b) REFERENCES other.ip (u) ON DELETE SET NULL (b) DEFERRABLE INITIALLY DEFERRED)`,
    "SELECT conname, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true), conrelid::regclass::text AS t, confrelid::regclass::text AS r FROM pg_constraint WHERE contype = 'f' ORDER BY conname, t",
    "SELECT * FROM information_schema.referential_constraints WHERE constraint_name LIKE 'ic%' ORDER BY constraint_name",
    "SELECT * FROM information_schema.key_column_usage WHERE table_name IN ('ic', 'ip') ORDER BY constraint_name, ordinal_position",
    "SELECT * FROM information_schema.table_constraints WHERE table_name IN ('ic', 'ip') AND constraint_type <> 'CHECK' ORDER BY constraint_name",
    "SELECT * FROM information_schema.constraint_column_usage WHERE constraint_name LIKE 'ic%' ORDER BY constraint_name",
  ]) await once(sql);
});

test('DROP TABLE of a referenced table, DROP CONSTRAINT, DROP INDEX', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE dtp (id int PRIMARY KEY, u int UNIQUE)',
    'CREATE TABLE dtc (id int REFERENCES dtp, u int REFERENCES dtp (u))',
    'CREATE TABLE dtself (id int PRIMARY KEY, up int REFERENCES dtself)',
    'CREATE VIEW dtv AS SELECT * FROM dtp',
  ]) await once(sql);
  for (const sql of [
    'DROP TABLE dtp',
    'ALTER TABLE dtp DROP CONSTRAINT dtp_u_key',
    'ALTER TABLE dtc DROP CONSTRAINT nope',
  ]) await same(sql);
  for (const sql of [
    'ALTER TABLE dtc DROP CONSTRAINT IF EXISTS nope',
    'ALTER TABLE dtc DROP CONSTRAINT dtc_u_fkey',
    'ALTER TABLE dtp DROP CONSTRAINT dtp_u_key',
    'DROP VIEW dtv',
    'DROP TABLE dtself',
    'DROP TABLE dtp CASCADE',
    "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conname LIKE 'dt%'",
    'INSERT INTO dtc VALUES (42, 42)',
  ]) await once(sql);
});

test('ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY … NOT VALID checks new rows only', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE ap (id int PRIMARY KEY)',
    'CREATE TABLE ac (id int PRIMARY KEY, ap_id int)',
    'INSERT INTO ac VALUES (1, 99)',
    'ALTER TABLE ac ADD CONSTRAINT ac_fk FOREIGN KEY (ap_id) REFERENCES ap NOT VALID',
    'INSERT INTO ac VALUES (2, 98)',
    'INSERT INTO ap VALUES (98)',
    'INSERT INTO ac VALUES (2, 98)',
    "SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ac_fk'",
    'ALTER TABLE ac ADD CONSTRAINT ac_fk FOREIGN KEY (ap_id) REFERENCES ap NOT VALID',
  ]) await once(sql);
});

test('DSQL refuses the other forms with its texts', { skip }, async () => {
  for (const [sql, message] of [
    ['ALTER TABLE ac ADD CONSTRAINT ac_fk2 FOREIGN KEY (ap_id) REFERENCES ap', 'unsupported ALTER TABLE ADD CONSTRAINT statement'],
    ['ALTER TABLE ac VALIDATE CONSTRAINT ac_fk', 'unsupported ALTER TABLE VALIDATE CONSTRAINT statement'],
    ['ALTER TABLE ac ADD COLUMN z int REFERENCES ap', 'ALTER TABLE ADD COLUMN with constraint not supported'],
  ] as const) {
    await assert.rejects(db().strata.query(sql), (e: { code?: string; message: string }) => e.code === '0A000' && e.message === message, sql);
  }
  // DSQL validates a NOT VALID constraint with an asynchronous job (test/e2e/validate-constraint.test.ts).
  // ASYNC is DSQL's keyword only before a table name: a table called async is altered as usual.
  await db().strata.query('CREATE TABLE async (id int)');
  await db().strata.query('ALTER TABLE async ADD COLUMN x int');
  assert.equal((await db().strata.query('INSERT INTO async VALUES (1, 2)')).rowCount, 1);
});

test("psql's foreign-key queries of \\d (Foreign-key constraints, Referenced by; regclass columns read as text)", { skip }, async () => {
  for (const sql of [
    'CREATE TABLE pp (id int PRIMARY KEY, u text UNIQUE)',
    'CREATE TABLE pc (id int PRIMARY KEY, p_id int REFERENCES pp ON DELETE CASCADE, pu text, CONSTRAINT cu FOREIGN KEY (pu) REFERENCES pp (u) DEFERRABLE)',
    `SELECT true as sametable, conname, pg_catalog.pg_get_constraintdef(r.oid, true) as condef, conrelid::pg_catalog.regclass::text AS ontable
     FROM pg_catalog.pg_constraint r WHERE r.conrelid = 'pc'::regclass AND r.contype = 'f' AND conparentid = 0 ORDER BY conname`,
    `SELECT conname, conrelid::pg_catalog.regclass::text AS ontable, pg_catalog.pg_get_constraintdef(oid, true) AS condef
     FROM pg_catalog.pg_constraint c
     WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors('pp'::regclass) UNION ALL VALUES ('pp'::pg_catalog.regclass))
       AND contype = 'f' AND conparentid = 0 ORDER BY conname`,
    "SELECT count(*) FROM pg_partition_ancestors('pp'::regclass)",
    'SELECT generate_series(1, 3)',
    'SELECT generate_series(5, 1, -2) AS g',
  ]) await once(sql);
});

test('foreign keys beside CHECK constraints: one constraint namespace, RENAME CONSTRAINT, actions pass the row rules', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE ck_p (id int PRIMARY KEY)',
    'CREATE TABLE ck_a (id int, CONSTRAINT ck_a_id_fkey CHECK (id > 0), FOREIGN KEY (id) REFERENCES ck_p)',
    'CREATE TABLE ck_c (id int CHECK (id > 0) REFERENCES ck_p ON DELETE SET NULL, n int NOT NULL DEFAULT 0)',
    'INSERT INTO ck_p VALUES (1), (2)',
    'INSERT INTO ck_c VALUES (1), (2)',
    "SELECT conname, contype FROM pg_constraint WHERE conrelid IN ('ck_a'::regclass, 'ck_c'::regclass) ORDER BY 1",
    'ALTER TABLE ck_c RENAME CONSTRAINT ck_c_id_fkey TO ck_c_ref',
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ck_c'::regclass ORDER BY 1",
    'DELETE FROM ck_p WHERE id = 1',
    'SELECT * FROM ck_c ORDER BY id',
  ]) await once(sql);
  for (const sql of [
    'CREATE TABLE ck_b (id int CHECK (id > 0), CONSTRAINT ck_b_id_check FOREIGN KEY (id) REFERENCES ck_p)',
    'INSERT INTO ck_c VALUES (0)',
    'ALTER TABLE ck_c RENAME CONSTRAINT ck_c_ref TO ck_c_id_check',
  ]) await same(sql);
});

test('an unqualified referenced table is found on the search path, not in the referencing table\'s schema', { skip }, async () => {
  for (const sql of [
    'CREATE SCHEMA fkapp',
    'CREATE TABLE fk_parent (id int PRIMARY KEY)',
    'CREATE TABLE fkapp.fk_parent (id int PRIMARY KEY)',
    'INSERT INTO fk_parent VALUES (1)',
    'INSERT INTO fkapp.fk_parent VALUES (2)',
    'CREATE TABLE fkapp.fk_item (id int PRIMARY KEY, parent_id int REFERENCES fk_parent)',
  ]) await once(sql);
  // public.fk_parent holds 1, fkapp.fk_parent holds 2: the key must be checked against public's.
  await same('INSERT INTO fkapp.fk_item VALUES (1, 1)');
  await same('INSERT INTO fkapp.fk_item VALUES (2, 2)');
  await same(`SELECT n.nspname, c.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.conname = 'fk_item_parent_id_fkey'`);
  await same('CREATE TABLE fkapp.fk_orphan (id int PRIMARY KEY, x int REFERENCES fk_only_in_app)');
});
