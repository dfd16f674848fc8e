/** START TRANSACTION's command tag and COMMIT / ROLLBACK AND CHAIN, compared with PostgreSQL 15. */
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
