/**
 * CHECK constraints, domains and stored generated columns, compared with PostgreSQL 15 down to
 * the error message and DETAIL; DSQL's refusals with its texts; psql's \d on both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { exactOutcome, useDifferential } from '../support/differential.js';
import { runPsql } from '../support/psql.js';

const { skip, db } = useDifferential([]);

/**
 * Same rows, column types and tags, or the same SQLSTATE, message and DETAIL. Not the position:
 * a CHECK or generation expression is compiled from its stored text, so its errors carry none.
 */
async function exact(statements: readonly string[]): Promise<void> {
  const loose = { position: false };
  for (const sql of statements) assert.deepEqual(await exactOutcome(db().strata, sql, loose), await exactOutcome(db().postgres, sql, loose), sql);
}

async function refusedByDsql(sql: string, message: string): Promise<void> {
  await assert.rejects(db().strata.query(sql), (e: pg.DatabaseError) => e.code === '0A000' && e.message === message, sql);
}

test('CHECK constraints: PostgreSQL\'s names, enforcement on INSERT, UPDATE and ON CONFLICT, NULL passes', { skip }, async () => {
  await exact([
    `CREATE TABLE t (a int CHECK (a > 0), b varchar(10), c numeric, CONSTRAINT named CHECK (b <> ''), CHECK (a < c AND c > -5),
       d int CHECK (d IN (1, 2, 3)), e text CHECK (e LIKE 'x%' OR e IS NULL), f int8 CHECK (f BETWEEN 1 AND 10 AND NOT (f = 3)))`,
    "INSERT INTO t VALUES (1, 'x', 2, 1, 'xy', 2)",
    "INSERT INTO t VALUES (-1, 'x', 1, 1, NULL, NULL)",
    "INSERT INTO t VALUES (1, '', 2, 1, NULL, NULL)",
    "INSERT INTO t VALUES (1, 'x', 2, 1, 'y', NULL)",
    "INSERT INTO t VALUES (1, 'x', 2, 1, NULL, 3)",
    'INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL, NULL)',
    "INSERT INTO t VALUES (5, 'x', 2, 1)",
    'UPDATE t SET d = 7 WHERE a = 1',
    'UPDATE t SET d = 2 WHERE a = 1 RETURNING *',
    'SELECT * FROM t ORDER BY a',
    `SELECT conname, contype, conkey, convalidated, connoinherit, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true)
       FROM pg_constraint WHERE conrelid = 't'::regclass ORDER BY conname`,
    "SELECT relchecks FROM pg_class WHERE relname = 't'",
    'CREATE TABLE x (a int PRIMARY KEY, b int, CHECK (b > 0) NO INHERIT, CHECK (length(b::text) < 5), CHECK ((a + b) * 2 > a - b - 1))',
    'INSERT INTO x VALUES (1, 1)',
    'UPDATE x SET b = -1',
    'INSERT INTO x VALUES (1, 5) ON CONFLICT (a) DO UPDATE SET b = -7',
    'INSERT INTO x VALUES (1, 5) ON CONFLICT (a) DO UPDATE SET b = 7 RETURNING *',
    'INSERT INTO x VALUES (2, 123456)',
    'CREATE TABLE x2 (a int CHECK (a > 0), CHECK (a > 0), CHECK (true))',
    "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'x2'::regclass ORDER BY 1",
  ]);
});

