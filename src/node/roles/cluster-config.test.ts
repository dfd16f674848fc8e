/** The cluster config's checks of storage shards (`storageSplits`, a storage node's `shard`). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterConfig, shardMapOf, shardOf, type NodeConfig } from './cluster-config.js';

function storage(name: string, shard?: number): NodeConfig {
  return { name, role: 'storage', region: 'r', az: 'az1', host: '127.0.0.1', port: 7000, dataDir: `/d/${name}`, ...(shard === undefined ? {} : { shard }) };
}

function parse(fields: Record<string, unknown>) {
  return parseClusterConfig(JSON.stringify({ cluster: 'c', etcd: ['http://127.0.0.1:2379'], identityDir: '/i', nodes: [storage('storage-1')], ...fields }), 'cluster.json');
}

test('storage splits: each shard needs a storage node; a node names a shard that exists', () => {
  const config = parse({ storageSplits: ['00004000'], nodes: [storage('storage-1'), storage('storage-1-s1', 1)] });
  assert.equal(shardMapOf(config).shards, 2);
  assert.deepEqual(config.nodes.map(shardOf), [0, 1]);
  assert.equal(shardMapOf(parse({})).shards, 1, 'no splits: one shard');
  assert.throws(() => parse({ storageSplits: ['00004000'] }), /storage shard 1 has no storage node/);
  assert.throws(() => parse({ storageSplits: ['00004000'], nodes: [storage('storage-1'), storage('storage-1-s2', 2)] }), /"shard" must be a shard of "storageSplits" \(0 to 1\)/);
  assert.throws(() => parse({ nodes: [storage('storage-1', -1)] }), /"shard" must be a shard/);
  assert.throws(() => parse({ storageSplits: ['0040', '0030'], nodes: [storage('a'), storage('b', 1), storage('c', 2)] }), /"storageSplits": storage split keys must increase strictly/);
  assert.throws(() => parse({ storageSplits: 'ff' }), /"storageSplits" must list hex keys/);
  assert.throws(() => parse({ storageSplits: ['zz'], nodes: [storage('a'), storage('b', 1)] }), /must be hex bytes/);
});
