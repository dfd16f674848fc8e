/**
 * ALTER DEFAULT PRIVILEGES compared with PostgreSQL 15 (reference/dsql.md §2.2, since
 * 2026-04-24): what pg_default_acl holds after GRANT and REVOKE, the ACLs of tables, views,
 * sequences, functions and schemas created afterwards, FOR ROLE and IN SCHEMA, psql's \ddp
 * query, DROP SCHEMA and DROP ROLE, and PostgreSQL's errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPsql } from '../support/psql.js';
import { same, useRoleServers } from '../support/role-pair.js';

const { skip, admin, as, servers } = useRoleServers(['CREATE ROLE app WITH LOGIN', 'CREATE ROLE reader', 'CREATE SCHEMA s']);

const DEFAULT_ACLS = "SELECT pg_get_userbyid(defaclrole) AS role, defaclnamespace::regnamespace::text AS nsp, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2, 3";
/** psql 15's \ddp. */
const DDP = `SELECT pg_catalog.pg_get_userbyid(d.defaclrole) AS "Owner",
  n.nspname AS "Schema",
  CASE d.defaclobjtype WHEN 'r' THEN 'table' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'function' WHEN 'T' THEN 'type' WHEN 'n' THEN 'schema' END AS "Type",
  pg_catalog.array_to_string(d.defaclacl, E'\\n') AS "Access privileges"
FROM pg_catalog.pg_default_acl d
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
ORDER BY 1, 2, 3;`;



test('default privileges are stored as PostgreSQL stores them and given to new objects', { skip }, async () => {
  await same(admin(), [
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reader',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT INSERT ON TABLES TO reader WITH GRANT OPTION',
    'ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC',
    'ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO reader',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT USAGE ON SEQUENCES TO app',
    DEFAULT_ACLS,
    DDP,
    'CREATE TABLE t1 (id int)',
    'CREATE TABLE s.t2 (id int)',
    'CREATE SEQUENCE s.q CACHE 1',
    'CREATE SEQUENCE q1 CACHE 1',
    "CREATE FUNCTION s.fn() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    'CREATE SCHEMA s2',
    'CREATE VIEW s.v AS SELECT 1 AS x',
    "SELECT relname, relacl::text FROM pg_class WHERE relname IN ('t1', 't2', 'q', 'q1', 'v') ORDER BY 1",
    "SELECT proname, proacl::text FROM pg_proc WHERE proname = 'fn'",
    "SELECT nspname, nspacl::text FROM pg_namespace WHERE nspname IN ('s', 's2') ORDER BY 1",
  ]);
  const app = await as('app');
  await same(app, ['SELECT s.fn()']);
  const reader = await as('admin');
  await same(reader, ['SET ROLE reader', 'SELECT * FROM t1', 'INSERT INTO s.t2 VALUES (1)', 'SELECT * FROM s.t2', 'RESET ROLE']);
  await same(admin(), [
    'ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM reader',
    'ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA s REVOKE GRANT OPTION FOR INSERT ON TABLES FROM reader',
    DEFAULT_ACLS,
    'ALTER DEFAULT PRIVILEGES IN SCHEMA s REVOKE ALL ON TABLES FROM reader',
    DEFAULT_ACLS,
    'DROP SCHEMA s CASCADE',
    DEFAULT_ACLS,
    'ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO app',
    'ALTER DEFAULT PRIVILEGES GRANT ALL ON ROUTINES TO app',
    'ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM admin',
    DEFAULT_ACLS,
    'CREATE TABLE t3 (id int)',
    "CREATE FUNCTION f3() RETURNS int LANGUAGE sql AS 'SELECT 3'",
    "SELECT relname, relacl::text FROM pg_class WHERE relname = 't3'",
    "SELECT proname, proacl::text FROM pg_proc WHERE proname = 'f3'",
  ]);
});

test('FOR ROLE: a role sets its own defaults, others only as its member; DROP ROLE names them', { skip }, async () => {
  const app = await as('app');
  await same(app, [
    'ALTER DEFAULT PRIVILEGES FOR ROLE admin GRANT SELECT ON TABLES TO reader',
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reader',
    'ALTER DEFAULT PRIVILEGES FOR ROLE app REVOKE USAGE ON SEQUENCES FROM app',
  ]);
  await same(admin(), [
    'ALTER DEFAULT PRIVILEGES FOR ROLE app GRANT SELECT ON TABLES TO reader',
    'GRANT app TO admin',
    'ALTER DEFAULT PRIVILEGES FOR ROLE app, admin GRANT UPDATE ON TABLES TO reader',
    DEFAULT_ACLS,
    'CREATE ROLE temp',
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON SEQUENCES TO temp',
    'DROP ROLE temp',
    'ALTER DEFAULT PRIVILEGES REVOKE SELECT ON SEQUENCES FROM temp',
    'DROP ROLE temp',
  ]);
});

test('ALTER DEFAULT PRIVILEGES errors are PostgreSQL\'s', { skip }, async () => {
  await same(admin(), [
    'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SCHEMAS TO reader',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA nosuch GRANT SELECT ON TABLES TO reader',
    'ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON TABLES TO reader',
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON FUNCTIONS TO reader',
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO nobody',
    'ALTER DEFAULT PRIVILEGES FOR ROLE nobody GRANT SELECT ON TABLES TO reader',
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC WITH GRANT OPTION',
  ]);
});

test('psql\'s \\ddp, \\dp and \\df+ print the same on both servers', { skip }, async () => {
  await same(admin(), [
    'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader',
    'CREATE TABLE shown (id int PRIMARY KEY, v text)',
    'GRANT UPDATE (v) ON shown TO app',
    "CREATE FUNCTION shown_f(int) RETURNS int LANGUAGE sql AS 'SELECT $1'",
  ]);
  const strata = await servers().cluster.config('admin');
  const envs = [
    { PGHOST: String(strata.host), PGPORT: String(strata.port), PGUSER: 'admin', PGDATABASE: 'postgres', PGPASSWORD: String(strata.password), PGSSLMODE: 'require' },
    { PGHOST: String(servers().server.config.host), PGPORT: String(servers().server.config.port), PGUSER: 'admin', PGDATABASE: 'postgres', PGSSLMODE: 'disable' },
  ];
  const outputs: string[] = [];
  for (const command of ['\\ddp', '\\dp shown', '\\df+ shown_f']) {
    const [onStrata, onPostgres] = await Promise.all(envs.map((env) => runPsql(env, command)));
    assert.equal(onStrata.stderr, onPostgres.stderr, command);
    assert.equal(onStrata.stdout, onPostgres.stdout, command);
    assert.equal(onStrata.status, 0, command);
    outputs.push(onStrata.stdout);
  }
  // Not two empty listings: each shows what was granted.
  assert.match(outputs[0]!, /reader=r\/admin/);
  assert.match(outputs[1]!, /app=w\/admin/);
  assert.match(outputs[2]!, /=X\/admin/);
});
