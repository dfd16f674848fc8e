import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzyColumnHint, levenshtein } from './column-hint.js';
import type { ScopeColumn } from './scope.js';

const column = (relation: string | null, name: string, extra: Partial<ScopeColumn> = {}): ScopeColumn =>
  ({ relation, name, oid: 23, typmod: -1, position: 0, tableOid: 0, columnNumber: 0, ...extra });

test('levenshtein counts single-character inserts, deletes and substitutions', () => {
  assert.equal(levenshtein('abc', 'abc'), 0);
  assert.equal(levenshtein('ab', 'abc'), 1);
  assert.equal(levenshtein('nme', 'name'), 1);
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('', 'abc'), 3);
});

test('the nearest column is suggested; a tie of two names both; more than half the name different, none', () => {
  const t = [column('t', 'abc'), column('t', 'name')];
  assert.equal(fuzzyColumnHint([t], null, 'ab'), 'Perhaps you meant to reference the column "t.abc".');
  assert.equal(fuzzyColumnHint([t, [column('u', 'abd')]], null, 'ab'), 'Perhaps you meant to reference the column "t.abc" or the column "u.abd".');
  assert.equal(fuzzyColumnHint([t], null, 'xyz'), undefined);
  assert.equal(fuzzyColumnHint([t], null, 'a'), undefined);
  // Three equally near: no hint.
  assert.equal(fuzzyColumnHint([[column('t', 'abc'), column('t', 'abd'), column('t', 'abe')]], null, 'ab'), undefined);
});

test('a qualifier adds the distance of each FROM item\'s name; computed and hidden columns are never suggested', () => {
  const levels = [[column('t', 'abc'), column('u', 'abd')]];
  assert.equal(fuzzyColumnHint(levels, 't', 'ab'), 'Perhaps you meant to reference the column "t.abc".');
  assert.equal(fuzzyColumnHint([[column(null, 'abc'), column('t', 'abc', { hidden: true })]], null, 'ab'), undefined);
});
