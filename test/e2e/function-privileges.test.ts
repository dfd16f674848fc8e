/**
 * EXECUTE on SQL functions compared with PostgreSQL 15 (reference/dsql.md §2.2: GRANT/REVOKE on
 * routines since 2026-04-24): GRANT/REVOKE … ON FUNCTION | ROUTINE | PROCEDURE | ALL … IN SCHEMA,
 * the check at call time (top level, inside a view, inside another function, as the current
 * user), pg_proc.proacl, has_function_privilege and pg_get_functiondef.
 */
import { test } from 'node:test';
import { same, useRoleServers, type RolePair } from '../support/role-pair.js';

const { skip, admin, as } = useRoleServers([
    'CREATE ROLE app WITH LOGIN',
    'CREATE ROLE helper',
    'CREATE TABLE t (id int PRIMARY KEY, v text)',
    "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    'GRANT SELECT ON t TO app',
    "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1'",
    "CREATE FUNCTION g() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM t'",
    "CREATE FUNCTION k(x int) RETURNS int LANGUAGE sql AS 'SELECT f(x) * 10'",
    'CREATE VIEW fv AS SELECT id, f(id) AS fx FROM t',
    'GRANT SELECT ON fv TO app',
    'CREATE SCHEMA s',
    "CREATE FUNCTION s.h(int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT $1 * 2'",
  ]);
/** One session as `app` for the file's tests, opened when first asked for. */
let appSession: Promise<RolePair> | null = null;
const app = (): Promise<RolePair> => (appSession ??= as('app'));


test('functions are executable by PUBLIC until EXECUTE is revoked; proacl shows the ACL', { skip }, async () => {
  await same(await app(), ['SELECT f(1), k(1), g()', 'SELECT * FROM fv ORDER BY id', 'SELECT s.h(3)']);
  await same(admin(), [
    "SELECT proname, proacl::text AS proacl FROM pg_proc WHERE proname IN ('f', 'g', 'h', 'k') ORDER BY 1",
    'REVOKE EXECUTE ON FUNCTION f(int) FROM PUBLIC',
    "SELECT proname, proacl::text AS proacl FROM pg_proc WHERE proname = 'f'",
  ]);
  await same(await app(), [
    'SELECT f(1)',
    'SELECT k(1)',
    'SELECT * FROM fv ORDER BY id',
    'SELECT g()',
    "SELECT has_function_privilege('f(int)', 'EXECUTE') AS f, has_function_privilege('g()', 'execute') AS g",
  ]);
  await same(admin(), [
    'GRANT EXECUTE ON FUNCTION f TO app',
    "SELECT proname, proacl::text AS proacl FROM pg_proc WHERE proname = 'f'",
  ]);
  await same(await app(), ['SELECT f(1), k(2)', 'SELECT * FROM fv ORDER BY id']);
  await same(admin(), ['REVOKE ALL ON FUNCTION f(integer) FROM app', 'GRANT EXECUTE ON FUNCTION f(int) TO PUBLIC']);
});

test('a cached plan is checked again after a GRANT or REVOKE', { skip }, async () => {
  const prepared = { name: 'call_f', text: 'SELECT f($1::int) AS r' };
  const run = async (pair: RolePair) => {
    const outcomes = [];
    for (const client of [pair.strata, pair.postgres]) {
      try {
        outcomes.push((await client.query({ ...prepared, values: [5] })).rows);
      } catch (error) {
        outcomes.push((error as { code: string }).code);
      }
    }
    return outcomes;
  };
  const expectSame = async (expected: unknown) => {
    const [strata, postgres] = await run(await app());
    if (JSON.stringify(strata) !== JSON.stringify(postgres) || JSON.stringify(strata) !== JSON.stringify(expected)) {
      throw new Error(`strata ${JSON.stringify(strata)}, postgres ${JSON.stringify(postgres)}, expected ${JSON.stringify(expected)}`);
    }
  };
  await expectSame([{ r: 6 }]);
  await same(admin(), ['REVOKE EXECUTE ON FUNCTION f(int) FROM PUBLIC']);
  await expectSame('42501');
  await same(admin(), ['GRANT EXECUTE ON ROUTINE f(int) TO app']);
  await expectSame([{ r: 6 }]);
  await same(admin(), ['REVOKE EXECUTE ON ROUTINE f(int) FROM app', 'GRANT EXECUTE ON FUNCTION f(int) TO PUBLIC']);
});

