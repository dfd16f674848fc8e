import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sizePretty } from './relation-text.js';

test('pg_size_pretty answers as PostgreSQL 15 does (values printed by PostgreSQL)', () => {
  const expected: [bigint, string][] = [
    [0n, '0 bytes'], [10239n, '10239 bytes'], [10240n, '10 kB'], [-10240n, '-10 kB'], [20971519n, '20 MB'], [20971520n, '20 MB'],
    [1099511627776n, '1024 GB'], [-5000000000n, '-4768 MB'], [9223372036854775807n, '8192 PB'],
  ];
  for (const [bytes, text] of expected) assert.equal(sizePretty(bytes), text, String(bytes));
});