test('pg_get_constraintdef prints CHECK expressions as ruleutils does, plain and pretty', { skip }, async () => {
  await exact([
    `CREATE TABLE p (a int, b text, c numeric(10,2), d float8, e bool, f date, g int8, h int2, CHECK (b IN ('x', 'y')), CHECK (c > 1.5), CHECK (d < 2),
       CHECK (e), CHECK (e IS NOT TRUE OR a <> 0), CHECK (f > '2020-01-01'), CHECK (g + a > h), CHECK (a % 2 = 0), CHECK (b || 'z' <> 'xz'), CHECK (-a < 5),
       CHECK (c * 2 >= 3.25), CHECK (a::text <> 'q'), CHECK (upper(b) <> 'Q'), CHECK (NOT e OR f IS NULL), CHECK (b NOT LIKE 'q%'), CHECK (a NOT IN (7, 9)),
       CHECK (b ~ '^[a-z]'), CHECK ((a + 1) * (h - 1) / 2 - a > 0 OR a IS NULL AND (b IS NULL OR e)))`,
    "SELECT conname, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'p'::regclass ORDER BY conname",
    "INSERT INTO p VALUES (2, 'x', 2, 1, true, '2021-01-01', 5, 1)",
    "INSERT INTO p VALUES (2, 'x', 2, 1, false, '2021-01-01', 5, 1)",
    "INSERT INTO p VALUES (3, 'x', 2, 1, true, '2021-01-01', 5, 1)",
    "CREATE DOMAIN dstr AS text CHECK (VALUE ~ '^[a-z]+$')",
    'CREATE DOMAIN dnum AS numeric(5,2) DEFAULT 1.5 CHECK (VALUE >= 0)',
    "SELECT 'abc'::dstr",
    "SELECT 'ABC'::dstr",
    'CREATE TABLE pq (a dnum, b dstr)',
    'INSERT INTO pq DEFAULT VALUES RETURNING *',
    "INSERT INTO pq VALUES (-1, 'a')",
    "INSERT INTO pq VALUES (123.456, 'a') RETURNING *",
    "SELECT conname, pg_get_constraintdef(oid, true), pg_get_constraintdef(oid) FROM pg_constraint WHERE conname IN ('dstr_check', 'dnum_check') ORDER BY 1",
  ]);
});

test('CHECK expressions are checked at CREATE as PostgreSQL checks them', { skip }, async () => {
  await exact([
    'CREATE TABLE bad (a int CHECK (a > (SELECT 1)))',
    'CREATE TABLE bad (a int CHECK (sum(a) > 1))',
    'CREATE TABLE bad (a int CHECK (a))',
    'CREATE TABLE bad (a int, CHECK (b > 0))',
    'CREATE TABLE bad (a int, CONSTRAINT c CHECK (a > 0), CONSTRAINT c CHECK (a > 1))',
    "CREATE TABLE bad (a int CHECK (a > 'x'))",
  ]);
});

test('ALTER TABLE: ADD CONSTRAINT CHECK NOT VALID, DROP CONSTRAINT [IF EXISTS], RENAME CONSTRAINT', { skip }, async () => {
  await exact([
    'CREATE TABLE al (a int PRIMARY KEY, b int)',
    'INSERT INTO al VALUES (1, 500)',
    'ALTER TABLE al ADD CONSTRAINT y CHECK (b < 100) NOT VALID',
    'ALTER TABLE al ADD CONSTRAINT y CHECK (b < 100) NOT VALID',
    'ALTER TABLE al ADD CHECK (b < 100) NOT VALID',
    'ALTER TABLE al ADD CONSTRAINT al_pkey CHECK (b > 0) NOT VALID',
    "SELECT conname, convalidated, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'al'::regclass ORDER BY 1",
    'INSERT INTO al VALUES (2, 200)',
    'UPDATE al SET b = b + 1',
    'UPDATE al SET b = 50 RETURNING *',
    'ALTER TABLE al DROP CONSTRAINT nope',
    'ALTER TABLE al DROP CONSTRAINT IF EXISTS nope',
    'ALTER TABLE al RENAME CONSTRAINT y TO z',
    'ALTER TABLE al RENAME CONSTRAINT nope TO w',
    'INSERT INTO al VALUES (3, 150)',
    'ALTER TABLE al DROP CONSTRAINT z',
    'ALTER TABLE al DROP CONSTRAINT al_b_check',
    'INSERT INTO al VALUES (3, 150) RETURNING *',
    "SELECT conname FROM pg_constraint WHERE conrelid = 'al'::regclass ORDER BY 1",
  ]);
  // DSQL adds CHECK constraints to existing tables only NOT VALID.
  await refusedByDsql('ALTER TABLE al ADD CONSTRAINT v CHECK (b > 0)', 'unsupported ALTER TABLE ADD CONSTRAINT statement');
});

