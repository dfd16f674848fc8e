/**
 * The conformance harness's dependency tracking (conformance/runner.ts, dsql-roles.ts): what a
 * DSQL refusal made differ is followed into later statements — across files from the setup
 * file, through a sequence named in a string, past a later refusal on the same table, into a
 * schema's elements, an index's comment and a SQL function's body, and through a session DSQL refused to switch to another role or to read-only — so those statements are counted
 * apart ("after a refusal") rather than as Strata's failures, and nothing else is.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadAnalyzer } from '../../conformance/analysis.js';
import { Endpoint } from '../../conformance/endpoint.js';
import { PsqlScript } from '../../conformance/psql-script.js';
import { FileRunner, type FileResult } from '../../conformance/runner.js';
import { preparePostgres } from '../../conformance/servers.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';

const skip = postgresUnavailableReason() ?? false;

const SETUP = `
CREATE TABLE dep_points (a int, p point);
CREATE TABLE dep_plain (a int);
`;

const SCRIPT = `
SELECT a FROM dep_points;
SELECT a FROM dep_plain;
CREATE SEQUENCE dep_seq;
SELECT nextval('dep_seq');
CREATE TABLE dep_parted (a int) PARTITION BY RANGE (a);
TRUNCATE dep_parted;
ALTER TABLE dep_parted ADD b int;
CREATE ROLE regress_dep_role;
SET ROLE regress_dep_role;
SELECT current_user AS after_set_role;
RESET ROLE;
SELECT current_user AS after_reset_role;
SET SESSION AUTHORIZATION regress_dep_role;
SELECT session_user AS after_set_session;
RESET SESSION AUTHORIZATION;
SELECT session_user AS after_reset_session;
ALTER DEFAULT PRIVILEGES FOR ROLE regress_dep_role REVOKE INSERT ON TABLES FROM regress_dep_role;
ALTER DEFAULT PRIVILEGES FOR ROLE regress_dep_role GRANT INSERT ON TABLES TO regress_dep_role;
DROP ROLE regress_dep_role;
CREATE SCHEMA dep_schema CREATE TABLE dep_in_schema (a serial) CREATE VIEW dep_schema_view AS SELECT a FROM dep_in_schema;
SELECT * FROM dep_schema.dep_schema_view;
BEGIN;
CREATE SCHEMA dep_schema2 CREATE VIEW dep_view2 AS SELECT a FROM dep_schema.dep_in_schema;
SELECT 1 AS in_block_strata_aborted;
COMMIT;
CREATE INDEX dep_index ON dep_plain (a);
COMMENT ON INDEX dep_index IS 'made by PostgreSQL only';
CREATE FUNCTION dep_rows() RETURNS SETOF dep_points LANGUAGE sql AS 'SELECT * FROM dep_points';
CREATE FUNCTION dep_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM dep_points';
CREATE TYPE dep_mood AS ENUM ('calm');
CREATE CAST (dep_mood AS int4) WITH INOUT;
SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;
CREATE TABLE dep_written (a int);
SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE;
SELECT 1 AS after_read_write;
CREATE INDEX ON dep_plain (a);
DROP INDEX dep_plain_a_idx;
SELECT count(*) AS dep_catalog_count FROM pg_class WHERE relname = 'dep_index';
SELECT pg_relation_size('dep_index') >= 0 AS dep_size;
CREATE FUNCTION dep_make(t text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE format('CREATE TABLE %I (a int)', t); END $$;
SELECT dep_make('dep_made');
DROP TABLE dep_made;
CREATE TABLE dep_pk (a int NOT NULL, b int);
CREATE UNIQUE INDEX dep_uniq ON dep_pk (a);
ALTER TABLE dep_pk ADD CONSTRAINT dep_pk_key PRIMARY KEY USING INDEX dep_uniq;
DROP INDEX dep_pk_key;
BEGIN;
SET work_mem = '5MB';
SELECT a FROM dep_points;
COMMIT;
SHOW work_mem;
RESET work_mem;
SELECT current_setting('work_mem') AS work_mem_reset;
CREATE TABLE dep_excl (c1 int, c2 int4range, EXCLUDE USING gist (c2 WITH &&));
SELECT pg_relation_size('dep_excl_c2_excl') >= 0 AS dep_excl_size;
CREATE TABLE dep_dups (a int);
INSERT INTO dep_dups VALUES (1), (1);
CREATE UNIQUE INDEX CONCURRENTLY dep_dups_u ON dep_dups (a);
DROP INDEX dep_dups_u;
DO $$ BEGIN EXECUTE 'CREATE TABLE dep_done (a int)'; END $$;
DROP TABLE dep_done;
`;

let postgres: TestPostgres;
let strata: TestCluster;
let setup: FileResult;
let result: FileResult;

before(async () => {
  await loadAnalyzer();
  if (skip) return;
  [postgres, strata] = await Promise.all([startPostgres(), startTestCluster()]);
  const pgConfig = await preparePostgres(postgres, 10_000);
  const runner = new FileRunner(
    { endpoint: new Endpoint('PostgreSQL', async () => pgConfig, 12_000) },
    { endpoint: new Endpoint('Strata', () => strata.config(), 10_000) },
  );
  setup = await runner.run({ id: 'test/setup.sql', corpus: 'project', fixture: true }, new PsqlScript(SETUP), null);
  result = await runner.run({ id: 'test/uses.sql', corpus: 'project' }, new PsqlScript(SCRIPT), 'conformance_dep');
});

after(async () => {
  await strata?.stop();
  await postgres?.stop();
});

function verdictAt(fragment: string): string {
  const found = result.statements.find((s) => s.sql.includes(fragment));
  assert.ok(found, `no statement with ${fragment}`);
  return found.verdict;
}

test('a relation the setup file made with a refused statement is missing for the files after it', { skip }, () => {
  assert.equal(setup.statements[0]!.verdict, 'refused-ok', 'a point column is refused');
  assert.equal(verdictAt('FROM dep_points'), 'dependent');
  assert.equal(verdictAt('FROM dep_plain'), 'pass', 'what the setup file made on both sides is compared');
});

test('a sequence named in nextval\'s string follows its refused CREATE SEQUENCE', { skip }, () => {
  assert.equal(verdictAt('CREATE SEQUENCE'), 'refused-ok');
  assert.equal(verdictAt('nextval'), 'dependent');
});

test('a refused TRUNCATE after a refused CREATE leaves the table missing, not just its rows', { skip }, () => {
  assert.equal(verdictAt('TRUNCATE'), 'refused-ok');
  assert.equal(verdictAt('ADD b int'), 'dependent');
});

test('SET ROLE, SET SESSION AUTHORIZATION and a read-only default: DSQL refuses them; the session differs until reset', { skip }, () => {
  assert.equal(verdictAt('SET ROLE regress_dep_role'), 'refused-ok');
  assert.equal(verdictAt('after_set_role'), 'dependent', 'PostgreSQL answers as the other role');
  assert.equal(verdictAt('after_reset_role'), 'pass');
  assert.equal(verdictAt('SET SESSION AUTHORIZATION regress_dep_role'), 'refused-ok');
  assert.equal(verdictAt('after_set_session'), 'dependent');
  assert.equal(verdictAt('after_reset_session'), 'pass');
  assert.equal(verdictAt('AS TRANSACTION READ ONLY'), 'refused-ok');
  assert.equal(verdictAt('dep_written'), 'dependent', 'PostgreSQL\'s session is read-only, DSQL\'s is not');
  assert.equal(verdictAt('after_read_write'), 'pass');
  assert.equal(verdictAt('REVOKE INSERT ON TABLES'), 'refused-ok', 'admin is no member of the role');
  assert.equal(verdictAt('GRANT INSERT ON TABLES'), 'refused-ok');
});

test('what a refused CREATE SCHEMA, CREATE INDEX or CREATE TABLE made is followed: schema-qualified names, schema elements, COMMENT ON, a SQL function\'s return type and body, a cast\'s types', { skip }, () => {
  assert.equal(verdictAt('CREATE SCHEMA dep_schema '), 'refused-ok', 'serial is refused');
  assert.equal(verdictAt('FROM dep_schema.dep_schema_view'), 'dependent');
  assert.equal(verdictAt('CREATE SCHEMA dep_schema2'), 'dependent');
  assert.equal(verdictAt('in_block_strata_aborted'), 'dependent', 'Strata\'s block was aborted by the statement before');
  assert.equal(verdictAt('COMMIT'), 'dependent');
  assert.equal(verdictAt('COMMENT ON INDEX'), 'dependent');
  assert.equal(verdictAt('RETURNS SETOF dep_points'), 'dependent');
  assert.equal(verdictAt('dep_count()'), 'dependent');
  assert.equal(verdictAt('CREATE TYPE dep_mood'), 'refused-ok');
  assert.equal(verdictAt('CREATE CAST'), 'dependent', 'a cast to a type DSQL refused to make');
  assert.equal(result.counts.fail, 0, JSON.stringify(result.statements.filter((s) => s.verdict === 'fail')));
});

test('followed further: an index PostgreSQL named itself, a catalog query or a regclass argument naming a refused object, what a refused function made, a constraint\'s index', { skip }, () => {
  assert.equal(verdictAt('CREATE INDEX ON dep_plain'), 'refused-ok');
  assert.equal(verdictAt('DROP INDEX dep_plain_a_idx'), 'dependent', 'PostgreSQL named the index dep_plain_a_idx');
  assert.equal(verdictAt('dep_catalog_count'), 'dependent', "relname = 'dep_index' asks about the refused index");
  assert.equal(verdictAt('dep_size'), 'dependent');
  assert.equal(verdictAt('CREATE FUNCTION dep_make'), 'refused-ok');
  assert.equal(verdictAt("dep_make('dep_made')"), 'dependent');
  assert.equal(verdictAt('DROP TABLE dep_made'), 'dependent', 'the refused function made the table its argument names');
  assert.equal(verdictAt('ADD CONSTRAINT dep_pk_key'), 'dependent');
  assert.equal(verdictAt('DROP INDEX dep_pk_key'), 'dependent', 'the constraint made an index of its name');
  assert.equal(verdictAt('CREATE TABLE dep_pk'), 'pass');
});

test('a SET in a block DSQL aborted and PostgreSQL committed leaves the setting different until it is set again', { skip }, () => {
  assert.equal(verdictAt('SHOW work_mem'), 'dependent', 'PostgreSQL kept 5MB, DSQL rolled it back');
  assert.equal(verdictAt('work_mem_reset'), 'pass');
});

test('the index a refused CREATE TABLE\'s constraint names, and a UNIQUE index PostgreSQL leaves invalid after a failed CONCURRENTLY build, are followed', { skip }, () => {
  assert.equal(verdictAt('dep_excl_size'), 'dependent', 'PostgreSQL named the exclusion constraint\'s index');
  assert.equal(verdictAt('CREATE UNIQUE INDEX CONCURRENTLY dep_dups_u'), 'refused-ok');
  assert.equal(verdictAt('DROP INDEX dep_dups_u'), 'dependent', 'the failed build left the index behind in PostgreSQL');
  assert.equal(verdictAt('DROP TABLE dep_done'), 'dependent', 'the refused DO block\'s EXECUTE made it');
});
