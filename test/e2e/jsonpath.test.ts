/**
 * SQL/JSON path (src/qp/types/jsonpath.ts) against PostgreSQL 15 side by side: the jsonpath
 * type's input and output, jsonb_path_query[_array|_first], jsonb_path_exists, jsonb_path_match,
 * @? and @@ — written cases, then paths and documents drawn at random (seeded) — each answer
 * (rows, or SQLSTATE and message) must be PostgreSQL's.
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([]);

async function same(texts: readonly string[], position = true): Promise<void> {
  await sameAnswers(pair.db(), texts, { position });
}

test('jsonpath values parse and print as PostgreSQL prints them, and refuse what it refuses', { skip: pair.skip }, async () => {
  await same([
    `SELECT '$.a'::jsonpath, 'strict $.a[*]'::jsonpath, 'lax $'::jsonpath, '$.a ? (@.b > 1 && @.c == "x")'::jsonpath`,
    `SELECT '$[0 to 2, 4]'::jsonpath, '$.a[last]'::jsonpath, '$[last - 1]'::jsonpath, '$.*'::jsonpath, '$."a b"'::jsonpath, '$var'::jsonpath, '$"v"'::jsonpath`,
    `SELECT '1 + 2 * 3'::jsonpath, '(1 + 2) * 3'::jsonpath, '-$.a'::jsonpath, '- 1'::jsonpath, '$.a + -1'::jsonpath, '-(1 + 2)'::jsonpath, '1 - (2 - 3)'::jsonpath, '(1 - 2) - 3'::jsonpath`,
    `SELECT '$ ? (!(@ > 1))'::jsonpath, '$ ? ((@ > 1) is unknown)'::jsonpath, '$ ? (exists (@.a))'::jsonpath, '$ ? (@ like_regex "^a" flag "ix")'::jsonpath, '$ ? (@ starts with "x")'::jsonpath`,
    `SELECT '$.a.size()'::jsonpath, '$.type()'::jsonpath, '$.double().floor()'::jsonpath, '$ == 1'::jsonpath, '$ < 1 || $ > 2'::jsonpath, '1.5e2'::jsonpath, '0.5'::jsonpath, '"x\\ty"'::jsonpath`,
    `SELECT '$.'::jsonpath`,
    `SELECT ''::jsonpath`,
    `SELECT '$ ? (@.a'::jsonpath`,
    `SELECT '$.a.b['::jsonpath`,
    `SELECT '$ ? (@ like_regex "a" flag "z")'::jsonpath`,
    `SELECT '$.a.b.c()'::jsonpath`,
    `SELECT '$.a.size(1)'::jsonpath`,
    `SELECT '$ ? (@.a == 1'::jsonpath`,
    `SELECT '$$'::jsonpath`,
    `SELECT '1a'::jsonpath`,
    `SELECT '$.a.keyvalue()'::jsonpath, '$.a.datetime()'::jsonpath`,
    `SELECT '$.**'::jsonpath`,
    `SELECT '$."\\u0041\\t"'::jsonpath, '$.a.B'::jsonpath, 'STRICT $'::jsonpath, '$ ? (@ == true)'::jsonpath, '$ ? (@ == null)'::jsonpath`,
    `SELECT '$ == 1 && $.a'::jsonpath`,
    `SELECT '$.a && $ == 1'::jsonpath`,
  ]);
});

test('where the grammar refuses @, last, numbers with junk, and how it prints nested paths', { skip: pair.skip }, async () => {
  await same([
    `SELECT '@'::jsonpath`,
    `SELECT '@.a'::jsonpath`,
    `SELECT '$ ? (@.a ? (@ > 1))'::jsonpath`,
    `SELECT '+$.a'::jsonpath, '+1'::jsonpath, '-(-1)'::jsonpath, '--1'::jsonpath, '$.a.b.c'::jsonpath, '$[1,2 to 3][*]'::jsonpath`,
    `SELECT '$ ? (@ == "a\\"b\\\\c\\nd")'::jsonpath, '$."\\u00e9"'::jsonpath, '$.a1_b'::jsonpath, '$._x'::jsonpath`,
    `SELECT 'strict $.a ? (exists (@.b ? (@ > 1)))'::jsonpath, '$.datetime()'::jsonpath, '$.keyvalue().key'::jsonpath`,
    `SELECT '1 ? (@ > 0)'::jsonpath, '"x".type()'::jsonpath, '(1).type()'::jsonpath, '1.type()'::jsonpath`,
    `SELECT '$ ? (@ like_regex "a" flag "ims")'::jsonpath, '$ ? (@ like_regex "a" flag "qi")'::jsonpath, '$ ? (@ like_regex "a" flag "")'::jsonpath`,
    `SELECT '$.a + $.b * $.c - ($.d - $.e)'::jsonpath, '$.a / ($.b / $.c)'::jsonpath, '($.a + $.b).type()'::jsonpath`,
    `SELECT '$ == 1 || $ == 2 && $ == 3'::jsonpath, '($ == 1 || $ == 2) && $ == 3'::jsonpath, '!($ == 1) || $ == 2'::jsonpath`,
    `SELECT '$ ? (@ starts with $x)'::jsonpath, 'lax $'::jsonpath, 'LAX $'::jsonpath, 'strict$'::jsonpath`,
    `SELECT '$.size'::jsonpath, '$.type'::jsonpath, '$.last'::jsonpath, '$.true'::jsonpath, '$.null'::jsonpath, '$.strict'::jsonpath, '$.exists'::jsonpath`,
    `SELECT '1e5'::jsonpath, '1.0'::jsonpath, '0.000'::jsonpath, '00.1'::jsonpath, '1e-2'::jsonpath`,
    `SELECT jsonb_path_query('[1,2]', '$ ? (@[*] > 1)'), jsonb_path_query('{"a":[1,2]}', '$.a ? (@ > $.b)'), jsonb_path_query('{"a":1}', '$ ? (@.a == $.a)')`,
    `SELECT jsonb_path_query('{"a":{"a":1}}', '$.a ? (@.a == 1) ? (@.a > 0).a')`,
    `SELECT jsonb_path_query('[1,2,3]', '$[$[0]]'), jsonb_path_query('[1,2,3]', '$[last - $[0]]')`,
    `SELECT jsonb_path_query('[[1,2],[3]]', '$[*][last]'), jsonb_path_query('[[1,2],[3]]', '$[*].size()')`,
  ]);
});

test('the jsonpath functions and operators: accessors, filters, arithmetic, methods, modes, variables, errors', { skip: pair.skip }, async () => {
  await same([
    `SELECT jsonb_path_query('{"a":[1,2,3]}', '$.a[*] ? (@ > 1)')`,
    `SELECT jsonb_path_query('{"a":[1,2,3]}', 'strict $.a[*] ? (@ > 1)')`,
    `SELECT jsonb_path_query_array('{"a":[1,2,3]}', '$.a[*] ? (@ >= $min)', '{"min": 2}')`,
    `SELECT jsonb_path_query_first('{"a":[{"b":1},{"b":2}]}', '$.a[*].b')`,
    `SELECT jsonb_path_exists('{"a":1}', '$.b'), jsonb_path_exists('{"a":1}', 'strict $.b'), jsonb_path_exists('{"a":1}', 'strict $.b', '{}', true)`,
    `SELECT jsonb_path_match('{"a":1}', '$.a == 1'), jsonb_path_match('{"a":1}', '$.a'), jsonb_path_match('{"a":1}', '$.a', '{}', true)`,
    `SELECT '{"a":[1,2]}'::jsonb @? '$.a[*] ? (@ == 2)', '{"a":[1,2]}'::jsonb @@ '$.a[*] == 2', '{"a":1}'::jsonb @@ '$.a'`,
    `SELECT jsonb_path_query('{"a":{"b":[1,{"c":2}]}}', '$.a.b[1].c'), jsonb_path_query('[1,2,3]', '$[last]'), jsonb_path_query('[1,2,3]', '$[1 to last]')`,
    `SELECT jsonb_path_query('[1,2,3]', '$[5]')`,
    `SELECT jsonb_path_query('[1,2,3]', 'strict $[5]')`,
    `SELECT jsonb_path_query('{"a":1}', '$.a[0]'), jsonb_path_query('{"a":1}', '$.a[*]')`,
    `SELECT jsonb_path_query('{"a":1}', 'strict $.a[0]')`,
    `SELECT jsonb_path_query('{"a":[1,2]}', '$.a.size()'), jsonb_path_query('{"a":1}', '$.a.size()'), jsonb_path_query('{"a":[1,"x",null,true,{},[]]}', '$.a[*].type()')`,
    `SELECT jsonb_path_query('{"a":"1.5"}', '$.a.double()'), jsonb_path_query('{"a":-1.5}', '$.a.abs()'), jsonb_path_query('{"a":-1.5}', '$.a.floor()'), jsonb_path_query('{"a":-1.5}', '$.a.ceiling()')`,
    `SELECT jsonb_path_query('{"a":"x"}', '$.a.double()')`,
    `SELECT jsonb_path_query('{"a":2,"b":3}', '$.a * $.b + 1'), jsonb_path_query('{"a":7}', '$.a / 2'), jsonb_path_query('{"a":7}', '$.a % 4'), jsonb_path_query('{"a":[1,2]}', '-$.a[*]')`,
    `SELECT jsonb_path_query('{"a":1}', '$.a / 0')`,
    `SELECT jsonb_path_query('{"a":[1,2]}', '$.a + 1')`,
    `SELECT jsonb_path_query('{"a":"x"}', '$.a + 1')`,
    `SELECT jsonb_path_query('{"a":"x"}', '-$.a')`,
    `SELECT jsonb_path_query('[{"n":"ab"},{"n":"cd"},{"n":"Ax"}]', '$[*] ? (@.n starts with "a")'), jsonb_path_query('[{"n":"ab"},{"n":"Ax"}]', '$[*] ? (@.n like_regex "^a" flag "i").n')`,
    `SELECT jsonb_path_query('[1,"a",null,true]', '$[*] ? (@ == null)'), jsonb_path_query('[1,"a",null,true]', '$[*] ? (@ != null)'), jsonb_path_query('[1,"a",null]', '$[*] ? ((@ > 0) is unknown)')`,
    `SELECT jsonb_path_query('[{"a":1},{"b":2}]', '$[*] ? (exists (@.a))'), jsonb_path_query('[{"a":1},{"b":2}]', '$[*] ? (!exists (@.a))')`,
    `SELECT jsonb_path_query('{"a":[1,2,3]}', '$.a[*] ? (@ > 1 && @ < 3 || @ == 1)')`,
    `SELECT jsonb_path_query('{"x":{"a":1,"b":[2]}}', '$.x.*'), jsonb_path_query('[{"a":1},{"a":2}]', '$.a'), jsonb_path_query('[{"a":1},{"a":2}]', 'strict $.a')`,
    `SELECT jsonb_path_query('{"a":1}', '$.b')`,
    `SELECT jsonb_path_query('{"a":1}', 'strict $.b')`,
    `SELECT jsonb_path_query('{"a":1}', '$x')`,
    `SELECT jsonb_path_query('{"a":1}', '$.a', '[1]')`,
    `SELECT jsonb_path_query('{"a":1}', 'last')`,
    `SELECT jsonb_path_query('"abc"', '$ == "abc"'), jsonb_path_query('1', '$ > 0'), jsonb_path_query('[1,2]', '$ > 1'), jsonb_path_query('[1,2]', 'strict $[*] > 1')`,
    `SELECT jsonb_path_query('{"a":"b"}', '$.a < "c"'), jsonb_path_query('{"a":"é"}', '$.a > "z"'), jsonb_path_query('{"a":{}}', '$.a == $.a'), jsonb_path_query('{"a":1}', '$.a == "1"')`,
    `SELECT jsonb_path_query('{"a":1.50}', '$.a'), jsonb_path_query('{"a":1e2}', '$.a + 0'), jsonb_path_query('{}', '1.5 + 1.25'), jsonb_path_query('{}', '$.size()')`,
    `SELECT id, jsonb_path_query_array(items, '$[*].sku') FROM (VALUES (1, '[{"sku":"a"},{"sku":"b"}]'::jsonb)) v(id, items)`,
    `SELECT jsonb_path_query(NULL, '$'), jsonb_path_exists('{}', NULL)`,
    `SELECT jsonb_path_query('{"a":[1,[2,3]]}', '$.a[*][*]'), jsonb_path_query('{"a":[1,[2,3]]}', 'strict $.a[*][*]')`,
    `SELECT jsonb_path_query('[1,2,3,4,5]', '$[1, 3 to last]'), jsonb_path_query('[1,2,3]', '$[-1]'), jsonb_path_query('[1,2,3]', '$[1.9]')`,
    `SELECT jsonb_path_query('[1,2,3]', 'strict $[-1]')`,
    `SELECT jsonb_path_query('{"a":true}', '$.a.double()')`,
    `SELECT jsonb_path_query('{"a":"1e400"}', '$.a.double()')`,
    `SELECT jsonb_path_query('{"a":"nan"}', '$.a.double()')`,
    `SELECT jsonb_path_query('{"a":" 2 "}', '$.a.double()')`,
    `SELECT jsonb_path_query('{"a":"x"}', '$.a.abs()')`,
    `SELECT jsonb_path_query('{"a":"x"}', '$.a.floor()')`,
    `SELECT jsonb_path_query('{"a":1}', 'strict $.a.size()')`,
    `SELECT jsonb_path_query('{"a":1}', 'strict $.*.b')`,
    `SELECT jsonb_path_query('1', 'strict $.*')`,
    `SELECT jsonb_path_query('1', 'strict $[*]')`,
    `SELECT jsonb_path_query('[1]', '$["a"]')`,
    `SELECT jsonb_path_query('[1]', '$[$.x]')`,
    `SELECT jsonb_path_query('[1,2]', 'strict $[1 to 0]')`,
    `SELECT jsonb_path_query('[1,2]', '$[1 to 0]')`,
    `SELECT jsonb_path_query('[1,2]', '$[10000000000]')`,
    `SELECT jsonb_path_query('{"a":1}', '$ ? (@.a)')`,
    `SELECT jsonb_path_query('{"a":1}', '$ ? (@.a + 1)')`,
    `SELECT jsonb_path_query('{"a":[1,2]}', '$.a ? (@ > 1)'), jsonb_path_query('{"a":[1,2]}', 'strict $.a ? (@ > 1)')`,
    `SELECT jsonb_path_query('{"a":[[1,2]]}', '$.a ? (@ > 1)')`,
    `SELECT jsonb_path_query('{"a":1}', '$.a ? (@ > "x")'), jsonb_path_query('[1,"x"]', '$ ? (@[*] > 0)'), jsonb_path_query('[1,"x"]', 'strict $ ? (@[*] > 0)')`,
    `SELECT jsonb_path_query('{"s":"aXb"}', '$.s ? (@ like_regex "x" flag "i")'), jsonb_path_query('{"s":"a.b"}', '$.s ? (@ like_regex "." flag "q")'), jsonb_path_query('{"s":"a\\nb"}', '$.s ? (@ like_regex "^b" flag "m")')`,
    `SELECT jsonb_path_query('{"s":"ab","p":"a"}', '$.s ? (@ starts with $p)', '{"p":"a"}')`,
    `SELECT jsonb_path_query('{"a":{"b":1}}', '$.a ? (@.b == 1).b'), jsonb_path_query('[1,2,3]', '$ ? (@[*] > 2)'), jsonb_path_query('[1,2,3]', '$.size() + 1')`,
    `SELECT jsonb_path_query('{"a":"x"}', '$.a like_regex "x"'), jsonb_path_query('{"a":"x"}', '!($.a == "x")'), jsonb_path_query('{}', 'exists($.a)')`,
    `SELECT jsonb_path_query('[1,2]', '$[*] ? (@ == $x)', '{"x": 2}'), jsonb_path_query('{}', '$x', '{"x": [1]}')`,
    `SELECT jsonb_path_query('{}', '$"my var"', '{"my var": 3}')`,
    `SELECT jsonb_path_query('{"a":{"b":[1,{"c":2}]},"d":3}', '$.**'), '$.**{2 to last}'::jsonpath, '$.**{1}'::jsonpath`,
    `SELECT jsonb_path_query('{"a":{"b":[1,{"c":2}]},"d":3}', '$.**{2}')`,
    `SELECT jsonb_path_query('{"a":{"b":[1,{"c":2}]},"d":3}', '$.**{1 to 2}')`,
    `SELECT jsonb_path_query('{"a":{"b":[1,{"c":2}]},"d":3}', '$.**.c')`,
    `SELECT jsonb_path_query('{"a":{"b":[1,{"c":2}]},"d":3}', 'strict $.**.c')`,
    `SELECT jsonb_path_query('{"a":{"b":[1,{"c":2}]},"d":3}', '$.** ? (@ == 2)')`,
    `SELECT jsonb_path_query('{"a":1}', '$.a.keyvalue()')`,
  ]);
});

/** A small deterministic generator (a linear congruential one): the same cases every run. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** Random documents, paths and calls of the grammar the cases above cover. */
function randomCase(random: () => number): string {
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)]!;
  const doc = (depth: number): string => {
    const r = random();
    if (depth > 2 || r < 0.35) return pick(['1', '2', '-1.5', '0', '"x"', '"ab"', '"a"', 'null', 'true', 'false', '10', '"2"']);
    const n = Math.floor(random() * 4);
    if (r < 0.65) return '[' + Array.from({ length: n }, () => doc(depth + 1)).join(',') + ']';
    return '{' + [...new Set(Array.from({ length: n }, () => pick(['a', 'b', 'c'])))].map((k) => `"${k}":${doc(depth + 1)}`).join(',') + '}';
  };
  const steps = (depth: number): string => {
    let path = '';
    for (let i = Math.floor(random() * 3); i > 0; i--) {
      const step = pick(['.a', '.b', '.c', '.*', '[*]', '[0]', '[1]', '[last]', '[0 to last]', '[1,0]', '.size()', '.type()', 'filter', '.abs()', '.double()', '[-1]', '.**']);
      path += step !== 'filter' ? step : depth > 2 ? '' : ' ? (' + predicate(depth + 1).replace(/\$/g, '@') + ')';
    }
    return path;
  };
  const expression = (depth: number): string => {
    const r = random();
    if (depth > 2 || r < 0.6) return '$' + steps(depth + 1);
    if (r < 0.8) return pick(['1', '"x"', 'null', 'true', '2.5', '"a"', '$v', '-$.a', '$.a.floor()', '$.b.ceiling()']);
    return '(' + expression(depth + 1) + ' ' + pick(['+', '-', '*', '/', '%']) + ' ' + expression(depth + 1) + ')';
  };
  const predicate = (depth: number): string => {
    const r = random();
    if (depth > 2 || r < 0.5) return expression(depth + 1) + ' ' + pick(['==', '!=', '<', '>=', '<>', '<=', '>']) + ' ' + expression(depth + 1);
    if (r < 0.6) return 'exists (' + expression(depth + 1) + ')';
    if (r < 0.7) return expression(depth + 1) + ' starts with "a"';
    if (r < 0.75) return expression(depth + 1) + ' like_regex "^a"';
    if (r < 0.85) return '(' + predicate(depth + 1) + ') ' + pick(['&&', '||']) + ' (' + predicate(depth + 1) + ')';
    if (r < 0.92) return '!(' + predicate(depth + 1) + ')';
    return '(' + predicate(depth + 1) + ') is unknown';
  };
  const r = random();
  const path = pick(['', '', 'strict ', 'lax ']) + (r < 0.25 ? predicate(0) : r < 0.4 ? expression(1) : '$' + steps(0));
  const fn = pick(['jsonb_path_query', 'jsonb_path_query_array', 'jsonb_path_exists', 'jsonb_path_match', 'jsonb_path_query_first']);
  const extra = random() < 0.3 ? `, '{"v": ${doc(2)}}', ${pick(['true', 'false'])}` : '';
  return `SELECT ${fn}('${doc(0)}', '${path}'${extra})`;
}

test('random paths over random documents answer as in PostgreSQL', { skip: pair.skip }, async () => {
  const random = generator(20261202);
  await same(Array.from({ length: 400 }, () => randomCase(random)), false);
});
