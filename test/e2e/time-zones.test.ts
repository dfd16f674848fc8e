/** The session TimeZone: SET/SHOW forms, and timestamptz input, output, casts and calendar functions in a zone, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE events (id int PRIMARY KEY, at timestamptz)',
  "INSERT INTO events VALUES (1, '2024-03-10 06:30:00+00'), (2, '2024-11-03 05:30:00+00'), (3, '2024-07-01 12:00:00+00')",
]);

test('SET TIME ZONE takes zone names, hour offsets and POSIX strings; SHOW prints them as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    "SELECT current_setting('TimeZone')",
    "SET TIME ZONE 'europe/berlin'", "SELECT current_setting('TimeZone')",
    "SET TIME ZONE '-7'", "SELECT current_setting('TimeZone')",
    'SET TIME ZONE -7', "SELECT current_setting('TimeZone')",
    "SET TIME ZONE 'UTC+3'", "SELECT current_setting('TimeZone')",
    "SET TIME ZONE '+05:30'", "SELECT current_setting('TimeZone')",
    "SET timezone = 'EST5EDT'", "SELECT current_setting('TimeZone')",
    "SET TIME ZONE 'PST'", "SET TIME ZONE 'foo'", "SET TIME ZONE 'Z'",
    'SET TIME ZONE LOCAL', "SELECT current_setting('TimeZone')",
    "SET TIME ZONE 'America/New_York'", 'SET TIME ZONE DEFAULT', "SELECT current_setting('TimeZone')",
    "SET TIME ZONE 'utc'", "SELECT current_setting('TimeZone')",
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
    'RESET timezone',
    'SELECT at FROM events ORDER BY id',
  ]) await db().same(sql);
});

test('SET LOCAL TIME ZONE ends with its transaction', { skip }, async () => {
  for (const sql of [
    'BEGIN', "SET LOCAL TIME ZONE 'Europe/Berlin'", 'SELECT at FROM events WHERE id = 3', 'COMMIT',
    "SELECT current_setting('TimeZone')", 'SELECT at FROM events WHERE id = 3',
  ]) await db().same(sql);
});

test('a parameter without an offset is a wall-clock time in the session zone', { skip }, async () => {
  await db().same("SET TIME ZONE 'Europe/Berlin'");
  await db().same('SELECT $1::timestamptz AS t', ['2024-07-01 12:00']);
  await db().same('SELECT $1::timestamptz AS t', ['2024-07-01 12:00+00']);
  await db().same('RESET timezone');
});