test('RENAME COLUMN and RENAME TO carry CHECK and generation expressions along', { skip }, async () => {
  await exact([
    'CREATE TABLE rn (a int PRIMARY KEY, b int CHECK (rn.b > a), c int GENERATED ALWAYS AS (b * 10 + rn.a) STORED, CHECK (length(b::text) < 4))',
    'INSERT INTO rn VALUES (1, 2)',
    'ALTER TABLE rn RENAME COLUMN b TO "B b"',
    'INSERT INTO rn VALUES (5, 2)',
    'INSERT INTO rn VALUES (6, 1000)',
    'INSERT INTO rn VALUES (3, 4) RETURNING *',
    'ALTER TABLE rn RENAME TO rn2',
    'INSERT INTO rn2 VALUES (7, 1)',
    'UPDATE rn2 SET a = 0 RETURNING *',
    "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'rn2'::regclass ORDER BY 1",
    "SELECT pg_get_expr(adbin, adrelid, true) FROM pg_attrdef WHERE adrelid = 'rn2'::regclass",
  ]);
});

test('generated columns: computed on INSERT and UPDATE, 428C9 for given values, checked at CREATE, DROP EXPRESSION', { skip }, async () => {
  await exact([
    "CREATE TABLE g (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c text GENERATED ALWAYS AS ('x' || a) STORED)",
    'INSERT INTO g VALUES (1)',
    'INSERT INTO g VALUES (1, 2)',
    'INSERT INTO g (a, b) VALUES (1, DEFAULT) RETURNING *',
    'INSERT INTO g (a, b) VALUES (1, 5)',
    'INSERT INTO g (a, c) SELECT 3, NULL',
    'INSERT INTO g SELECT 4',
    'INSERT INTO g SELECT 4, 8',
    'UPDATE g SET b = 3',
    'UPDATE g SET b = DEFAULT, a = 10 RETURNING *',
    'UPDATE g SET a = 5 RETURNING *',
    'SELECT * FROM g ORDER BY a, b',
    "SELECT attname, attgenerated, atthasdef FROM pg_attribute WHERE attrelid = 'g'::regclass AND attnum > 0 ORDER BY attnum",
    "SELECT adnum, pg_get_expr(adbin, adrelid), pg_get_expr(adbin, adrelid, true) FROM pg_attrdef WHERE adrelid = 'g'::regclass ORDER BY 1",
    'CREATE TABLE gk (a int PRIMARY KEY, b int GENERATED ALWAYS AS (a + 1) STORED CHECK (b < 10))',
    'INSERT INTO gk VALUES (5)',
    'INSERT INTO gk VALUES (9)',
    'INSERT INTO gk VALUES (5) ON CONFLICT (a) DO UPDATE SET a = 20',
    'INSERT INTO gk VALUES (5) ON CONFLICT (a) DO UPDATE SET b = 1',
    'INSERT INTO gk VALUES (5) ON CONFLICT (a) DO UPDATE SET a = 6 RETURNING *',
    'ALTER TABLE g ALTER COLUMN b DROP EXPRESSION',
    'INSERT INTO g VALUES (1, 99) RETURNING *',
    'ALTER TABLE g ALTER COLUMN a DROP EXPRESSION',
    'ALTER TABLE g ALTER COLUMN a DROP EXPRESSION IF EXISTS',
    "SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = 'g'::regclass AND attnum > 0 ORDER BY attnum",
  ]);
});

test('generation expressions must be immutable and not use generated columns', { skip }, async () => {
  await exact([
    'CREATE TABLE bad (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int GENERATED ALWAYS AS (b + 1) STORED)',
    'CREATE TABLE bad (a timestamptz, b text GENERATED ALWAYS AS (a::text) STORED)',
    'CREATE TABLE bad (a int, b float8 GENERATED ALWAYS AS (random()) STORED)',
    'CREATE TABLE bad (a int, b timestamptz GENERATED ALWAYS AS (now()) STORED)',
    'CREATE TABLE bad (a date, b text GENERATED ALWAYS AS (a || \'x\') STORED)',
    'CREATE TABLE bad (a int, b int GENERATED ALWAYS AS (a) STORED DEFAULT 5)',
    'CREATE TABLE bad (a int, b int GENERATED ALWAYS AS (sum(a)) STORED)',
    'CREATE TABLE bad (a int, b int GENERATED ALWAYS AS ((SELECT 1)) STORED)',
    'CREATE TABLE bad (a int, b int GENERATED ALWAYS AS (nope) STORED)',
    'CREATE TABLE fine (a text, b int GENERATED ALWAYS AS (length(a)) STORED, c text GENERATED ALWAYS AS (upper(a) || lower(a)) STORED)',
    "INSERT INTO fine (a) VALUES ('Ab') RETURNING *",
  ]);
});

