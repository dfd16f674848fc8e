/**
 * The wire protocol, differentially: each scenario sends the same frontend messages (built with
 * pg-protocol's serializer, sent raw) to Strata and to a throwaway PostgreSQL 15 and compares
 * the backend message sequences: message types, SQLSTATEs, command tags, transaction status,
 * parameter and row descriptions' type OIDs and formats, and row values. What legitimately
 * differs is left out: ParameterStatus values, BackendKeyData, error texts (DSQL's differ in
 * places). Where DSQL behaves differently on purpose, the scenario says so and is compared with
 * Strata's expected sequence instead.
 */
import { test } from 'node:test';
import { serialize } from '../support/wire-client.js';
import { useWireDifferential, type WireStep } from '../support/wire-differential.js';

const SETUP = [
  'CREATE TABLE wd (id int PRIMARY KEY, v text)',
  "INSERT INTO wd VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four'), (5, 'five')",
  'CREATE TABLE wd_child (id int PRIMARY KEY, wd_id int REFERENCES wd DEFERRABLE INITIALLY DEFERRED)',
];

const { skip, same } = useWireDifferential(SETUP);

const { query, parse, bind, describe, execute, close, sync, flush } = {
  query: serialize.query, parse: serialize.parse, bind: serialize.bind, describe: serialize.describe,
  execute: serialize.execute, close: serialize.close, sync: serialize.sync, flush: serialize.flush,
};

/**
 * A scenario: steps of frontend messages, each sent at once and answered up to `ready`
 * ReadyForQuery messages (1 unless said).
 */
interface Scenario {
  readonly name: string;
  readonly steps: readonly WireStep[];
}

const step = (...send: Buffer[]) => ({ send });

/*
 * Known difference left out of the list: PostgreSQL folds constant expressions when it plans, so
 * `SELECT 1/0` fails before its RowDescription (simple query) and `SELECT 10 / $1` with 0 fails
 * at Bind (a custom plan folds the parameter in); Strata evaluates them when it executes, so the
 * same 22012 comes after RowDescription / BindComplete. The scenarios' errors come from row data,
 * where both servers raise them at execution.
 */
