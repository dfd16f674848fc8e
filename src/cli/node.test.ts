/**
 * `strata node` refuses plaintext links beyond loopback (cluster-tls.ts) before it connects to
 * anything, saying why and what to do; it also refuses TLS settings whose files it cannot read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCommand } from './node.js';

/** Runs `strata node` with a config file; its exit status and what it wrote to stderr. */
async function runNode(config: object): Promise<{ status: number; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-node-'));
  const path = join(dir, 'cluster.json');
  await writeFile(path, JSON.stringify(config));
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    // A node that would start never resolves: the race ends the test's wait for it.
    const status = await Promise.race([
      nodeCommand(['--role', 'storage', '--config', path, '--name', 'storage-1']),
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5_000).unref()),
    ]);
    return { status, stderr };
  } finally {
    process.stderr.write = write;
    await rm(dir, { recursive: true, force: true });
  }
}

const storage = (host: string) => ({ name: 'storage-1', role: 'storage', region: 'r', az: 'az1', host, port: 7001, dataDir: '/nonexistent/storage-1' });

test('a plaintext node on a non-loopback address refuses to start, pointing at "tls" and "insecure"', async () => {
  const { status, stderr } = await runNode({ cluster: 'c', etcd: ['http://10.0.0.9:2379'], identityDir: '/nonexistent', nodes: [storage('10.0.0.5')] });
  assert.equal(status, 2);
  assert.match(stderr, /strata node storage-1: refusing to run plaintext links beyond loopback \(etcd http:\/\/10\.0\.0\.9:2379, storage-1 10\.0\.0\.5\)/);
  assert.match(stderr, /"tls"/);
  assert.match(stderr, /"insecure": true/);
});

test('a TLS node whose certificate files are missing refuses to start, naming the file', async () => {
  const { status, stderr } = await runNode({
    cluster: 'c', etcd: ['https://10.0.0.9:2379'], identityDir: '/nonexistent', nodes: [storage('10.0.0.5')],
    tls: { caFile: '/nonexistent/certs/ca.crt', certsDir: '/nonexistent/certs' },
  });
  assert.equal(status, 2);
  assert.match(stderr, /cannot read the cluster CA \/nonexistent\/certs\/ca\.crt/);
});
