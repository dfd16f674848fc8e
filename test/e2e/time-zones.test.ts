/** The session TimeZone: SET/SHOW forms, and timestamptz input, output, casts and calendar functions in a zone, compared with PostgreSQL 15. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE events (id int PRIMARY KEY, at timestamptz)',
  "INSERT INTO events VALUES (1, '2024-03-10 06:30:00+00'), (2, '2024-11-03 05:30:00+00'), (3, '2024-07-01 12:00:00+00')",
]);

test('SET TIME ZONE takes zone names, hour offsets and POSIX strings; SHOW prints them as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    'SHOW timezone',
    "SET TIME ZONE 'europe/berlin'", 'SHOW timezone',
    "SET TIME ZONE '-7'", 'SHOW timezone',
    'SET TIME ZONE -7', 'SHOW timezone',
    "SET TIME ZONE 'UTC+3'", 'SHOW timezone',
    "SET TIME ZONE '+05:30'", 'SHOW timezone',
    "SET timezone = 'EST5EDT'", 'SHOW timezone',
    "SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE", 'SHOW timezone',
    "SET TIME ZONE INTERVAL '-03:30'", 'SHOW timezone',
    "SET TIME ZONE INTERVAL '1 day'",
    "SET TIME ZONE '5.5'", 'SHOW timezone',
    "SET TIME ZONE 'PST'", "SET TIME ZONE 'foo'", "SET TIME ZONE 'Z'",
    'SET TIME ZONE LOCAL', 'SHOW timezone',
    "SET TIME ZONE 'America/New_York'", 'SET TIME ZONE DEFAULT', 'SHOW timezone',
    "SET TIME ZONE 'utc'", 'SHOW timezone',
  ]) await db().same(sql);
});

test('timestamptz prints and reads in the session zone, across DST', { skip }, async () => {
  for (const sql of [
    "SET TIME ZONE 'America/New_York'",
    'SELECT id, at, at::text, at::timestamp, at::date, at::time FROM events ORDER BY id',
    "SELECT timestamptz '2024-03-10 02:30', timestamptz '2024-11-03 01:30', timestamptz '2024-07-01 12:00+02'",
    "SELECT '2024-01-15 08:00'::timestamptz = '2024-01-15 13:00+00'::timestamptz",
    "SELECT timestamp '2024-07-01 12:00'::timestamptz, date '2024-07-01'::timestamptz",
    "SELECT date '2024-07-01' < timestamptz '2024-07-01 03:00+00', timestamp '2024-07-01 00:00' = timestamptz '2024-07-01 04:00+00'",
    "SELECT timestamptz '2024-03-09 12:00' + interval '1 day', timestamptz '2024-03-09 12:00' + interval '24 hours', timestamptz '2024-11-02 12:00' + interval '1 month'",
    "SELECT date_trunc('day', at), date_trunc('hour', at), date_trunc('month', at) FROM events ORDER BY id",
    "SELECT extract(hour FROM at), extract(day FROM at), extract(epoch FROM at), extract(timezone FROM at), date_part('timezone_hour', at) FROM events ORDER BY id",
    "SELECT age(timestamptz '2024-11-04 00:00', timestamptz '2024-03-09 23:00')",
    "SELECT make_timestamptz(2024, 7, 1, 9, 30, 0), to_char(timestamptz '2024-07-01 12:00+00', 'YYYY-MM-DD HH24:MI')",
    "SELECT timestamptz '2024-07-01 12:00+00' AT TIME ZONE 'Asia/Tokyo', timestamp '2024-07-01 12:00' AT TIME ZONE 'Asia/Tokyo'",
    "INSERT INTO events VALUES (4, '2024-12-25 09:00')",
    'SELECT id, at FROM events WHERE id = 4',
    "SET TIME ZONE 'Asia/Kolkata'",
    "SELECT at, timestamptz '1900-01-01 00:00+00' FROM events WHERE id = 3",
    'SELECT at FROM events ORDER BY id',
    "SET TIME ZONE 'UTC+3'",
    'SELECT at FROM events ORDER BY id',
    "SELECT generate_series(timestamptz '2024-03-09 12:00', timestamptz '2024-03-12 12:00', interval '1 day')",
    'RESET timezone',
    'SELECT at FROM events ORDER BY id',
  ]) await db().same(sql);
});

test('SET LOCAL TIME ZONE ends with its transaction', { skip }, async () => {
  for (const sql of [
    'BEGIN', "SET LOCAL TIME ZONE 'Europe/Berlin'", 'SELECT at FROM events WHERE id = 3', 'COMMIT',
    'SHOW timezone', 'SELECT at FROM events WHERE id = 3',
  ]) await db().same(sql);
});

test('aggregates and row functions write timestamptz in the session zone (json_agg, json_object_agg, array_agg of rows, to_jsonb, windows)', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE tz (id int PRIMARY KEY, ts timestamptz, n int)',
    "INSERT INTO tz VALUES (1, '2024-01-01 12:00:00+00', 2), (2, NULL, NULL), (3, '2024-07-01 12:00:00+00', 3)",
    'SELECT json_agg(tz ORDER BY id)::text FROM tz',
    'SELECT json_agg(CASE WHEN n IS NULL THEN NULL ELSE ARRAY[id, n] END ORDER BY id)::text FROM tz',
    'SELECT json_agg(row(id, n) ORDER BY id)::text FROM tz',
    "SET TIME ZONE 'Asia/Kolkata'",
    'SELECT json_agg(tz ORDER BY id)::text, jsonb_agg(ts ORDER BY id)::text, json_object_agg(id, ts)::text FROM tz',
    "SELECT array_agg(row(id, ts) ORDER BY id)::text, string_agg(ts::text, ';' ORDER BY id) FROM tz",
    'SELECT id, json_agg(ts) OVER (ORDER BY id)::text FROM tz ORDER BY id',
    'SELECT to_jsonb(tz)::text, to_json(tz)::text, row_to_json(tz)::text FROM tz ORDER BY id',
    'RESET TIME ZONE',
  ]) await db().same(sql);
});

test('a parameter without an offset is a wall-clock time in the session zone', { skip }, async () => {
  await db().same("SET TIME ZONE 'Europe/Berlin'");
  await db().same('SELECT $1::timestamptz AS t', ['2024-07-01 12:00']);
  await db().same('SELECT $1::timestamptz AS t', ['2024-07-01 12:00+00']);
  await db().same('RESET timezone');
});

/** Rows as the server's text, unparsed: what a client that reads the text output gets. */
async function textRows(client: pg.Client, sql: string): Promise<unknown> {
  try {
    return (await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } })).rows;
  } catch (error) {
    return { error: (error as pg.DatabaseError).code };
  }
}

