-- The SQL surface DSQL supports (issue 4): types and expressions, joins, subqueries, CTEs,
-- set operations, window functions, grouping sets, views, sequences, domains, SQL functions,
-- foreign keys, CHECK and generated columns, JSON. Every statement here is expected to answer
-- as PostgreSQL 15 does.

CREATE TABLE dept (id int PRIMARY KEY, name text NOT NULL UNIQUE, budget numeric(12,2));
CREATE TABLE emp (
  id int PRIMARY KEY,
  name varchar(40) NOT NULL,
  dept_id int,
  salary numeric(10,2),
  hired date,
  manager_id int,
  bonus_pct real,
  active boolean DEFAULT true
);
INSERT INTO dept VALUES (1, 'eng', 1000000), (2, 'ops', 250000.50), (3, 'sales', NULL), (4, 'empty', 0);
INSERT INTO emp VALUES
  (1, 'Ada', 1, 200000, '2015-03-01', NULL, 0.15, true),
  (2, 'Brian', 1, 150000, '2018-07-15', 1, 0.1, true),
  (3, 'Chen', 2, 90000.50, '2020-01-10', 1, NULL, true),
  (4, 'Dora', 2, 85000, '2021-11-30', 3, 0.05, false),
  (5, 'Eve', 3, 120000, '2019-05-05', 1, 0.2, true),
  (6, 'Farid', NULL, 60000, NULL, 5, NULL, true),
  (7, 'Gita', 1, 175000.25, '2016-09-09', 1, 0.12, true);
INSERT INTO emp VALUES (1, 'Dup', 1, 5, NULL, NULL, NULL, true);
INSERT INTO dept VALUES (5, 'eng', 1);

-- Expressions, operators, casts
SELECT 1 + 2 * 3, 7 / 2, 7 % 3, 2 ^ 10, -5 / 2, 7.0 / 2;
SELECT 10::numeric / 3, round(10::numeric / 3, 4), trunc(2.789, 1), ceil(1.2), floor(-1.2), abs(-4);
SELECT 1e300::float8 * 10, 'NaN'::float8, 'Infinity'::numeric IS NOT NULL;
SELECT 2147483647::int + 1;
SELECT 9223372036854775807::bigint + 1;
SELECT 1 / 0;
SELECT '12'::int + 1, '3.5'::numeric * 2, 'true'::boolean AND false, 'abc'::text || 1;
SELECT 'x'::int;
SELECT CAST(42 AS text), 42::varchar(1), 'hello'::char(3), length('hello'::char(10));
SELECT 12345678901234567890.123456789::numeric * 1000000, 0.1::numeric + 0.2;
SELECT sqrt(2::float8), power(2, 0.5), exp(1), ln(10), log(100), pi();
SELECT greatest(1, 5, 3), least('b', 'a', 'c'), coalesce(NULL, NULL, 3), nullif(5, 5), nullif(5, 6);
SELECT 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL, NULL = NULL, 1 BETWEEN 0 AND 2;
SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' ELSE 'c' END, CASE 3 WHEN 1 THEN 'one' ELSE 'other' END;

-- Text
SELECT upper('abc'), lower('ABC'), initcap('hello world'), length('héllo'), octet_length('héllo');
SELECT substr('hello', 2, 3), substring('hello' FROM 2 FOR 2), position('l' IN 'hello'), strpos('hello', 'lo');
SELECT trim('  x  '), ltrim('xxy', 'x'), rtrim('yxx', 'x'), btrim('--a--', '-'), lpad('7', 3, '0'), rpad('a', 3, '.');
SELECT replace('banana', 'an', 'AN'), reverse('abc'), repeat('ab', 3), split_part('a,b,c', ',', 2), left('hello', 2), right('hello', 2);
SELECT concat('a', NULL, 'b', 1), concat_ws('-', 'a', NULL, 'b'), format('%s has %s', 'Ada', 3), format('%I.%L', 'T', 'it''s');
SELECT 'abc' LIKE 'a%', 'ABC' ILIKE 'a_c', 'abc' NOT LIKE '%d', 'a_c' LIKE 'a\_c', 'abc' SIMILAR TO '(a|b)%';
SELECT 'abc123' ~ '[0-9]+', 'ABC' ~* 'abc', regexp_replace('a1b2', '[0-9]', 'X', 'g'), regexp_match('key=val', '(\w+)=(\w+)');
SELECT md5('abc'), to_hex(255), ascii('A'), chr(66), starts_with('hello', 'he');
SELECT string_to_array('a,b,c', ','), array_to_string(ARRAY[1, 2, 3], '|'), quote_ident('Mixed'), quote_literal('it''s');

