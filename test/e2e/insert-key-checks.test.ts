/**
 * An INSERT checks each new row's primary key against what is committed and what the statement
 * and its transaction wrote before it. When the primary key is the only key to check and storage
 * can read it now, the check answers without a promise (RowWriter.findConflict); other tables
 * (a unique index besides the key) take the awaited path. The point read behind it seeks the
 * newest version in place and copies the row out, and the apply that follows counts the key's
 * previous bytes from the row cache that read filled. Compared with PostgreSQL 15: the
 * statements' answers (23505 and its DETAIL included), then the tables, after bulk loads in
 * batches, duplicates against committed rows, within one statement and within one transaction,
 * deleted keys written again, ON CONFLICT on the key, and rows past 64 bytes read back by key.
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE keyed (id int PRIMARY KEY, grp int NOT NULL, note text NOT NULL)',
  'CREATE TABLE pair (a int, b int, v text, PRIMARY KEY (a, b))',
  'CREATE TABLE coded (id int PRIMARY KEY, code int UNIQUE, v text)',
]);

const TABLES = [
  'SELECT count(*), sum(id), sum(grp), sum(length(note)), min(note), max(note) FROM keyed',
  'SELECT * FROM pair ORDER BY a, b',
  'SELECT * FROM coded ORDER BY id',
];

test('bulk loads in batches, then duplicates against committed rows and within one statement', { skip }, async () => {
  const texts: string[] = [];
  // Three batches of 1,500 rows (each key checked, each batch committed before the next).
  for (let start = 1; start <= 4_500; start += 1_500) {
    texts.push(`INSERT INTO keyed SELECT g, g % 7, repeat(chr(97 + g % 26), g % 90) FROM generate_series(${start}, ${start + 1_499}) g`);
  }
  texts.push(
    // Overlaps a committed batch: 23505 on the first committed key, nothing written.
    'INSERT INTO keyed SELECT g, 0, \'x\' FROM generate_series(4400, 4600) g',
    // A duplicate written earlier by the same statement.
    "INSERT INTO keyed VALUES (5000, 1, 'a'), (5001, 1, 'b'), (5000, 2, 'c')",
    'INSERT INTO keyed SELECT 6000 + g % 3, g, \'d\' FROM generate_series(1, 10) g',
    // Past the end and before the start of the keys.
    "INSERT INTO keyed VALUES (0, 0, 'zero'), (-5, 5, 'negative'), (2147483647, 1, 'max')",
    "INSERT INTO keyed VALUES (2147483647, 2, 'again')",
    // Rows past 64 bytes, read back by key (the point read copies what it found).
    'SELECT * FROM keyed WHERE id IN (89, 179, 4499, 2147483647) ORDER BY id',
    "UPDATE keyed SET note = repeat('u', 200) WHERE id = 89",
    'SELECT id, length(note), note FROM keyed WHERE id = 89',
    "INSERT INTO keyed VALUES (89, 0, 'dup of an updated row')",
    ...TABLES,
  );
  await sameAnswers(db(), texts);
});

test('within a transaction: keys it wrote, deleted and wrote again', { skip }, async () => {
  await sameAnswers(db(), [
    'BEGIN',
    "INSERT INTO pair VALUES (1, 1, 'a'), (1, 2, 'b'), (2, 1, 'c')",
    "INSERT INTO pair VALUES (1, 2, 'again')",
    'ROLLBACK',
    'BEGIN',
    "INSERT INTO pair VALUES (1, 1, 'a'), (1, 2, 'b'), (2, 1, 'c')",
    'DELETE FROM pair WHERE a = 1 AND b = 2',
    "INSERT INTO pair VALUES (1, 2, 'written again')",
    "INSERT INTO pair VALUES (2, 2, 'new'), (2, 1, 'duplicate')",
    'ROLLBACK',
    "INSERT INTO pair VALUES (1, 1, 'a'), (1, 2, 'b'), (2, 1, 'c')",
    'DELETE FROM pair WHERE a = 2',
    "INSERT INTO pair VALUES (2, 1, 'after a committed delete')",
    "INSERT INTO pair VALUES (1, 1, 'duplicate')",
    'BEGIN',
    "INSERT INTO pair VALUES (3, 1, 'x')",
    "INSERT INTO pair SELECT 3, g, 'y' FROM generate_series(0, 2) g",
    'ROLLBACK',
    ...TABLES,
  ]);
});

test('ON CONFLICT on the key, and a table with a unique index besides its key', { skip }, async () => {
  await sameAnswers(db(), [
    "INSERT INTO pair VALUES (1, 1, 'kept'), (5, 5, 'new') ON CONFLICT DO NOTHING RETURNING *",
    "INSERT INTO pair VALUES (1, 2, 'updated') ON CONFLICT (a, b) DO UPDATE SET v = excluded.v RETURNING *",
    "INSERT INTO pair VALUES (6, 6, 'one'), (6, 6, 'two') ON CONFLICT (a, b) DO UPDATE SET v = excluded.v RETURNING *",
    "INSERT INTO coded SELECT g, g * 10, 'c' || g FROM generate_series(1, 500) g",
    "INSERT INTO coded VALUES (501, 10, 'code taken')",
    "INSERT INTO coded VALUES (1, 5010, 'key taken')",
    "INSERT INTO coded VALUES (502, 5020, 'a'), (503, 5020, 'b')",
    "INSERT INTO coded VALUES (504, 20, 'x') ON CONFLICT (code) DO NOTHING RETURNING *",
    "INSERT INTO coded VALUES (2, 9999, 'x') ON CONFLICT (code) DO NOTHING RETURNING *",
    ...TABLES,
  ]);
});
