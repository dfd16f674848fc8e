/**
 * INSERT … ON CONFLICT keeps every unique constraint, not only its arbiter: a row that conflicts
 * on another unique index (the primary key included) is PostgreSQL's 23505, whether the action
 * is DO NOTHING or DO UPDATE, and nothing is written. Before, such a row replaced the existing
 * primary-key row or added a second row with the same unique value. Compared with PostgreSQL 15,
 * the table after every statement too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactOutcome, useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE oc (id int PRIMARY KEY, code text UNIQUE, v int, CONSTRAINT oc_v_key UNIQUE (v))',
  "INSERT INTO oc VALUES (1, 'a', 1), (2, 'b', 2)",
]);

test('a conflict on a unique index other than the arbiter is 23505, and the table is unchanged', { skip }, async () => {
  for (const sql of [
    "INSERT INTO oc (id, code) VALUES (1, NULL) ON CONFLICT (code) DO NOTHING RETURNING id",
    "INSERT INTO oc (id, code) VALUES (1, 'z') ON CONFLICT (code) DO NOTHING RETURNING id",
    "INSERT INTO oc (id, code, v) VALUES (1, 'z', 9) ON CONFLICT (code) DO UPDATE SET v = 10 RETURNING id",
    "INSERT INTO oc (id, code, v) VALUES (3, 'a', 9) ON CONFLICT (id) DO UPDATE SET v = 10 RETURNING id",
    "INSERT INTO oc (id, code, v) VALUES (4, 'a', 9) ON CONFLICT (id) DO NOTHING RETURNING id",
    "INSERT INTO oc VALUES (9, 'y', 1) ON CONFLICT ON CONSTRAINT oc_code_key DO NOTHING RETURNING *",
    // What the arbiter decides still holds: its conflict does nothing or updates.
    "INSERT INTO oc (id, code, v) VALUES (1, 'a', 9) ON CONFLICT (code) DO NOTHING RETURNING id",
    "INSERT INTO oc VALUES (1, 'c', 3) ON CONFLICT (id) DO UPDATE SET code = 'b' RETURNING *",
    "INSERT INTO oc VALUES (1, 'c', 3) ON CONFLICT (id) DO UPDATE SET v = 2 RETURNING *",
    'INSERT INTO oc VALUES (11, NULL, NULL), (12, NULL, NULL) ON CONFLICT (code) DO NOTHING RETURNING *',
    "INSERT INTO oc VALUES (7, 'r', 70), (7, 's', 80) ON CONFLICT (code) DO NOTHING RETURNING *",
    "INSERT INTO oc VALUES (13, 'a', NULL) ON CONFLICT DO NOTHING RETURNING *",
  ]) {
    assert.deepEqual(await exactOutcome(db().strata, sql), await exactOutcome(db().postgres, sql), sql);
    const table = 'SELECT * FROM oc ORDER BY id';
    assert.deepEqual(await exactOutcome(db().strata, table), await exactOutcome(db().postgres, table), `the table after ${sql}`);
  }
});
