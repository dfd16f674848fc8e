/** SET, SHOW and RESET of PostgreSQL's planner settings, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([]);

test('planner settings are accepted, normalized and shown back as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    'SHOW enable_seqscan', 'SET enable_seqscan = off', 'SHOW enable_seqscan', 'SET enable_hashagg TO false', 'SHOW enable_hashagg',
    "SET enable_sort = 'maybe'", 'RESET enable_seqscan', 'SHOW enable_seqscan', 'SHOW enable_partitionwise_join',
    'SHOW random_page_cost', 'SHOW maintenance_work_mem', 'SET escape_string_warning = no', 'SHOW escape_string_warning',
    'SHOW no_such_setting', 'SET no_such_setting = 1',
  ]) await db().same(sql);
});

test('SET … TO DEFAULT resets the setting with the command tag SET', { skip }, async () => {
  for (const sql of [
    "SET work_mem = '64MB'", 'SHOW work_mem', 'SET work_mem TO DEFAULT', 'SHOW work_mem', 'SET jit_above_cost = 10',
    'SET jit_above_cost = DEFAULT', 'SHOW jit_above_cost', 'RESET jit_above_cost', 'SET no_such_setting TO DEFAULT',
  ]) await db().same(sql);
});

test('SET inside a block is undone by ROLLBACK, SET LOCAL when the block ends; set_config sets either', { skip }, async () => {
  for (const sql of [
    'BEGIN', "SET LOCAL work_mem = '1MB'", 'SHOW work_mem', 'COMMIT', 'SHOW work_mem', "SET LOCAL work_mem = '2MB'", 'SHOW work_mem',
    "SELECT set_config('work_mem', '3MB', false)", 'SHOW work_mem', "SELECT set_config('search_path', ' ', false)", 'SHOW search_path',
    'RESET search_path', 'BEGIN', "SET work_mem = '5MB'", 'ROLLBACK', 'SHOW work_mem',
    'BEGIN', "SET work_mem = '6MB'", "SET LOCAL work_mem = '7MB'", 'SHOW work_mem', 'COMMIT', 'SHOW work_mem',
    'BEGIN', "SET LOCAL work_mem = '8MB'", "SET work_mem = '9MB'", 'COMMIT', 'SHOW work_mem',
    'BEGIN', "SELECT set_config('work_mem', '10MB', true)", 'SHOW work_mem', 'COMMIT', 'SHOW work_mem',
    "SELECT set_config('work_mem', NULL, false)", "SELECT set_config(NULL, '1', false)",
    'BEGIN', 'SET search_path = foo', 'SELECT 1/0', 'ROLLBACK', 'SHOW search_path',
  ]) await db().same(sql);
});