test('the text of timestamptz, date and time values in several zones is PostgreSQL\'s, byte for byte', { skip }, async () => {
  const zones = ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', '-7', 'UTC+3', 'Europe/Berlin', 'America/St_Johns', 'UTC'];
  for (const zone of zones) {
    for (const sql of [
      `SET TIME ZONE '${zone}'`,
      'SELECT id, at, at::date, at::time, at::timestamp, date_trunc(\'day\', at), at + interval \'1 mon 1 day 1 hour\' FROM events ORDER BY id',
      "SELECT timestamptz '2024-03-31 02:30', timestamptz '0044-03-15 12:00+00', timestamptz '0044-03-15 12:00 BC', timestamptz 'infinity', ARRAY[timestamptz '2024-01-01 00:00+00']",
      "SELECT extract(timezone FROM timestamptz '2024-07-01 00:00+00'), extract(timezone_minute FROM timestamptz '2024-07-01 00:00+00')",
      'SELECT to_json(at)::text, json_build_object(\'at\', at)::text, to_jsonb(ARRAY[at])::text FROM events ORDER BY id',
      'SELECT row(id, at), row(id, at)::text FROM events ORDER BY id',
    ]) assert.deepEqual(await textRows(db().strata, sql), await textRows(db().postgres, sql), `${zone}: ${sql}`);
  }
  await db().same('RESET timezone');
});

function connectionOf(client: pg.Client): pg.ClientConfig {
  const c = client as unknown as { host: string; port: number; user: string; password: string; database: string; ssl: pg.ClientConfig['ssl'] };
  return { host: c.host, port: c.port, user: c.user, password: c.password, database: c.database, ssl: c.ssl };
}

