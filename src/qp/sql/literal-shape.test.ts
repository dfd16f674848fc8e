/**
 * A tree filled in from a literal shape's template must be exactly the grammar's tree for the new
 * text. The oracle is libpg-query itself: every statement here and in PostgreSQL's regression
 * SQL (../shared/corpus/pg_regress, when present) gets its literals replaced by others of the
 * same kind and different lengths, and the filled-in tree is compared with the new text's parse.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModule, parseSync } from 'libpg-query';
import { instantiate, literalShape, shapeTemplate, ShapeCache, type LiteralShape } from './literal-shape.js';
import { loadParser, parseSql } from './parse.js';
import { isAscii, toStringIndexes } from './parse-locations.js';

before(async () => { await loadModule(); await loadParser(); });

const STATEMENTS = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = 48213;',
  "UPDATE pgbench_accounts SET abalance = abalance + -4021 WHERE aid = 7; SELECT 'done'",
  "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (3, 1, 48213, -4021, CURRENT_TIMESTAMP)",
  "select * from t where a between -1.5 and 2e10 and b in (1, 22, 333) and c like 'a''b%' limit 10 offset 0",
  "select array[1, -2, 3.25], '{1,2}'::int[], x - 5, x -5, - 7, -(8), 9 - -10 from t order by 1 desc",
  "select date '2024-01-01', interval '3 days', timestamp(3) '2024-01-01 00:00', varchar(20) 'x', numeric(10, 2) '1.5'",
  "select case when a > 0 then 'pos' when a < 0 then 'neg' else '' end from t /* c'o'mment 5 */ -- 6\nwhere b = 2147483647 or b = 2147483648 or c = 000012",
  "select substring('abcdef' from 2 for 3), position('c' in 'abc'), extract('year' from now()), trim(both 'x' from 'xax')",
  "select coalesce(a, 0), nullif(b, -1), greatest(1, 2, 3)::text, $1 from \"T\"\"q\" where \"x\" = 'y' group by 1",
  "insert into t values (1, 'a'), (2, 'b'), (3, '') on conflict (id) do update set v = excluded.v || '!'",
  "delete from t where id = any(array[1, 2]) returning id * 2, 'gone'",
  "set search_path = 'public'; select 1; select 2.5",
  "select float(30) '1', float(10) '2'",
  "create sequence s increment 5 start 10",
  "comment on table t is 'hello'",
  "values (-2147483648), (- 2147483647), (-0), (-0.0)",
  "select 1 from t for update limit 1",
  "select 'äöü', '日本' || 'x' from t where name = 'é' and id = 5 limit 3; select '😀', 7",
  "insert into t values (1, 'ñ', 'x'), (2, '🎉', '')",
];

/** The grammar's tree with positions as string indexes, as parseSql reads it. */
function grammar(sql: string): unknown {
  const tree = parseSync(sql);
  if (!isAscii(sql)) toStringIndexes(tree as Parameters<typeof toStringIndexes>[0], sql);
  return tree;
}

/** A literal of the same kind as `literal`, another length. */
function replacement(shape: LiteralShape, index: number, round: number): string {
  const literal = shape.literals[index]!;
  if (literal.kind === 'i') return ['0', '1234567', '2147483647', '42'][(index + round) % 4]!;
  if (literal.kind === 'f') return ['9999999999', '0.5', '12345.6789e-3', '3.'][(index + round) % 4]!;
  return ["''", "'it''s a longer one'", "'x'", "'-- not a comment'"][(index + round) % 4]!;
}

function variant(sql: string, shape: LiteralShape, round: number): string {
  let out = '';
  let at = 0;
  shape.literals.forEach((literal, index) => {
    out += sql.slice(at, literal.start) + replacement(shape, index, round);
    at = literal.end;
  });
  return out + sql.slice(at);
}

/** Checks one statement; returns whether it was kept as a template (or null: no shape). */
function check(sql: string): boolean | null {
  const shape = literalShape(sql);
  if (shape === null) return null;
  let tree: unknown;
  try { tree = grammar(sql); } catch { return null; }
  const template = shapeTemplate(sql, shape, tree as Parameters<typeof shapeTemplate>[2]);
  if (template === null) return false;
  assert.deepStrictEqual(instantiate(template, shape), tree, `the template of ${JSON.stringify(sql)} gives its own tree back`);
  for (let round = 0; round < 3; round++) {
    const other = variant(sql, shape, round);
    const otherShape = literalShape(other);
    assert.ok(otherShape, `${JSON.stringify(other)} has a shape`);
    assert.equal(otherShape.key, shape.key, `${JSON.stringify(other)} has the shape of ${JSON.stringify(sql)}`);
    assert.deepStrictEqual(instantiate(template, otherShape), grammar(other), `${JSON.stringify(other)} filled in from ${JSON.stringify(sql)}`);
  }
  return true;
}

