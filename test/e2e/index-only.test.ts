/**
 * Index-only reads (issue 4): a query whose columns an index holds (its key columns, INCLUDE
 * columns, the primary key) reads the index alone. Answers are compared with PostgreSQL 15,
 * across the values whose key bytes lose something (numeric scale, float -0, char padding,
 * interval months) and across every write path of the covered columns; EXPLAIN shows the read
 * is index-only. (index-only.test.ts in src/qp/sql counts the row reads at storage.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE prices (id int PRIMARY KEY, amount numeric, f float8, code char(4), span interval, label text, note text)',
  `INSERT INTO prices VALUES
    (1, 1.0, -0.0, 'ab', '1 mon', 'one', 'n1'), (2, 1.00, 0.0, 'ab  ', '30 days', 'two', 'n2'),
    (3, 2.50, 'NaN', 'cd', '1 day', 'three', 'n3'), (4, NULL, NULL, NULL, NULL, NULL, 'n4'),
    (5, -3.125, -1.5, 'z', '-2 hours', 'five', 'n5'), (6, 100, 1e10, 'ab', '1 year', 'six', 'n6')`,
  'CREATE TABLE parts (sku text PRIMARY KEY, price_id int, qty int)',
]);

/** PostgreSQL's CREATE INDEX is DSQL's CREATE INDEX ASYNC: built on each side its own way. */
async function createIndex(columns: string, { name, unique = false }: { name: string; unique?: boolean }): Promise<void> {
  await db().postgres.query(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${name} ON ${columns}`);
  const job = (await db().strata.query(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX ASYNC ${name} ON ${columns}`)).rows[0].job_id as string;
  await db().strata.query(`CALL sys.wait_for_job('${job}')`);
}

let indexed: Promise<void> | null = null;
function indexes(): Promise<void> {
  indexed ??= (async () => {
    await createIndex('prices (amount) INCLUDE (label, span)', { name: 'prices_amount' });
    await createIndex('prices (f, code)', { name: 'prices_f_code' });
    await createIndex('prices (label)', { name: 'prices_label', unique: true });
    await createIndex('parts (price_id) INCLUDE (qty)', { name: 'parts_price' });
  })();
  return indexed;
}

