/**
 * COPY FROM STDIN / TO STDOUT, differentially against PostgreSQL 15 at the wire: the same
 * frontend messages (Query or Parse/Bind/Execute, CopyData in arbitrary pieces, CopyDone or
 * CopyFail) go to both servers, and the backend messages (types, SQLSTATEs, messages, CONTEXT
 * lines, command tags, CopyData bytes) and the tables' rows afterwards must be the same. DSQL's
 * own rules (no files or programs, the 3,000-row transaction limit) are asserted on their own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';
import { serialize, summarizeAll, WireClient, type WireConfig } from '../support/wire-client.js';

const skip = postgresUnavailableReason() ?? false;
let strata: TestCluster;
let postgres: TestPostgres;
let strataSql: pg.Client;
let postgresSql: pg.Client;

const SETUP = [
  "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'none', code varchar(3), price numeric(6,2), seen timestamp, ok boolean)",
  'CREATE TABLE notes (id int PRIMARY KEY, body text, tag text)',
  'CREATE TABLE kinds (id int PRIMARY KEY, i2 int2, i8 int8, f4 float4, f8 float8, n numeric, t text, b bytea, d date, ts timestamptz, iv interval, u uuid, j jsonb, bo bool, c char(2), tz timetz)',
  'CREATE TABLE many (id int PRIMARY KEY)',
  'CREATE VIEW item_names AS SELECT id, name FROM items',
];

before(async () => {
  if (skip) return;
  [strata, postgres] = await Promise.all([startTestCluster(), startPostgres()]);
  strataSql = await strata.client();
  postgresSql = new pg.Client(postgres.config);
  await postgresSql.connect();
  for (const sql of SETUP) {
    await strataSql.query(sql);
    await postgresSql.query(sql);
  }
});

after(async () => {
  if (skip) return;
  await postgresSql.end();
  await Promise.all([strata.stop(), postgres.stop()]);
});

async function clients(): Promise<[WireClient, WireClient]> {
  const strataConfig: WireConfig = { host: '127.0.0.1', port: strata.port, user: 'admin', database: 'postgres', password: await strata.token() };
  const postgresConfig: WireConfig = { host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' };
  return Promise.all([WireClient.connect(strataConfig), WireClient.connect(postgresConfig)]);
}

/** Runs a scenario on both servers and returns [strata, postgres] summaries. */
async function both(run: (client: WireClient) => Promise<string[]>): Promise<[string[], string[]]> {
  const [a, b] = await clients();
  try {
    return await Promise.all([run(a), run(b)]);
  } finally {
    a.close();
    b.close();
  }
}

/**
 * Query, the pieces as CopyData, then CopyDone (or CopyFail), all sent at once: when the
 * statement fails before (or right after) CopyInResponse, both servers ignore the COPY messages.
 */
function simpleCopy(sql: string, pieces: readonly (string | Buffer)[], fail?: string) {
  return async (client: WireClient): Promise<string[]> => {
    const data = pieces.map((p) => serialize.copyData(typeof p === 'string' ? Buffer.from(p) : p));
    const end = fail !== undefined ? serialize.copyFail(fail) : serialize.copyDone();
    return summarizeAll(await client.exchange([serialize.query(sql), ...data, end]), { errorText: true });
  };
}

/** A fresh table on both for one scenario. */
async function sameSetup(...sql: string[]): Promise<void> {
  for (const s of sql) {
    await strataSql.query(s);
    await postgresSql.query(s);
  }
}

async function sameRows(sql: string): Promise<void> {
  const [a, b] = await Promise.all([strataSql.query(sql), postgresSql.query(sql)]);
  assert.deepEqual(a.rows, b.rows, sql);
}

async function sameCopy(sql: string, pieces: readonly (string | Buffer)[], fail?: string): Promise<string[]> {
  const [a, b] = await both(simpleCopy(sql, pieces, fail));
  assert.deepEqual(a, b, sql);
  return a;
}

test('COPY FROM STDIN in text format: escapes, NULL, defaults for the columns not copied', { skip }, async () => {
  await sameCopy('COPY items FROM STDIN', ['1\twidget\tabc\t12.5\t2024-01-02 03:04:05\tt\n', '2\tta\\tb\\\\c\\nd\t\\N\t\\N\t\\N\tf\n']);
  await sameCopy('COPY items (id, code) FROM STDIN', ['3\txyz\n4\t\\N\n']);
  await sameCopy('COPY items (price, id) FROM STDIN WITH (DELIMITER \'|\', NULL \'-\')', ['7.25|5\n-|6\n']);
  await sameCopy('COPY notes FROM STDIN', ['1\t\\101\\x42\\103 octal and hex\t\\N\n', '2\tbackslash-newline\\\nkept\tx\r\n'.replace('\r\n', '\n')]);
  await sameRows('SELECT * FROM items ORDER BY id');
  await sameRows('SELECT * FROM notes ORDER BY id');
});

