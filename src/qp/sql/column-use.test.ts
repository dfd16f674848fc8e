import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableInfo } from '../catalog/catalog.js';
import type { FromItem, SelectStatement } from './ast.js';
import { ColumnUse } from './column-use.js';
import { loadParser, parseSql } from './parse.js';
import { baseRelations } from './relations.js';

before(loadParser);

/** A table with columns id, a, b, c (only the names matter to the analysis). */
const table = { columns: ['id', 'a', 'b', 'c'].map((name) => ({ name })) } as unknown as TableInfo;

/** The columns each top-level FROM table decodes, by alias or name ('all' for every column). */
function decoded(sql: string): Record<string, string> {
  const statement = parseSql(sql)[0]!.statement as SelectStatement;
  const use = ColumnUse.of(statement);
  const out: Record<string, string> = {};
  for (const item of statement.from.flatMap((i: FromItem) => baseRelations(i))) {
    const columns = use?.columnsFor(item, table) ?? null;
    out[item.alias ?? item.name] = columns === null ? 'all' : columns.map((c) => table.columns[c]!.name).join(',');
  }
  return out;
}

test('column use: names anywhere in the statement, any level, any part of a qualified name', () => {
  assert.deepEqual(decoded('SELECT t.a FROM t'), { t: 'a' });
  assert.deepEqual(decoded('SELECT count(*) FROM t'), { t: '' });
  assert.deepEqual(decoded('SELECT a FROM t ORDER BY c'), { t: 'a,c' });
  assert.deepEqual(decoded('SELECT x.a FROM t x JOIN u y ON y.id = x.id'), { x: 'id,a', y: 'id,a' });
  assert.deepEqual(decoded('SELECT a FROM t JOIN u USING (b)'), { t: 'a,b', u: 'a,b' });
  assert.deepEqual(decoded('SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.c)'), { t: 'id,a,c' });
  assert.deepEqual(decoded('SELECT sum(a) OVER (PARTITION BY b) FROM t'), { t: 'a,b' });
  // `(b).c` is field c of column b; `b.c` may be the same, so b counts as a column name too.
  assert.deepEqual(decoded('SELECT (b).c FROM t'), { t: 'b' });
  assert.deepEqual(decoded('SELECT b.id FROM t'), { t: 'id,b' });
});

test('column use: whole rows under `*`, whole-row references, renamed columns and NATURAL', () => {
  assert.deepEqual(decoded('SELECT * FROM t'), { t: 'all' });
  assert.deepEqual(decoded('SELECT t.* FROM t JOIN u ON u.id = t.id'), { t: 'all', u: 'id' });
  assert.deepEqual(decoded('SELECT row_to_json(x) FROM t x'), { x: 'all' });
  assert.deepEqual(decoded('SELECT a FROM t ORDER BY t'), { t: 'all' });
  assert.deepEqual(decoded('SELECT a FROM t x(a)'), { x: 'all' });
  assert.deepEqual(decoded('SELECT a FROM t NATURAL JOIN u'), { t: 'all', u: 'all' });
  // A `*` in a subquery's select list reads its own tables whole, not the outer ones.
  assert.deepEqual(decoded('SELECT a FROM t WHERE EXISTS (SELECT * FROM u)'), { t: 'a' });
  // A whole-row reference from a subquery reaches the outer table.
  assert.deepEqual(decoded('SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.b = t)'), { t: 'all' });
});