-- Date and time
SELECT date '2024-02-28' + 1, date '2024-03-01' - date '2024-02-01', date '2024-01-31' + interval '1 month';
SELECT timestamp '2024-01-01 10:00' + interval '90 minutes', timestamp '2024-01-02' - timestamp '2024-01-01 12:00';
SELECT extract(year FROM date '2024-05-06'), extract(dow FROM date '2024-05-06'), date_part('month', timestamp '2024-05-06 07:08:09');
SELECT date_trunc('month', timestamp '2024-05-06 07:08:09'), date_trunc('hour', timestamptz '2024-05-06 07:08:09+00');
SELECT interval '1 day 2 hours' * 3, interval '1 year' - interval '1 day', justify_hours(interval '30 hours');
SELECT timestamptz '2024-01-01 12:00:00+02', timestamptz '2024-01-01 12:00:00+02' AT TIME ZONE 'UTC';
SELECT to_char(date '2024-05-06', 'YYYY/MM/DD'), to_date('06.05.2024', 'DD.MM.YYYY'), make_date(2024, 2, 29);
SELECT age(timestamp '2024-05-06', timestamp '2020-01-01');
SELECT '2024-02-30'::date;

-- Joins
SELECT e.name, d.name FROM emp e JOIN dept d ON d.id = e.dept_id ORDER BY e.id;
SELECT e.name, d.name FROM emp e LEFT JOIN dept d ON d.id = e.dept_id ORDER BY e.id;
SELECT e.name, d.name FROM emp e RIGHT JOIN dept d ON d.id = e.dept_id ORDER BY d.id, e.id;
SELECT e.name, d.name FROM emp e FULL JOIN dept d ON d.id = e.dept_id ORDER BY d.id, e.id;
SELECT count(*) FROM emp CROSS JOIN dept;
SELECT e.name, m.name AS manager FROM emp e LEFT JOIN emp m ON m.id = e.manager_id ORDER BY e.id;
SELECT name FROM emp JOIN dept USING (id) ORDER BY 1;
SELECT * FROM emp NATURAL JOIN dept ORDER BY id;
SELECT d.name, e.name FROM dept d JOIN emp e ON e.dept_id = d.id AND e.salary > 100000 ORDER BY 1, 2;
SELECT * FROM (emp e JOIN dept d ON d.id = e.dept_id) AS j ORDER BY 1;
SELECT j.k, j.name FROM (emp JOIN dept USING (id)) AS j (k) ORDER BY 1;
SELECT j FROM (emp JOIN dept USING (id)) AS j ORDER BY 1;
SELECT e.name FROM (emp e JOIN dept d ON d.id = e.dept_id) AS j;
SELECT j.id FROM (emp e JOIN dept d ON d.id = e.dept_id) AS j;
SELECT id FROM (emp JOIN dept USING (id)) AS j (k);
SELECT * FROM (emp JOIN dept USING (id)) AS j (a, b, c, d, e, f, g, h, i, k, l, m);
SELECT * FROM emp, (emp JOIN dept USING (id)) AS j WHERE emp.id = j.id ORDER BY 1;
SELECT * FROM (emp JOIN dept USING (id)) AS j ORDER BY 1 FOR UPDATE;
SELECT * FROM (emp JOIN dept USING (id)) AS j ORDER BY 1 FOR UPDATE OF dept;
SELECT * FROM (emp JOIN dept USING (id)) AS j FOR UPDATE OF j;

-- Subqueries
SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY name;
SELECT name FROM emp WHERE dept_id IN (SELECT id FROM dept WHERE budget > 100000) ORDER BY name;
SELECT name FROM emp WHERE dept_id NOT IN (SELECT id FROM dept WHERE budget IS NULL) ORDER BY name;
SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id) ORDER BY name;
SELECT name FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id) ORDER BY name;
SELECT name, (SELECT count(*) FROM emp e WHERE e.dept_id = d.id) AS n FROM dept d ORDER BY id;
SELECT e.name FROM emp e WHERE e.salary = (SELECT max(salary) FROM emp x WHERE x.dept_id = e.dept_id) ORDER BY 1;
SELECT name FROM emp WHERE salary > ALL (SELECT salary FROM emp WHERE dept_id = 2) ORDER BY 1;
SELECT name FROM emp WHERE salary < ANY (SELECT salary FROM emp WHERE dept_id = 2) ORDER BY 1;
SELECT d.name, top.name FROM dept d CROSS JOIN LATERAL (SELECT name FROM emp e WHERE e.dept_id = d.id ORDER BY salary DESC LIMIT 1) top ORDER BY 1;
SELECT s.n, s.n * 2 FROM (SELECT id AS n FROM emp WHERE id < 4) s ORDER BY 1;
SELECT (SELECT name FROM emp WHERE id = 100);
SELECT no_such_schema.f(1);
SELECT 1::no_such_schema.t;
SELECT 1 OPERATOR(no_such_schema.+) 2;
SELECT * FROM no_such_schema.f();
SELECT 'no_such_schema.f'::regproc;
SELECT public.no_such_function(1, 'a');
SELECT (SELECT name FROM emp);