test('data split anywhere across CopyData messages, a multi-byte character too, and \\. ends the data', { skip }, async () => {
  const text = Buffer.from('10\tnaïve café ☕\tt1\n11\tsecond\t\\N\n\\.\n12\tignored after the marker\t\n');
  const pieces: Buffer[] = [];
  for (let i = 0; i < text.length; i += 3) pieces.push(text.subarray(i, i + 3));
  await sameCopy('COPY notes FROM STDIN', pieces);
  await sameCopy('COPY notes FROM STDIN', ['13\tno final newline\tz']);
  await sameCopy('COPY notes FROM STDIN', ['14\tcrlf\ta\r\n15\tcrlf\tb\r\n']);
  await sameRows('SELECT * FROM notes WHERE id >= 10 ORDER BY id');
});

test('CSV: header, quotes, embedded newlines, FORCE_NULL and FORCE_NOT_NULL, the old syntax', { skip }, async () => {
  await sameCopy('COPY notes FROM STDIN (FORMAT csv, HEADER)', ['id,body,tag\n', '20,"a, ""quoted"" value",\n21,"two\nlines",""\n']);
  await sameCopy('COPY notes FROM STDIN WITH CSV HEADER DELIMITER \';\'', ['x;y;z\n22;plain;"NULL"\n']);
  await sameCopy("COPY notes FROM STDIN (FORMAT csv, NULL 'NULL', FORCE_NULL (tag), FORCE_NOT_NULL (body))", ['23,NULL,"NULL"\n24,,NULL\n']);
  await sameCopy("COPY notes FROM STDIN (FORMAT csv, QUOTE '''', ESCAPE '\\')", ["25,'it\\'s',x\n"]);
  await sameCopy('COPY notes (id, body) FROM STDIN (FORMAT csv, HEADER MATCH)', ['id,body\n26,matched\n']);
  await sameRows('SELECT * FROM notes WHERE id >= 20 ORDER BY id');
});

test('bad data fails with PostgreSQL\'s SQLSTATE, message and CONTEXT line, and nothing is kept', { skip }, async () => {
  await sameSetup('CREATE TABLE strict (a int PRIMARY KEY, b text NOT NULL, c varchar(2))');
  for (const [sql, data] of [
    ['COPY strict FROM STDIN', '1\tx\tab\n2\ty\tabc\n'],
    ['COPY strict FROM STDIN', '1\tx\tab\nzz\ty\ta\n'],
    ['COPY strict FROM STDIN', '1\tx\n'],
    ['COPY strict FROM STDIN', '1\tx\ty\tz\n'],
    ['COPY strict FROM STDIN', '1\t\\N\ta\n'],
    ['COPY strict FROM STDIN', '1\tx\ta\n1\ty\tb\n'],
    ['COPY strict FROM STDIN', '1\tbad \\xff byte\ta\n'],
    ['COPY strict FROM STDIN', '1\tx\ta\\.z\n'],
    ['COPY strict FROM STDIN', '1\tx\ta\n2\ty\tb\r\n'],
    ['COPY strict FROM STDIN (FORMAT csv)', '1,"unterminated,a\n'],
    ['COPY strict FROM STDIN (FORMAT csv, HEADER MATCH)', 'a,c,b\n1,x,y\n'],
    ['COPY strict FROM STDIN (FORMAT csv, HEADER MATCH)', 'a,b\n'],
    [`COPY strict FROM STDIN (FORMAT csv)`, `1,"${'long '.repeat(40)}",abc\n`],
  ] as const) {
    await sameCopy(sql, [data]);
    await sameRows('SELECT count(*) AS n FROM strict');
  }
  await sameCopy('COPY strict FROM STDIN', ['1\tx\ta\n'], 'client gave up');
  await sameRows('SELECT count(*) AS n FROM strict');
});

