import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRegistration, registeredQp } from './registrations.js';

test('a registration names its node by its key, with its address split; a storage replica its shard; anything else is not one', () => {
  const key = 'strata/c/nodes/storage-1-s1-r2';
  assert.deepEqual(parseRegistration(key, JSON.stringify({ role: 'storage', region: 'r', az: 'az1', address: '10.0.0.5:7001', shard: 1 })), {
    name: 'storage-1-s1-r2', role: 'storage', region: 'r', az: 'az1', host: '10.0.0.5', port: 7001, address: '10.0.0.5:7001', shard: 1,
  });
  assert.equal(parseRegistration(key, JSON.stringify({ role: 'storage', az: 'az1', address: 'h:1' }))?.shard, 0);
  assert.equal(parseRegistration(key, JSON.stringify({ role: 'storage', az: 'az1', address: 'h:1' }))?.region, null);
  assert.equal(parseRegistration('strata/c/nodes/qp-2-r2', JSON.stringify({ role: 'qp', region: 'r', az: 'az2', address: 'h:9' }))?.name, 'qp-2-r2');
  for (const value of ['not json', '"text"', 'null', '{}', JSON.stringify({ role: 'qp', az: 'a', address: 'no-port' }), JSON.stringify({ role: 'qp', az: 'a', address: ':5' })]) {
    assert.equal(parseRegistration(key, value), null, value);
  }
  assert.equal(registeredQp(key, JSON.stringify({ role: 'storage', az: 'az1', address: 'h:1' })), null);
  assert.equal(registeredQp(key, JSON.stringify({ role: 'qp', az: 'az1', address: 'h:1' }))?.port, 1);
});
