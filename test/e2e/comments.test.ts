/** COMMENT ON, pg_description, pg_shdescription and the *_description functions, compared with PostgreSQL 15. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, qty int CHECK (qty > 0), CONSTRAINT qty_small CHECK (qty < 1000))',
  'CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id), note text, extra int)',
  'CREATE VIEW parent_codes AS SELECT id, code FROM parent',
  'CREATE SEQUENCE seq CACHE 1',
  'CREATE SCHEMA app',
  'CREATE TABLE app.t (a int)',
  'CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 1 $$',
  'CREATE DOMAIN positive AS int CONSTRAINT positive_check CHECK (VALUE > 0)',
]);

/** Every comment on a user object, by the object's name, so the two servers' oids need not agree. */
const DESCRIPTIONS = `
  SELECT kind, object, objsubid, description FROM (
    SELECT 'class' AS kind, c.relname::text AS object, d.objoid, d.objsubid, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
    UNION ALL SELECT 'schema', n.nspname::text, d.objoid, d.objsubid, d.description FROM pg_description d JOIN pg_namespace n ON n.oid = d.objoid AND d.classoid = 'pg_namespace'::regclass
    UNION ALL SELECT 'function', p.proname::text, d.objoid, d.objsubid, d.description FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid AND d.classoid = 'pg_proc'::regclass
    UNION ALL SELECT 'constraint', o.conname::text, d.objoid, d.objsubid, d.description FROM pg_description d JOIN pg_constraint o ON o.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass
    UNION ALL SELECT 'type', t.typname::text, d.objoid, d.objsubid, d.description FROM pg_description d JOIN pg_type t ON t.oid = d.objoid AND d.classoid = 'pg_type'::regclass
  ) described WHERE objoid >= 16384
  ORDER BY 1, 2, 3`;

test('COMMENT ON every kind of object shows in pg_description and the description functions', { skip }, async () => {
  for (const sql of [
    "COMMENT ON TABLE parent IS 'the parents'",
    "COMMENT ON COLUMN parent.code IS 'business key'",
    "COMMENT ON COLUMN public.child.note IS 'free text'",
    "COMMENT ON VIEW parent_codes IS 'codes only'",
    "COMMENT ON COLUMN parent_codes.code IS 'from parent'",
    "COMMENT ON INDEX parent_code_key IS 'unique codes'",
    "COMMENT ON SEQUENCE seq IS 'a counter'",
    "COMMENT ON SCHEMA app IS 'application'",
    "COMMENT ON TABLE app.t IS 'in app'",
    "COMMENT ON FUNCTION add_one(int) IS 'adds one'",
    "COMMENT ON CONSTRAINT parent_pkey ON parent IS 'pk'",
    "COMMENT ON CONSTRAINT qty_small ON parent IS 'small'",
    "COMMENT ON CONSTRAINT child_parent_id_fkey ON child IS 'fk'",
    "COMMENT ON DOMAIN positive IS 'greater than zero'",
    "COMMENT ON CONSTRAINT positive_check ON DOMAIN positive IS 'the check'",
    DESCRIPTIONS,
    "SELECT obj_description('parent'::regclass, 'pg_class'), obj_description('parent'::regclass), col_description('parent'::regclass, 2), col_description('parent'::regclass, 1)",
    "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'app'",
    "SELECT obj_description(oid, 'pg_proc') FROM pg_proc WHERE proname = 'add_one'",
    "SELECT obj_description('parent'::regclass, 'pg_proc'), col_description('parent'::regclass, 0), obj_description(NULL::oid, 'pg_class')",
  ]) await db().same(sql);
});

test('IS NULL and empty text remove a comment; a new comment replaces the old', { skip }, async () => {
  for (const sql of [
    "COMMENT ON TABLE parent IS 'replaced'",
    'COMMENT ON COLUMN parent.code IS NULL',
    "COMMENT ON SEQUENCE seq IS ''",
    "COMMENT ON TABLE app.t IS NULL",
    DESCRIPTIONS,
  ]) await db().same(sql);
});

test('comments go with their objects: DROP TABLE, COLUMN, INDEX, CONSTRAINT, VIEW, FUNCTION, SCHEMA', { skip }, async () => {
  for (const sql of [
    "COMMENT ON COLUMN child.extra IS 'to drop'",
    "COMMENT ON TABLE child IS 'children'",
    'ALTER TABLE child DROP COLUMN extra',
    'ALTER TABLE child ADD COLUMN extra int',
    DESCRIPTIONS,
    'ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey',
    DESCRIPTIONS,
    // Dropping the first CHECK moves the later one's oid here: its comment stays with it.
    'ALTER TABLE parent DROP CONSTRAINT parent_qty_check',
    DESCRIPTIONS,
    'DROP VIEW parent_codes',
    'DROP FUNCTION add_one(int)',
    'DROP TABLE app.t',
    'DROP SCHEMA app',
    // A one-letter schema name makes the shortest catalog key.
    'CREATE SCHEMA a',
    "COMMENT ON SCHEMA a IS 'short'",
    DESCRIPTIONS,
    'DROP SCHEMA a',
    'DROP TABLE child',
    DESCRIPTIONS,
    "CREATE TABLE child (id int PRIMARY KEY, note text)",
    DESCRIPTIONS,
  ]) await db().same(sql);
});

