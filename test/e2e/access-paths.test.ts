/**
 * Access paths (issue 4): key lists (IN, = ANY), ORs of key conditions, IS NULL and BETWEEN read
 * keys, and joins with a bounded outer side read the inner table by key per outer row. Answers
 * are compared with PostgreSQL 15; EXPLAIN shows the read is the index, not the whole table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text)',
  'CREATE TABLE orders (id int PRIMARY KEY, customer_id int, code text NOT NULL, note text)',
  'CREATE TABLE lines (order_id int, line int, qty int, PRIMARY KEY (order_id, line))',
  'CREATE TABLE big (id bigint PRIMARY KEY, v int)',
  "INSERT INTO customers SELECT i, 'customer ' || i, CASE WHEN i % 3 = 0 THEN 'east' ELSE NULL END FROM generate_series(1, 50) AS i",
  "INSERT INTO orders SELECT i, i % 50 + 1, 'c' || lpad(i::text, 4, '0'), CASE WHEN i % 40 = 0 THEN NULL ELSE 'n' || i END FROM generate_series(1, 400) AS i",
  'INSERT INTO lines SELECT i / 3 + 1, i % 3, i FROM generate_series(0, 599) AS i',
  'INSERT INTO big SELECT i, i FROM generate_series(1, 30) AS i',
]);

/** PostgreSQL's CREATE INDEX is DSQL's CREATE INDEX ASYNC: built on each side its own way, once. */
let indexed: Promise<void> | null = null;
function indexes(): Promise<void> {
  indexed ??= createIndexes();
  return indexed;
}

async function createIndexes(): Promise<void> {
  for (const [name, columns] of [['orders_customer', 'customer_id'], ['orders_note', 'note']]) {
    await db().postgres.query(`CREATE INDEX ${name} ON orders (${columns})`);
    const job = (await db().strata.query(`CREATE INDEX ASYNC ${name} ON orders (${columns})`)).rows[0].job_id as string;
    await db().strata.query(`CALL sys.wait_for_job('${job}')`);
  }
  await db().postgres.query('CREATE UNIQUE INDEX orders_code ON orders (code)');
  const job = (await db().strata.query('CREATE UNIQUE INDEX ASYNC orders_code ON orders (code)')).rows[0].job_id as string;
  await db().strata.query(`CALL sys.wait_for_job('${job}')`);
}