test('COPY options are checked as PostgreSQL checks them', { skip }, async () => {
  for (const sql of [
    'COPY notes FROM STDIN (FORMAT xml)',
    'COPY notes FROM STDIN (FORMAT csv, FORMAT text)',
    'COPY notes FROM STDIN (nosuch)',
    "COPY notes FROM STDIN (DELIMITER '||')",
    "COPY notes FROM STDIN (DELIMITER '\\')",
    "COPY notes FROM STDIN (DELIMITER 'a')",
    "COPY notes FROM STDIN (FORMAT binary, DELIMITER ',')",
    "COPY notes FROM STDIN (FORMAT binary, NULL 'x')",
    'COPY notes FROM STDIN (FORMAT binary, HEADER)',
    "COPY notes FROM STDIN (QUOTE '\"')",
    "COPY notes FROM STDIN (FORMAT csv, QUOTE 'ab')",
    "COPY notes FROM STDIN (FORMAT csv, DELIMITER '\"')",
    "COPY notes FROM STDIN (ESCAPE 'x')",
    'COPY notes FROM STDIN (FORMAT csv, FORCE_QUOTE (body))',
    'COPY notes TO STDOUT (FORMAT csv, FORCE_NOT_NULL (body))',
    'COPY notes TO STDOUT (FORMAT csv, FORCE_NULL (body))',
    'COPY notes FROM STDIN (FORCE_NULL (body))',
    'COPY notes TO STDOUT (FORCE_QUOTE *)',
    'COPY notes TO STDOUT (HEADER MATCH)',
    "COPY notes FROM STDIN (HEADER 'maybe')",
    "COPY notes FROM STDIN (FORMAT csv, NULL 'a,b')",
    "COPY notes FROM STDIN (ENCODING 'nosuch')",
    'COPY notes (id, nosuch) FROM STDIN',
    'COPY notes (id, id) FROM STDIN',
    'COPY notes (id) FROM STDIN (FORMAT csv, FORCE_NULL (body))',
    'COPY notes (id) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (nosuch))',
    'COPY notes (id) TO STDOUT (FORMAT csv, FORCE_QUOTE (body))',
    'COPY nosuch FROM STDIN',
    'COPY item_names TO STDOUT',
    'COPY item_names FROM STDIN',
    'COPY notes FROM STDIN (FREEZE)',
  ]) await sameCopy(sql, []);
});

test('COPY TO STDOUT: text, CSV with quoting and headers, column lists, queries, binary', { skip }, async () => {
  await sameSetup(
    "INSERT INTO kinds VALUES (1, 1, 9000000000, 1.5, 2.25, 12345.678, E'tab\\there, \"q\", back\\\\slash', '\\x00ff', '2024-02-29', '2024-02-29 12:00:00+00', '1 day 02:03:04', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2]}', true, 'x', '13:45:10.5-03:30')",
    "INSERT INTO kinds (id, t) VALUES (2, NULL), (3, '')",
  );
  for (const sql of [
    'COPY kinds TO STDOUT',
    'COPY kinds TO STDOUT (FORMAT csv, HEADER)',
    'COPY kinds (t, n) TO STDOUT (FORMAT csv, FORCE_QUOTE (n))',
    'COPY kinds (t) TO STDOUT (FORMAT csv, FORCE_QUOTE *, DELIMITER \'|\', QUOTE \'\'\'\', ESCAPE \'\\\')',
    "COPY kinds (t, i2) TO STDOUT (DELIMITER ',', NULL 'NULL', HEADER)",
    'COPY (SELECT i2, t FROM kinds ORDER BY t NULLS FIRST) TO STDOUT WITH CSV HEADER',
    'COPY (SELECT 1 AS one WHERE false) TO STDOUT',
    'COPY kinds TO STDOUT (FORMAT binary)',
    'COPY (SELECT i2, i8, t FROM kinds ORDER BY t) TO STDOUT (FORMAT binary)',
    'COPY notes TO STDOUT (ENCODING \'UTF8\')',
    // reg* values print as names in text and CSV, and are their oids in binary.
    "COPY (SELECT 'kinds'::regclass, pg_typeof(1), 0::regclass, 'pg_class'::regclass) TO STDOUT (FORMAT csv)",
    "COPY (SELECT 'pg_class'::regclass, pg_typeof(1)) TO STDOUT (FORMAT binary)",
  ]) await sameCopy(sql, []);
});