-- CTEs
WITH rich AS (SELECT * FROM emp WHERE salary > 100000) SELECT name FROM rich ORDER BY name;
WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM a, b;
WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT sum(n), count(*) FROM t;
WITH RECURSIVE chain AS (
  SELECT id, name, manager_id, 0 AS depth FROM emp WHERE manager_id IS NULL AND dept_id IS NOT NULL
  UNION ALL
  SELECT e.id, e.name, e.manager_id, c.depth + 1 FROM emp e JOIN chain c ON e.manager_id = c.id
) SELECT name, depth FROM chain ORDER BY depth, name;
WITH moved AS (UPDATE emp SET bonus_pct = bonus_pct WHERE id = 1 RETURNING id) SELECT count(*) FROM moved;

-- Set operations
SELECT dept_id FROM emp UNION SELECT id FROM dept ORDER BY 1;
SELECT dept_id FROM emp UNION ALL SELECT id FROM dept ORDER BY 1;
SELECT id FROM dept INTERSECT SELECT dept_id FROM emp ORDER BY 1;
SELECT id FROM dept EXCEPT SELECT dept_id FROM emp ORDER BY 1;
SELECT dept_id FROM emp INTERSECT ALL SELECT dept_id FROM emp WHERE salary > 100000 ORDER BY 1;
SELECT dept_id FROM emp EXCEPT ALL SELECT id FROM dept ORDER BY 1;
SELECT 1 UNION SELECT 'a';

