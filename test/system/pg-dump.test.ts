/**
 * pg_dump 15 --schema-only against Strata, restored into PostgreSQL 15: the restored schema must
 * equal the same DDL run directly in PostgreSQL. Both PostgreSQL databases are dumped again by
 * pg_dump and the two texts compared, so the comparison covers everything pg_dump reads (tables,
 * keys, defaults, identity, generated columns, CHECK, foreign keys, indexes, views, sequences,
 * functions, a second schema).
 *
 * pg_dump reaches Strata through test/support/version-proxy.ts: pg_dump 15 refuses a 16.x
 * server, and the statements DSQL refuses by design (SET TRANSACTION, LOCK TABLE, SQL-level
 * PREPARE/EXECUTE) are answered or rewritten there (dump-statements.ts). `--exclude-schema=sys`:
 * sys is DSQL's system schema, which pg_dump 15 does not know as one. `--no-owner`: Strata's
 * owner is `admin`, a role the throwaway PostgreSQL does not have.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { POSTGRES_BIN, postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';
import { startVersionProxy, type VersionProxy } from '../support/version-proxy.js';

const DDL = [
  "CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, qty int CHECK (qty > 0), label varchar(40) NOT NULL DEFAULT 'none', created timestamptz DEFAULT now())",
  `CREATE TABLE child (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY, parent_id int REFERENCES parent (id) ON DELETE CASCADE,
     parent_code text, total numeric(10,2), doubled int GENERATED ALWAYS AS (qty2 * 2) STORED, qty2 int,
     CONSTRAINT child_code_fk FOREIGN KEY (parent_code) REFERENCES parent (code))`,
  'CREATE VIEW parent_view AS SELECT id, code FROM parent WHERE qty > 1',
  'CREATE SEQUENCE counter CACHE 1',
  "CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 1'",
  'CREATE FUNCTION twice(int) RETURNS int STABLE RETURN $1 * 2',
  "CREATE FUNCTION greet(who text, greeting text DEFAULT 'hello', stamp timestamptz = now()) RETURNS text LANGUAGE sql AS $$ SELECT greeting || who $$",
  'CREATE SCHEMA app',
  'CREATE TABLE app.item (k uuid PRIMARY KEY, body jsonb, n bigint NOT NULL, tag varchar(10) UNIQUE)',
];
const INDEXES = ['child_total_idx ON child (total)', 'item_n_idx ON app.item (n, tag)'];
/** After the indexes, which they name too. */
const COMMENTS = [
  "COMMENT ON TABLE parent IS 'the parents'",
  "COMMENT ON COLUMN parent.code IS 'business key'",
  "COMMENT ON COLUMN app.item.body IS 'the document; it''s JSON'",
  "COMMENT ON VIEW parent_view IS 'busy parents'",
  "COMMENT ON COLUMN parent_view.code IS 'as in parent'",
  "COMMENT ON SEQUENCE counter IS 'a counter'",
  "COMMENT ON INDEX child_total_idx IS 'totals'",
  "COMMENT ON CONSTRAINT child_code_fk ON child IS 'by code'",
  "COMMENT ON CONSTRAINT parent_qty_check ON parent IS 'positive'",
  "COMMENT ON FUNCTION add_one(int) IS 'adds one'",
  "COMMENT ON SCHEMA app IS 'the application'",
];

const skipReason = postgresUnavailableReason();
let strata: TestCluster;
let postgres: TestPostgres;
let proxy: VersionProxy;

before(async () => {
  if (skipReason) return;
  [strata, postgres] = await Promise.all([startTestCluster(), startPostgres()]);
  const ours = await strata.client();
  for (const statement of DDL) await ours.query(statement);
  for (const index of INDEXES) {
    const job = await ours.query(`CREATE INDEX ASYNC ${index}`);
    await ours.query(`CALL sys.wait_for_job('${String(job.rows[0]?.job_id)}')`);
  }
  for (const statement of COMMENTS) await ours.query(statement);
  await ours.end();
  await postgres.query('CREATE DATABASE direct');
  await postgres.query('CREATE DATABASE from_strata');
  await run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-d', 'direct', '-c', [...DDL, ...INDEXES.map((i) => `CREATE INDEX ${i}`), ...COMMENTS].join(';\n')], postgresEnv(), '');
  proxy = await startVersionProxy({ host: '127.0.0.1', port: strata.port }, '15.8', { dumpStatements: true });
});

after(async () => {
  if (skipReason) return;
  await proxy?.close();
  await Promise.all([strata?.stop(), postgres?.stop()]);
});

interface Run { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/** Runs a client program without blocking: the Strata server runs in this process and must keep serving. */
async function run(program: string, args: string[], env: Record<string, string>, input: string): Promise<Run> {
  const child = spawn(program.includes('/') ? program : `${POSTGRES_BIN}/${program}`, args, { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  child.stdin.end(input);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${status}):\n${stderr}`);
  return { status, stdout, stderr };
}

function postgresEnv(): Record<string, string> {
  return { PGHOST: '127.0.0.1', PGPORT: String(postgres.port), PGUSER: 'postgres', PGSSLMODE: 'disable' };
}

const DUMP_OPTIONS = ['--schema-only', '--no-owner'];

async function dumpPostgres(database: string): Promise<string> {
  return (await run('pg_dump', [...DUMP_OPTIONS, '-d', database], postgresEnv(), '')).stdout;
}

/**
 * The dump text without what differs on every run (the random key of \restrict), and with one
 * difference by design masked: Strata's public schema has no comment (PostgreSQL's initdb gives it
 * one), so pg_dump writes `COMMENT ON SCHEMA public IS ''` where PostgreSQL's has "standard public schema".
 */
function comparable(dump: string): string {
  return dump.split('\n').filter((line) => !/^\\(un)?restrict /.test(line)).join('\n')
    .replace(/--\n-- Name: SCHEMA public; Type: COMMENT; Schema: -; Owner: -\n--\n\n(COMMENT ON SCHEMA public IS '';\n\n)?/, '').replace(/\n{3,}/g, '\n\n');
}

test('pg_dump --schema-only of Strata restores into PostgreSQL as the same schema', { skip: skipReason ?? false }, async () => {
  const strataEnv = { PGHOST: '127.0.0.1', PGPORT: String(proxy.port), PGUSER: 'admin', PGDATABASE: 'postgres', PGPASSWORD: await strata.token('admin'), PGSSLMODE: 'disable' };
  const dump = (await run('pg_dump', [...DUMP_OPTIONS, '--exclude-schema=sys'], strataEnv, '')).stdout;
  assert.match(dump, /CREATE TABLE public\.child/);
  assert.match(dump, /CREATE INDEX child_total_idx ON public\.child USING btree \(total\);/);
  assert.match(dump, /COMMENT ON TABLE public\.parent IS 'the parents';/);
  assert.match(dump, /COMMENT ON COLUMN app\.item\.body IS 'the document; it''s JSON';/);
  // The one rewrite: Strata's pg_get_viewdef gives a view's query as written, with unqualified
  // names (docs/sql.md), which the dump's empty search_path cannot resolve; restore with public.
  const restorable = dump.replace("SELECT pg_catalog.set_config('search_path', '', false);", "SELECT pg_catalog.set_config('search_path', 'public', false);");
  await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'from_strata'], postgresEnv(), restorable);
  const [restored, direct] = await Promise.all([dumpPostgres('from_strata'), dumpPostgres('direct')]);
  assert.equal(comparable(restored), comparable(direct));
});