test('GRANT and REVOKE on routines: forms, grant options and PostgreSQL\'s errors', { skip }, async () => {
  await same(admin(), [
    'GRANT SELECT ON FUNCTION f TO app',
    'GRANT EXECUTE ON FUNCTION nosuch TO app',
    'GRANT EXECUTE ON FUNCTION nosuch(int) TO app',
    'GRANT EXECUTE ON FUNCTION nosuchschema.f(int) TO app',
    'GRANT EXECUTE ON FUNCTION f(text) TO app',
    'GRANT EXECUTE ON PROCEDURE f(int) TO app',
    'GRANT ALL ON ALL PROCEDURES IN SCHEMA public TO app',
    'GRANT ALL PRIVILEGES ON ALL FUNCTIONS IN SCHEMA s TO helper',
    'REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA public FROM PUBLIC',
    'GRANT EXECUTE ON FUNCTION g() TO app WITH GRANT OPTION',
    "SELECT proname, proacl::text AS proacl FROM pg_proc WHERE proname IN ('f', 'g', 'h', 'k') ORDER BY 1",
  ]);
  await same(await app(), [
    'GRANT EXECUTE ON FUNCTION g() TO helper',
    'GRANT EXECUTE ON FUNCTION f(int) TO helper',
    'REVOKE EXECUTE ON FUNCTION f(int) FROM PUBLIC',
    'SELECT g()',
    'SELECT f(1)',
    "SELECT has_function_privilege('g()', 'EXECUTE WITH GRANT OPTION') AS g_go, has_function_privilege('k(integer)', 'EXECUTE') AS k",
  ]);
  await same(admin(), [
    "SELECT proname, proacl::text AS proacl FROM pg_proc WHERE proname = 'g'",
    'REVOKE GRANT OPTION FOR EXECUTE ON FUNCTION g() FROM app',
    'REVOKE GRANT OPTION FOR EXECUTE ON FUNCTION g() FROM app CASCADE',
    "SELECT proname, proacl::text AS proacl FROM pg_proc WHERE proname = 'g'",
    'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC',
    'REVOKE ALL ON FUNCTION g() FROM app',
  ]);
});

test('has_function_privilege: every form, regprocedure text parsing and its errors', { skip }, async () => {
  await same(admin(), ['REVOKE USAGE ON SCHEMA s FROM PUBLIC', 'REVOKE EXECUTE ON FUNCTION s.h(int) FROM PUBLIC']);
  await same(await app(), [
    "SELECT has_function_privilege('f(int)', 'execute')",
    "SELECT has_function_privilege('public.f( integer )', 'EXECUTE')",
    "SELECT has_function_privilege('\"f\"(int4)', 'execute'), has_function_privilege('F(INT4)', 'execute')",
    "SELECT has_function_privilege('app', 'f(integer)', 'execute')",
    "SELECT has_function_privilege('helper', 's.h(int)', 'execute')",
    "SELECT has_function_privilege('admin', (SELECT oid FROM pg_proc WHERE proname = 'k'), 'execute')",
    "SELECT has_function_privilege((SELECT oid FROM pg_roles WHERE rolname = 'app'), 'k(int)', 'execute')",
    "SELECT has_function_privilege((SELECT oid FROM pg_roles WHERE rolname = 'app'), (SELECT oid FROM pg_proc WHERE proname = 'k'), 'execute')",
    "SELECT has_function_privilege((SELECT oid FROM pg_proc WHERE proname = 'k'), 'execute')",
    "SELECT has_function_privilege(999999::oid, 'execute')",
    "SELECT has_function_privilege('f', 'execute')",
    "SELECT has_function_privilege('h(int)', 'execute')",
    "SELECT has_function_privilege('f(int)', 'select')",
    "SELECT has_function_privilege('f(int)', 'execute with grant option, usage')",
    "SELECT has_function_privilege('f(int', 'execute')",
    "SELECT has_function_privilege('f(int4,)', 'execute')",
    "SELECT has_function_privilege('f (int4) x', 'execute')",
    "SELECT has_function_privilege('f(nosuchtype)', 'execute')",
    "SELECT has_function_privilege('nosuchschema.f(int4)', 'execute')",
    "SELECT has_function_privilege('s.h(int)', 'execute')",
    "SELECT has_function_privilege('nobody', 'f(integer)', 'execute')",
    'SELECT s.h(1)',
  ]);
  await same(admin(), ['GRANT USAGE ON SCHEMA s TO PUBLIC', 'GRANT EXECUTE ON FUNCTION s.h(int) TO PUBLIC']);
});

