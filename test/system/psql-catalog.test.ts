/**
 * psql's describe commands against Strata, differentially against PostgreSQL 15: the exact
 * catalog queries psql 15 sends for \dt, \d, \d TABLE, \d INDEX, \di, \dn and \l run on both
 * after the same DDL, and the rows must agree (owner names normalized: PostgreSQL's `postgres`
 * is our `admin`). Then real psql renders \d TABLE on both and the text must be identical.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';
import { runPsql as psql } from '../support/psql.js';

const DDL = [
  `CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', amount numeric(10,2), created timestamptz DEFAULT now(),
     code varchar(20) UNIQUE, flag boolean DEFAULT true, big bigint NOT NULL DEFAULT 5, f double precision, "Mixed Case" int DEFAULT -5)`,
  'CREATE TABLE u (a int, b text, c date, UNIQUE (a, b))',
  'CREATE SCHEMA other',
  'CREATE TABLE other.w (k uuid PRIMARY KEY, v jsonb)',
];
/** Ours builds asynchronously (DSQL's way); PostgreSQL's is the ordinary statement. */
const INDEX_STRATA = 'CREATE INDEX ASYNC t_name ON t (name, code)';
const INDEX_POSTGRES = 'CREATE INDEX t_name ON t (name, code)';

const LIST = (kinds: string) => `SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"${kinds.includes("'i'") ? ',\n  c2.relname as "Table"' : ''}
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam${kinds.includes("'i'") ? `
     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
     LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid` : ''}
WHERE c.relkind IN (${kinds})
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;`;

/** psql 15's queries (psql -E), keyed by command; {oid} is the described relation's oid. */
const LOOKUP = (pattern: string) => `SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(${pattern})$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;`;

const TABLE_QUERIES = [
  `SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '{oid}';`,
  `SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '{oid}' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;`,
  `SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
WHERE c.oid = '{oid}' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
ORDER BY i.indisprimary DESC, c2.relname;`,
  `SELECT pol.polname, pol.polpermissive,
  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,
  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
  CASE pol.polcmd
    WHEN 'r' THEN 'SELECT'
    WHEN 'a' THEN 'INSERT'
    WHEN 'w' THEN 'UPDATE'
    WHEN 'd' THEN 'DELETE'
    END AS cmd
FROM pg_catalog.pg_policy pol
WHERE pol.polrelid = '{oid}' ORDER BY 1;`,
  `SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,
pg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,
  'd' = any(stxkind) AS ndist_enabled,
  'f' = any(stxkind) AS deps_enabled,
  'm' = any(stxkind) AS mcv_enabled,
stxstattarget
FROM pg_catalog.pg_statistic_ext
WHERE stxrelid = '{oid}'
ORDER BY nsp, stxname;`,
  `SELECT pubname
     , NULL
     , NULL
FROM pg_catalog.pg_publication p
     JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid
     JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid
WHERE pc.oid ='{oid}' and pg_catalog.pg_relation_is_publishable('{oid}')
UNION
SELECT pubname
     , pg_get_expr(pr.prqual, c.oid)
     , (CASE WHEN pr.prattrs IS NOT NULL THEN
         (SELECT string_agg(attname, ', ')
           FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,
                pg_catalog.pg_attribute
          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])
        ELSE NULL END) FROM pg_catalog.pg_publication p
     JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid
     JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
WHERE pr.prrelid = '{oid}'
UNION
SELECT pubname
     , NULL
     , NULL
FROM pg_catalog.pg_publication p
WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable('{oid}')
ORDER BY 1;`,
  `SELECT c.oid::pg_catalog.regclass
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhparent AND i.inhrelid = '{oid}'
  AND c.relkind != 'p' AND c.relkind != 'I'
ORDER BY inhseqno;`,
  `SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhrelid AND i.inhparent = '{oid}'
ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text;`,
];