test('binary COPY FROM STDIN takes what PostgreSQL\'s binary COPY TO wrote', { skip }, async () => {
  await sameSetup('CREATE TABLE kinds2 (id int PRIMARY KEY, i2 int2, i8 int8, f4 float4, f8 float8, n numeric, t text, b bytea, d date, ts timestamptz, iv interval, u uuid, j jsonb, bo bool, c char(2), tz timetz)');
  const [s, p] = await clients();
  s.close();
  const copied = await p.exchange([serialize.query('COPY kinds TO STDOUT (FORMAT binary)')]);
  p.close();
  const data = copied.filter((m) => m.name === 'copyData').map((m) => (m as unknown as { chunk: Buffer }).chunk);
  assert.ok(data.length > 0);
  await sameCopy('COPY kinds2 FROM STDIN (FORMAT binary)', [Buffer.concat(data)]);
  await sameRows('SELECT * FROM kinds2 ORDER BY id');
  await sameCopy('COPY kinds2 FROM STDIN (FORMAT binary)', [Buffer.from('not a binary copy file')]);
  const whole = Buffer.concat(data);
  await sameSetup('DELETE FROM kinds2');
  await sameCopy('COPY kinds2 FROM STDIN (FORMAT binary)', [whole.subarray(0, whole.length - 5)]);
  // timetz in text: offsets as written, none (the session zone's), and out of range.
  await sameCopy('COPY kinds2 (id, tz) FROM STDIN', ['10\t13:45:10+02\n11\t24:00:00-15:59:59\n12\t13:45\n']);
  await sameCopy('COPY kinds2 (id, tz) FROM STDIN', ['13\t13:45+16\n']);
  await sameRows('SELECT id, tz FROM kinds2 ORDER BY id');
});

test('COPY in the extended protocol: Execute starts it, CopyDone ends it, Sync (even an early one) is ignored during it', { skip }, async () => {
  const run = async (client: WireClient): Promise<string[]> => {
    const started = await client.exchangeUntil([
      serialize.parse({ text: 'COPY notes (id, body) FROM STDIN (FORMAT csv)' }), serialize.bind(), serialize.describe({ type: 'P' }),
      serialize.execute(), serialize.flush(),
    ], 'copyInResponse');
    const rest = await client.exchange([serialize.sync(), serialize.copyData(Buffer.from('40,extended\n41,prot')), serialize.copyData(Buffer.from('ocol\n')), serialize.copyDone(), serialize.sync()]);
    const failed = await client.exchangeUntil([serialize.parse({ text: 'COPY notes FROM STDIN' }), serialize.bind(), serialize.execute(), serialize.flush()], 'copyInResponse');
    const failedRest = await client.exchange([serialize.copyData(Buffer.from('42\tx\ty\n')), serialize.copyFail('stop'), serialize.copyData(Buffer.from('43\tx\ty\n')), serialize.sync()]);
    const out = await client.exchange([serialize.parse({ text: 'COPY (SELECT id, body FROM notes WHERE id >= 40 ORDER BY id) TO STDOUT' }), serialize.bind(), serialize.execute(), serialize.sync()]);
    return [...started, ...rest, ...failed, ...failedRest, ...out].filter((m) => m.name !== 'parameterStatus').map((m) => summarizeAll([m], { errorText: true })[0]!);
  };
  const [a, b] = await both(run);
  assert.deepEqual(a, b);
  await sameRows('SELECT * FROM notes WHERE id >= 40 ORDER BY id');
});

test('a simple query goes on after its COPY; in a transaction block a failed COPY fails the block', { skip }, async () => {
  await sameCopy('COPY notes (id) FROM STDIN; SELECT count(*) FROM notes WHERE id >= 50', ['50\n51\n']);
  const run = async (client: WireClient): Promise<string[]> => {
    const out: string[] = [];
    out.push(...summarizeAll(await client.exchange([serialize.query('BEGIN')])));
    out.push(...await simpleCopy('COPY notes (id) FROM STDIN', ['52\n'])(client));
    out.push(...await simpleCopy('COPY notes (id) FROM STDIN', ['53\nx\n'])(client));
    out.push(...summarizeAll(await client.exchange([serialize.query('SELECT 1')])));
    out.push(...summarizeAll(await client.exchange([serialize.query('ROLLBACK')])));
    return out;
  };
  const [a, b] = await both(run);
  assert.deepEqual(a, b);
  await sameRows('SELECT id FROM notes WHERE id >= 50 ORDER BY id');
});