test('pg_get_functiondef prints PostgreSQL\'s CREATE OR REPLACE FUNCTION text', { skip }, async () => {
  await same(admin(), [
    "CREATE FUNCTION quoted(\"A b\" text, n int) RETURNS text LANGUAGE sql STABLE AS $$SELECT '$function$' || \"A b\"$$",
    "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('public', 's') ORDER BY 1",
    'SELECT pg_get_functiondef(0)',
  ]);
});

test('DROP ROLE names the functions a role owns or holds privileges on as PostgreSQL does', { skip }, async () => {
  await same(admin(), [
    'CREATE ROLE fowner',
    'GRANT CREATE ON SCHEMA public TO fowner',
    'GRANT CREATE ON SCHEMA s TO fowner',
    'GRANT fowner TO admin',
    'SET ROLE fowner',
    "CREATE FUNCTION owned(a int, b text) RETURNS int LANGUAGE sql AS 'SELECT a'",
    "CREATE FUNCTION s.hidden() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    'RESET ROLE',
    'GRANT EXECUTE ON FUNCTION f(int) TO helper',
    "SELECT proname, pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE proname IN ('owned', 'hidden') ORDER BY 1",
    'DROP ROLE fowner',
    'DROP ROLE helper',
    'REVOKE EXECUTE ON FUNCTION f(int) FROM helper',
    'REVOKE ALL ON ALL FUNCTIONS IN SCHEMA s FROM helper',
    'DROP ROLE helper',
  ]);
});

test('functions in CHECK constraints and DEFAULTs need EXECUTE of the role that writes', { skip }, async () => {
  await same(admin(), [
    'CREATE ROLE writer WITH LOGIN',
    "CREATE FUNCTION pos(x int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT x > 0'",
    "CREATE FUNCTION seven() RETURNS int LANGUAGE sql AS 'SELECT 7'",
    'CREATE TABLE ck (id int PRIMARY KEY, n int CHECK (pos(n)))',
    'CREATE TABLE df (id int PRIMARY KEY, n int DEFAULT seven())',
    'GRANT INSERT, SELECT, UPDATE ON ck, df TO writer',
    'REVOKE EXECUTE ON FUNCTION pos(int), seven() FROM PUBLIC',
  ]);
  const writer = await as('writer');
  await same(writer, [
    'INSERT INTO ck VALUES (1, 1)',
    'INSERT INTO df (id) VALUES (1)',
    'INSERT INTO df (id, n) VALUES (2, 2)',
    'INSERT INTO df (id, n) VALUES (3, DEFAULT)',
    'UPDATE df SET n = 5 WHERE id = 2',
    'UPDATE df SET n = DEFAULT WHERE id = 2',
  ]);
  await same(admin(), ['GRANT EXECUTE ON FUNCTION pos(int), seven() TO writer']);
  await same(writer, ['INSERT INTO ck VALUES (1, 1)', 'INSERT INTO df (id) VALUES (1)', 'SELECT * FROM df ORDER BY id']);
});
