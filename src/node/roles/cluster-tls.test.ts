/**
 * The insecure rule (cluster-tls.ts): plaintext links only on loopback or when the config says
 * `"insecure": true`; and how a node's TLS files are found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterConfig, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { isLoopback, loadLinkTls, plaintextRefusal, tlsFilesOf } from './cluster-tls.js';

function node(name: string, role: NodeConfig['role'], host: string, extra: Partial<NodeConfig> = {}): NodeConfig {
  return { name, role, region: 'r', az: 'az1', host, port: 7000, ...(role === 'storage' ? { dataDir: `/d/${name}` } : {}), ...extra };
}

function config(fields: Partial<ClusterConfig>): ClusterConfig {
  const text = JSON.stringify({ cluster: 'c', etcd: ['http://127.0.0.1:2379'], identityDir: '/i', nodes: [node('storage-1', 'storage', '127.0.0.1')], ...fields });
  return parseClusterConfig(text, 'cluster.json');
}

test('loopback addresses are told from the rest', () => {
  for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]', 'LOCALHOST']) assert.equal(isLoopback(host), true, host);
  for (const host of ['10.0.0.5', '0.0.0.0', '::', 'db1.example', '128.0.0.1', '127.0.0.1.example']) assert.equal(isLoopback(host), false, host);
});

test('a plaintext cluster on loopback may start', () => {
  assert.equal(plaintextRefusal(config({})), null);
});

test('a plaintext cluster with a node or an etcd member beyond loopback is refused, naming them', () => {
  const remoteNode = plaintextRefusal(config({ nodes: [node('storage-1', 'storage', '10.0.0.5'), node('qp-1', 'qp', '127.0.0.1')] }));
  assert.match(remoteNode ?? '', /refusing to run plaintext links beyond loopback \(storage-1 10\.0\.0\.5\)/);
  assert.match(remoteNode ?? '', /"insecure": true/);
  const remoteEtcd = plaintextRefusal(config({ etcd: ['http://etcd-1.example:2379', '127.0.0.1:2379'] }));
  assert.match(remoteEtcd ?? '', /etcd http:\/\/etcd-1\.example:2379\)/);
  // Listening on every interface exposes the port as much as a public address does.
  assert.notEqual(plaintextRefusal(config({ nodes: [node('adjudicator-1', 'adjudicator', '0.0.0.0')] })), null);
});

test('"insecure": true lets a plaintext cluster beyond loopback start; "tls" does without it', () => {
  const nodes = [node('storage-1', 'storage', '10.0.0.5')];
  assert.equal(plaintextRefusal(config({ nodes, insecure: true })), null);
  assert.equal(plaintextRefusal(config({ nodes, etcd: ['https://10.0.0.9:2379'], tls: { caFile: '/c/ca.crt', certsDir: '/c' } })), null);
});

test('a relay\'s client port is not a link between roles', () => {
  assert.equal(plaintextRefusal(config({ nodes: [node('storage-1', 'storage', '127.0.0.1'), node('relay-1', 'relay', '0.0.0.0')] })), null);
});

test('contradictory or incomplete TLS settings are refused when the config is read', () => {
  assert.throws(() => config({ tls: { caFile: '/c/ca.crt', certsDir: '/c' }, insecure: true }), /contradict/);
  assert.throws(() => config({ tls: { caFile: '/c/ca.crt', certsDir: '/c' } }), /etcd endpoints must be https/);
  assert.throws(() => config({ etcd: ['https://127.0.0.1:2379'], tls: { caFile: '/c/ca.crt' } }), /storage-1: with "tls", needs "certFile" and "keyFile"/);
  assert.throws(() => config({ insecure: 'yes' as unknown as boolean }), /"insecure" must be true or false/);
});

test('a node\'s files: its own when it names them, else <certsDir>/<name>.crt and .key; plaintext has none', () => {
  const tls = config({
    etcd: ['https://127.0.0.1:2379'], tls: { caFile: '/c/ca.crt', certsDir: '/c' },
    nodes: [node('storage-1', 'storage', '127.0.0.1'), node('qp-1', 'qp', '127.0.0.1', { certFile: '/q/qp.pem', keyFile: '/q/qp.key' })],
  });
  assert.deepEqual(tlsFilesOf(tls, 'storage-1'), { caFile: '/c/ca.crt', certFile: '/c/storage-1.crt', keyFile: '/c/storage-1.key' });
  assert.deepEqual(tlsFilesOf(tls, 'qp-1'), { caFile: '/c/ca.crt', certFile: '/q/qp.pem', keyFile: '/q/qp.key' });
  assert.deepEqual(tlsFilesOf(tls, 'client'), { caFile: '/c/ca.crt', certFile: '/c/client.crt', keyFile: '/c/client.key' });
  const read: string[] = [];
  const loaded = loadLinkTls(tls, 'storage-1', (path) => { read.push(path); return Buffer.from(path); });
  assert.deepEqual([String(loaded?.ca), String(loaded?.cert), String(loaded?.key)], ['/c/ca.crt', '/c/storage-1.crt', '/c/storage-1.key']);
  assert.throws(() => loadLinkTls(tls, 'qp-1', () => { throw new Error('ENOENT'); }), /cannot read the cluster CA \/c\/ca\.crt: ENOENT/);
  assert.equal(loadLinkTls(config({}), 'storage-1', () => { throw new Error('not read'); }), null);
});