test('missing objects and wrong kinds give PostgreSQL errors', { skip }, async () => {
  const cases: [string, string, string][] = [
    ["COMMENT ON TABLE nope IS 'x'", '42P01', 'relation "nope" does not exist'],
    ["COMMENT ON TABLE nowhere.t IS 'x'", '3F000', 'schema "nowhere" does not exist'],
    ["COMMENT ON COLUMN parent.nope IS 'x'", '42703', 'column "nope" of relation "parent" does not exist'],
    ["COMMENT ON COLUMN parent IS 'x'", '42601', 'column name must be qualified'],
    ["COMMENT ON VIEW parent IS 'x'", '42809', '"parent" is not a view'],
    ["COMMENT ON INDEX parent IS 'x'", '42809', '"parent" is not an index'],
    ["COMMENT ON TABLE seq IS 'x'", '42809', '"seq" is not a table'],
    ["COMMENT ON COLUMN parent_pkey.id IS 'x'", '42809', 'cannot set comment on relation "parent_pkey"'],
    ["COMMENT ON SCHEMA nope IS 'x'", '3F000', 'schema "nope" does not exist'],
    ["COMMENT ON FUNCTION nope(int) IS 'x'", '42883', 'function nope(integer) does not exist'],
    ["COMMENT ON FUNCTION nope IS 'x'", '42883', 'could not find a function named "nope"'],
    ["COMMENT ON CONSTRAINT nope ON parent IS 'x'", '42704', 'constraint "nope" for table "parent" does not exist'],
    ["COMMENT ON DOMAIN nope IS 'x'", '42704', 'type "nope" does not exist'],
    ["COMMENT ON ROLE nope IS 'x'", '42704', 'role "nope" does not exist'],
  ];
  for (const [sql, code, message] of cases) {
    await db().same(sql);
    await assert.rejects(db().strata.query(sql), (error: { code: string; message: string }) => error.code === code && error.message === message, sql);
    await assert.rejects(db().postgres.query(sql), (error: { code: string; message: string }) => error.code === code && error.message === message, sql);
  }
});

test('only the owner may comment; a read-only transaction may not', { skip }, async () => {
  await db().same('CREATE ROLE outsider');
  // DSQL's admin is no superuser: it needs membership to SET ROLE (PostgreSQL's postgres does not).
  await db().strata.query('GRANT outsider TO admin');
  await db().same('SET ROLE outsider');
  for (const [sql, message] of [
    ["COMMENT ON TABLE parent IS 'x'", 'must be owner of table parent'],
    ["COMMENT ON COLUMN parent.id IS 'x'", 'must be owner of relation parent'],
    ["COMMENT ON CONSTRAINT parent_pkey ON parent IS 'x'", 'must be owner of relation parent'],
    ["COMMENT ON DOMAIN positive IS 'x'", 'must be owner of type positive'],
    ["COMMENT ON SCHEMA public IS 'x'", 'must be owner of schema public'],
    ["COMMENT ON ROLE outsider IS 'x'", 'must have CREATEROLE privilege'],
    ["COMMENT ON DATABASE postgres IS 'x'", 'must be owner of database postgres'],
    ["COMMENT ON INDEX parent_code_key IS 'x'", 'must be owner of index parent_code_key'],
    ["COMMENT ON SEQUENCE seq IS 'x'", 'must be owner of sequence seq'],
  ] as const) {
    await db().same(sql);
    for (const client of [db().strata, db().postgres]) await assert.rejects(client.query(sql), { code: '42501', message }, sql);
  }
  for (const sql of ['RESET ROLE', 'DROP ROLE outsider', 'BEGIN READ ONLY', "COMMENT ON TABLE parent IS 'x'", 'ROLLBACK']) await db().same(sql);
});

test('roles and the database have shared comments (pg_shdescription, shobj_description)', { skip }, async () => {
  for (const sql of [
    'CREATE ROLE commented',
    "COMMENT ON ROLE commented IS 'a role'",
    "SELECT r.rolname, d.description FROM pg_shdescription d JOIN pg_authid r ON r.oid = d.objoid WHERE d.classoid = 'pg_authid'::regclass AND r.rolname = 'commented'",
    "SELECT shobj_description(oid, 'pg_authid'), obj_description(oid, 'pg_authid') FROM pg_authid WHERE rolname = 'commented'",
    // A dump may name a database by its old name: PostgreSQL warns and goes on.
    "COMMENT ON DATABASE nope IS 'x'",
    'DROP ROLE commented',
    "SELECT count(*) FROM pg_shdescription d WHERE d.classoid = 'pg_authid'::regclass AND d.objoid >= 16384",
  ]) await db().same(sql);
  // The database: PostgreSQL's throwaway server has a comment on postgres already, so each side is checked on its own.
  await db().strata.query("COMMENT ON DATABASE postgres IS 'the database'");
  const { rows } = await db().strata.query("SELECT shobj_description(oid, 'pg_database') AS d FROM pg_database WHERE datname = 'postgres'");
  assert.deepEqual(rows, [{ d: 'the database' }]);
  await db().strata.query('COMMENT ON DATABASE postgres IS NULL');
});

test('COMMENT ON is DDL under DSQL\'s transaction rules: one per transaction, never with DML', { skip }, async () => {
  const strata = db().strata;
  await strata.query('BEGIN');
  await strata.query("COMMENT ON TABLE parent IS 'in a block'");
  await assert.rejects(strata.query("COMMENT ON COLUMN parent.id IS 'second'"), { code: '0A000', message: 'multiple ddl statements not supported in a transaction' });
  await strata.query('ROLLBACK');
  await strata.query('BEGIN');
  await strata.query('INSERT INTO parent VALUES (100, \'c\', 1)');
  await assert.rejects(strata.query("COMMENT ON TABLE parent IS 'with dml'"), { code: '0A000', message: 'ddl and dml are not supported in the same transaction' });
  await strata.query('ROLLBACK');
  const { rows } = await strata.query("SELECT obj_description('parent'::regclass, 'pg_class') AS d");
  assert.deepEqual(rows, [{ d: 'replaced' }]);
});
