import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDisk } from '../env/disk.js';
import { SystemRandom } from '../env/random.js';
import { TokenAuthenticator } from '../qp/auth/token-authenticator.js';
import { createToken } from '../qp/auth/token.js';
import { loadOrCreateIdentity } from './identity.js';
import { SeededRandom } from '../sim/seeded-random.js';

const NOW_US = Date.UTC(2026, 0, 15, 12, 0, 0) * 1000;
const clock = { now: () => ({ earliest: NOW_US, latest: NOW_US }) };

async function withDataDir(body: (dir: string) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), 'strata-identity-'));
  try {
    await body(join(parent, 'data'));
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

test('a new data dir gets an identity in DSQL shapes, created from the injected randomness', async () => {
  await withDataDir(async (dir) => {
    const identity = await loadOrCreateIdentity(new NodeDisk(), new SeededRandom(42), dir, { clock });
    assert.match(identity.clusterId, /^[a-z0-9]{26}$/);
    assert.equal(identity.region, 'us-east-1');
    assert.equal(identity.endpoint, `${identity.clusterId}.dsql.us-east-1.on.aws`);
    assert.match(identity.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.match(identity.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
    const stored = JSON.parse(await readFile(join(dir, 'identity.json'), 'utf8'));
    assert.deepEqual(stored, { version: 1, clusterId: identity.clusterId, region: 'us-east-1', endpoint: identity.endpoint, accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey });
    await withDataDir(async (other) => {
      const again = await loadOrCreateIdentity(new NodeDisk(), new SeededRandom(42), other, { clock });
      assert.equal(again.clusterId, identity.clusterId, 'same seed, same identity');
      assert.equal(again.secretAccessKey, identity.secretAccessKey);
    });
  });
});

test('the identity is created once and reloaded unchanged', async () => {
  await withDataDir(async (dir) => {
    const first = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { clock, region: 'eu-west-1' });
    assert.equal(first.endpoint, `${first.clusterId}.dsql.eu-west-1.on.aws`);
    const files = await Promise.all(['identity.json', 'tls/server.key', 'tls/server.crt'].map((f) => readFile(join(dir, f), 'utf8')));
    const second = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir);
    assert.deepEqual(second, first);
    const third = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { region: 'eu-west-1' });
    assert.deepEqual(third, first);
    assert.deepEqual(await Promise.all(['identity.json', 'tls/server.key', 'tls/server.crt'].map((f) => readFile(join(dir, f), 'utf8'))), files);
    await assert.rejects(loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { region: 'us-east-1' }), /region eu-west-1, not us-east-1/);
    // The earlier argument order still works (disk, random, clock, dataDir).
    assert.deepEqual(await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), clock, dir), first);
  });
});

test('the certificate parses, names the endpoint, localhost and 127.0.0.1, and matches the key', async () => {
  await withDataDir(async (dir) => {
    const identity = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { clock });
    const cert = new X509Certificate(identity.tlsCert);
    assert.equal(cert.subjectAltName, `DNS:${identity.endpoint}, DNS:localhost, IP Address:127.0.0.1`);
    assert.equal(cert.subject, `CN=${identity.endpoint}`);
    assert.equal(cert.checkHost(identity.endpoint), identity.endpoint);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(cert.checkPrivateKey(createPrivateKey(identity.tlsKey)));
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.equal(new Date(cert.validFrom).getTime(), NOW_US / 1000 - 86_400_000);
    assert.ok(new Date(cert.validTo).getTime() > NOW_US / 1000 + 9 * 365 * 86_400_000);
    for (const file of ['tls/server.key', 'tls/server.crt', 'identity.json']) {
      assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600, file);
    }
  });
});

test('tokens made with the identity verify against it', async () => {
  await withDataDir(async (dir) => {
    const identity = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { clock });
    const token = await createToken({ credentials: identity, user: 'admin', clock });
    await new TokenAuthenticator({ credentials: identity, clock }).authenticate({ user: 'admin', database: 'postgres', parameters: new Map(), serverName: identity.endpoint }, token);
  });
});

test('missing TLS files are recreated; a damaged identity.json is an error, not a new cluster', async () => {
  await withDataDir(async (dir) => {
    const first = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { clock });
    await rm(join(dir, 'tls', 'server.crt'));
    const second = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { clock });
    assert.equal(second.clusterId, first.clusterId);
    assert.notEqual(second.tlsKey, first.tlsKey);
    assert.equal(new X509Certificate(second.tlsCert).checkHost(first.endpoint), first.endpoint);

    await writeFile(join(dir, 'identity.json'), '{"version":1,');
    await assert.rejects(loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir), /identity\.json is not valid JSON/);
    const stored = { version: 1, clusterId: first.clusterId, region: 'us-east-1', endpoint: 'x.dsql.us-east-1.on.aws', accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey };
    await writeFile(join(dir, 'identity.json'), JSON.stringify(stored));
    await assert.rejects(loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir), /does not match cluster/);
    await writeFile(join(dir, 'identity.json'), JSON.stringify({ ...stored, endpoint: first.endpoint, secretAccessKey: 'short' }));
    await assert.rejects(loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir), /"secretAccessKey" is missing or malformed/);
    await assert.rejects(loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), join(dir, 'fresh'), { region: 'US East' }), /invalid region/);
  });
});
