/**
 * Roles and privileges compared with PostgreSQL 15. On PostgreSQL the statements run as a role
 * `admin` made like DSQL's (CREATEROLE, no superuser, owner of `public`, CREATE on the
 * database), and as custom roles connected with trust auth; on Strata as `admin` and the same
 * roles connected with DbConnect tokens. Rows, column types, tags and SQLSTATEs must agree.
 */
import { after, before, test } from 'node:test';
import { postgresUnavailableReason } from '../support/postgres.js';
import { RoleServers, same, type RolePair } from '../support/role-pair.js';

const skip = postgresUnavailableReason() ?? false;
let servers: RoleServers;
const as = (user: string): Promise<RolePair> => servers.as(user);

let admin: RolePair;

before(async () => {
  if (skip) return;
  servers = await RoleServers.start();
  admin = await as('admin');
  await same(admin, [
    'CREATE ROLE app WITH LOGIN',
    'CREATE ROLE reader',
    'CREATE TABLE t (id int PRIMARY KEY, v text)',
    "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    'CREATE SCHEMA s',
    'CREATE TABLE s.u (id int PRIMARY KEY)',
    'CREATE VIEW tv AS SELECT id FROM t',
  ]);
});

after(async () => {
  await servers?.stop();
});

test('a role with no privileges is refused, with PostgreSQL\'s errors', { skip }, async () => {
  const app = await as('app');
  await same(app, [
    'SELECT current_user, session_user',
    'SELECT * FROM t',
    "INSERT INTO t VALUES (3, 'c')",
    "UPDATE t SET v = 'x'",
    'DELETE FROM t',
    'SELECT * FROM s.u',
    'SELECT * FROM tv',
    'CREATE TABLE mine (x int)',
    'CREATE SCHEMA mine',
    'DROP TABLE t',
    'SET ROLE reader',
    'SET ROLE admin',
    'SET SESSION AUTHORIZATION admin',
    'SHOW role',
    'CREATE ROLE other',
    'GRANT SELECT ON t TO app',
  ]);
});

test('GRANT and REVOKE on tables, views and schemas take effect for the grantee', { skip }, async () => {
  await same(admin, [
    'GRANT SELECT ON t TO app',
    'GRANT INSERT, UPDATE ON TABLE t TO app WITH GRANT OPTION',
    'GRANT SELECT ON tv TO PUBLIC',
    "SELECT relname, relacl::text AS relacl FROM pg_class WHERE relname IN ('t', 'tv', 'u') ORDER BY relname",
    'SELECT has_table_privilege(\'app\', \'t\', \'SELECT\') AS sel, has_table_privilege(\'app\', \'t\', \'DELETE\') AS del, has_table_privilege(\'app\', \'t\', \'INSERT WITH GRANT OPTION\') AS ins_go',
  ]);
  const app = await as('app');
  await same(app, [
    'SELECT * FROM t ORDER BY id',
    "INSERT INTO t VALUES (3, 'c')",
    "UPDATE t SET v = 'z' WHERE id = 3",
    "UPDATE t SET v = 'y'",
    'DELETE FROM t WHERE id = 3',
    'SELECT * FROM tv ORDER BY id',
    'SELECT * FROM s.u',
    'GRANT INSERT ON t TO reader',
    'GRANT DELETE ON t TO reader',
    'GRANT SELECT ON t TO reader',
  ]);
  await same(admin, [
    "SELECT relname, relacl::text AS relacl FROM pg_class WHERE relname = 't'",
    'REVOKE INSERT ON t FROM app',
    'REVOKE INSERT ON t FROM app CASCADE',
    "SELECT relname, relacl::text AS relacl FROM pg_class WHERE relname = 't'",
    'GRANT USAGE ON SCHEMA s TO app',
    'GRANT SELECT ON ALL TABLES IN SCHEMA s TO app',
    "SELECT nspname, nspacl::text AS nspacl FROM pg_namespace WHERE nspname IN ('public', 's') ORDER BY 1",
    "SELECT has_schema_privilege('app', 's', 'USAGE') AS u, has_schema_privilege('app', 's', 'CREATE') AS c",
    'SELECT grantor, grantee, table_schema, table_name, privilege_type, is_grantable FROM information_schema.table_privileges WHERE grantee <> \'admin\' AND table_schema NOT IN (\'pg_catalog\', \'information_schema\') ORDER BY 2, 4, 5',
  ]);
  await same(app, [
    'SELECT * FROM s.u',
    'INSERT INTO s.u VALUES (1)',
    "INSERT INTO t VALUES (4, 'd')",
  ]);
});

