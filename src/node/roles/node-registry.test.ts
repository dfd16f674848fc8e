import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRegistry } from './node-registry.js';

test('the registry records when each node came up or went down, and counts the downs', () => {
  const names = ['qp-1', 'storage-1'];
  let registry = nextRegistry({}, names, new Set(['qp-1']), 100);
  assert.deepEqual(registry, { 'qp-1': { up: true, since: 100, downs: 0 }, 'storage-1': { up: false, since: 100, downs: 0 } });
  const unchanged = nextRegistry(registry, names, new Set(['qp-1']), 200);
  assert.equal(unchanged['qp-1'], registry['qp-1'], 'an unchanged node keeps its entry (and its time)');
  registry = nextRegistry(registry, names, new Set(['storage-1']), 300);
  assert.deepEqual(registry['qp-1'], { up: false, since: 300, downs: 1 });
  assert.deepEqual(registry['storage-1'], { up: true, since: 300, downs: 0 });
  registry = nextRegistry(registry, names, new Set(['qp-1', 'storage-1']), 400);
  assert.deepEqual(registry['qp-1'], { up: true, since: 400, downs: 1 });
});