const INDEX_QUERIES = [
  TABLE_QUERIES[0]!,
  `SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  CASE WHEN a.attnum <= (SELECT i.indnkeyatts FROM pg_catalog.pg_index i WHERE i.indexrelid = '{oid}') THEN 'yes' ELSE 'no' END AS is_key,
  pg_catalog.pg_get_indexdef(a.attrelid, a.attnum, TRUE) AS indexdef
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '{oid}' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;`,
  `SELECT i.indisunique, i.indisprimary, i.indisclustered, i.indisvalid,
  (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferrable) AS condeferrable,
  (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferred) AS condeferred,
i.indisreplident,
i.indnullsnotdistinct,
  a.amname, c2.relname, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)
FROM pg_catalog.pg_index i, pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_am a
WHERE i.indexrelid = c.oid AND c.oid = '{oid}' AND c.relam = a.oid
AND i.indrelid = c2.oid;`,
];

const SCHEMAS = `SELECT n.nspname AS "Name",
  pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1;`;

const DATABASES = `SELECT d.datname as "Name",
       pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
       pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
       d.datcollate as "Collate",
       d.datctype as "Ctype",
       d.daticulocale as "ICU Locale",
       CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
       pg_catalog.array_to_string(d.datacl, E'\\n') AS "Access privileges"
FROM pg_catalog.pg_database d
ORDER BY 1;`;

const OWNERS = new Set(['postgres', 'admin', 'pg_database_owner']);

/** Rows as text, owner names replaced (they are the one intended difference). */
function normalize(rows: unknown[][]): string[][] {
  return rows.map((row) => row.map((v) => (v === null ? 'NULL' : OWNERS.has(String(v)) ? '<owner>' : String(v))));
}

async function rows(client: pg.Client, sql: string): Promise<unknown[][]> {
  const result = await client.query({ text: sql, rowMode: 'array' });
  return result.rows as unknown[][];
}

const skipReason = postgresUnavailableReason();
let strata: TestCluster;
let postgres: TestPostgres;
let ours: pg.Client;
let theirs: pg.Client;

before(async () => {
  if (skipReason) return;
  [strata, postgres] = await Promise.all([startTestCluster(), startPostgres()]);
  ours = await strata.client();
  const pgModule = (await import('pg')).default;
  theirs = new pgModule.Client(postgres.config);
  await theirs.connect();
  for (const statement of DDL) {
    await ours.query(statement);
    await theirs.query(statement);
  }
  const job = await ours.query(INDEX_STRATA);
  await ours.query(`CALL sys.wait_for_job('${String(job.rows[0]?.job_id)}')`);
  await theirs.query(INDEX_POSTGRES);
});

after(async () => {
  if (skipReason) return;
  await theirs?.end().catch(() => {});
  await Promise.all([strata?.stop(), postgres?.stop()]);
});

const opts = { skip: skipReason ?? false };
if (skipReason) console.log(`# psql catalog tests skipped: ${skipReason}`);

async function assertSame(sql: string, filter: (row: string[]) => boolean = () => true): Promise<void> {
  const [a, b] = await Promise.all([rows(ours, sql), rows(theirs, sql)]);
  assert.deepEqual(normalize(a).filter(filter), normalize(b).filter(filter), sql);
}

async function describeQueries(pattern: string, queries: readonly string[]): Promise<void> {
  const [a, b] = await Promise.all([rows(ours, LOOKUP(pattern)), rows(theirs, LOOKUP(pattern))]);
  assert.equal(a.length, 1, `Strata finds ${pattern}`);
  assert.deepEqual(normalize(a).map((r) => r.slice(1)), normalize(b).map((r) => r.slice(1)));
  for (const query of queries) {
    const [x, y] = await Promise.all([rows(ours, query.replaceAll('{oid}', String(a[0]![0]))), rows(theirs, query.replaceAll('{oid}', String(b[0]![0])))]);
    assert.deepEqual(normalize(x), normalize(y), query);
  }
}

test('\\dt, \\di and \\d list the same relations', opts, async () => {
  await assertSame(LIST("'r','p',''"));
  await assertSame(LIST("'i','I',''"));
  await assertSame(LIST("'r','p','v','m','S','f',''"));
});

