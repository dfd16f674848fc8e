/**
 * Parameter defaults of SQL functions as PostgreSQL 15 has them, side by side: CREATE's checks
 * (defaults must trail, the default's type, what it may not name), calls that leave parameters
 * out or name them, overloads that defaults make ambiguous, SETOF functions in FROM, CREATE OR
 * REPLACE, and the catalog's view of the defaults (pg_proc, pg_get_function_arguments,
 * pg_get_functiondef, information_schema.parameters). Rows, column names and types, tags, or
 * SQLSTATE, message, DETAIL and position must be PostgreSQL's.
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([
  'CREATE TABLE fd (x int, y text)',
  "INSERT INTO fd VALUES (1, 'one'), (2, 'two')",
]);

async function same(texts: readonly string[]): Promise<void> {
  await sameAnswers(pair.db(), texts);
}

test('CREATE FUNCTION checks parameter defaults with PostgreSQL\'s errors', { skip: pair.skip }, async () => {
  await same([
    'CREATE FUNCTION bad1(a int DEFAULT 1, b text) RETURNS text LANGUAGE sql AS $$ SELECT b || a $$',
    "CREATE FUNCTION bad2(a int DEFAULT 'x') RETURNS int LANGUAGE sql AS $$ SELECT a $$",
    'CREATE FUNCTION bad3(a int DEFAULT true) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    "CREATE FUNCTION bad4(b int DEFAULT 'x'::text) RETURNS int LANGUAGE sql AS $$ SELECT b $$",
    'CREATE FUNCTION bad5(a int, b int DEFAULT a) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'CREATE FUNCTION bad6(a int DEFAULT fd.x) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'CREATE FUNCTION bad7(a int DEFAULT (SELECT 1)) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'CREATE FUNCTION bad8(a int DEFAULT count(*)) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'CREATE FUNCTION bad9(a int DEFAULT generate_series(1, 2)) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'CREATE FUNCTION bad10(a int DEFAULT row_number() OVER ()) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'CREATE FUNCTION bad11(a int DEFAULT $1) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'CREATE FUNCTION bad12(a int DEFAULT nosuch()) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    "SELECT count(*) FROM pg_proc WHERE proname LIKE 'bad%'",
  ]);
});

test('a call fills the parameters it leaves out with their defaults, evaluated per call', { skip: pair.skip }, async () => {
  await same([
    "CREATE FUNCTION cat(a int, b text DEFAULT 'q') RETURNS text LANGUAGE sql AS $$ SELECT b || a $$",
    "SELECT cat(1) AS one, cat(2, 'z') AS two",
    'SELECT cat()',
    "SELECT cat(1, 'a', 'b')",
    "CREATE FUNCTION unnamed(int, text DEFAULT 'x') RETURNS text LANGUAGE sql AS $$ SELECT $2 || $1 $$",
    "SELECT unnamed(1), unnamed(2, 'y')",
    "CREATE FUNCTION mixed(a int DEFAULT (1) + 2, b text DEFAULT $x$a,b$x$, c text DEFAULT 'a)b') RETURNS text LANGUAGE sql AS $$ SELECT a || b || c $$",
    'SELECT mixed(), mixed(0)',
    'CREATE FUNCTION stamp(a timestamptz DEFAULT now()) RETURNS timestamptz LANGUAGE sql AS $$ SELECT a $$',
    'BEGIN',
    "SELECT stamp() = now() AS is_now, stamp('2000-01-01') = now() AS given",
    'COMMIT',
    'CREATE FUNCTION strictly(a int, b int DEFAULT NULL) RETURNS int LANGUAGE sql STRICT AS $$ SELECT 1 $$',
    'SELECT strictly(1), strictly(1, 2)',
    'CREATE FUNCTION lookup(lim int DEFAULT 1) RETURNS text LANGUAGE sql AS $$ SELECT y FROM fd WHERE x = lim $$',
    'SELECT lookup(), lookup(2), x, lookup(x) FROM fd ORDER BY x',
    "CREATE FUNCTION short(a varchar(2) DEFAULT 'abc') RETURNS text LANGUAGE sql AS $$ SELECT a $$",
    'SELECT short()',
    'CREATE FUNCTION divide(a int DEFAULT 1/0) RETURNS int LANGUAGE sql AS $$ SELECT a $$',
    'SELECT divide(5)',
    'SELECT divide()',
  ]);
});

test('named arguments reach SQL functions, the others taking their defaults', { skip: pair.skip }, async () => {
  await same([
    "CREATE FUNCTION named(a int DEFAULT 5, b text DEFAULT 'r') RETURNS text LANGUAGE sql AS $$ SELECT b || a $$",
    "SELECT named(b => 'x', a => 1)",
    "SELECT named(b => 'x')",
    "SELECT named(3, b => 'x')",
    'SELECT named(a => 3)',
    'SELECT named(c => 3)',
    'SELECT named(3, a => 4)',
    'SELECT named(a => 2, 3)',
    'SELECT public.named(a => 2)',
    'SELECT nosuch.named(a => 2)',
    "SELECT lower(x => 'a')",
    'CREATE FUNCTION quoted("Weird Name" int DEFAULT 7) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'SELECT quoted("Weird Name" => 3), quoted()',
  ]);
});

test('overloads that defaults make fit alike are ambiguous; the search path decides between schemas', { skip: pair.skip }, async () => {
  await same([
    "CREATE FUNCTION over(a int) RETURNS text LANGUAGE sql AS $$ SELECT 'one' $$",
    "CREATE FUNCTION over(a int, b int DEFAULT 2) RETURNS text LANGUAGE sql AS $$ SELECT 'two' $$",
    'SELECT over(1)',
    'SELECT over(1, 2)',
    "CREATE FUNCTION amb(a int, b text DEFAULT 'x') RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
    'CREATE FUNCTION amb(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql AS $$ SELECT 2 $$',
    'SELECT amb(1)',
    "SELECT amb(1, 'q'), amb(1, 2)",
    'SELECT amb(a => 1)',
    'CREATE FUNCTION swapped(a int, b text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'CREATE FUNCTION swapped(b text, a int) RETURNS int LANGUAGE sql AS $$ SELECT 2 $$',
    "SELECT swapped(a => 1, b => 'x')",
    "SELECT swapped(1, 'x')",
    'CREATE SCHEMA fdx',
    "CREATE FUNCTION lookup2(lim int DEFAULT 1) RETURNS text LANGUAGE sql AS $$ SELECT 'public' $$",
    "CREATE FUNCTION fdx.lookup2(lim int DEFAULT 1, z int DEFAULT 0) RETURNS text LANGUAGE sql AS $$ SELECT 'fdx' $$",
    'SET search_path = fdx, public',
    'SELECT lookup2(), lookup2(2)',
    'SET search_path = public, fdx',
    'SELECT lookup2()',
    'RESET search_path',
  ]);
});

test('SETOF SQL functions take defaults and named arguments, in FROM and alone in a select list', { skip: pair.skip }, async () => {
  await same([
    'CREATE FUNCTION upto(a int, n int DEFAULT 3) RETURNS SETOF int LANGUAGE sql AS $$ SELECT generate_series(a, n) $$',
    'SELECT * FROM upto(1)',
    'SELECT * FROM upto(1, 2)',
    'SELECT * FROM upto(n => 1, a => 0) AS q',
    'SELECT x, upto FROM fd, upto(fd.x) ORDER BY 1, 2',
    'SELECT upto(2)',
    'SELECT upto(a => 2)',
  ]);
});

test('CREATE OR REPLACE may change and add defaults but not remove them', { skip: pair.skip }, async () => {
  await same([
    "CREATE FUNCTION repl(int, text DEFAULT 'x') RETURNS text LANGUAGE sql AS $$ SELECT $2 || $1 $$",
    "CREATE OR REPLACE FUNCTION repl(int, text DEFAULT 'changed') RETURNS text LANGUAGE sql AS $$ SELECT $2 || $1 $$",
    'SELECT repl(1)',
    "CREATE OR REPLACE FUNCTION repl(int DEFAULT 9, text DEFAULT 'changed') RETURNS text LANGUAGE sql AS $$ SELECT $2 || $1 $$",
    'SELECT repl()',
    'CREATE OR REPLACE FUNCTION repl(int, text) RETURNS text LANGUAGE sql AS $$ SELECT $2 || $1 $$',
    'SELECT repl()',
    'DROP FUNCTION repl(int, text)',
  ]);
});

test('the catalog shows the defaults as PostgreSQL prints them', { skip: pair.skip }, async () => {
  await same([
    `CREATE FUNCTION shown(a int DEFAULT -1, b int[] DEFAULT '{1,2}', c text DEFAULT NULL, d numeric DEFAULT 1, e text DEFAULT 1,
       f varchar DEFAULT 'v', g int DEFAULT 2+3*4, h boolean DEFAULT true, i date DEFAULT current_date, j text DEFAULT upper('a'),
       k bigint DEFAULT 10000000000, l interval DEFAULT '1 day', m timestamptz DEFAULT now()) RETURNS int LANGUAGE sql AS $$ SELECT a $$`,
    "CREATE FUNCTION shown2(x int, \"Y\" text = 'q') RETURNS text LANGUAGE sql AS $$ SELECT 'y' $$",
    `SELECT proname, pronargs, pronargdefaults, proargdefaults IS NULL AS none, pg_get_function_arguments(oid), pg_get_function_identity_arguments(oid)
       FROM pg_proc WHERE proname LIKE 'shown%' ORDER BY 1`,
    "SELECT pg_get_functiondef('shown2'::regproc)",
    "SELECT pg_get_function_arg_default('shown2'::regproc, 1) AS first, pg_get_function_arg_default('shown2'::regproc, 2) AS second",
    `SELECT p.ordinal_position, p.parameter_name, p.parameter_default FROM information_schema.parameters p
       JOIN information_schema.routines r USING (specific_name) WHERE r.routine_name LIKE 'shown%' ORDER BY r.routine_name, 1`,
  ]);
});
