/**
 * The conformance harness's `--index-check` (issue 4): the plan readers on PostgreSQL's and
 * Strata's EXPLAIN text, and the check run over the project's own corpus (conformance/sql),
 * which fails when a statement PostgreSQL answers through an index makes Strata scan a table.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadAnalyzer } from '../../conformance/analysis.js';
import { allFiles } from '../../conformance/corpus.js';
import { Endpoint } from '../../conformance/endpoint.js';
import { IndexCheck, indexGaps, postgresReads, strataReads, type StrataIndex } from '../../conformance/index-check.js';
import { FileRunner } from '../../conformance/runner.js';
import { preparePostgres } from '../../conformance/servers.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';

const skip = postgresUnavailableReason() ?? false;

const POSTGRES_BITMAP = [
  'Sort  (cost=27.11..27.12 rows=4 width=36)',
  '  Sort Key: id',
  '  ->  Bitmap Heap Scan on orders o  (cost=17.14..27.00 rows=4 width=36)',
  "        Recheck Cond: (id = ANY ('{3,17}'::integer[]))",
  '        ->  Bitmap Index Scan on orders_pkey  (cost=0.00..17.14 rows=4 width=0)',
  "              Index Cond: (id = ANY ('{3,17}'::integer[]))",
];

const POSTGRES_NESTED = [
  'Nested Loop  (cost=0.43..16.48 rows=1 width=40)',
  '  ->  Index Scan using orders_pkey on orders o  (cost=0.28..8.29 rows=1 width=8)',
  '        Index Cond: (id = 42)',
  '  ->  Index Scan using customers_pkey on customers c  (cost=0.15..8.17 rows=1 width=36)',
  '        Index Cond: (id = o.customer_id)',
  '  ->  Index Only Scan using orders_pkey on orders  (cost=0.15..63.45 rows=1020 width=4)',
  '  ->  Seq Scan on lines  (cost=0.00..35.50 rows=2550 width=8)',
];

const strataHas = (table: string, index: string): StrataIndex => (index === `${table}_pkey` ? 'primary' : index === 'orders_customer' ? 'secondary' : 'none');

test('PostgreSQL plans: index, index-only and bitmap reads by relation; bounded or end to end', () => {
  assert.deepEqual(postgresReads(POSTGRES_BITMAP).map((r) => [r.table, r.indexes, r.bounded]), [['orders', ['orders_pkey'], true]]);
  assert.deepEqual(postgresReads(POSTGRES_NESTED).map((r) => [r.table, r.indexes, r.bounded]), [
    ['orders', ['orders_pkey'], true], ['customers', ['customers_pkey'], true], ['orders', ['orders_pkey'], false], ['lines', [], false],
  ]);
});

test('a relation PostgreSQL reads by index and Strata scans in full is a gap; a key read is not', () => {
  const full = strataReads(['Hash Join', '  ->  Storage Lookup on orders', '        Index Cond: primary key', '  ->  Storage Scan on customers']);
  assert.deepEqual(full.map((r) => [r.table, r.indexes.length > 0]), [['orders', true], ['customers', false]]);
  assert.deepEqual(indexGaps(postgresReads(POSTGRES_NESTED), full, strataHas).map((r) => r.table), ['customers']);
  const keyed = strataReads(['Nested Loop Join', '  ->  Storage Lookup on orders', '  ->  Storage Scan on customers', '        Index Cond: primary key range']);
  assert.deepEqual(indexGaps(postgresReads(POSTGRES_NESTED), keyed, strataHas), []);
  // An index Strata does not have (a plain CREATE INDEX, which DSQL refuses) is not compared.
  assert.deepEqual(indexGaps(postgresReads(POSTGRES_NESTED), full, () => 'none'), []);
  // A primary key read end to end is a full scan in PostgreSQL's own terms too.
  assert.deepEqual(indexGaps(postgresReads(['Index Only Scan using orders_pkey on orders']), strataReads(['Storage Scan on orders']), strataHas), []);
  assert.equal(indexGaps(postgresReads(POSTGRES_BITMAP), strataReads(['Storage Scan on orders']), strataHas).length, 1);
});

let postgres: TestPostgres;
let strata: TestCluster;

before(async () => {
  await loadAnalyzer();
  if (skip) return;
  [postgres, strata] = await Promise.all([startPostgres(), startTestCluster()]);
});

after(async () => {
  await strata?.stop();
  await postgres?.stop();
});

/**
 * Statements of the project corpus PostgreSQL still reads by index where Strata does not: none
 * (the last, dept read in name order through its unique index to skip a sort, is now an
 * index-only read in order: docs/sql.md).
 */
const KNOWN: string[] = [];

test('the project corpus: every statement PostgreSQL reads by index, Strata reads by key', { skip }, async () => {
  const pgConfig = await preparePostgres(postgres, 10_000);
  const check = new IndexCheck();
  const runner = new FileRunner(
    { endpoint: new Endpoint('PostgreSQL', async () => pgConfig, 12_000) },
    { endpoint: new Endpoint('Strata', () => strata.config(), 10_000) },
    { passed: check.statementPassed.bind(check) },
  );
  let n = 0;
  for (const file of allFiles(null)) {
    const schema = `index_check_${++n}`;
    await runner.run(file, file.open(), schema);
  }
  assert.ok(check.explained > 100, `only ${check.explained} statements explained`);
  assert.deepEqual(check.gaps.map((g) => `${g.file} ${g.table}`), KNOWN, check.report().join('\n'));
});