async function plan(sql: string): Promise<string> {
  await indexes();
  return (await db().strata.query(`EXPLAIN ${sql}`)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
}

const COVERED = [
  'SELECT id, amount, label FROM prices WHERE amount = 1.0 ORDER BY id',
  'SELECT amount, label FROM prices WHERE amount >= 1.0 ORDER BY amount, id',
  'SELECT amount::text FROM prices WHERE amount BETWEEN -4.0 AND 2.0 ORDER BY 1',
  "SELECT id, f, code, f::text, length(code) FROM prices WHERE f <= '0' ORDER BY id",
  "SELECT id, code FROM prices WHERE f = '0' AND code = 'ab' ORDER BY id",
  'SELECT id, span, span::text FROM prices WHERE amount < 200.0 ORDER BY id',
  "SELECT id, label FROM prices WHERE label IN ('one', 'six', 'none') ORDER BY id",
  "SELECT label FROM prices WHERE label = 'three'",
  'SELECT count(*) FROM prices WHERE amount > 0.0',
];

test('covered queries read the index alone and answer as PostgreSQL, with scales, -0, padding and months intact', { skip }, async () => {
  await indexes();
  for (const sql of COVERED) await db().same(sql);
  for (const sql of COVERED) assert.match(await plan(sql), /B-Tree Scan using \w+ on prices \(index only\)/, sql);
  // A column the index does not hold: the row is read after the entry.
  assert.doesNotMatch(await plan('SELECT note FROM prices WHERE amount = 1.0'), /index only/);
  await db().same('SELECT id, note FROM prices WHERE amount = 1.0 ORDER BY id');
});

test('every write of a covered column is seen through the index alone', { skip }, async () => {
  await indexes();
  for (const sql of [
    "UPDATE prices SET label = 'uno' WHERE id = 1",
    'UPDATE prices SET amount = 1.000 WHERE id = 2',
    "UPDATE prices SET f = -0.0, code = 'ab ' WHERE id = 6",
    "UPDATE prices SET span = '2 mons' WHERE id = 3",
    'UPDATE prices SET id = 50 WHERE id = 5',
    'DELETE FROM prices WHERE id = 4',
    "INSERT INTO prices VALUES (7, 1.0000, 0, 'ab', '60 days', 'seven', 'n7')",
    "INSERT INTO prices VALUES (7, 9, 9, 'x', '1 day', 'dup', 'n') ON CONFLICT (id) DO UPDATE SET label = 'upserted', amount = 1.0",
    "INSERT INTO prices VALUES (8, 8, 8, 'x', '1 day', 'two', 'n') ON CONFLICT (label) DO UPDATE SET amount = 1.00000",
    "INSERT INTO prices VALUES (9, 9, 9, 'x', '1 day', 'six', 'n') ON CONFLICT (label) DO NOTHING",
    "INSERT INTO prices VALUES (10, 10, 10, 'x', '1 day', 'uno', 'n')",
    ...COVERED,
    'SELECT id, amount, label FROM prices WHERE amount < 2.0 ORDER BY id',
    "SELECT id, f, code FROM prices WHERE f = '0' ORDER BY id",
  ]) await db().same(sql);
});

test('a transaction reads its own writes through the index alone, and a rollback leaves none', { skip }, async () => {
  await indexes();
  for (const sql of [
    'BEGIN',
    "UPDATE prices SET label = 'mine' WHERE id = 3",
    "SELECT id, label FROM prices WHERE amount = 2.50",
    'ROLLBACK',
    'SELECT id, label FROM prices WHERE amount = 2.50',
  ]) await db().same(sql);
});

test('foreign keys to a unique index, ADD CONSTRAINT … USING INDEX and DROP COLUMN keep covered entries right', { skip }, async () => {
  await indexes();
  for (const sql of [
    'ALTER TABLE prices ADD CONSTRAINT prices_label_key UNIQUE USING INDEX prices_label',
    "SELECT id, label FROM prices WHERE label > 's' ORDER BY label",
    'CREATE TABLE holders (id int PRIMARY KEY, label text REFERENCES prices (label))',
    "INSERT INTO holders VALUES (1, 'six'), (2, 'seven')",
    "INSERT INTO holders VALUES (3, 'nope')",
    "INSERT INTO parts VALUES ('six', 6, 1), ('seven', 7, 2)",
    "DELETE FROM prices WHERE label = 'six'",
    "UPDATE prices SET label = 'sept' WHERE label = 'seven'",
    'SELECT sku, price_id, qty FROM parts WHERE price_id > 0 ORDER BY sku',
    // Dropping f drops prices_f_code and moves the later columns: prices_amount's entries stay readable.
    'ALTER TABLE prices DROP COLUMN f',
    'SELECT id, amount, label, span FROM prices WHERE amount >= 1.0 ORDER BY id',
    "INSERT INTO prices VALUES (11, 1.0, 'q', '3 mons', 'eleven', 'n11')",
    "UPDATE prices SET span = '5 days' WHERE id = 7",
    'SELECT id, amount, label, span FROM prices WHERE amount >= 1.0 ORDER BY id',
  ]) await db().same(sql);
  assert.match(await plan("SELECT id, label FROM prices WHERE label > 's'"), /B-Tree Scan using prices_label_key on prices \(index only\)/);
  assert.match(await plan('SELECT id, amount, label, span FROM prices WHERE amount >= 1.0'), /B-Tree Scan using prices_amount on prices \(index only\)/);
  assert.match(await plan('SELECT sku, qty FROM parts WHERE price_id > 0'), /B-Tree Scan using parts_price on parts \(index only\)/);
});

test('ORDER BY an index without a LIMIT: read in order when a WHERE bound narrows the index or the read is index-only', { skip }, async () => {
  await indexes();
  const ordered = [
    'SELECT id, label FROM prices ORDER BY label',
    'SELECT id, label FROM prices ORDER BY label DESC',
    'SELECT label, id FROM prices ORDER BY 1',
    'SELECT p.label FROM prices p ORDER BY p.label DESC',
    "SELECT id, note FROM prices WHERE label > 'o' ORDER BY label",
    "SELECT id, note FROM prices WHERE label BETWEEN 'a' AND 't' ORDER BY label DESC",
    'SELECT id, amount, label FROM prices WHERE amount > 1.5 ORDER BY amount DESC',
  ];
  for (const sql of ordered) await db().same(sql);
  for (const sql of ordered) assert.doesNotMatch(await plan(sql), /Sort/, sql);
  assert.match(await plan('SELECT id, label FROM prices ORDER BY label DESC'), /B-Tree Scan Backward using prices_label\w* on prices \(index only\)/);
  assert.match(await plan("SELECT id, note FROM prices WHERE label > 'o' ORDER BY label"), /B-Tree Scan using prices_label\w* on prices\n/);
  // Still sorted: an uncovered read with no bound (a row lookup per entry costs more than a
  // scan), NULLs where the index does not put them.
  const sorted = ['SELECT id, note FROM prices ORDER BY label', 'SELECT id, label FROM prices ORDER BY label NULLS FIRST'];
  for (const sql of sorted) await db().same(sql);
  for (const sql of sorted) assert.match(await plan(sql), /^Sort/m, sql);
  // A bare ORDER BY name is the output column of that name, whichever input column it shows.
  for (const sql of [
    'SELECT label AS id, id AS label FROM prices ORDER BY id',
    'SELECT label AS id, id AS label FROM prices ORDER BY label DESC',
    'SELECT label AS id, id AS label FROM prices ORDER BY 2',
  ]) await db().same(sql);
});

test('a LATERAL join keeps its left side\'s index order, as PostgreSQL\'s nested loop does', { skip }, async () => {
  await indexes();
  const sql = 'SELECT p.label, x.qty FROM prices p CROSS JOIN LATERAL (SELECT qty FROM parts WHERE parts.price_id = p.id ORDER BY qty DESC LIMIT 1) x ORDER BY 1';
  await db().same(sql);
  const text = await plan(sql);
  assert.doesNotMatch(text, /^Sort/m);
  assert.match(text, /Nested Loop Join \(LATERAL\)\n\s+->  B-Tree Scan using prices_label\w* on prices \(index only\)/);
});

test('an equality on an index\'s leading column, then ORDER BY the next: the range is read in order', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE events (id int PRIMARY KEY, kind text, at int, payload text)',
    "INSERT INTO events SELECT g, CASE g % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' ELSE 'c' END, (g * 7) % 100, 'p' || g FROM generate_series(1, 90) g",
  ]) await db().same(sql);
  await createIndex('events (kind, at)', { name: 'events_kind_at' });
  const ordered = [
    "SELECT id, at, payload FROM events WHERE kind = 'b' ORDER BY at",
    "SELECT id, at FROM events WHERE kind = 'b' ORDER BY at DESC",
    "SELECT kind, at FROM events WHERE kind = 'c' ORDER BY kind, at",
    "SELECT at, payload FROM events WHERE kind = 'a' AND at > 40 ORDER BY at DESC",
  ];
  for (const sql of ordered) await db().same(sql);
  for (const sql of ordered) assert.doesNotMatch(await plan(sql), /Sort/, sql);
  assert.match(await plan("SELECT id, at FROM events WHERE kind = 'b' ORDER BY at DESC"), /B-Tree Scan Backward using events_kind_at on events \(index only\)/);
  // A range (not an equality) on the leading column: rows come in (kind, at) order, not at's.
  const sorted = "SELECT kind, at FROM events WHERE kind > 'a' ORDER BY at, kind";
  await db().same(sorted);
  assert.match(await plan(sorted), /^Sort/m);
});