const SCENARIOS: readonly Scenario[] = [
  { name: 'simple query: one statement, several, an error in the middle', steps: [
    step(query('SELECT id, v FROM wd WHERE id < 3 ORDER BY id')),
    step(query('SELECT 1 AS a; SELECT 2 AS b, 3 AS c')),
    step(query('SELECT 1; SELECT 1 / (id - 1) FROM wd WHERE id = 1; SELECT 2')),
  ] },
  { name: 'simple query: a commit that fails answers only its error, no tag for its last statement', steps: [
    // The deferred check runs at the implicit commit: PostgreSQL commits before it reports the
    // last statement done, so a client never reads INSERT 0 1 for a row that is not there.
    step(query('INSERT INTO wd_child VALUES (1, 99)')),
    step(query('INSERT INTO wd_child VALUES (2, 99); SELECT 1')),
    step(query('SELECT 1; INSERT INTO wd_child VALUES (3, 99)')),
    step(query('BEGIN; INSERT INTO wd_child VALUES (4, 99); COMMIT')),
    step(query('INSERT INTO wd_child VALUES (5, 1)')),
    step(query('SELECT count(*) FROM wd_child')),
  ] },
  { name: 'extended: a commit that fails at Sync follows the Execute\'s tag', steps: [
    step(parse({ text: 'INSERT INTO wd_child VALUES (6, 99)' }), bind(), execute(), sync()),
  ] },
  { name: 'simple query: empty and whitespace-only strings, a lone semicolon', steps: [
    step(query('')), step(query('   ')), step(query(';')), step(query('SELECT 1;;')),
  ] },
  { name: 'simple query: transaction statuses and tags through a block', steps: [
    step(query('BEGIN')), step(query('SELECT 1')), step(query('SELECT nosuch')), step(query('SELECT 1')), step(query('ROLLBACK')),
    step(query('BEGIN; SELECT 1; COMMIT')), step(query('COMMIT')),
  ] },
  { name: 'extended: Parse, Bind, Describe statement and portal, Execute, Sync', steps: [
    step(parse({ text: 'SELECT id, v FROM wd WHERE id = $1' }), bind({ values: ['2'] }), describe({ type: 'S' }), describe({ type: 'P' }), execute(), sync()),
    step(parse({ name: 's1', text: 'SELECT $1::int + $2 AS total, $3::text AS label', types: [0, 20] }), describe({ type: 'S', name: 's1' }), sync()),
    step(bind({ statement: 's1', values: ['1', '2', 'x'] }), execute(), sync()),
  ] },
  { name: 'extended: an error at Parse skips to Sync', steps: [
    step(parse({ text: 'SELEC 1' }), bind(), describe({ type: 'P' }), execute(), sync()),
    step(parse({ text: 'SELECT * FROM nosuch' }), bind(), execute(), sync()),
    step(parse({ text: 'SELECT 1; SELECT 2' }), sync()),
  ] },
  { name: 'extended: errors at Bind (parameter count, bad input) and at Execute', steps: [
    step(parse({ name: 'b1', text: 'SELECT v FROM wd WHERE id = $1' }), sync()),
    step(bind({ statement: 'b1', values: [] }), execute(), sync()),
    step(bind({ statement: 'b1', values: ['abc'] }), execute(), sync()),
    step(bind({ statement: 'nosuch', values: [] }), execute(), sync()),
    step(parse({ text: 'SELECT 10 / (id - $1::int) AS q FROM wd WHERE id = 1' }), bind({ values: ['1'] }), execute(), sync()),
    step(parse({ text: 'SELECT 10 / (id - $1::int) AS q FROM wd WHERE id = 1' }), bind({ values: ['-4'] }), execute(), sync()),
  ] },
  { name: 'extended: an empty query', steps: [
    step(parse({ text: '' }), bind(), describe({ type: 'S' }), describe({ type: 'P' }), execute(), sync()),
  ] },
  { name: 'extended: a portal with a row limit is suspended and resumed', steps: [
    step(parse({ text: 'SELECT id FROM wd ORDER BY id' }), bind(), execute({ rows: 2 }), execute({ rows: 2 }), execute({ rows: 2 }), execute({ rows: 2 }), sync()),
    step(parse({ text: 'SELECT id FROM wd WHERE id <= 2 ORDER BY id' }), bind(), execute({ rows: 2 }), execute({ rows: 1 }), sync()),
    // The unnamed portal is gone after Sync ends the implicit transaction.
    step(execute(), sync()),
  ] },
  { name: 'extended: named portals inside a transaction block outlive Sync', steps: [
    step(query('BEGIN')),
    step(parse({ name: 'p', text: 'SELECT id FROM wd ORDER BY id' }), bind({ portal: 'c1', statement: 'p' }), execute({ portal: 'c1', rows: 3 }), sync()),
    step(execute({ portal: 'c1', rows: 3 }), sync()),
    step(bind({ portal: 'c1', statement: 'p' }), sync()),
    step(query('COMMIT')),
    step(execute({ portal: 'c1' }), sync()),
  ] },
  { name: 'extended: Describe and Close of what does not exist; duplicate names', steps: [
    step(describe({ type: 'S', name: 'nosuch' }), sync()),
    step(describe({ type: 'P', name: 'nosuch' }), sync()),
    step(close({ type: 'S', name: 'nosuch' }), close({ type: 'P', name: 'nosuch' }), sync()),
    step(parse({ name: 'd1', text: 'SELECT 1' }), parse({ name: 'd1', text: 'SELECT 2' }), sync()),
    step(close({ type: 'S', name: 'd1' }), bind({ statement: 'd1' }), sync()),
    step(parse({ name: 'd1', text: 'SELECT 3' }), bind({ statement: 'd1' }), execute(), sync()),
  ] },
  { name: 'extended: the unnamed statement is replaced by the next Parse', steps: [
    step(parse({ text: 'SELECT 1 AS first' }), parse({ text: 'SELECT 2 AS second' }), bind(), describe({ type: 'P' }), execute(), sync()),
  ] },
  { name: 'extended: binary results', steps: [
    step(parse({ text: 'SELECT id, v FROM wd WHERE id = 1' }), bind({ binary: true }), describe({ type: 'P' }), execute(), sync()),
  ] },
  { name: 'extended: INSERT, UPDATE, DELETE tags, RETURNING, and NoData for statements without rows', steps: [
    step(parse({ text: 'INSERT INTO wd VALUES ($1, $2)' }), bind({ values: ['10', 'ten'] }), describe({ type: 'S' }), describe({ type: 'P' }), execute(), sync()),
    step(parse({ text: "UPDATE wd SET v = v || '!' WHERE id >= $1 RETURNING id, v" }), describe({ type: 'S' }), bind({ values: ['10'] }), execute(), sync()),
    step(parse({ text: 'DELETE FROM wd WHERE id = $1' }), bind({ values: ['10'] }), execute(), sync()),
    step(parse({ text: 'SET application_name = x' }), bind(), describe({ type: 'P' }), execute(), sync()),
  ] },
  { name: 'extended: row limits on statements that are not queries, result format mismatches, closed portals', steps: [
    step(parse({ text: "INSERT INTO wd VALUES (20, 'a'), (21, 'b'), (22, 'c') RETURNING id" }), bind(), execute({ rows: 1 }), execute({ rows: 1 }), sync()),
    step(parse({ text: 'DELETE FROM wd WHERE id >= 20' }), bind(), execute({ rows: 1 }), execute(), sync()),
    step(parse({ text: 'SELECT id, v FROM wd WHERE id = 1' }), bind({ binary: true, values: [] }), describe({ type: 'P' }), close({ type: 'P' }), execute(), sync()),
    step(parse({ name: 'ps', text: 'SELECT v FROM wd WHERE id = $1' }), close({ type: 'S', name: 'ps' }), close({ type: 'S', name: 'ps' }), sync()),
  ] },
  { name: 'extended: parameter types from the context they are used in', steps: [
    step(parse({ text: 'INSERT INTO wd (id, v) VALUES ($1, $2)' }), describe({ type: 'S' }), sync()),
    step(parse({ text: 'SELECT v FROM wd WHERE id = $1 AND v LIKE $2 LIMIT $3' }), describe({ type: 'S' }), sync()),
    step(parse({ text: 'SELECT $1 AS untyped' }), describe({ type: 'S' }), bind({ values: ['x'] }), execute(), sync()),
    step(parse({ text: 'UPDATE wd SET v = $2 WHERE id = $1' }), describe({ type: 'S' }), sync()),
    // Boolean contexts and set-returning functions' arguments type their parameters too.
    step(parse({ text: 'SELECT NOT $1, $2 AND true, $3 OR false' }), describe({ type: 'S' }), sync()),
    step(parse({ text: 'DELETE FROM wd WHERE $1' }), describe({ type: 'S' }), sync()),
    step(parse({ text: 'SELECT count(*) FILTER (WHERE $1) FROM wd a JOIN wd b ON $2 HAVING $3' }), describe({ type: 'S' }), sync()),
    step(parse({ text: 'SELECT generate_series(1, $1)' }), describe({ type: 'S' }), sync()),
    step(parse({ text: 'SELECT * FROM generate_series($1::int, $2) g' }), describe({ type: 'S' }), sync()),
  ] },
  { name: 'extended: a parameter nothing gives a type (42P18), and contexts that make one text', steps: [
    // Taken as they are: a null test, "any" arguments, count("any"), a row.
    ...['SELECT $1 IS NULL', "SELECT json_build_object('k', $1)", 'SELECT $1 IS NOT DISTINCT FROM NULL', "SELECT concat($1, 'x')",
      "SELECT format('%s', $1)", 'SELECT count($1)', 'SELECT num_nulls($1)', 'SELECT row($1)', 'SELECT 1 FROM wd WHERE $2 IS NULL AND id = $1']
      .map((text) => step(parse({ text }), describe({ type: 'S' }), sync())),
    // Coerced: to boolean, to text (a select list, an operator, CASE's test value, a common type).
    ...['SELECT $1 IS TRUE', 'SELECT CASE $1 WHEN 1.5 THEN 1 END', "SELECT CASE $1 WHEN 'a' THEN 1 END", "SELECT $1 || 'x'",
      'SELECT coalesce($1, $2)', 'SELECT $1 = $2', "SELECT $1 UNION SELECT 'a'", 'SELECT count(DISTINCT $1)', 'SELECT sum(id) OVER (PARTITION BY $1) FROM wd', 'SELECT ntile($1) OVER (), lag(id, $2, $3) OVER () FROM wd', 'SELECT 1 FROM wd WHERE v = $1 AND $1 IS NOT NULL']
      .map((text) => step(parse({ text }), describe({ type: 'S' }), sync())),
    step(parse({ text: 'SELECT $1 IS NULL', types: [23] }), bind({ values: [null] }), execute(), sync()),
  ] },
  { name: 'extended: malformed Binds and Parses', steps: [
    step(parse({ name: 'm1', text: 'SELECT id FROM wd WHERE id = $1' }), sync()),
    step(bind({ statement: 'm1', values: [Buffer.from([0, 0, 1])], valueMapper: (v) => v }), execute(), sync()),
    step(parse({ text: 'SELECT $1', types: [999999] }), sync()),
    step(parse({ text: 'SELECT $2::int' }), describe({ type: 'S' }), sync()),
    step(parse({ text: 'SELECT 1', types: [23, 25] }), describe({ type: 'S' }), sync()),
    step(bind({ statement: 'm1', values: ['1', '2'] }), sync()),
  ] },
  { name: 'extended: an error in a transaction block fails it until ROLLBACK', steps: [
    step(query('BEGIN')),
    step(parse({ text: 'SELECT 1 / (id - 1) FROM wd WHERE id = 1' }), bind(), execute(), sync()),
    step(parse({ text: 'SELECT 1' }), bind(), execute(), sync()),
    step(parse({ text: 'ROLLBACK' }), bind(), execute(), sync()),
  ] },
  { name: 'extended: several Syncs, Flush, and a Sync alone', steps: [
    step(sync()),
    { send: [parse({ text: 'SELECT 1' }), sync(), bind(), execute(), sync()], ready: 2 },
    step(parse({ text: 'SELECT 2' }), flush(), bind(), execute(), sync()),
  ] },
  { name: 'extended: a simple Query in the middle of an extended batch after an error', steps: [
    // Everything up to Sync is discarded after the error, the Query too.
    step(parse({ text: 'SELECT nosuch' }), bind(), query('SELECT 5'), sync()),
  ] },
];


for (const scenario of SCENARIOS) {
  test(`wire: ${scenario.name}`, { skip }, async () => {
    await same(scenario.steps);
  });
}
