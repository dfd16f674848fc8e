/**
 * Date, timestamp and interval input in the forms beyond ISO that PostgreSQL 15 reads (DateStyle
 * ISO, MDY): months and weekdays by name, dates in eight digits, two-digit years, AM/PM, zone
 * abbreviations of the Default set, and ISO 8601 durations — side by side with PostgreSQL, the
 * values or the SQLSTATE and message.
 */
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
