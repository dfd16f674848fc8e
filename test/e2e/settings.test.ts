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

test('set_config(…, true) outside a block lasts until its implicit transaction ends; custom settings stay defined once set', { skip }, async () => {
  for (const sql of [
    "SELECT set_config('myapp.tenant', 'x', true)", "SELECT current_setting('myapp.tenant', true)",
    "SELECT set_config('work_mem', '12MB', true), current_setting('work_mem')", 'SHOW work_mem',
    'BEGIN', "SELECT set_config('myapp.t2', 'y', true)", "SELECT current_setting('myapp.t2')", 'COMMIT', "SELECT current_setting('myapp.t2', true)",
    "SET myapp.t3 = 'z'", 'RESET myapp.t3', "SELECT current_setting('myapp.t3')",
  ]) await db().same(sql);
});

test('time settings read units and show the largest that fits; statement_timeout cancels a statement that runs longer', { skip }, async () => {
  for (const sql of [
    'SET statement_timeout = 5000', 'SHOW statement_timeout', "SET statement_timeout = '1min'", 'SHOW statement_timeout',
    "SET statement_timeout = '1500ms'", 'SHOW statement_timeout', "SET statement_timeout = ' 5 s '", 'SHOW statement_timeout',
    "SET statement_timeout = '5.5s'", 'SHOW statement_timeout', "SET statement_timeout = '10us'", 'SHOW statement_timeout',
    "SET statement_timeout = '1.5'", 'SHOW statement_timeout', "SET statement_timeout = '2d'", "SELECT current_setting('statement_timeout')",
    "SET statement_timeout = 'abc'", 'SET statement_timeout = -1', "SET statement_timeout = '5 weeks'", 'SET statement_timeout = 3000000000',
    "SET lock_timeout = '2s'", 'SHOW lock_timeout', 'SET idle_in_transaction_session_timeout = 60000', 'SHOW idle_in_transaction_session_timeout',
    // pg_sleep(5) would take five seconds; the timeout stops it after a fifth of one.
    'SET statement_timeout = 200', 'SELECT pg_sleep(5)', 'SELECT 1 AS still_serving',
    'BEGIN', 'SELECT pg_sleep(5)', 'SELECT 1', 'ROLLBACK',
    "SELECT pg_sleep_for('5 s')", "SELECT pg_sleep_until(now() + interval '5 s')", 'SELECT * FROM pg_sleep(5)', "SELECT 1 FROM pg_sleep_for('5 s')",
    "SELECT set_config('statement_timeout', '0', false)", 'SELECT pg_sleep(0.3)',
  ]) await db().same(sql);
});