async function plan(sql: string): Promise<string> {
  await indexes();
  return (await db().strata.query(`EXPLAIN ${sql}`)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
}

const PRIMARY_KEYS = /Storage Scan on (\w+)\n\s+Index Cond: primary key, several keys/;

test('IN lists, = ANY (array) and ORs of keys read those primary keys', { skip }, async () => {
  await indexes();
  for (const sql of [
    'SELECT id, code FROM orders WHERE id IN (3, 17, 250, 17) ORDER BY id',
    'SELECT id, code FROM orders WHERE id IN (3, 17, 250) ORDER BY id DESC',
    'SELECT id FROM orders WHERE id IN (1, NULL, 3)',
    "SELECT id, code FROM orders WHERE id = ANY ('{5,6,7,399}'::int[]) ORDER BY id",
    'SELECT id FROM orders WHERE id = ANY (ARRAY[8, 9, NULL])',
    "SELECT id FROM orders WHERE id = ANY ('{}'::int[])",
    'SELECT id FROM orders WHERE id = ANY (NULL::int[])',
    'SELECT id FROM orders WHERE id = 10 OR id = 20 OR id = 30',
    "SELECT id FROM orders WHERE (id = 10 OR id = 400) AND code > 'c0100'",
    'SELECT id FROM orders WHERE id = 10 OR id BETWEEN 12 AND 14 OR id > 398',
    'SELECT id FROM orders WHERE id BETWEEN 5 AND 8',
    'SELECT order_id, line FROM lines WHERE order_id IN (4, 5) AND line > 0',
    'SELECT order_id, line FROM lines WHERE order_id IN (4, 5) AND line IN (0, 2)',
    'SELECT order_id, line FROM lines WHERE (order_id = 4 AND line = 1) OR (order_id = 150 AND line = 2)',
    'SELECT order_id, line FROM lines WHERE order_id = 7 OR order_id BETWEEN 20 AND 21',
    'SELECT id FROM big WHERE id IN (1, 2, 40)',
    `SELECT count(*) FROM orders WHERE id IN (${Array.from({ length: 1100 }, (_, i) => i * 2).join(', ')})`,
  ]) await db().same(sql);
  await db().same('SELECT id FROM orders WHERE id = ANY ($1) ORDER BY id', [[3, 4, 1000]]);
  assert.match(await plan('SELECT id FROM orders WHERE id IN (3, 17)'), PRIMARY_KEYS);
  assert.match(await plan("SELECT id FROM orders WHERE id = ANY ('{5,6}'::int[])"), PRIMARY_KEYS);
  assert.match(await plan('SELECT id FROM orders WHERE id = 10 OR id = 20'), PRIMARY_KEYS);
  assert.match(await plan('SELECT order_id FROM lines WHERE (order_id = 4 AND line = 1) OR order_id = 9'), PRIMARY_KEYS);
  assert.match(await plan('SELECT id FROM orders WHERE id BETWEEN 5 AND 8'), /Storage Scan on orders\n\s+Index Cond: primary key range/);
  // bigint keys (DSQL's identity columns) take integer literals of narrower types.
  await db().same('SELECT v FROM big WHERE id = 5');
  await db().same('SELECT v FROM big WHERE id > 27::int2 ORDER BY id');
  assert.match(await plan('SELECT v FROM big WHERE id = 5'), /Storage Lookup on big/);
  assert.match(await plan('SELECT v FROM big WHERE id IN (1, 2, 40)'), PRIMARY_KEYS);
  // An OR with a branch no key bounds reads everything.
  assert.match(await plan("SELECT id FROM orders WHERE id = 10 OR code LIKE 'x%'"), /Storage Scan on orders(?!\n\s+Index Cond)/);
});

test('lists, ORs and IS NULL on a secondary index read that index', { skip }, async () => {
  await indexes();
  for (const sql of [
    'SELECT id FROM orders WHERE customer_id IN (4, 9) ORDER BY id',
    "SELECT id FROM orders WHERE code = 'c0010' OR code = 'c0100' ORDER BY id",
    "SELECT id FROM orders WHERE code IN ('c0011', 'nope') ORDER BY id",
    'SELECT id FROM orders WHERE note IS NULL ORDER BY id',
    'SELECT count(*) FROM orders WHERE note IS NULL AND customer_id > 20',
    'SELECT id FROM orders WHERE note IS NOT NULL AND id < 3 ORDER BY id',
  ]) await db().same(sql);
  assert.match(await plan('SELECT id FROM orders WHERE customer_id IN (4, 9)'), /B-Tree Scan using orders_customer on orders \(index only\)\n\s+Index Cond: several keys/);
  assert.match(await plan("SELECT id FROM orders WHERE code = 'a' OR code = 'b'"), /B-Tree Scan using orders_code on orders/);
  assert.match(await plan('SELECT id FROM orders WHERE note IS NULL'), /B-Tree Scan using orders_note on orders/);
});

test('UPDATE and DELETE find their rows by key lists', { skip }, async () => {
  await indexes();
  for (const sql of [
    "UPDATE orders SET note = 'held' WHERE id IN (11, 12) RETURNING id, note",
    'DELETE FROM lines WHERE order_id = 3 OR order_id = 4 RETURNING order_id, line',
    'SELECT id, note FROM orders WHERE id BETWEEN 10 AND 13 ORDER BY id',
    'SELECT count(*) FROM lines WHERE order_id IN (3, 4, 5)',
  ]) await db().same(sql);
  assert.match(await plan("UPDATE orders SET note = 'x' WHERE id IN (1, 2)"), /^Update on orders\n\s+->  Filter\n\s+->  Storage Scan on orders\n\s+Index Cond: primary key, several keys/);
  assert.match(await plan('DELETE FROM lines WHERE order_id = 3 OR order_id = 4'), /^Delete on lines\n[^]*Index Cond: primary key, several keys/);
});

test('a join with a bounded outer side reads the inner table by key per outer row', { skip }, async () => {
  await indexes();
  for (const sql of [
    'SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 42',
    'SELECT o.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 7 ORDER BY o.id',
    'SELECT v.x, o.code FROM (VALUES (1), (5), (3000), (NULL)) AS v(x) LEFT JOIN orders o ON o.id = v.x ORDER BY 1',
    'SELECT v.x, o.code FROM (VALUES (1), (5), (3000)) AS v(x) JOIN orders o ON o.id = v.x ORDER BY 1',
    'SELECT o.code, v.x FROM orders o RIGHT JOIN (VALUES (2), (4000)) AS v(x) ON o.id = v.x ORDER BY 2',
    'SELECT o.id, c.region FROM orders o LEFT JOIN customers c ON c.id = o.customer_id AND c.region IS NOT NULL WHERE o.id IN (1, 2, 3) ORDER BY 1',
    'SELECT v.a, l.line, l.qty FROM (VALUES (4), (5)) AS v(a) JOIN lines l ON l.order_id = v.a ORDER BY 1, 2',
    'SELECT v.a, l.qty FROM (VALUES (4, 1), (5, 7)) AS v(a, b) LEFT JOIN lines l ON l.order_id = v.a AND l.line = v.b ORDER BY 1',
    'SELECT t.id, o.code FROM (SELECT id FROM customers ORDER BY id LIMIT 3) t JOIN orders o USING (id) ORDER BY 1',
    'SELECT c.id, count(l.line) FROM customers c JOIN orders o ON o.customer_id = c.id JOIN lines l ON l.order_id = o.id WHERE c.id = 12 GROUP BY c.id',
    'SELECT v.x, b.v FROM (VALUES (1::bigint), (2)) AS v(x) JOIN big b ON b.id = v.x ORDER BY 1',
    'SELECT v.x, b.v FROM (VALUES (1), (2)) AS v(x) JOIN big b ON b.id = v.x ORDER BY 1',
    "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id IN (1, 2, 3, 5) AND c.region = 'east' ORDER BY 1",
    'SELECT o.id, (SELECT max(c.name) FROM (VALUES (1), (2)) AS v(x) JOIN customers c ON c.id = v.x WHERE c.id <= o.id) FROM orders o WHERE o.id < 4 ORDER BY 1',
    'SELECT v.x, c.name FROM (VALUES (1), (2)) AS v(x) JOIN customers c ON c.id = v.x FOR UPDATE OF c',
  ]) await db().same(sql);
  const point = await plan('SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 42');
  assert.match(point, /Nested Loop Join\n\s+->  Storage Lookup on orders\n[^]*->  Storage Lookup on customers/);
  const values = await plan('SELECT v.x, o.code FROM (VALUES (1), (5)) AS v(x) LEFT JOIN orders o ON o.id = v.x');
  assert.match(values, /Nested Loop Left Join[^]*->  Storage Lookup on orders/);
  const index = await plan('SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 7');
  assert.match(index, /Nested Loop Join[^]*->  B-Tree Scan using orders_customer on orders/);
  const prefix = await plan('SELECT l.qty FROM (VALUES (4)) AS v(a) JOIN lines l ON l.order_id = v.a');
  assert.match(prefix, /Nested Loop Join[^]*->  Storage Scan on lines\n\s+Index Cond: primary key range/);
  // An outer side the plan does not bound stays a hash join over one scan of each side.
  assert.match(await plan('SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id'), /Hash Join/);
  assert.match(await plan('SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id > 5'), /Hash Join/);
});

test('ORDER BY an index\'s columns with a LIMIT reads the index in order and stops early', { skip }, async () => {
  await indexes();
  for (const sql of [
    'SELECT id, code FROM orders ORDER BY code LIMIT 3',
    'SELECT id, code FROM orders ORDER BY code DESC LIMIT 3 OFFSET 2',
    "SELECT id, code FROM orders WHERE note LIKE 'n1%' ORDER BY code LIMIT 4",
    'SELECT note FROM orders ORDER BY note DESC LIMIT 12',
    'SELECT note FROM orders ORDER BY note LIMIT 3',
    'SELECT note FROM orders ORDER BY note NULLS FIRST LIMIT 3',
    'SELECT o.code FROM orders o ORDER BY o.code LIMIT 2',
    'SELECT code, count(*) FROM orders GROUP BY code ORDER BY code LIMIT 2',
    'SELECT DISTINCT customer_id FROM orders ORDER BY customer_id LIMIT 3',
    'SELECT customer_id, row_number() OVER (ORDER BY id) FROM orders ORDER BY customer_id LIMIT 1',
  ]) await db().same(sql);
  const ascending = await plan('SELECT id, code FROM orders ORDER BY code LIMIT 3');
  assert.match(ascending, /B-Tree Scan using orders_code on orders/);
  assert.doesNotMatch(ascending, /Sort/);
  assert.match(await plan('SELECT id FROM orders ORDER BY code DESC LIMIT 3'), /B-Tree Scan Backward using orders_code on orders/);
  // Without a LIMIT (unless the read is index-only: index-only.test.ts), or with NULLs where the index does not put them, a full scan and a sort.
  assert.match(await plan('SELECT id, note FROM orders ORDER BY code'), /Sort[^]*Storage Scan on orders/);
  assert.match(await plan('SELECT note FROM orders ORDER BY note NULLS FIRST LIMIT 3'), /Sort[^]*Storage Scan on orders/);
});

test('an OR over different indexes reads each branch by its own index, each row once', { skip }, async () => {
  await indexes();
  for (const sql of [
    "SELECT id FROM orders WHERE id = 5 OR code = 'c0007' ORDER BY id",
    "SELECT id FROM orders WHERE id = 5 OR code = 'c0005' ORDER BY id",
    'SELECT id FROM orders WHERE customer_id = 3 OR note IS NULL ORDER BY id',
    'SELECT count(*) FROM orders WHERE customer_id IN (3, 4) OR id < 10',
    "SELECT id FROM orders WHERE (customer_id = 3 OR code = 'c0100') AND id > 100 ORDER BY id",
    "DELETE FROM orders WHERE id = 399 OR code = 'c0398'",
    'SELECT count(*) FROM orders WHERE id BETWEEN 397 AND 400',
  ]) await db().same(sql);
  const union = await plan("SELECT id FROM orders WHERE id = 5 OR code = 'c0007'");
  assert.match(union, /Key Read Union\n\s+->  Storage Scan on orders\n\s+Index Cond: primary key, several keys\n\s+->  B-Tree Scan using orders_code on orders/);
  assert.doesNotMatch(await plan("SELECT id FROM orders WHERE id = 5 OR code LIKE 'c00%'"), /Key Read Union/);
});