-- Aggregates, GROUP BY, window functions
SELECT dept_id, count(*), sum(salary), avg(salary), min(hired), max(name) FROM emp GROUP BY dept_id ORDER BY dept_id;
SELECT dept_id, count(*) FROM emp GROUP BY dept_id HAVING count(*) > 1 ORDER BY 1;
SELECT count(DISTINCT dept_id), count(bonus_pct), bool_and(active), bool_or(active), string_agg(name, ',' ORDER BY name) FROM emp;
SELECT array_agg(id ORDER BY id DESC), avg(bonus_pct)::numeric(10,4), stddev(salary)::numeric(12,2), variance(id) FROM emp;
SELECT dept_id, active, count(*) FROM emp GROUP BY ROLLUP (dept_id, active) ORDER BY 1, 2;
SELECT dept_id, active, count(*) FROM emp GROUP BY CUBE (dept_id, active) ORDER BY 1, 2;
SELECT dept_id, active, count(*), grouping(dept_id, active) FROM emp GROUP BY GROUPING SETS ((dept_id), (active), ()) ORDER BY 1, 2;
SELECT name, salary, rank() OVER (ORDER BY salary DESC), dense_rank() OVER (ORDER BY dept_id), row_number() OVER (PARTITION BY dept_id ORDER BY salary) FROM emp ORDER BY id;
SELECT name, sum(salary) OVER (PARTITION BY dept_id), sum(salary) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp ORDER BY id;
SELECT name, lag(name) OVER w, lead(name, 2) OVER w, first_value(name) OVER w, last_value(name) OVER (ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM emp WINDOW w AS (ORDER BY id) ORDER BY id;
SELECT name, ntile(3) OVER (ORDER BY id), percent_rank() OVER (ORDER BY salary), cume_dist() OVER (ORDER BY salary) FROM emp ORDER BY id;
SELECT DISTINCT dept_id FROM emp ORDER BY 1;
SELECT DISTINCT ON (dept_id) dept_id, name FROM emp ORDER BY dept_id, salary DESC;
SELECT name FROM emp ORDER BY salary DESC LIMIT 3;
SELECT name FROM emp ORDER BY id OFFSET 2 LIMIT 2;
SELECT name FROM emp ORDER BY id FETCH FIRST 2 ROWS ONLY;
SELECT name FROM emp ORDER BY dept_id NULLS FIRST, id;

-- VALUES, generate_series, unnest, arrays at query time
VALUES (1, 'a'), (2, 'b') ORDER BY 1 DESC;
SELECT * FROM (VALUES (1, 'x'), (2, 'y')) AS v(n, s) WHERE n > 1;
SELECT * FROM generate_series(1, 5);
SELECT * FROM generate_series(10, 1, -3);
SELECT generate_series(date '2024-01-01', date '2024-01-03', interval '1 day');
SELECT * FROM unnest(ARRAY[3, 1, 2]) WITH ORDINALITY AS u(v, i) ORDER BY i;
SELECT ARRAY[1, 2] || 3, array_length(ARRAY[1, 2, 3], 1), (ARRAY[10, 20, 30])[2], 2 = ANY (ARRAY[1, 2]), cardinality(ARRAY['a']);
SELECT unnest(ARRAY['a', 'b']), 1;

-- JSON
CREATE TABLE docs (id int PRIMARY KEY, body jsonb, raw json);
INSERT INTO docs VALUES (1, '{"a": 1, "b": [1, 2, {"c": "x"}]}', '{"k": "v"}'), (2, '{"a": 2, "tags": ["t1"]}', '[1, 2]'), (3, NULL, 'null');
SELECT id, body -> 'a', body ->> 'a', body #> '{b,2}', body #>> '{b,2,c}', raw -> 'k' FROM docs ORDER BY id;
SELECT id FROM docs WHERE body @> '{"a": 2}' ORDER BY id;
SELECT id, body ? 'tags', jsonb_typeof(body -> 'b'), jsonb_array_length(body -> 'b') FROM docs ORDER BY id;
SELECT jsonb_build_object('x', 1, 'y', ARRAY[1, 2]), json_build_array(1, 'a', NULL), to_jsonb('text'::text), '{"b":1,"a":2}'::jsonb;
SELECT key, value FROM jsonb_each('{"a": 1, "b": "two"}') ORDER BY key;
SELECT jsonb_agg(id ORDER BY id), json_object_agg(id, id) FROM docs;
SELECT '{"a": 1}'::jsonb || '{"b": 2}', '{"a": 1, "b": 2}'::jsonb - 'a', jsonb_set('{"a": 1}', '{a}', '5');
SELECT 'not json'::jsonb;

-- DML
UPDATE emp SET salary = salary * 1.1 WHERE dept_id = 2 RETURNING id, salary;
UPDATE emp SET salary = 1 WHERE id = -1;
DELETE FROM emp WHERE id = 6 RETURNING name;
INSERT INTO emp (id, name, dept_id, salary) VALUES (10, 'Ivy', 2, 50000) RETURNING *;
INSERT INTO dept VALUES (1, 'eng2', 1) ON CONFLICT (id) DO NOTHING;
INSERT INTO dept VALUES (1, 'eng', 5) ON CONFLICT (id) DO UPDATE SET budget = excluded.budget RETURNING budget;
INSERT INTO dept SELECT id + 10, name || '-copy', budget FROM dept WHERE id < 3;
UPDATE emp e SET dept_id = d.id FROM dept d WHERE d.name = 'sales' AND e.id = 10;
DELETE FROM dept WHERE id IN (11, 12);
DELETE FROM dept WHERE id = 1;
SELECT id, name, dept_id, salary FROM emp ORDER BY id;

-- Views
CREATE VIEW eng AS SELECT id, name, salary FROM emp WHERE dept_id = 1;
SELECT * FROM eng ORDER BY id;
CREATE OR REPLACE VIEW eng AS SELECT id, name, salary, hired FROM emp WHERE dept_id = 1;
SELECT name, hired FROM eng WHERE salary > 160000 ORDER BY 1;
CREATE VIEW dept_totals AS SELECT d.name, count(e.id) AS n, sum(e.salary) AS total FROM dept d LEFT JOIN emp e ON e.dept_id = d.id GROUP BY d.name;
SELECT * FROM dept_totals ORDER BY name;
DROP VIEW dept_totals;
DROP VIEW eng;
SELECT * FROM eng;

-- Sequences and identity
CREATE SEQUENCE order_no CACHE 1 START 100 INCREMENT 5;
SELECT nextval('order_no'), nextval('order_no');
SELECT setval('order_no', 500), nextval('order_no');
CREATE TABLE tickets (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY, title text);
INSERT INTO tickets (title) VALUES ('first'), ('second');
INSERT INTO tickets (id, title) VALUES (99, 'explicit');
SELECT id, title FROM tickets ORDER BY id;
CREATE TABLE notes (id bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 65536) PRIMARY KEY, body text);
INSERT INTO notes (id, body) VALUES (7, 'seven');
SELECT count(*) FROM notes;

