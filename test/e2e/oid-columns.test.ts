/**
 * oid as a column type, compared with PostgreSQL 15 (pg_regress's oid.sql): input wraps
 * negative values as PostgreSQL's oidin does and refuses what is not an unsigned 32-bit number;
 * keys and comparisons are unsigned.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential(['CREATE TABLE ot (id oid PRIMARY KEY, v oid, w int)']);

test('an oid column stores, compares and sorts unsigned, and reads its input as oidin does', { skip }, async () => {
  for (const sql of [
    "INSERT INTO ot VALUES (1, 4294967295, 1), ('4294967295', '-1', 2), (' 7 ', 0, 3)",
    "INSERT INTO ot VALUES ('x', 1, 4)",
    "INSERT INTO ot VALUES ('', 1, 4)",
    'INSERT INTO ot VALUES (4294967296, 1, 4)',
    "INSERT INTO ot VALUES ('-23582358720398502385', 1, 4)",
    'SELECT * FROM ot ORDER BY id',
    'SELECT * FROM ot WHERE id > 5 ORDER BY id DESC',
    'SELECT * FROM ot WHERE id = 4294967295',
    "SELECT * FROM ot WHERE v <> '-1' ORDER BY id",
    'SELECT max(id), min(v), sum(w) FROM ot',
    'SELECT id::int8, v::text FROM ot ORDER BY 1',
    'UPDATE ot SET v = 5 WHERE id = 7',
    'SELECT * FROM ot ORDER BY v, id',
    "SELECT data_type FROM information_schema.columns WHERE table_name = 'ot' ORDER BY ordinal_position",
  ]) await db().same(sql);
});