test('GRANT and REVOKE on sequences show in pg_class.relacl and take effect', { skip }, async () => {
  await same(admin, [
    'CREATE SEQUENCE seq_acl CACHE 1',
    "SELECT relname, relacl::text AS relacl FROM pg_class WHERE relname = 'seq_acl'",
    'GRANT USAGE ON SEQUENCE seq_acl TO app',
    'GRANT SELECT, UPDATE ON SEQUENCE seq_acl TO reader WITH GRANT OPTION',
    "SELECT relname, relacl::text AS relacl FROM pg_class WHERE relname = 'seq_acl'",
    "SELECT has_sequence_privilege('app', 'seq_acl', 'USAGE') AS u, has_sequence_privilege('app', 'seq_acl', 'UPDATE') AS up",
    "SELECT has_sequence_privilege('reader', 'public.seq_acl', 'SELECT WITH GRANT OPTION') AS g, has_sequence_privilege('seq_acl', 'USAGE') AS mine",
    "SELECT has_sequence_privilege('app', 't', 'USAGE')",
    "SELECT has_sequence_privilege('app', 'no_such_seq', 'USAGE')",
    "SELECT has_sequence_privilege('app', 'seq_acl', 'DELETE')",
  ]);
  const app = await as('app');
  await same(app, ["SELECT nextval('seq_acl')", 'SELECT lastval()', "SELECT currval('seq_acl')", "SELECT setval('seq_acl', 5)"]);
  await same(admin, [
    'REVOKE USAGE ON SEQUENCE seq_acl FROM app',
    "SELECT relname, relacl::text AS relacl FROM pg_class WHERE relname = 'seq_acl'",
    'CREATE SEQUENCE serial_seq CACHE 1',
    "CREATE TABLE with_serial (id bigint DEFAULT nextval('serial_seq') PRIMARY KEY, v int)",
    'CREATE TABLE with_identity (id bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY, v int)',
    'GRANT INSERT, SELECT ON with_serial, with_identity TO app',
  ]);
  // Without a grant on the sequence: nextval and friends are refused; an identity column needs none, a serial default does.
  await same(app, [
    "SELECT nextval('seq_acl')",
    "SELECT currval('seq_acl')",
    'SELECT lastval()',
    "SELECT setval('seq_acl', 7)",
    'INSERT INTO with_identity (v) VALUES (1)',
    'INSERT INTO with_serial (v) VALUES (1)',
    'SELECT id, v FROM with_identity',
  ]);
  await same(admin, ['GRANT UPDATE ON SEQUENCE seq_acl TO app']);
  await same(app, ["SELECT nextval('seq_acl')", "SELECT currval('seq_acl')", "SELECT setval('seq_acl', 9)"]);
  // A sequence in a schema the role may not use: 42501 for the schema, whatever its grants on the sequence.
  await same(admin, ['CREATE SCHEMA hidden', 'CREATE SEQUENCE hidden.q CACHE 1', 'GRANT USAGE ON SEQUENCE hidden.q TO app']);
  await same(app, ["SELECT nextval('hidden.q')"]);
  await same(admin, ['GRANT USAGE ON SCHEMA hidden TO app']);
  await same(app, ["SELECT nextval('hidden.q')"]);
  await same(admin, ['DROP SEQUENCE hidden.q', 'DROP SCHEMA hidden']);
  await same(admin, ['DROP SEQUENCE seq_acl', 'DROP TABLE with_serial', 'DROP SEQUENCE serial_seq', 'DROP TABLE with_identity']);
});

test('roles own what they create; ownership governs DROP and ALTER', { skip }, async () => {
  await same(admin, ['GRANT CREATE ON SCHEMA public TO app']);
  const app = await as('app');
  await same(app, [
    'CREATE TABLE mine (x int PRIMARY KEY)',
    'INSERT INTO mine VALUES (1)',
    'SELECT * FROM mine',
    "SELECT relname, pg_get_userbyid(relowner) AS owner, relacl::text AS relacl FROM pg_class WHERE relname = 'mine'",
    'GRANT SELECT ON mine TO reader',
    'ALTER TABLE t ADD COLUMN w int',
    'DROP VIEW tv',
  ]);
  await same(admin, [
    'SELECT * FROM mine',
    'DROP TABLE mine',
    'DROP ROLE app',
    'DROP ROLE reader',
    'DROP ROLE nobody',
    'DROP ROLE IF EXISTS nobody',
  ]);
});

test('role membership: GRANT role, inheritance, SET ROLE, pg_auth_members', { skip }, async () => {
  await same(admin, [
    'CREATE ROLE grp',
    'CREATE ROLE member1 LOGIN',
    'CREATE ROLE noinh LOGIN NOINHERIT',
    'GRANT grp TO member1',
    'GRANT grp TO noinh',
    'GRANT grp TO member1',
    'GRANT member1 TO grp',
    'GRANT SELECT ON t TO grp',
    "SELECT r.rolname AS role, m.rolname AS member, a.admin_option FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = 'grp' ORDER BY 2",
    "SELECT rolname, rolsuper, rolinherit, rolcanlogin FROM pg_roles WHERE rolname IN ('grp', 'member1', 'noinh') ORDER BY 1",
  ]);
  const member = await as('member1');
  await same(member, ['SELECT count(*) FROM t', 'SET ROLE grp', 'SELECT current_user, session_user', 'SHOW role', 'SELECT count(*) FROM t', 'RESET ROLE', 'SELECT current_user']);
  const noinh = await as('noinh');
  await same(noinh, ['SELECT count(*) FROM t', 'SET ROLE grp', 'SELECT count(*) FROM t', 'SET ROLE NONE', 'SELECT count(*) FROM t']);
  await same(noinh, ['BEGIN', 'SET ROLE grp', 'SELECT current_user', 'ROLLBACK', 'SELECT current_user', 'BEGIN', 'SET LOCAL ROLE grp', 'SELECT current_user', 'COMMIT', 'SELECT current_user']);
  await same(admin, [
    'REVOKE grp FROM member1',
    'REVOKE grp FROM member1',
    'ALTER ROLE member1 RENAME TO member2',
    "SELECT rolname FROM pg_roles WHERE rolname LIKE 'member%'",
    'ALTER ROLE member2 RENAME TO grp',
    'CREATE ROLE grp',
    'CREATE ROLE pg_x',
  ]);
});
