/**
 * What is DSQL's and not PostgreSQL's about roles (reference/dsql.md §2.1, §5): connecting as a
 * custom role with a DbConnect token, AWS IAM GRANT/REVOKE and sys.iam_pg_role_mappings, and
 * the role options DSQL does not have.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let admin: pg.Client;

before(async () => {
  cluster = await startTestCluster();
  admin = await cluster.client();
});

after(async () => {
  await cluster.stop();
});

async function failure(client: pg.Client, sql: string): Promise<{ code: string; message: string }> {
  const error = await client.query(sql).then(() => null, (e: pg.DatabaseError) => e);
  assert.ok(error, `${sql} should fail`);
  return { code: error.code!, message: error.message };
}

async function connectAs(user: string, password?: string): Promise<pg.Client> {
  const client = new pg.Client({ ...(await cluster.config(user)), ...(password !== undefined ? { password } : {}) });
  client.on('error', () => {});
  await client.connect();
  return client;
}

test('a custom role connects with a DbConnect token only when it exists and has LOGIN', async () => {
  await assert.rejects(connectAs('app'), { code: '28000', message: 'role "app" does not exist' });
  await admin.query('CREATE ROLE app WITH LOGIN');
  await admin.query('CREATE ROLE nologin');
  await assert.rejects(connectAs('nologin'), { code: '28000', message: 'role "nologin" is not permitted to log in' });
  // An admin token is the wrong action for a custom role (DSQL's text in the hint).
  await assert.rejects(connectAs('app', await cluster.token('admin')), (e: pg.DatabaseError) => e.code === '08006' && /Wrong user to action mapping\. user: app, action: DbConnectAdmin/.test(e.hint ?? ''));
  const app = await connectAs('app');
  assert.deepEqual((await app.query('SELECT current_user, session_user')).rows, [{ current_user: 'app', session_user: 'app' }]);
  await app.end();
  await admin.query('ALTER ROLE app NOLOGIN');
  await assert.rejects(connectAs('app'), { code: '28000' });
  await admin.query('ALTER ROLE app LOGIN');
});

test('AWS IAM GRANT and REVOKE record mappings in sys.iam_pg_role_mappings, with DSQL\'s errors', async () => {
  await admin.query('CREATE ROLE mapped WITH LOGIN');
  const arn = 'arn:aws:iam::012345678912:role/example';
  assert.equal((await admin.query(`AWS IAM GRANT mapped TO '${arn}'`)).command, 'AWS');
  const rows = (await admin.query('SELECT arn, pg_role_name, grantor_pg_role_name, pg_role_oid = (SELECT oid FROM pg_roles WHERE rolname = \'mapped\') AS oid_matches FROM sys.iam_pg_role_mappings')).rows;
  assert.deepEqual(rows, [{ arn, pg_role_name: 'mapped', grantor_pg_role_name: 'admin', oid_matches: true }]);
  assert.deepEqual(await failure(admin, 'DROP ROLE mapped'), { code: '2BP01', message: 'role "mapped" cannot be dropped because some objects depend on it' });
  assert.deepEqual(await failure(admin, "AWS IAM GRANT nobody TO 'arn:aws:iam::012345678912:role/x'"), { code: '42704', message: 'Role nobody does not exist' });
  assert.deepEqual(await failure(admin, "AWS IAM GRANT mapped TO 'not-an-arn'"), { code: '22023', message: 'IAM role must look like an IAM ARN' });
  assert.deepEqual(await failure(admin, "AWS IAM GRANT nologin TO 'arn:aws:iam::012345678912:user/bob'"), { code: '42501', message: 'role nologin must have the LOGIN attribute' });
  const app = await connectAs('app');
  assert.deepEqual(await failure(app, `AWS IAM GRANT app TO '${arn}'`), { code: '42501', message: 'permission denied to grant IAM trust with role app' });
  await app.end();
  await admin.query(`AWS IAM REVOKE mapped FROM '${arn}'`);
  assert.deepEqual((await admin.query('SELECT count(*)::int AS n FROM sys.iam_pg_role_mappings')).rows, [{ n: 0 }]);
  assert.deepEqual(await failure(admin, `AWS IAM REVOKE mapped FROM '${arn}'`), { code: '42704', message: `IAM role ${arn} does not exist` });
  await admin.query('DROP ROLE mapped');
});

test('role options DSQL does not have are refused; admin cannot be modified', async () => {
  for (const [sql, code, message] of [
    ["CREATE ROLE p WITH LOGIN PASSWORD 'x'", '0A000', 'CREATE ROLE with PASSWORD is not supported'],
    ['CREATE ROLE p SUPERUSER', '42501', 'must be superuser to create superusers'],
    ['CREATE ROLE p CREATEDB', '0A000', 'CREATE ROLE with CREATEDB is not supported'],
    ['ALTER ROLE app WITH SUPERUSER', '0A000', 'ALTER ROLE with SUPERUSER is not supported'],
    ["ALTER ROLE app WITH PASSWORD 'x'", '0A000', 'ALTER ROLE with PASSWORD is not supported'],
    ['ALTER ROLE app SET search_path = x', '0A000', 'ALTER ROLE … SET is not supported'],
    ['ALTER ROLE admin RENAME TO boss', '0A000', 'session user cannot be renamed'],
    ['DROP ROLE admin', '55006', 'current user cannot be dropped'],
    ['GRANT admin TO app', '42501', 'permission denied to grant role "admin"'],
    ['ALTER DEFAULT PRIVILEGES GRANT USAGE ON TYPES TO app', '0A000', 'ALTER DEFAULT PRIVILEGES … ON TYPES is not supported'],
  ] as const) assert.deepEqual(await failure(admin, sql), { code, message }, sql);
});

test('GRANT is DDL: one per transaction, not mixed with DML', async () => {
  await admin.query('CREATE TABLE g (id int PRIMARY KEY)');
  await admin.query('BEGIN');
  await admin.query('GRANT SELECT ON g TO app');
  assert.deepEqual(await failure(admin, 'GRANT INSERT ON g TO app'), { code: '0A000', message: 'multiple ddl statements not supported in a transaction' });
  await admin.query('ROLLBACK');
  assert.deepEqual((await admin.query("SELECT has_table_privilege('app', 'g', 'SELECT') AS s")).rows, [{ s: false }]);
});
