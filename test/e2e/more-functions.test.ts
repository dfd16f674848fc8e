/**
 * Built-in functions answered as PostgreSQL 15 answers them, side by side: date_bin,
 * make_timestamptz with a zone, num_nulls / num_nonnulls, jsonb_insert, convert_to / convert_from /
 * convert, normalize and IS NORMALIZED.
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([]);

async function same(texts: readonly string[]): Promise<void> {
  await sameAnswers(pair.db(), texts);
}

test('date_bin bins timestamps from an origin; make_timestamptz reads a wall clock in a named zone', { skip: pair.skip }, async () => {
  await same([
    `SELECT date_bin('15 minutes', timestamp '2024-01-01 10:07', timestamp '2024-01-01')`,
    `SELECT date_bin('15 minutes', timestamp '2024-01-01 10:00', timestamp '2024-01-01 10:15')`,
    `SELECT date_bin('15 minutes', timestamp '2024-01-01 10:07', timestamp '2024-01-01 10:15')`,
    `SELECT date_bin('1 day', timestamptz '2024-01-01 10:07+00', timestamptz '2000-01-01 00:00+00')`,
    `SELECT date_bin('1 month', timestamp '2024-01-01', timestamp '2024-01-01')`,
    `SELECT date_bin('0 minutes', timestamp '2024-01-01', timestamp '2024-01-01')`,
    `SELECT date_bin('-5 minutes', timestamp '2024-01-01', timestamp '2024-01-01')`,
    `SELECT date_bin('5 minutes', timestamp 'infinity', timestamp '2024-01-01')`,
    `SELECT date_bin('5 minutes', timestamp '2024-01-01', timestamp 'infinity')`,
    `SELECT date_bin('1 microsecond', timestamp '2024-01-01 00:00:00.5', timestamp '2024-01-01 00:00:01')`,
    `SELECT make_timestamptz(2024, 1, 2, 3, 4, 5, 'America/New_York'), make_timestamptz(2024, 7, 2, 3, 4, 5.25, 'Europe/Paris')`,
    `SELECT make_timestamptz(2024, 13, 2, 3, 4, 5, 'UTC')`,
  ]);
});

test('num_nulls and num_nonnulls count their arguments', { skip: pair.skip }, async () => {
  await same([
    `SELECT num_nonnulls(1, NULL, 2), num_nulls(NULL, NULL), num_nulls('a'), num_nonnulls()`,
  ]);
});

test('jsonb_insert inserts beside an array element or as a new key', { skip: pair.skip }, async () => {
  await same([
    `SELECT jsonb_insert('{"a":[1,2]}', '{a,1}', '9'), jsonb_insert('{"a":[1,2]}', '{a,1}', '9', true), jsonb_insert('{"a":[1,2]}', '{a,-1}', '9'), jsonb_insert('{"a":[1,2]}', '{a,5}', '9'), jsonb_insert('{"a":[1,2]}', '{a,-5}', '9')`,
    `SELECT jsonb_insert('{"a":1}', '{b}', '2'), jsonb_insert('{"a":[]}', '{a,0}', '1'), jsonb_insert('{"a":{"b":1}}', '{x,y}', '2')`,
    `SELECT jsonb_insert('{"a":1}', '{a}', '2')`,
    `SELECT jsonb_insert('1', '{a}', '2')`,
    `SELECT jsonb_insert('[1]', '{x}', '2')`,
    `SELECT jsonb_insert('{"a":1}', '{a,NULL}', '2')`,
    `SELECT jsonb_insert('[[1,2]]', '{0,1}', '"x"', true)`,
  ]);
});

test('convert_to, convert_from and convert between UTF8 and LATIN1; normalize and IS NORMALIZED', { skip: pair.skip }, async () => {
  await same([
    `SELECT convert_to('é', 'UTF8'), convert_to('é', 'latin1'), convert_to('abc', 'UTF-8'), convert_from('\\xc3a9', 'UTF8'), convert_from('\\xe9', 'LATIN1'), convert('\\xe9', 'LATIN1', 'UTF8')`,
    `SELECT convert_to('€', 'LATIN1')`,
    `SELECT convert_from('\\xff', 'UTF8')`,
    `SELECT convert_from('\\xc328', 'UTF8')`,
    `SELECT convert_to('a', 'EBCDIC')`,
    `SELECT convert_from('\\x61', 'nope')`,
    `SELECT normalize('é'), normalize(U&'e\\0301', NFC) = 'é', normalize('ﬁ', NFKC), 'é' IS NFC NORMALIZED, U&'e\\0301' IS NOT NFC NORMALIZED, 'ﬁ' IS NFKD NORMALIZED, length(normalize('é', NFD))`,
    `SELECT normalize('a', 'nfc'), is_normalized('a', 'NFD')`,
    `SELECT normalize('a', 'xyz')`,
    `SELECT convert_from(convert_to('日本', 'UTF8'), 'UTF8')`,
  ]);
});
