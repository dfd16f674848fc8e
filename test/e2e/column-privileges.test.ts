/**
 * Column privileges compared with PostgreSQL 15 (reference/dsql.md says nothing of them, so
 * PostgreSQL's behaviour is the target): GRANT/REVOKE of SELECT, INSERT, UPDATE and REFERENCES
 * on columns, pg_attribute.attacl, the checks of SELECT, INSERT, UPDATE, DELETE and RETURNING
 * when only column privileges are held, has_column_privilege, has_any_column_privilege and
 * information_schema.column_privileges.
 */
import { test } from 'node:test';
import { same, useRoleServers } from '../support/role-pair.js';

const { skip, admin, as } = useRoleServers([
    'CREATE ROLE app WITH LOGIN',
    'CREATE ROLE other WITH LOGIN',
    'CREATE TABLE t (id int PRIMARY KEY, v text, secret text)',
    "INSERT INTO t VALUES (1, 'a', 's')",
    'CREATE TABLE u (id int PRIMARY KEY, secret text)',
    "INSERT INTO u VALUES (1, 'u')",
  ]);

const ATTACL = "SELECT attname, attacl::text FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum";



test('GRANT and REVOKE on columns: attacl, PostgreSQL\'s errors, REVOKE of a table privilege reaches the columns', { skip }, async () => {
  await same(admin(), [
    'GRANT SELECT (id, v), UPDATE (v), INSERT (id, v) ON t TO app',
    'GRANT REFERENCES (id) ON t TO app WITH GRANT OPTION',
    ATTACL,
    "SELECT relacl::text FROM pg_class WHERE relname = 't'",
    'GRANT DELETE (v) ON t TO app',
    'GRANT SELECT (nosuch) ON t TO app',
    'GRANT ALL (secret) ON t TO other',
    'GRANT SELECT (id), INSERT ON u TO other',
    "SELECT relname, relacl::text FROM pg_class WHERE relname = 'u'",
    "SELECT attname, attacl::text FROM pg_attribute WHERE attrelid = 'u'::regclass AND attnum > 0 ORDER BY attnum",
    ATTACL,
  ]);
  const app = await as('app');
  await same(app, [
    'GRANT REFERENCES (id) ON t TO other',
    'GRANT SELECT (id) ON t TO other',
    'GRANT REFERENCES (v) ON t TO other',
  ]);
  await same(admin(), [
    ATTACL,
    'REVOKE REFERENCES (id) ON t FROM app',
    'REVOKE REFERENCES (id) ON t FROM app CASCADE',
    ATTACL,
    'GRANT SELECT ON t TO other',
    'REVOKE SELECT ON t FROM other',
    'REVOKE ALL ON u FROM other',
    "SELECT attname, attacl::text FROM pg_attribute WHERE attrelid = 'u'::regclass AND attnum > 0 ORDER BY attnum",
    'ALTER TABLE t RENAME COLUMN secret TO hidden',
    ATTACL,
    'ALTER TABLE t RENAME COLUMN hidden TO secret',
  ]);
});

test('statements that touch only granted columns run; others are refused for the table', { skip }, async () => {
  await same(admin(), ['GRANT SELECT (id, v), UPDATE (v), INSERT (id, v) ON t TO app', 'REVOKE ALL (secret) ON t FROM app']);
  const app = await as('app');
  await same(app, [
    'SELECT id, v FROM t ORDER BY id',
    'SELECT * FROM t',
    'SELECT secret FROM t',
    'SELECT t FROM t',
    'SELECT count(*) FROM t',
    "SELECT id FROM t WHERE secret = 's'",
    'SELECT x.id FROM t AS x JOIN t AS y ON x.id = y.id',
    'SELECT id FROM t WHERE id IN (SELECT id FROM t)',
    "UPDATE t SET v = 'b' WHERE id = 1",
    "UPDATE t SET v = 'b' WHERE id = 1 RETURNING v",
    "UPDATE t SET v = 'b' WHERE id = 1 RETURNING secret",
    "UPDATE t SET v = 'c' RETURNING *",
    "UPDATE t SET secret = 'b'",
    "UPDATE t SET v = 'c'",
    "INSERT INTO t (id, v) VALUES (2, 'x')",
    "INSERT INTO t VALUES (3, 'x')",
    "INSERT INTO t VALUES (4, 'x', 'y')",
    "INSERT INTO t (id, v) VALUES (5, 'x') RETURNING id, v",
    "INSERT INTO t (id, v) VALUES (6, 'x') RETURNING *",
    'DELETE FROM t WHERE id = 2',
    'SELECT id, v FROM t ORDER BY id',
  ]);
  await same(admin(), ['REVOKE SELECT (v) ON t FROM app']);
  await same(app, ['SELECT id, v FROM t ORDER BY id', 'SELECT id FROM t ORDER BY id']);
  await same(admin(), ['REVOKE ALL ON t FROM app']);
  await same(app, ['SELECT id FROM t ORDER BY id']);
});

