/**
 * Random scalar expressions (test/support/expression-generator.ts, fixed seeds) answered by
 * Strata and by PostgreSQL 15 alike: the value and type, or the error's SQLSTATE and text. A
 * difference found here once (constant folding, strict NULLs, error order, interval input,
 * jsonb paths) stays found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactOutcome, useDifferential } from '../support/differential.js';
import { expressionTable, Random, randomExpression } from '../support/expression-generator.js';

const { skip, db } = useDifferential(expressionTable());

for (const seed of [11, 12, 31, 32]) {
  test(`250 random expressions from seed ${seed} answer as in PostgreSQL`, { skip }, async () => {
    const random = new Random(seed);
    const differences: string[] = [];
    for (let i = 0; i < 250; i++) {
      const sql = `SELECT ${randomExpression(random)} AS x`;
      const strata = await exactOutcome(db().strata, sql);
      const postgres = await exactOutcome(db().postgres, sql);
      try {
        assert.deepStrictEqual(strata, postgres);
      } catch {
        differences.push(`${sql}\n  strata:   ${JSON.stringify(strata)}\n  postgres: ${JSON.stringify(postgres)}`);
      }
    }
    assert.deepEqual(differences, []);
  });
}

for (const seed of [61, 63, 71, 72]) {
  test(`200 random expressions over table columns from seed ${seed} answer as in PostgreSQL, row by row`, { skip }, async () => {
    const random = new Random(seed);
    const differences: string[] = [];
    for (let i = 0; i < 200; i++) {
      const sql = `SELECT k, ${randomExpression(random, 3, true)} AS x FROM expression_table ORDER BY k`;
      const strata = await exactOutcome(db().strata, sql);
      const postgres = await exactOutcome(db().postgres, sql);
      try {
        assert.deepStrictEqual(strata, postgres);
      } catch {
        differences.push(`${sql}\n  strata:   ${JSON.stringify(strata)}\n  postgres: ${JSON.stringify(postgres)}`);
      }
    }
    assert.deepEqual(differences, []);
  });
}
