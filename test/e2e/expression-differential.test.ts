/**
 * Random scalar expressions (test/support/expression-generator.ts, fixed seeds) answered by
 * Strata and by PostgreSQL 15 alike: the value and type, or the error's SQLSTATE and text — of
 * constants (folded when planned) and over a table's columns (evaluated row by row). A
 * difference found here once (constant folding, strict NULLs, error order, interval input and
 * division, jsonb paths, rint's -0) stays found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactOutcome, useDifferential } from '../support/differential.js';
import { expressionTable, Random, randomExpression } from '../support/expression-generator.js';

const { skip, db } = useDifferential(expressionTable());

/** The statements `next` makes whose answers differ between the servers (-0 and 0 differ too), each with both answers. */
async function differences(count: number, next: () => string): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < count; i++) {
    const sql = next();
    const strata = await exactOutcome(db().strata, sql);
    const postgres = await exactOutcome(db().postgres, sql);
    try {
      assert.deepStrictEqual(strata, postgres);
    } catch {
      found.push(`${sql}\n  strata:   ${JSON.stringify(strata)}\n  postgres: ${JSON.stringify(postgres)}`);
    }
  }
  return found;
}

for (const seed of [11, 12, 31, 32]) {
  test(`250 random expressions from seed ${seed} answer as in PostgreSQL`, { skip }, async () => {
    const random = new Random(seed);
    assert.deepEqual(await differences(250, () => `SELECT ${randomExpression(random)} AS x`), []);
  });
}

for (const seed of [61, 63, 71, 72]) {
  test(`200 random expressions over table columns from seed ${seed} answer as in PostgreSQL, row by row`, { skip }, async () => {
    const random = new Random(seed);
    assert.deepEqual(await differences(200, () => `SELECT k, ${randomExpression(random, 3, true)} AS x FROM expression_table ORDER BY k`), []);
  });
}