test('a cached plan is checked again when column privileges change', { skip }, async () => {
  const app = await as('app');
  const run = async () => {
    const out = [];
    for (const client of [app.strata, app.postgres]) {
      try {
        out.push((await client.query({ name: 'read_v', text: 'SELECT v FROM t WHERE id = $1', values: [1] })).rows);
      } catch (error) {
        out.push((error as { code: string }).code);
      }
    }
    return JSON.stringify(out);
  };
  const expect = async (wanted: unknown) => {
    const got = await run();
    if (got !== JSON.stringify([wanted, wanted])) throw new Error(`got ${got}, wanted ${JSON.stringify(wanted)} on both`);
  };
  await expect('42501');
  await same(admin(), ['GRANT SELECT (id, v) ON t TO app']);
  await expect([{ v: 'c' }]);
  await same(admin(), ['REVOKE SELECT (v) ON t FROM app']);
  await expect('42501');
  await same(admin(), ['REVOKE ALL ON t FROM app']);
});

test('has_column_privilege, has_any_column_privilege and information_schema.column_privileges', { skip }, async () => {
  await same(admin(), ['GRANT SELECT (id, v), UPDATE (v) ON t TO app', 'GRANT INSERT (id) ON t TO app WITH GRANT OPTION']);
  const app = await as('app');
  await same(app, [
    "SELECT has_column_privilege('t', 'v', 'SELECT') AS v, has_column_privilege('t', 'secret', 'SELECT') AS s, has_column_privilege('t', 2::int2, 'UPDATE') AS u",
    "SELECT has_column_privilege('t', 'id', 'INSERT WITH GRANT OPTION') AS go, has_column_privilege('t', 'v', 'insert, update') AS either",
    "SELECT has_any_column_privilege('t', 'SELECT') AS sel, has_any_column_privilege('t', 'REFERENCES') AS ref, has_any_column_privilege('u', 'SELECT') AS u",
    "SELECT has_column_privilege('t', 'nosuch', 'SELECT')",
    "SELECT has_column_privilege('t', 99::int2, 'SELECT')",
    "SELECT has_column_privilege('t', 'v', 'DELETE')",
    "SELECT has_column_privilege('nosuch', 'v', 'SELECT')",
    "SELECT has_column_privilege('other', 't', 'secret', 'INSERT')",
    "SELECT has_column_privilege('admin', 't', 'secret', 'UPDATE')",
    "SELECT has_column_privilege((SELECT oid FROM pg_roles WHERE rolname = 'app'), 't'::regclass::oid, 'v', 'SELECT')",
    "SELECT has_any_column_privilege('other', 't', 'SELECT')",
    "SELECT has_any_column_privilege((SELECT oid FROM pg_roles WHERE rolname = 'app'), 't'::regclass::oid, 'UPDATE')",
    'SELECT grantor, grantee, table_name, column_name, privilege_type, is_grantable FROM information_schema.column_privileges WHERE table_name IN (\'t\', \'u\') ORDER BY grantee, table_name, column_name, privilege_type',
  ]);
  await same(admin(), [
    'SELECT grantor, grantee, table_name, column_name, privilege_type, is_grantable FROM information_schema.column_privileges WHERE table_name IN (\'t\', \'u\') ORDER BY grantee, table_name, column_name, privilege_type',
    'REVOKE ALL ON t FROM app CASCADE',
  ]);
});