test('\\dn lists the same schemas (sys is Strata\'s own)', opts, async () => {
  await assertSame(SCHEMAS, (row) => row[0] !== 'sys');
});

test('\\l shows the postgres database as PostgreSQL does', opts, async () => {
  await assertSame(DATABASES, (row) => row[0] === 'postgres');
});

test('\\d TABLE: columns, types, nullability, defaults, indexes, constraints', opts, async () => {
  await describeQueries('t', TABLE_QUERIES);
  await describeQueries('u', TABLE_QUERIES);
});

test('\\d INDEX: key columns and index properties', opts, async () => {
  for (const index of ['t_pkey', 't_code_key', 't_name', 'u_a_b_key']) await describeQueries(index, INDEX_QUERIES);
});

test('catalog functions and reg* casts', opts, async () => {
  await assertSame(`SELECT 't'::regclass = c.oid, c.oid::regclass::text, 'other.w'::regclass::oid = w.oid, format_type(23, -1), format_type(1043, 24)
    FROM pg_class c, pg_class w WHERE c.relname = 't' AND w.relname = 'w'`);
  await assertSame(`SELECT pg_get_indexdef(c.oid), pg_table_is_visible(c.oid) FROM pg_class c WHERE c.relname IN ('t_name', 'w_pkey') ORDER BY 1`);
  await assertSame(`SELECT 1 = ANY ('{1,2}'::int4[]), 3 = ANY ('{1,2}'::int4[]), 1 = ALL ('{1,1}'::int4[]), NULL::int = ANY ('{1}'::int4[])`);
  // A catalog subquery with an aggregate runs as a subplan (pg_dump's array_agg over pg_attribute).
  const [direct, nested] = [await ours.query('SELECT count(*) AS n FROM pg_class'), await ours.query('SELECT (SELECT count(*) FROM pg_class) AS n')];
  assert.equal(nested.rows[0].n, direct.rows[0].n);
});

test('subqueries over tables and over catalogs answer as PostgreSQL does, errors included', opts, async () => {
  const sql = 'SELECT (SELECT id FROM t ORDER BY id LIMIT 1) AS first, EXISTS (SELECT 1 FROM t WHERE id > 0) AS any';
  assert.deepEqual((await ours.query(sql)).rows, (await postgres.query(sql)).rows);
  await assert.rejects(ours.query('SELECT (SELECT oid FROM pg_class)'), (e: pg.DatabaseError) => e.code === '21000');
  await assert.rejects(ours.query('SELECT (SELECT x FROM (VALUES (1), (2)) v(x))'), (e: pg.DatabaseError) => e.code === '21000');
});


test('real psql renders \\d TABLE, \\d INDEX, \\dt and \\di exactly as on PostgreSQL', opts, async () => {
  const strataEnv = { PGHOST: '127.0.0.1', PGPORT: String(strata.port), PGUSER: 'admin', PGDATABASE: 'postgres', PGPASSWORD: await strata.token('admin'), PGSSLMODE: 'require' };
  const postgresEnv = { PGHOST: '127.0.0.1', PGPORT: String(postgres.port), PGUSER: 'postgres', PGDATABASE: 'postgres', PGSSLMODE: 'disable' };
  const owners = (text: string) => text.replace(/\b(admin|postgres)\b/g, '<owner>').replace(/-+/g, '-').replace(/ +/g, ' ');
  for (const command of ['\\d t', '\\d u', '\\d other.w', '\\d t_name', '\\d t_pkey', '\\dt', '\\di']) {
    const [a, b] = await Promise.all([psql(strataEnv, command), psql(postgresEnv, command)]);
    assert.equal(a.status, 0, `${command}: ${a.stderr}`);
    assert.equal(b.status, 0, `${command} on PostgreSQL: ${b.stderr}`);
    assert.equal(owners(a.stdout), owners(b.stdout), `${command} (Strata stderr: ${a.stderr.trim() || 'none'})`);
  }
});
