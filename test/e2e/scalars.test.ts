/**
 * The long tail of scalar behaviour from pg_regress's type files, compared with PostgreSQL 15:
 * VARIADIC with an array value, array-to-array casts.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([]);

test('VARIADIC with an array value spreads its elements when the call runs', { skip }, async () => {
  for (const sql of [
    "select concat_ws(',', variadic NULL::int[])", 'select concat(variadic NULL::int[]) is NULL', "select concat(variadic '{}'::int[]) = ''",
    "select concat_ws(',', variadic 10)", "select concat(variadic '{a,b}')", "select concat('x', variadic '{1,NULL,3}'::int[])",
    "select concat_ws('-', variadic '{1,NULL,3}'::int[])", "select format('%s, %s', variadic array[true, false]::text[])",
    "select format('Hello', variadic NULL::int[])", "select format('%s', variadic NULL::int[])", "select format('%*s|', variadic '{5,a}'::text[])",
    `select concat(variadic '{"a b","c\\"d"}'::text[])`, "select concat(variadic '{1.5,2}'::float8[])",
    "select format(string_agg('%s',','), variadic array_agg(i)) from generate_series(1,5) g(i)",
    "select concat_ws(NULL, variadic '{1,2}'::int[])", "select format(NULL, variadic '{1,2}'::int[])",
    "select concat(variadic x) from (values ('{a,NULL}'::text[]), (NULL)) v(x)",
  ]) await db().same(sql);
});

test('array casts convert element by element', { skip }, async () => {
  for (const sql of [
    'select array[1,2]::text[]', 'select array[1,2]::int8[]', "select '{1,2}'::int4[]::float8[]", 'select array[true]::text[]',
    'select array[1.5, NULL]::int[]', "select array['x', 'yz']::varchar(1)[]", "select array['a']::int[]",
  ]) await db().same(sql);
});

test('standard_conforming_strings off: plain literals take backslash escapes, U& literals are refused', { skip }, async () => {
  for (const sql of [
    'SET standard_conforming_strings TO off', 'SHOW standard_conforming_strings',
    "SELECT U&'d\\0061t\\+000061' AS U&\"d\\0061t\\+000061\"", "SELECT U&' \\' UESCAPE '!' AS \"tricky\"", "SELECT 'tricky' AS U&\"\\\" UESCAPE '!'",
    "SELECT U&'wrong: +0061' UESCAPE '+'",
    "select 'a\\\\bcd' as f1, 'a\\\\b\\'cd' as f2, 'a\\\\b\\'''cd' as f3, 'abcd\\\\'   as f4, 'ab\\\\\\'cd' as f5, '\\\\\\\\' as f6",
    "select 'a\\nb' as a, text'x\\ty' as b, ('\\101') as c, E'\\102' as d, $$a\\b$$ as f, 1 as \"a\\b\", $q$q\\$q$ as g, 'it''s\\'' as h",
    "select 'a\\n'\n  'b\\t' as continued", "select 1 /* 'x\\' */, 'y\\z' -- 'q\\\n", "select 'unterminated\\'",
    "create view v_scs as select 'a\\tb' as t", 'reset standard_conforming_strings', 'select * from v_scs', "select 'a\\tb'", 'drop view v_scs',
  ]) await db().same(sql);
});