test('the lexer reads plain literals and gives up on every other form', () => {
  const shape = literalShape("select 'a''b', 12, 3000000000, 1.5e3 from t where x = $1 -- 4\n/* 5 /* 6 */ */")!;
  assert.deepEqual(shape.literals.map((l) => [l.kind, l.value]), [['s', "a'b"], ['i', 12], ['f', '3000000000'], ['f', '1.5e3']]);
  assert.equal(shape.key, "select \0s, \0i, \0f, \0f from t where x = $1 -- 4\n/* 5 /* 6 */ */");
  // Beyond ASCII every character is identifier material: ö5 is a name, not ö and 5.
  assert.deepEqual(literalShape("select 'é', ö5, 6 from 日本")!.literals.map((l) => l.value), ['é', 6]);
  for (const refused of [
    "select E'a\\nb'", "select x'1f'", "select b'101'", "select n'x'", "select U&'d\\0061t'", 'select $$a$$', 'select $tag$a$tag$',
    'select 0x1f', 'select 1_000', 'select 123abc', 'select .5', 'select 1..2', "select 'open", 'select /* open',
    "select 'a'\n'b'", "select date'2024-01-01'", 'select 1e', 'select id', "select U&\"a\" from t",
  ]) assert.equal(literalShape(refused), null, refused);
});

test('a shape is kept only if each literal is one A_Const carrying its value', () => {
  assert.equal(check('select abalance from pgbench_accounts where aid = 5'), true);
  assert.equal(check("select float(30) '1'"), false, 'float(p) picks the type by its value, in no A_Const');
  assert.equal(check('create sequence s increment 5'), false, 'a sequence option is an Integer node, not an A_Const');
  assert.equal(check("comment on table t is 'hello'"), false, 'a comment is a plain string in the tree');
  assert.equal(check('select -(8)'), false, 'the grammar folds -(8) into -8 at the minus sign');
});

test('trees filled in from a template are the grammar\'s trees, over these statements', () => {
  let kept = 0;
  for (const sql of STATEMENTS) if (check(sql)) kept++;
  assert.ok(kept >= 10, `kept ${kept}`);
});

function regressionSql(): string | null {
  let dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, '..', 'shared', 'corpus', 'pg_regress', 'sql');
    if (existsSync(candidate)) return candidate;
    dir = join(dir, '..');
  }
  return null;
}

const corpus = regressionSql();
test('trees filled in from a template are the grammar\'s trees, over PostgreSQL\'s regression SQL', { skip: corpus === null ? 'no ../shared/corpus' : false }, () => {
  let statements = 0;
  let kept = 0;
  for (const file of readdirSync(corpus!).filter((name) => name.endsWith('.sql')).sort()) {
    // Statements end with a semicolon at a line's end; psql's backslash lines are left out.
    let current = '';
    for (const line of readFileSync(join(corpus!, file), 'utf8').split('\n')) {
      if (line.startsWith('\\')) { current = ''; continue; }
      current += line + '\n';
      if (!line.trimEnd().endsWith(';')) continue;
      statements++;
      if (check(current.trim())) kept++;
      current = '';
    }
  }
  assert.ok(statements > 1000 && kept > 500, `${kept} of ${statements} statements kept as templates`);
  console.log(`${kept} of ${statements} statements kept as templates`);
});

test('parseSql answers from the shape cache from a shape\'s second text on, with positions of the new text', () => {
  const shapes = new ShapeCache(16);
  const first = parseSql("select v from t where id = 1 and w = 'a'", true, shapes);
  const second = parseSql("select v from t where id = 22 and w = 'bbb'", true, shapes);
  const third = parseSql("select v from t where id = 333 and w = 'cc'", true, shapes);
  assert.deepEqual(third, parseSql("select v from t where id = 333 and w = 'cc'"));
  assert.deepEqual(second, parseSql("select v from t where id = 22 and w = 'bbb'"));
  assert.notDeepEqual(first, second);
  assert.ok(shapes.get(literalShape("select v from t where id = 4444 and w = ''")!), 'the shape is kept');
  // An error past the literals points into the new text.
  const bad = "select nosuch(1) from t where id = 55555 and w = 'ddddd' and q = zz(";
  assert.throws(() => parseSql(bad, true, shapes), (error: { position?: number }) => error.position === bad.length + 1);
});