test('domains: NOT NULL, CHECK and DEFAULT in columns and casts; ALTER and DROP DOMAIN', { skip }, async () => {
  await exact([
    'CREATE DOMAIN posint AS int NOT NULL CHECK (VALUE > 0)',
    'CREATE DOMAIN posint AS int',
    "CREATE DOMAIN d2 AS varchar(5) DEFAULT 'ab' CHECK (length(VALUE) > 1) CONSTRAINT named2 CHECK (VALUE <> 'zz')",
    "SELECT '5'::posint, CAST('7' AS posint) AS x",
    "SELECT '-1'::posint",
    'SELECT NULL::posint',
    "SELECT 'x'::d2",
    'CREATE TABLE dt (id int, p posint, q d2)',
    'INSERT INTO dt (id) VALUES (1)',
    'INSERT INTO dt (id, p) VALUES (1, 3) RETURNING *',
    "INSERT INTO dt (id, p, q) VALUES (1, -3, 'abc')",
    'UPDATE dt SET p = NULL',
    "UPDATE dt SET q = 'zz'",
    "UPDATE dt SET q = 'abcd' RETURNING *",
    'SELECT * FROM dt',
    'DROP DOMAIN posint',
    "SELECT typname, typtype, typbasetype, typtypmod, typnotnull FROM pg_type WHERE typname IN ('posint', 'd2') ORDER BY 1",
    `SELECT conname, pg_get_constraintdef(c.oid, true), pg_get_constraintdef(c.oid), t.typname FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid
       WHERE t.typname IN ('posint', 'd2') ORDER BY 1`,
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE attrelid = 'dt'::regclass AND attnum > 0 ORDER BY attnum",
    'ALTER DOMAIN d2 DROP DEFAULT',
    'INSERT INTO dt (id, p) VALUES (2, 3) RETURNING *',
    "ALTER DOMAIN d2 SET DEFAULT 'qq'",
    'INSERT INTO dt (id, p) VALUES (3, 3) RETURNING *',
    'ALTER DOMAIN d2 RENAME TO d3',
    "INSERT INTO dt (id, p, q) VALUES (3, 3, 'zz')",
    'ALTER DOMAIN posint DROP NOT NULL',
    'INSERT INTO dt (id) VALUES (4) RETURNING *',
    'ALTER DOMAIN d3 DROP CONSTRAINT named2',
    "INSERT INTO dt (id, p, q) VALUES (5, 3, 'zz') RETURNING *",
    'ALTER DOMAIN d3 DROP CONSTRAINT nope',
    'ALTER DOMAIN d3 DROP CONSTRAINT IF EXISTS nope',
    'DROP DOMAIN IF EXISTS nope',
    'DROP DOMAIN nope',
    'CREATE DOMAIN dd AS int CHECK (VALUE > (SELECT 1))',
    'CREATE DOMAIN dd AS int CHECK (sum(VALUE) > 1)',
    'CREATE DOMAIN dd AS int CHECK (VALUE)',
    'CREATE DOMAIN dd AS int CHECK (x > 1)',
    'CREATE DOMAIN dd AS int',
    'CREATE TABLE de (a dd)',
    'DROP TABLE de',
    'DROP DOMAIN dd',
    'CREATE TABLE dn (a posint CHECK (a < 10))',
    'INSERT INTO dn VALUES (20)',
    'INSERT INTO dn VALUES (0)',
    'INSERT INTO dn VALUES (NULL) RETURNING *',
  ]);
});

test('DSQL refuses DROP DOMAIN CASCADE, ALTER DOMAIN SET NOT NULL and ADD CONSTRAINT', { skip }, async () => {
  await refusedByDsql('DROP DOMAIN posint CASCADE', 'DROP DOMAIN with CASCADE unsupported');
  await refusedByDsql('ALTER DOMAIN posint SET NOT NULL', 'unsupported ALTER DOMAIN SET NOT NULL statement');
  await refusedByDsql('ALTER DOMAIN posint ADD CONSTRAINT c CHECK (VALUE < 100)', 'unsupported ALTER DOMAIN ADD CONSTRAINT statement');
});

