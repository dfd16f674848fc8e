/**
 * Catalog records written before CHECK constraints, generated columns and domains still open
 * (their new fields are optional), and the rules a row must satisfy come out of the records.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { SqlError } from '../../contracts/errors.js';
import { CatalogSnapshot, domainKey, tableKey } from '../catalog/catalog.js';
import type { ExecContext } from './compiled.js';
import { loadParser } from './parse.js';
import { RowRules } from './row-rules.js';

before(async () => {
  await loadParser();
});

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const ctx = {} as ExecContext;

/** A TableInfo exactly as the catalog stored it before this feature: no checks, generatedText or domainOid. */
const OLD_TABLE = {
  id: 16384, schema: 'public', name: 'old', primaryKey: [0], indexes: [],
  columns: [{ name: 'id', typeOid: 23, typmod: -1, notNull: true, defaultText: null }, { name: 'v', typeOid: 25, typmod: -1, notNull: false, defaultText: "'x'" }],
};

test('a table record from before CHECK constraints opens and has no rules', () => {
  const catalog = CatalogSnapshot.fromEntries([{ key: tableKey(16384), value: encode(OLD_TABLE) }]);
  const table = catalog.tableById(16384)!;
  assert.equal(table.checks, undefined);
  const rules = new RowRules(table, { catalog, currentSchema: 'public', sessionUser: 'admin', searchPath: ['public'] });
  assert.equal(rules.empty, true);
  assert.equal([...catalog.allDomains()].length, 0);
});

test('checks, generated columns and domains in the records become the rules', () => {
  const domain = { id: 16390, schema: 'public', name: 'posint', baseOid: 23, baseTypmod: -1, notNull: true, defaultText: null, checks: [{ name: 'posint_check', text: 'VALUE > 0', validated: true, noInherit: false }] };
  const table = {
    ...OLD_TABLE, id: 16391, name: 'new',
    columns: [...OLD_TABLE.columns, { name: 'n', typeOid: 23, typmod: -1, notNull: false, defaultText: null, domainOid: 16390 },
      { name: 'g', typeOid: 23, typmod: -1, notNull: false, defaultText: null, generatedText: 'n * 2' }],
    checks: [{ name: 'new_g_check', text: 'g < 100', validated: true, noInherit: false }],
  };
  const catalog = CatalogSnapshot.fromEntries([{ key: domainKey(16390), value: encode(domain) }, { key: tableKey(16391), value: encode(table) }]);
  const rules = new RowRules(catalog.tableById(16391)!, { catalog, currentSchema: 'public', sessionUser: 'admin', searchPath: ['public'] });
  const row = [1, 'x', 7, null];
  rules.prepare(row, ctx);
  assert.deepEqual(row, [1, 'x', 7, 14]);
  rules.check(row, ctx);
  assert.throws(() => rules.prepare([1, 'x', -1, null], ctx), (e: SqlError) => e.code === '23514' && e.message === 'value for domain posint violates check constraint "posint_check"');
  assert.throws(() => rules.prepare([1, 'x', null, null], ctx), (e: SqlError) => e.code === '23502' && e.message === 'domain posint does not allow null values');
  const big = [1, 'x', 60, null];
  rules.prepare(big, ctx);
  assert.throws(() => rules.check(big, ctx), (e: SqlError) => e.code === '23514' && e.detail === 'Failing row contains (1, x, 60, 120).');
});
