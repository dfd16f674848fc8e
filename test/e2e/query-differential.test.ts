/**
 * Random query shapes (test/support/query-generator.ts, fixed seeds) answered by Strata and by
 * PostgreSQL 15 alike over one small schema: joins, subqueries, grouping, windows, set
 * operations, WITH and ORDER BY/LIMIT — the rows (as a multiset where their order is not
 * determined), column names and types, or the error's SQLSTATE.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';
import { QueryGenerator, queryAnswer, queryTables } from '../support/query-generator.js';

const { skip, db } = useDifferential(queryTables());

for (const seed of [1, 2, 3]) {
  test(`100 random queries from seed ${seed} answer as in PostgreSQL`, { skip }, async () => {
    const generator = new QueryGenerator(seed);
    const found: string[] = [];
    for (let i = 0; i < 100; i++) {
      const query = generator.next();
      const strata = await queryAnswer(db().strata, query);
      const postgres = await queryAnswer(db().postgres, query);
      try {
        assert.deepStrictEqual(strata, postgres);
      } catch {
        found.push(`${query.sql}\n  strata:   ${JSON.stringify(strata)}\n  postgres: ${JSON.stringify(postgres)}`);
      }
    }
    assert.deepEqual(found, []);
  });
}