test('a domain column has its base type on the wire, as PostgreSQL sends it', { skip }, async () => {
  await exact(['CREATE DOMAIN shortname AS varchar(8)', 'CREATE TABLE wn (n shortname, m posint)', "INSERT INTO wn VALUES ('abc', 1)", 'SELECT n, m, n::shortname AS c FROM wn']);
});

async function psql(connection: pg.Client, password: string | undefined, ssl: boolean, command: string): Promise<string> {
  const env = { PGHOST: connection.host, PGPORT: String(connection.port), PGUSER: connection.user, PGDATABASE: connection.database,
    PGPASSWORD: password ?? '', PGSSLMODE: ssl ? 'require' : 'disable' };
  const { status, stdout, stderr } = await runPsql(env, command);
  assert.equal(status, 0, `${command}: ${stderr}`);
  return stdout;
}

test('psql \\d and \\dD show check constraints, generation expressions, domain columns and domains as on PostgreSQL', { skip }, async () => {
  const { strata, postgres } = db();
  const secret = (c: pg.Client) => (c as unknown as { connectionParameters: { password?: string } }).connectionParameters.password;
  for (const command of ['\\d t', '\\d x', '\\d g', '\\d gk', '\\d dt', '\\d dn', '\\dD']) {
    const [a, b] = await Promise.all([psql(strata, secret(strata), true, command), psql(postgres, secret(postgres), false, command)]);
    assert.equal(a, b, command);
    if (command === '\\d t') assert.match(a, /Check constraints:\n {4}"named" CHECK \(b::text <> ''::text\)/);
    if (command === '\\dD') assert.match(a, /shortname/);
    if (command === '\\d g') assert.match(a, /generated always as \('x'::text \|\| a\) stored/);
  }
});

test('information_schema.check_constraints and table_constraints list them as PostgreSQL does', { skip }, async () => {
  // NOT NULL columns appear under names made of oids, which differ between the servers: compared without them.
  await exact([
    "SELECT constraint_name, check_clause FROM information_schema.check_constraints WHERE constraint_schema = 'public' AND constraint_name NOT LIKE '%_not_null' ORDER BY 1",
    "SELECT check_clause FROM information_schema.check_constraints WHERE constraint_schema = 'public' AND constraint_name LIKE '%_not_null' ORDER BY 1",
    `SELECT table_name, constraint_name, constraint_type, is_deferrable, initially_deferred, enforced, nulls_distinct FROM information_schema.table_constraints
       WHERE table_schema = 'public' AND constraint_name NOT LIKE '%_not_null' ORDER BY 1, 2`,
    "SELECT table_name, count(*) FROM information_schema.table_constraints WHERE table_schema = 'public' AND constraint_name LIKE '%_not_null' GROUP BY 1 ORDER BY 1",
  ]);
});

test('UNIQUE NULLS NOT DISTINCT in CREATE TABLE counts NULLs as equal; NULL and NOT NULL on one column conflict', { skip }, async () => {
  await exact([
    'CREATE TABLE unn (a int PRIMARY KEY, b text UNIQUE NULLS NOT DISTINCT, c int, d int, UNIQUE NULLS NOT DISTINCT (c, d))',
    'INSERT INTO unn VALUES (1, NULL, 1, NULL)',
    'INSERT INTO unn VALUES (2, NULL, 2, NULL)',
    "INSERT INTO unn VALUES (3, 'x', 1, NULL)",
    "INSERT INTO unn VALUES (4, 'y', 1, 2), (5, 'z', 1, 2)",
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'unn'::regclass ORDER BY conname",
    "SELECT indexrelid::regclass, indnullsnotdistinct FROM pg_index WHERE indrelid = 'unn'::regclass ORDER BY 1",
    'CREATE TABLE und (a int PRIMARY KEY, b text UNIQUE NULLS DISTINCT)',
    'INSERT INTO und VALUES (1, NULL), (2, NULL)',
    'DROP TABLE unn', 'DROP TABLE und',
    'CREATE TABLE cnn1 (a int PRIMARY KEY, b int NULL NOT NULL)',
    'CREATE TABLE cnn2 (a int PRIMARY KEY, b int NOT NULL NULL)',
    'CREATE TABLE cnn3 (a int NULL PRIMARY KEY, b int NULL NULL, c int NOT NULL NOT NULL)',
    'INSERT INTO cnn3 VALUES (NULL, 1, 1)',
    'DROP TABLE cnn3',
  ]);
});
