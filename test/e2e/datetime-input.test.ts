/**
 * Date, timestamp and interval input in the forms beyond ISO that PostgreSQL 15 reads (DateStyle
 * ISO, MDY): months and weekdays by name, dates in eight digits, two-digit years, AM/PM, zone
 * abbreviations of the Default set, and ISO 8601 durations — side by side with PostgreSQL, the
 * values or the SQLSTATE and message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([]);

test('dates and timestamps with months and weekdays by name, eight-digit dates, AM/PM and zone abbreviations', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    `SELECT 'Mar 5, 2024'::date, 'March 5 2024'::date, '5 Mar 2024'::date, '2024-Mar-05'::date, 'Mar-05-2024'::date, '05-Mar-2024'::date, '2024 Mar 5'::date`,
    `SELECT 'Tue Mar 5 2024'::date, 'Tuesday, March 5, 2024'::date, '20240305'::date, 'mar 5 2024 bc'::date, 'Sept 1 2024'::date, 'FEB 29 2024'::date`,
    `SELECT 'Feb 30 2024'::date`,
    `SELECT 'Foo 5 2024'::date`,
    `SELECT 'Mar 2024'::date`,
    `SELECT 'Tue, 05 Mar 2024 10:00:00 +0000'::timestamptz, 'Mar 5 2024 10:00 PM'::timestamp, '2024-03-05 2:07 PM'::timestamp, '2024-03-05 12:00 AM'::timestamp, '2024-03-05 12:30 pm'::timestamp`,
    `SELECT '2024-03-05 13:00 PM'::timestamp`,
    `SELECT '20240305 101112'::timestamp, '20240305T101112'::timestamp, '2024-03-05T10:11:12.5+01'::timestamptz, 'March 5, 2024 10:11:12.123456'::timestamp`,
    `SELECT 'Mar 5 24'::date`,
    `SELECT '5 Mar 24'::date`,
    `SELECT 'Tue 2024-03-05'::date, '2024-03-05 Tue'::date`,
    `SELECT 'Wed Mar 5 2024'::date`,
    `SELECT 'Mar 5 2024 EST'::timestamptz`,
    `SELECT 'January 1, 0001 BC'::date, 'Dec 31, 1999 11:59:59.999999 pm'::timestamp`,
    `SELECT '2024.03.05'::date, '2024/03/05'::date`,
    `SELECT '2024-03-05 Tue'::date`,
    `SELECT 'Tue 20240305'::date`,
    `SELECT 'Tue 03/05/2024'::date`,
    `SELECT '03/05/2024 Tue'::date`,
    `SELECT 'Tuesday Mar 5 2024'::date`,
    `SELECT 'Mar 5 Tue 2024'::date`,
    `SELECT '2024-03-05 10:00 Tue'::timestamp`,
    `SELECT '2024-03-05 10:00 EST'::timestamptz`,
    `SELECT '2024-03-05 10:00 pst'::timestamptz`,
    `SELECT '2024-03-05 10:00:00 PM'::timestamp`,
    `SELECT '2024-03-05 00:30 AM'::timestamp`,
    `SELECT '2024-03-05 0:30 PM'::timestamp`,
    `SELECT '2024-03-05 PM 10:00'::timestamp`,
    `SELECT 'Mar 5 2024 10:00 +05'::timestamptz`,
    `SELECT 'Mar 5 2024 10:00+05:30'::timestamptz`,
    `SELECT '5 march 2024 10:00 utc'::timestamptz`,
    `SELECT 'mar 5 2024 ad'::date, 'mar 5 0044 bc'::date`,
    `SELECT 'mar 5'::date`,
    `SELECT '5 2024 mar'::date`,
    `SELECT 'mar 32 2024'::date`,
    `SELECT 'mar 5 1'::date`,
    `SELECT 'mar 5 100'::date`,
    `SELECT '2024 5 mar'::date`,
    `SELECT 'march 5 2024 10:00 am'::date`,
    `SELECT '20240305 10:11:12'::timestamp`,
    `SELECT '2024-3-5 EDT'::date`,
    `SELECT '2024 5 mar'::date`,
    `SELECT '5 mar 2024'::date`,
    `SELECT 'mar 2024 5'::date`,
    `SELECT '2024 mar 5'::date`,
    `SELECT 'mar 5 70'::date, 'mar 5 69'::date, 'mar 5 99'::date, 'mar 5 100'::date, 'mar 5 0070'::date`,
  ]);
});

test('ISO 8601 durations as interval input', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    `SELECT 'P1Y2M3DT4H5M6S'::interval, 'P1Y'::interval, 'PT1H'::interval, 'P2W'::interval, 'PT0.5S'::interval, 'P1DT12H'::interval`,
    `SELECT 'P0001-02-03T04:05:06'::interval, 'P0001-02-03'::interval, 'p1d'::interval, 'P-1Y-2M'::interval, 'PT-1H30M'::interval`,
    `SELECT 'P1.5Y'::interval, 'P1.5M'::interval, 'P1.5W'::interval, 'P1.5D'::interval, 'PT1.5H'::interval, 'PT1.5M'::interval`,
    `SELECT 'P'::interval`,
    `SELECT 'PT'::interval`,
    `SELECT 'P1H'::interval`,
    `SELECT 'P1Y2'::interval`,
    `SELECT 'P1YT'::interval`,
    `SELECT 'P0001-02-03T25:00:00'::interval`,
    `SELECT 'P0001-02-03T04:61:00'::interval`,
    `SELECT ' P1D '::interval, 'P1D2D'::interval`,
    `SELECT 'P1D2D'::interval`,
    `SELECT 'P1M1Y'::interval`,
    `SELECT 'p1d'::interval`,
    `SELECT 'P1y'::interval`,
    `SELECT '-P1D'::interval`,
    `SELECT 'P-0001-02-03'::interval`,
  ]);
});

test('interval fields: INTERVAL \'1\' DAY, HOUR TO MINUTE, SECOND(p), in casts and columns', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT interval '1' day AS a, interval '2:30' hour to minute AS b, interval '2:30' minute to second AS c, interval '5' year AS d, interval '5' month AS e, interval '7' hour AS f, interval '7' minute AS g, interval '7' second AS h",
    "SELECT interval '1 day 02:03:04.5678' hour to minute AS a, interval '1 day 02:03:04.5678' day AS b, interval '1 day 02:03:04.5678' second(2) AS c, interval '1 day 02:03:04.5678' day to second(1) AS d, interval '2 years 5 months 3 days' year AS e",
    "SELECT interval '25 months' year AS a, interval '-25 months 3 days' year to month AS b, interval '3 days 4:05' day to hour AS c, interval '-1 day -02:03:04' hour AS d",
    "SELECT '1.5'::interval(1) AS a, '00:00:01.55'::interval(1) AS b, '1'::interval day AS c, '1 hour'::interval minute to second AS d, '90'::interval hour to minute AS e, interval '1 2' day to hour AS f",
    "SELECT '1 hour'::interval::interval minute AS a, (interval '1 day 1 hour')::interval day AS b, interval(3) '1.23456' AS c, interval '3' day to second AS d, interval '3' year to month AS e",
    "SELECT interval '1' second(7)",
    "SELECT interval '1' second(-1)",
    "SELECT timestamp '2024-01-10' - interval '7' day AS a, date '2024-01-31' + interval '1' month AS b",
    'CREATE TABLE ivq (id int PRIMARY KEY, a interval day to second(2), b interval year to month, c interval(0))',
    "INSERT INTO ivq VALUES (1, '1 day 2:03:04.567', '3 years 4 months 5 days', '1.5 seconds'), (2, '5', '7', '2:30') RETURNING *",
    "SELECT format_type(atttypid, atttypmod), attname FROM pg_attribute WHERE attrelid = 'ivq'::regclass AND attnum > 0 ORDER BY attnum",
    "UPDATE ivq SET a = a + interval '0.001' WHERE id = 1 RETURNING a",
    'DROP TABLE ivq',
  ]);
});

test('interval text read right to left as PostgreSQL reads it: days before times, years-months, each field once', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT interval '1 2:00' AS a, interval '1 +2:00' AS b, interval '1 -2:00:01' AS c, interval '-1 2:03:04' AS d, interval '5 2:00' hour to minute AS e",
    "SELECT interval '2:30.5' AS a, interval '1:02:03.25' AS b, interval '1 day 2' AS c, interval '1.5 days 3 hours' AS d, interval '1 week 2 days' AS e, interval '1 second 5 ms' AS f",
    "SELECT interval '1-2' AS a, interval '-1-2 3 4:05:06' AS b, interval '+1-2 -3 +4:05:06' AS c, interval '1 days 2 hours ago' AS d, interval '@ 1 day 2 hours ago' AS e, interval '1 d 2 h 3 m 4 s' AS f",
    "SELECT interval '1 day 2 days'",
    "SELECT interval '1 2 days'",
    "SELECT interval '1 2'",
    "SELECT interval '2:00 1'",
    "SELECT interval '10:00 10:00'",
    "SELECT interval '1.5 seconds 5 ms'",
    "SELECT interval '1 ago 2 days'",
    "SELECT interval '1 2 3' day to hour",
    "SELECT interval '1-13'",
  ]);
});

test("'now', 'today', 'tomorrow' and 'yesterday': the transaction's time in the session's zone, in literals, casts, parameters, arrays and defaults", { skip: pair.skip }, async () => {
  const db = pair.db();
  // The values move with the clock: each is compared with the function that names the same time.
  const checks = [
    "SELECT 'today'::date = current_date AS a, 'tomorrow'::date - 'yesterday'::date AS b, ' Today '::date = current_date AS c, 'now'::date = current_date AS d",
    "SELECT 'now'::timestamptz = now() AS a, 'now'::timestamp = localtimestamp AS b, 'now'::time = localtime AS c, 'now'::timetz = current_time AS d, timestamptz 'now' = now() AS e",
    "SELECT 'TODAY'::timestamptz = date_trunc('day', now()) AS a, 'tomorrow'::timestamp(0) with time zone = date_trunc('day', now()) + interval '1 day' AS b",
    "SELECT 'tomorrow 10:00'::timestamp - 'today'::timestamp AS a, '10:00 today'::timestamp - 'today'::timestamp AS b, 'today 10:00 +02'::timestamptz - 'today'::timestamptz AS c",
    "SELECT '{today,tomorrow}'::date[] = ARRAY[current_date, current_date + 1] AS a, 'now'::timestamp(0) = date_trunc('second', localtimestamp) AS b",
    "SELECT x::date = current_date AS a FROM (VALUES ('today'), ('TODAY')) v(x)",
    "SELECT x::timestamptz = now() AS a FROM (VALUES ('now')) v(x)",
    "SELECT 'today'::time",
    "SELECT 'yesterday'::timetz",
    "SELECT 'today today'::timestamp",
    "SELECT 'today 2020-01-01'::timestamp",
    "SELECT 'now 10:00'::timestamp",
    "SELECT 'todayx'::timestamp",
    "SET TIME ZONE 'America/New_York'",
    "SELECT 'today'::timestamptz = date_trunc('day', now()) AS a, 'today'::date = current_date AS b, 'now'::timestamp = localtimestamp AS c",
    "SELECT 'today 10:00 Europe/Paris'::timestamptz - 'today 10:00'::timestamptz AS a",
    'CREATE TABLE relative_defaults (id int PRIMARY KEY, d date DEFAULT \'today\', t timestamptz DEFAULT \'now\')',
    'INSERT INTO relative_defaults (id) VALUES (1)',
    'SELECT d = current_date AS a, t <= now() AS b FROM relative_defaults',
    'RESET TIME ZONE',
  ];
  await sameAnswers(db, checks);
  // Bound as parameters: text read in the session's zone at the transaction's time.
  for (const client of [db.strata, db.postgres]) {
    const r = await client.query('SELECT $1::date = current_date AS a, $2::timestamptz = now() AS b, $3::timestamp - localtimestamp AS c', ['today', 'now', 'tomorrow']);
    assert.equal(r.rows[0].a, true);
    assert.equal(r.rows[0].b, true);
    assert.ok(r.rows[0].c.days === 1 || r.rows[0].c.hours !== undefined, JSON.stringify(r.rows[0].c));
  }
  // DEFAULT 'now' is folded where the DDL runs, as PostgreSQL folds it: every row gets the table's creation time.
  await db.strata.query("CREATE TABLE frozen_now (id int PRIMARY KEY, t timestamptz DEFAULT 'now')");
  await db.strata.query('INSERT INTO frozen_now (id) VALUES (1)');
  await new Promise((resolve) => setTimeout(resolve, 20));
  await db.strata.query('INSERT INTO frozen_now (id) VALUES (2)');
  const frozen = await db.strata.query('SELECT count(DISTINCT t)::int AS n FROM frozen_now');
  assert.equal(frozen.rows[0].n, 1);
});

test('timestamps and dates with a zone named by the tz database or POSIX', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT '2024-01-01 10:00 Europe/Paris'::timestamptz AS a, '2024-01-01 10:00 America/New_York'::timestamptz AS b, '2024-07-01 10:00 EST5EDT'::timestamptz AS c",
    "SELECT '2024-07-01 10:00 Europe/Paris'::timestamp AS a, '2024-07-01 Europe/Paris'::date AS b, '2024-03-10 02:30 America/New_York'::timestamptz AS c",
    "SELECT '{\"2024-07-01 10:00 Europe/Paris\"}'::timestamptz[] AS a, '2024-07-01 10:00 Europe/Paris bc'::timestamptz AS b",
    "SELECT '2024-07-01 10:00 Nowhere/Land'::timestamptz",
    "SELECT '2024-07-01 10:00 Nowhere'::timestamptz",
    // A zone's name anywhere, as pg_tzset is asked for any word DecodeDateTime does not know;
    // an offset and a zone name together are two zones (before, the offset won and this answered).
    "SELECT '2024-01-02 America/New_York 10:00'::timestamptz AS a, 'Europe/Paris 2024-07-01 10:00'::timestamptz AS b",
    "SELECT '2024-01-02 10:00:00-05 America/New_York'::timestamptz",
    "SELECT '2024-01-02 10:00 America/New_York EST'::timestamptz",
    // The Default set's fixed-offset abbreviations, all of them (zone-abbreviations.ts).
    "SELECT '2024-01-02 10:00 IST'::timestamptz AS a, '2024-01-02 10:00 MET DST'::timestamptz AS b, '2024-07-02 10:00 NZDT'::timestamptz AS c, '2024-01-02 10:00 HKT'::timestamptz AS d, '10:00 IST'::timetz AS e",
  ]);
});

test('a date or timestamp is no interval input; year-month is one dash', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    `SELECT '1-2'::interval, '-1-2'::interval, '1-2 3 4:05:06'::interval`,
    `SELECT '2000-02-03'::interval`,
    `SELECT '2000-02-03 03:04:04'::interval`,
    `SELECT '1 day 2000-02-03'::interval`,
  ]);
});

test('make_date and make_interval at their edges', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    'SELECT make_date(-44, 3, 15), make_interval(days => -2147483648), make_interval(months => 2147483647)',
    'SELECT make_date(-44, 2, 29)',
    'SELECT make_date(-1, 13, 1)',
    'SELECT make_timestamp(-44, 2, 29, 0, 0, 0)',
  ]);
});

test('Julian day numbers as date and timestamp input', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT 'J2451545'::date::text AS a, 'j2451545'::timestamp::text AS b, 'J 2451545'::timestamptz::text AS c, 'J0'::date::text AS d, 'J0 BC'::date::text AS e",
    "SELECT date 'J2451545.5' AS a, (timestamp 'J2451545.5')::text AS b, 'J2451545.25'::timestamp::text AS c, 'J2451545.123456789'::timestamp::text AS d",
    "SELECT 'J2451545 12:00'::timestamp::text AS a, 'J2451545 12:00+02'::timestamptz::text AS b, 'J2451545.75-03'::timestamptz::text AS c",
    "SELECT '{J2451545,J2451546}'::date[]::text AS a, 'J5373484'::date::text AS b, 'J2147483493'::date::text AS c",
    "SELECT 'J2451545.5 12:00'::timestamp", "SELECT 'J2451545 25:00'::timestamp", "SELECT 'J2451545.'::timestamp", "SELECT 'J-1'::date",
    "SELECT 'J2147483648'::date", "SELECT 'J2147483494'::date", "SELECT 'J1000000000'::timestamp",
  ]);
});

test('AM/PM written against the time', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT 'Jan 1 2024 10:00AM'::timestamp::text AS a, 'Jan 1 2024 10:00pm'::timestamp::text AS b, 'Jan 1 2024 12:30:15.5PM'::timestamp::text AS c",
    "SELECT 'Jan 1 2024 12:00am'::timestamp::text AS a, '2024-01-01 10:00AM'::timestamp::text AS b, '2024-01-01 10:00AM EST'::timestamptz::text AS c, '10:00PM'::time AS d",
    "SELECT 'Jan 1 2024 13:00PM'::timestamp",
  ]);
});

test('interval input: whole parts exact to the microsecond, fractions as DecodeInterval spills them, PostgreSQL 15\'s ranges', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    `SELECT '9223372036854'::interval, '2562047788:00:54.775807'::interval, '1.55 years'::interval, '-1.5 years'::interval, '0.1 months'::interval`,
    `SELECT '1.3 weeks'::interval, '0.5 decades'::interval, '1.01 centuries'::interval, '1.5 millennium'::interval, 'P1.55Y'::interval, '.5 hours'::interval`,
    `SELECT '2147483647 days'::interval, '3.7 mons 2.5 days'::interval, '0.0000005 seconds'::interval`,
    `SELECT '9223372036855'::interval`,
    `SELECT '10000000000000000000'::interval`,
    `SELECT '100000000000 hours'::interval`,
    `SELECT '2147483648 days'::interval`,
    `SELECT '178956971 years'::interval`,
    `SELECT '2147483647 months 1 year'::interval`,
    `SELECT '-.5 days'::interval`,
    `SELECT '1e300'::interval`,
  ]);
});

test('numbers placed as DecodeDateTime places them: one- and two-digit years, yymmdd, days of the year, run-together times, unit prefixes', { skip: pair.skip }, async () => {
  // Each was a wrong date or a refusal before Strata read date input field by field as PostgreSQL does.
  const inputs = [
    '1/2/24', '12/31/99', '1/2/3', '12/31/99 10:00', '99-01-02', '24-01-02', '01-2024-02', '2024--01-02', '1 2 2024', '1 2 3', '2024 1 2',
    '240101', '010203', '990108', '20240102 10:00', '2024-01-02 1000', '120240102', '0240102', '5874897', '12345', '12345 1.5',
    '1999.008', '1999-008', '19990108', '2024.008 10:00', '2024.367', '01-02-2024', '02.01.2024', '2001-12-25T040506', '20011225T040506.789-07',
    'y2001m02d04', 'y2001m02d04 h10mm30s15', '2024-01-02 at 10:00 on', '2024-01-02 allballs', 'epoch 10:00', 'epoch J2451187.5',
    '2024-1-2 10:00:00.', '2024-1-2 .5', '2024-01-02 10:30.5', '2024-01-02 24:00', '2024-01-02 10:00:60', '2024-01-02 10:00:61',
    '2024-13-30', '13/01/2024', '2024-02-30', '0000-01-01', '2024-01-02 +16', '2024-01-02 10:00+1530', 'Mon 2024-01-02', '2024-01-02 10:00 CET DST',
    'Dec 25 040506 PST 2001', '2024-01-02 EDT DST', '2024/01/02/03', 'J 2451187 10:00', '+infinity', '2024-01-02 J',
  ];
  const statements = inputs.flatMap((text) => ['date', 'timestamp', 'timestamptz'].map((type) => `SELECT '${text}'::${type}`));
  await pair.db().strata.query("SET TimeZone = 'UTC'");
  await pair.db().postgres.query("SET TimeZone = 'UTC'");
  await sameAnswers(pair.db(), statements);
});

test("punctuation around 'now' and 'today' only separates fields, as ParseDateTime reads it", { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    `SELECT 'now()'::timestamptz = now(), '(today)'::date = current_date, 'tomorrow,'::date - current_date, '"yesterday" 10:00'::timestamp = current_date - 1 + time '10:00'`,
    `CREATE TABLE created_now (id int PRIMARY KEY, at timestamptz DEFAULT 'now()')`,
    'INSERT INTO created_now (id) VALUES (1)',
    'SELECT id, at <= now() AS before FROM created_now',
  ]);
});