-- Domains, SQL functions, generated columns, CHECK
CREATE DOMAIN percent AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE TABLE scores (id int PRIMARY KEY, score percent, doubled int GENERATED ALWAYS AS (id * 2) STORED);
INSERT INTO scores (id, score) VALUES (1, 99.5), (2, 0);
INSERT INTO scores (id, score) VALUES (3, 101);
INSERT INTO scores (id, score, doubled) VALUES (4, 1, 8);
SELECT id, score, doubled FROM scores ORDER BY id;
CREATE FUNCTION raise(amount numeric, pct numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT round(amount * (1 + pct / 100), 2) $$;
SELECT raise(100, 10), raise(salary, 5) FROM emp WHERE id = 1;
CREATE FUNCTION dept_staff(d int) RETURNS SETOF text LANGUAGE sql AS 'SELECT name FROM emp WHERE dept_id = d ORDER BY name';
SELECT * FROM dept_staff(1);
CREATE OR REPLACE FUNCTION raise(amount numeric, pct numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT amount + pct $$;
SELECT raise(1, 2);
DROP FUNCTION dept_staff(int);
CREATE TABLE checked (a int CHECK (a > 0), b int, CONSTRAINT a_lt_b CHECK (a < b));
INSERT INTO checked VALUES (1, 2);
INSERT INTO checked VALUES (3, 2);
INSERT INTO checked VALUES (0, 5);

-- Foreign keys with actions
CREATE TABLE parent (id int PRIMARY KEY, label text);
CREATE TABLE kid (id int PRIMARY KEY, parent_id int REFERENCES parent (id) ON DELETE CASCADE, other int);
INSERT INTO parent VALUES (1, 'p1'), (2, 'p2');
INSERT INTO kid VALUES (10, 1, 0), (11, 1, 0), (12, 2, 0);
INSERT INTO kid VALUES (13, 3, 0);
DELETE FROM parent WHERE id = 1;
SELECT id FROM kid ORDER BY id;
UPDATE parent SET id = 5 WHERE id = 2;

-- Information schema
SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1;
SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'emp' ORDER BY ordinal_position;

-- Row locking clauses: which queries PostgreSQL lets lock rows, and OF names
CREATE TABLE lk_a (id int PRIMARY KEY, v int);
CREATE TABLE lk_b (id int PRIMARY KEY, a_id int, w int);
INSERT INTO lk_a VALUES (1, 10), (2, 20);
INSERT INTO lk_b VALUES (1, 1, 100), (2, 2, 200);
CREATE VIEW lk_counts AS SELECT count(*) AS n FROM lk_b;
SELECT * FROM lk_a JOIN lk_b ON lk_b.a_id = lk_a.id ORDER BY lk_a.id FOR UPDATE OF lk_a;
SELECT * FROM lk_a x, lk_b y WHERE y.a_id = x.id ORDER BY x.id FOR UPDATE OF x FOR KEY SHARE OF y;
SELECT * FROM lk_a LEFT JOIN lk_b ON lk_b.a_id = lk_a.id ORDER BY lk_a.id FOR UPDATE OF lk_a;
SELECT * FROM lk_a LEFT JOIN lk_b ON lk_b.a_id = lk_a.id WHERE lk_b.w > 0 ORDER BY lk_a.id FOR UPDATE;
SELECT * FROM lk_a ORDER BY id FOR UPDATE NOWAIT;
SELECT count(*) FROM lk_a FOR UPDATE;
SELECT a_id FROM lk_b GROUP BY a_id FOR KEY SHARE;
SELECT DISTINCT v FROM lk_a FOR UPDATE;
SELECT id, rank() OVER (ORDER BY v) FROM lk_a FOR UPDATE;
SELECT generate_series(1, 2), id FROM lk_a FOR UPDATE;
SELECT * FROM lk_a LEFT JOIN lk_b ON lk_b.a_id = lk_a.id FOR UPDATE;
SELECT * FROM lk_a FULL JOIN lk_b ON lk_b.a_id = lk_a.id FOR KEY SHARE OF lk_a;
SELECT * FROM (SELECT max(w) FROM lk_b) s FOR UPDATE;
SELECT * FROM lk_counts FOR UPDATE;
SELECT * FROM lk_a FOR UPDATE OF lk_b;
SELECT * FROM lk_a a FOR UPDATE OF lk_a;
SELECT * FROM lk_a, generate_series(1, 2) g FOR UPDATE OF g;
DROP VIEW lk_counts;
DROP TABLE lk_a;
DROP TABLE lk_b;
