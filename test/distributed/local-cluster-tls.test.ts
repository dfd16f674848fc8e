/**
 * `strata local up --tls` end to end: every link runs mutual TLS (gRPC between roles, etcd
 * clients and peers), the cluster serves commits and reads through the relays, a standby takes
 * over from a killed leader over its TLS links, and a caller without a certificate from the
 * cluster's CA — at a role's gRPC port or at etcd — is refused. Two AZs: a standby adjudicator
 * and two storage replicas, so every kind of link is in use (one start-up, ~8 s).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { localUpOnFreePort } from '../support/local-cli.js';
import { EtcdCoordination } from '../../src/env/etcd-coordination.js';
import { grpcClient } from '../../src/env/grpc.js';
import { linkTlsOfTools, localKill, readState } from '../../src/cli/local-cluster.js';
import { addressOf, leaderKey, nodesOf, type ClusterConfig } from '../../src/node/roles/cluster-config.js';
import { listUnder } from '../../src/node/roles/leadership.js';
import { etcdUnavailableReason } from '../support/etcd.js';
import { controlApiClient } from '../support/control-api.js';
import { GetClusterCommand } from '@aws-sdk/client-dsql';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');
const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 120_000 };
let dir = '';
let port = 0;
let password = '';
let config: ClusterConfig;

async function strata(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [STRATA, ...args], { timeout: 120_000 });
  return stdout;
}

async function session(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'admin', password, database: 'postgres', ssl: { rejectUnauthorized: false } });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** `body` until it succeeds (a takeover under way), at most `ms`. */
async function eventually<T>(ms: number, body: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      return await body();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'strata-local-tls-'));
  let out: string;
  ({ port, out } = await localUpOnFreePort(['--dir', dir, '--azs', '2', '--tls', '--owner-pid', String(process.pid)]));
  assert.match(out, /ready.*mutual TLS on every link/);
  password = (await strata('token', '--data-dir', dir, '--admin')).trim();
  config = readState(dir).config;
});

after(async () => {
  if (skip || dir === '') return;
  await strata('local', 'down', '--dir', dir).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

test('a TLS cluster serves commits and reads end to end, and keeps serving when its leader is killed', opts, async () => {
  assert.ok(config.tls !== undefined && config.etcd.every((e) => e.startsWith('https://')));
  const writer = await session();
  const reader = await session();
  try {
    await writer.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)');
    for (let i = 1; i <= 20; i++) await writer.query('INSERT INTO accounts VALUES ($1, 100)', [i]);
    await writer.query('BEGIN');
    await writer.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1');
    await writer.query('UPDATE accounts SET balance = balance + 30 WHERE id = 2');
    await writer.query('COMMIT');
    const read = await reader.query('SELECT count(*)::int AS n, sum(balance)::int AS total, min(balance)::int AS low FROM accounts');
    assert.deepEqual(read.rows[0], { n: 20, total: 2000, low: 70 });

    // The standby learns the leader is gone over its TLS liveness stream and etcd, and takes over.
    const leaderAddress = (await listUnderTls(leaderKey(config)))[0]?.value;
    const leader = nodesOf(config, 'adjudicator').find((n) => addressOf(n) === leaderAddress);
    assert.ok(leader !== undefined, `a leader among ${nodesOf(config, 'adjudicator').map(addressOf).join(', ')}: ${leaderAddress}`);
    localKill(dir, leader.name);
    await eventually(30_000, async () => { await writer.query('UPDATE accounts SET balance = balance + 1 WHERE id = 3'); });
    const after = await eventually(30_000, () => reader.query('SELECT balance FROM accounts WHERE id = 3'));
    assert.deepEqual(after.rows[0], { balance: 101 });
  } finally {
    await writer.end().catch(() => {});
    await reader.end().catch(() => {});
  }
});

test('a role\'s gRPC port and etcd refuse a caller without a certificate from the cluster CA', opts, async () => {
  const replica = addressOf(nodesOf(config, 'storage')[0]!);
  const withCertificate = grpcClient('Storage', replica, linkTlsOfTools(config));
  const plaintext = grpcClient('Storage', replica);
  try {
    assert.equal(typeof (await withCertificate.unary('Status', {}, 10_000))['applied_position'], 'number');
    await assert.rejects(plaintext.unary('Status', {}, 3_000), /UNAVAILABLE|DEADLINE_EXCEEDED/);
  } finally {
    withCertificate.close();
    plaintext.close();
  }
  const anonymous = new EtcdCoordination(config.etcd.map((e) => e.replace('https://', 'http://')));
  try {
    await assert.rejects(listUnder(anonymous, leaderKey(config)), /UNAVAILABLE/);
  } finally {
    await anonymous.close();
  }
  // The keys on disk are the owner's alone.
  const state = readState(dir).state;
  assert.ok(state.etcd.every((m) => m.tls !== undefined));
  for (const name of ['ca', 'storage-1', 'etcd-1', 'client']) assert.equal(statSync(join(config.tls!.certsDir!, `${name}.key`)).mode & 0o077, 0, name);
});

async function listUnderTls(key: string): Promise<{ key: string; value: string }[]> {
  const coordination = new EtcdCoordination(config.etcd, { tls: linkTlsOfTools(config) });
  try {
    return await listUnder(coordination, key);
  } finally {
    await coordination.close();
  }
}

test('the control-plane API is HTTPS with the node\'s certificate from the cluster CA; plain HTTP gets no answer', opts, async () => {
  const { client, forged, identity, url, backup } = controlApiClient(dir, 'control-1');
  try {
    assert.match(url, /^https:/);
    const cluster = await eventually(30_000, () => client.send(new GetClusterCommand({ identifier: identity.clusterId })));
    assert.equal(cluster.status, 'ACTIVE');
    const plain = await fetch(url.replace('https:', 'http:') + `/cluster/${identity.clusterId}`).then((r) => `status ${r.status}`, (e: Error) => `failed: ${e.message}`);
    assert.doesNotMatch(plain, /status 2\d\d/, 'nothing is served in plaintext');
  } finally {
    client.destroy();
    forged.destroy();
    backup.destroy();
  }
});
