import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editorIndex, splitStatements } from './statements.js';

test('statements split at top-level semicolons only', () => {
  const text = `SELECT 'a;b', "c;d", E'it\\'s;', $$x;y$$, $tag$ $$; $tag$;
-- a comment; not a split
SELECT /* a /* nested; */ comment; */ 2;
SELECT 3`;
  const statements = splitStatements(text);
  assert.deepEqual(statements.map((s) => s.sql), [
    `SELECT 'a;b', "c;d", E'it\\'s;', $$x;y$$, $tag$ $$; $tag$`,
    '-- a comment; not a split\nSELECT /* a /* nested; */ comment; */ 2',
    'SELECT 3',
  ]);
  for (const s of statements) assert.equal(text.slice(s.start, s.start + s.sql.length), s.sql);
});

test('empty statements, whitespace and lone comments are dropped', () => {
  assert.deepEqual(splitStatements(' ;; \n -- only a comment\n ; /* and this */ '), []);
  assert.deepEqual(splitStatements('SELECT 1;;').map((s) => s.sql), ['SELECT 1']);
});

test("a doubled quote stays inside the string; a $ inside an identifier is no dollar quote", () => {
  assert.deepEqual(splitStatements("SELECT 'it''s; fine'; SELECT a$b$c FROM t; SELECT 2").map((s) => s.sql), ["SELECT 'it''s; fine'", 'SELECT a$b$c FROM t', 'SELECT 2']);
});

test('an unterminated string or comment runs to the end (the server reports the error)', () => {
  assert.deepEqual(splitStatements("SELECT 'open; SELECT 2").map((s) => s.sql), ["SELECT 'open; SELECT 2"]);
  assert.deepEqual(splitStatements('SELECT 1 /* open; SELECT 2').map((s) => s.sql), ['SELECT 1 /* open; SELECT 2']);
});

test('an error position (1-based code points in the statement) maps to an editor index', () => {
  const text = "SELECT 1;\n  SELECT '😀' || nope";
  const [, second] = splitStatements(text);
  // The server counts the emoji as one character; the editor as two UTF-16 units.
  const position = [...second!.sql].indexOf('n') + 1;
  assert.equal(editorIndex(second!, position), text.indexOf('nope'));
  assert.equal(editorIndex(second!, 1), text.indexOf('SELECT', 5));
});
