/**
 * Random schemas and DML sessions (test/support/dml-generator.ts, fixed seeds) answered by Strata
 * and by PostgreSQL 15 alike, statement by statement: INSERT (… SELECT, DEFAULT VALUES, ON
 * CONFLICT DO NOTHING / DO UPDATE), UPDATE (of keys, … FROM, swaps) and DELETE (USING) with
 * RETURNING, in and out of transaction blocks, over primary keys, UNIQUE constraints and unique
 * indexes, CHECK, NOT NULL, defaults, generated and identity columns — the rows, tags and counts
 * or the SQLSTATE, and every table's contents. A data-integrity difference (a unique key not
 * kept, a row overwritten) shows here as tables that differ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';
import { dmlDifferences } from '../support/dml-differential.js';

const { skip, db } = useDifferential([]);

for (const seed of [3, 17, 26, 101]) {
  test(`a DML session of 80 statements from seed ${seed} answers and leaves the tables as in PostgreSQL`, { skip }, async () => {
    assert.deepEqual(await dmlDifferences(db(), seed, 80), []);
  });
}
