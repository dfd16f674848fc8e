/** START TRANSACTION's command tag, COMMIT / ROLLBACK AND CHAIN and READ ONLY blocks, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential(['CREATE TABLE chain_t (a int PRIMARY KEY)']);

test('START TRANSACTION is tagged START TRANSACTION', { skip }, async () => {
  for (const sql of ['START TRANSACTION', 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'COMMIT', 'BEGIN', 'COMMIT']) await db().same(sql);
});

test('COMMIT / ROLLBACK AND CHAIN open the next block; outside a block they are 25P01', { skip }, async () => {
  for (const sql of [
    'COMMIT AND CHAIN',
    'ROLLBACK AND CHAIN',
    'BEGIN',
    'INSERT INTO chain_t VALUES (1)',
    'COMMIT AND CHAIN',
    'INSERT INTO chain_t VALUES (2)',
    'ROLLBACK AND CHAIN',
    'SELECT a FROM chain_t ORDER BY a',
    'INSERT INTO chain_t VALUES (3)',
    'ROLLBACK',
    'SELECT a FROM chain_t ORDER BY a',
    'BEGIN',
    'SELECT 1 / 0',
    'COMMIT AND CHAIN',
    'SELECT a FROM chain_t ORDER BY a',
    'COMMIT',
    'COMMIT',
  ]) await db().same(sql);
});

test('READ ONLY blocks refuse writes with 25006; SHOW reports the block\'s mode', { skip }, async () => {
  for (const sql of [
    'BEGIN READ ONLY',
    'SHOW transaction_read_only',
    'SELECT a FROM chain_t ORDER BY a',
    'INSERT INTO chain_t VALUES (10)',
    'ROLLBACK',
    'START TRANSACTION READ ONLY, DEFERRABLE',
    'SHOW transaction_deferrable',
    'UPDATE chain_t SET a = a + 1',
    'ROLLBACK',
    'BEGIN READ ONLY',
    'DELETE FROM no_such_table',
    'ROLLBACK',
    'BEGIN READ ONLY',
    'CREATE TABLE chain_ro (a int)',
    'ROLLBACK',
    'BEGIN READ ONLY',
    'DROP TABLE chain_t',
    'ROLLBACK',
    'BEGIN READ ONLY',
    'SELECT a FROM chain_t FOR UPDATE',
    'ROLLBACK',
    'BEGIN READ ONLY',
    'COMMIT AND CHAIN',
    'SHOW transaction_read_only',
    'INSERT INTO chain_t VALUES (11)',
    'ROLLBACK',
    'START TRANSACTION READ WRITE',
    'SHOW transaction_read_only',
    'INSERT INTO chain_t VALUES (12)',
    'COMMIT',
    'SHOW transaction_read_only',
    'SHOW transaction_deferrable',
    'SELECT a FROM chain_t ORDER BY a',
  ]) await db().same(sql);
});