test('a TimeZone in the startup packet (options -c, as psql\'s PGOPTIONS sends it) is the session\'s and is reported', { skip }, async () => {
  const options = '-c TimeZone=Asia/Kolkata';
  const clients = [new pg.Client({ ...connectionOf(db().strata), options }), new pg.Client({ ...connectionOf(db().postgres), options })];
  await Promise.all(clients.map((c) => c.connect()));
  try {
    for (const sql of ['SHOW timezone', 'SELECT at, at::date FROM events ORDER BY id']) {
      assert.deepEqual(await textRows(clients[0]!, sql), await textRows(clients[1]!, sql), sql);
    }
    const reported = (c: pg.Client): unknown => (c as unknown as { connection: { parameterStatus?: unknown } }).connection;
    assert.ok(reported(clients[0]!) !== undefined);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
});

async function psql(env: Record<string, string>, sql: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // Asynchronously: the Strata server runs in this process and must keep serving while psql runs.
  const child = spawn('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  child.stdin.end();
  const status = await new Promise<number | null>((r) => child.on('close', r));
  return { status, stdout, stderr };
}

test('psql with PGOPTIONS=-c TimeZone=… prints what PostgreSQL prints', { skip }, async () => {
  const env = (client: pg.Client): Record<string, string> => {
    const c = connectionOf(client);
    return { PGHOST: String(c.host), PGPORT: String(c.port), PGUSER: String(c.user), PGDATABASE: String(c.database), PGPASSWORD: String(c.password ?? ''),
      PGSSLMODE: c.ssl ? 'require' : 'disable', PGOPTIONS: '-c TimeZone=America/New_York' };
  };
  const sql = 'SELECT at, at::date, now()::date = current_date, current_setting(\'TimeZone\') FROM events ORDER BY id';
  const [a, b] = await Promise.all([psql(env(db().strata), sql), psql(env(db().postgres), sql)]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /America\/New_York/);
});

test('instants past a JavaScript Date\'s range take the zone\'s rule as PostgreSQL extends it', { skip }, async () => {
  for (const sql of [
    "SET TIME ZONE 'America/New_York'",
    "SELECT '294276-12-31 23:59+00'::timestamptz::text AS a, '294276-06-30 12:00+00'::timestamptz::text AS b, '290000-07-01 12:00'::timestamp::timestamptz::text AS c",
    "SELECT extract(timezone FROM '294276-06-30 12:00+00'::timestamptz) AS a",
    "SELECT '294276-12-31 23:59'::timestamp::timestamptz",
    'SELECT make_timestamptz(294276, 12, 31, 23, 59, 0)',
    "SET TIME ZONE 'Europe/Paris'",
    "SELECT '280000-07-01 12:00+00'::timestamptz::text AS a, '280000-01-01 12:00+00'::timestamptz::text AS b",
    'RESET TIME ZONE',
  ]) await db().same(sql);
});

test('a DEFAULT literal of timestamptz keeps the instant it named where the DDL ran', { skip }, async () => {
  for (const sql of [
    "SET TIME ZONE 'America/New_York'",
    "CREATE TABLE dzone (id int PRIMARY KEY, ts timestamptz DEFAULT '2024-01-01 00:00', ts2 timestamptz DEFAULT '2024-01-01 00:00+02'::timestamptz, t timestamp DEFAULT '2024-01-01 00:00')",
    'INSERT INTO dzone (id) VALUES (1)',
    "SET TIME ZONE 'Asia/Tokyo'",
    'INSERT INTO dzone (id) VALUES (2)',
    "SET TIME ZONE 'Europe/Paris'",
    "ALTER TABLE dzone ALTER COLUMN ts SET DEFAULT '2025-06-01 12:00'",
    'RESET TIME ZONE',
    'INSERT INTO dzone (id) VALUES (3)',
    'SELECT id, ts::text, ts2::text, t::text FROM dzone ORDER BY id',
    "SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'dzone' ORDER BY ordinal_position",
    'DROP TABLE dzone',
  ]) await db().same(sql);
});
