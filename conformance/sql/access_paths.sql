-- Access paths (issue 4: "no statement that PostgreSQL answers with an index scan does a full
-- scan in Strata"): statements PostgreSQL answers through an index on tables big enough that
-- it does. `--index-check` explains each one on both servers; the answers are compared as usual.

CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, code text NOT NULL, status text, note text);
CREATE TABLE order_lines (order_id int, line int, qty int, PRIMARY KEY (order_id, line));
INSERT INTO customers SELECT i, 'customer ' || i, CASE WHEN i % 3 = 0 THEN 'east' ELSE 'west' END FROM generate_series(1, 400) AS i;
INSERT INTO orders SELECT i, i % 400 + 1, 'c' || lpad(i::text, 6, '0'), CASE WHEN i % 10 = 0 THEN 'open' ELSE 'done' END,
  CASE WHEN i % 500 = 0 THEN NULL ELSE 'note ' || i END FROM generate_series(1, 2000) AS i;
INSERT INTO order_lines SELECT i / 3 + 1, i % 3, i FROM generate_series(0, 2999) AS i;
CREATE INDEX ASYNC orders_customer ON orders (customer_id);
CREATE UNIQUE INDEX ASYNC orders_code ON orders (code);
CREATE INDEX ASYNC orders_note ON orders (note);

-- Several keys of the primary key: a read per key.
SELECT id, code FROM orders WHERE id IN (3, 17, 250, 17) ORDER BY id;
SELECT id, code FROM orders WHERE id = ANY ('{5,6,7,1999}'::int[]) ORDER BY id;
SELECT id, code FROM orders WHERE id = ANY (ARRAY[8, 9]) ORDER BY id;
SELECT id FROM orders WHERE id = 10 OR id = 20 OR id = 30 ORDER BY id;
SELECT id FROM orders WHERE (id = 10 OR id = 2000) AND status = 'open' ORDER BY id;
SELECT id FROM orders WHERE id IN (1, NULL, 3) ORDER BY id;
SELECT id FROM orders WHERE id = ANY ('{}'::int[]);
SELECT id FROM orders WHERE id = ANY (NULL::int[]);
SELECT order_id, line FROM order_lines WHERE order_id IN (4, 5) AND line > 0 ORDER BY 1, 2;
SELECT order_id, line FROM order_lines WHERE (order_id = 4 AND line = 1) OR (order_id = 900 AND line = 2) ORDER BY 1, 2;
SELECT order_id, line FROM order_lines WHERE order_id = 7 OR order_id BETWEEN 20 AND 21 ORDER BY 1, 2;

-- Several keys of a secondary index.
SELECT id FROM orders WHERE customer_id IN (4, 9) ORDER BY id;
SELECT id FROM orders WHERE code = 'c000010' OR code = 'c001000' ORDER BY id;
SELECT id FROM orders WHERE code IN ('c000011', 'nope') ORDER BY id;

-- IS NULL on an index column.
SELECT id FROM orders WHERE note IS NULL ORDER BY id;
SELECT count(*) FROM orders WHERE note IS NULL AND customer_id > 100;

-- Writes that find their rows by key.
UPDATE orders SET status = 'held' WHERE id IN (11, 12);
DELETE FROM order_lines WHERE order_id = 3 OR order_id = 4;
SELECT id, status FROM orders WHERE id IN (11, 12) ORDER BY id;
SELECT count(*) FROM order_lines WHERE order_id IN (3, 4);

-- Joins whose inner side is read by key per outer row.
SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 42;
SELECT o.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 7 ORDER BY o.id;
SELECT o.id, l.line, l.qty FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.id BETWEEN 10 AND 12 ORDER BY 1, 2;
SELECT v.x, o.code FROM (VALUES (1), (5), (3000)) AS v(x) LEFT JOIN orders o ON o.id = v.x ORDER BY 1;
SELECT v.x, o.code FROM (VALUES (1), (5), (3000)) AS v(x) JOIN orders o ON o.id = v.x ORDER BY 1;
SELECT o.id, c.region FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.id IN (1, 2, 3) ORDER BY 1;
SELECT c.id, count(l.line) FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_lines l ON l.order_id = o.id
  WHERE c.id = 12 GROUP BY c.id;