test('DSQL: files and programs are refused; a COPY is one statement under the 3,000-row limit', { skip }, async () => {
  for (const sql of ["COPY notes FROM '/tmp/notes.txt'", "COPY notes TO '/tmp/notes.txt'", "COPY notes FROM PROGRAM 'cat'"]) {
    await assert.rejects(strataSql.query(sql), (error: pg.DatabaseError) => error.code === '0A000' && /not supported/.test(error.message));
  }
  const [client] = await clients().then(([s, p]) => { p.close(); return [s]; });
  const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${from + i}\n`).join('');
  assert.deepEqual(await simpleCopy('COPY many FROM STDIN', [rows(0, 3001)])(client), [
    'copyInResponse text 0', 'error ERROR 54000 | transaction row limit exceeded | CONTEXT COPY many, line 3001: "3000"', 'readyForQuery I',
  ]);
  assert.deepEqual((await strataSql.query('SELECT count(*)::int AS n FROM many')).rows, [{ n: 0 }]);
  assert.deepEqual(await simpleCopy('COPY many FROM STDIN', [rows(0, 3000)])(client), ['copyInResponse text 0', 'commandComplete COPY 3000', 'readyForQuery I']);
  // In a block, the COPY's rows count with the block's other writes.
  await client.exchange([serialize.query('BEGIN')]);
  assert.deepEqual(summarizeAll(await client.exchange([serialize.query('INSERT INTO notes (id) VALUES (90)')])), ['commandComplete INSERT 0 1', 'readyForQuery T']);
  assert.deepEqual((await simpleCopy('COPY notes (id) FROM STDIN', [rows(1000, 3000)])(client)).map((s) => s.split(' | ')[0]), ['copyInResponse text 0', 'error ERROR 54000', 'readyForQuery E']);
  await client.exchange([serialize.query('ROLLBACK')]);
  client.close();
  assert.deepEqual((await strataSql.query('SELECT count(*)::int AS n FROM many')).rows, [{ n: 3000 }]);
});

async function psql(env: Record<string, string>, args: string[], input: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // Asynchronously: the Strata server runs in this process and must keep serving while psql runs.
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  child.stdin.end(input);
  const status = await new Promise<number | null>((r) => child.on('close', r));
  return { status, stdout, stderr };
}

test('psql: \\copy from stdin and COPY TO STDOUT give what they give on PostgreSQL', { skip }, async () => {
  const strataEnv = { PGHOST: '127.0.0.1', PGPORT: String(strata.port), PGUSER: 'admin', PGDATABASE: 'postgres', PGPASSWORD: await strata.token('admin'), PGSSLMODE: 'require' };
  const postgresEnv = { PGHOST: '127.0.0.1', PGPORT: String(postgres.port), PGUSER: 'postgres', PGDATABASE: 'postgres', PGSSLMODE: 'disable' };
  const input = '60,"from psql, with \\copy"\n61,second\n\\.\n';
  const load = ['-c', '\\copy notes (id, body) from stdin with (format csv)'];
  const [a, b] = await Promise.all([psql(strataEnv, load, input), psql(postgresEnv, load, input)]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const dump = ['-c', 'COPY (SELECT * FROM notes WHERE id >= 60 ORDER BY id) TO STDOUT WITH CSV HEADER'];
  const [c, d] = await Promise.all([psql(strataEnv, dump, ''), psql(postgresEnv, dump, '')]);
  assert.equal(c.status, 0, c.stderr);
  assert.equal(c.stdout, d.stdout);
  assert.match(c.stdout, /from psql, with \\copy/);
  const bad = ['-c', '\\copy notes (id) from stdin'];
  const [e, f] = await Promise.all([psql(strataEnv, bad, 'x\n'), psql(postgresEnv, bad, 'x\n')]);
  assert.equal(e.status, f.status);
  assert.equal(e.stderr, f.stderr);
});

test('any other message during COPY FROM STDIN ends the COPY and the connection, as in PostgreSQL', { skip }, async () => {
  const run = async (client: WireClient): Promise<string[]> => {
    const started = await client.exchangeUntil([serialize.parse({ text: 'COPY notes FROM STDIN' }), serialize.bind(), serialize.execute(), serialize.flush()], 'copyInResponse');
    client.send(serialize.copyData(Buffer.from('70\tx\ty\n')), serialize.query('SELECT 1'), serialize.copyData(Buffer.from('71\tx\ty\n')), serialize.sync());
    await client.next((m) => m.name === 'error' && (m as unknown as { severity: string }).severity === 'FATAL');
    return summarizeAll([...started, ...(await client.drain())], { errorText: true });
  };
  const [a, b] = await both(run);
  assert.deepEqual(a, b);
  await sameRows('SELECT count(*) AS n FROM notes WHERE id >= 70');
});
