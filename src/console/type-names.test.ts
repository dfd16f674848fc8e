import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeName } from './type-names.js';

const names = new Map([[23, 'integer'], [1043, 'character varying'], [1700, 'numeric'], [1114, 'timestamp without time zone']]);

test('a type name carries its length or precision, as format_type shows it', () => {
  assert.equal(typeName(names, 23, -1), 'integer');
  assert.equal(typeName(names, 1043, 24), 'character varying(20)');
  assert.equal(typeName(names, 1700, ((10 << 16) | 2) + 4), 'numeric(10,2)');
  assert.equal(typeName(names, 1700, -1), 'numeric');
  assert.equal(typeName(names, 1114, 3), 'timestamp(3) without time zone');
  assert.equal(typeName(names, 99999, -1), 'oid 99999');
});
