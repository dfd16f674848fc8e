/**
 * etcd with mutual TLS (etcd's --client-cert-auth, as `strata local up --tls` runs it): every
 * path Strata takes to etcd — the etcd3 client, the lean Txn session (etcd-txn.ts) and the bare
 * watch streams (etcd-watch.ts) — works with the cluster's certificates, and each is refused
 * without a certificate from the cluster's CA.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { EtcdCoordination, MAX_MESSAGE_BYTES } from '../../src/env/etcd-coordination.js';
import { EtcdTxnClient } from '../../src/env/etcd-txn.js';
import { EtcdWatches } from '../../src/env/etcd-watch.js';
import type { LinkTls } from '../../src/env/link-tls.js';
import type { WatchEvent } from '../../src/env/coordination.js';
import { makeClusterCa, makeNodeCertificate, type CertificatePair } from '../../src/node/cluster-certs.js';
import { etcdUnavailableReason, startEtcd, type TestEtcd } from '../support/etcd.js';

const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 60_000 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** etcd's answer to a client certificate it does not accept (or to none): a TLS alert in the handshake. */
const REFUSED = /bad certificate|certificate required/;
let etcd: TestEtcd;
let dir = '';
let nodeTls: LinkTls;
let strangerTls: LinkTls;

function linkTls(ca: CertificatePair, pair: CertificatePair): LinkTls {
  return { ca: Buffer.from(ca.cert), cert: Buffer.from(pair.cert), key: Buffer.from(pair.key) };
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'strata-etcd-tls-'));
  const ca = await makeClusterCa('test');
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
  const member = await makeNodeCertificate(ca, 'm1', ['127.0.0.1', 'localhost']);
  writeFileSync(join(dir, 'm1.crt'), member.cert);
  writeFileSync(join(dir, 'm1.key'), member.key);
  nodeTls = linkTls(ca, await makeNodeCertificate(ca, 'storage-1', ['127.0.0.1']));
  // A certificate of another cluster's CA, with this cluster's CA trusted: etcd must refuse it.
  const otherCa = await makeClusterCa('other');
  strangerTls = { ...linkTls(otherCa, await makeNodeCertificate(otherCa, 'storage-1', ['127.0.0.1'])), ca: Buffer.from(ca.cert) };
  etcd = await startEtcd(1, {
    tls: { member: (name) => ({ caFile: join(dir, 'ca.crt'), certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }), client: nodeTls },
  });
});

after(async () => {
  await etcd?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('with the cluster\'s certificates, transactions (etcd3 and the lean Txn), reads and watches all work over TLS', opts, async () => {
  assert.match(etcd.endpoints[0]!, /^https:\/\//);
  const coordination = new EtcdCoordination(etcd.endpoints, { tls: nodeTls, preferLeader: true });
  const watches = new EtcdWatches(etcd.endpoints, { maxMessageBytes: MAX_MESSAGE_BYTES, tls: nodeTls });
  const lean = new EtcdTxnClient(etcd.endpoints[0]!, nodeTls);
  try {
    const seen: WatchEvent[] = [];
    const start = await coordination.range(bytes('tls/'), bytes('tls0'));
    const watch = await watches.watch(bytes('tls/'), bytes('tls0'), start.revision, (events) => seen.push(...events), () => {});
    await coordination.refreshLeader();
    assert.equal(coordination.leaderEndpoint, etcd.endpoints[0]);
    assert.equal((await coordination.transaction([], [{ type: 'put', key: bytes('tls/a'), value: bytes('1') }])).succeeded, true);
    assert.equal((await lean.transaction([], [{ type: 'put', key: bytes('tls/b'), value: bytes('2') }], 5_000)).succeeded, true);
    const read = await coordination.range(bytes('tls/'), bytes('tls0'));
    assert.deepEqual(read.entries.map((e) => `${Buffer.from(e.key)}=${Buffer.from(e.value)}`), ['tls/a=1', 'tls/b=2']);
    for (let i = 0; i < 500 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(seen.map((e) => Buffer.from(e.entry.key).toString()), ['tls/a', 'tls/b']);
    await watch.close();
  } finally {
    lean.close();
    watches.close();
    await coordination.close();
  }
});

test('without a certificate from the cluster CA, each path to a TLS etcd is refused', opts, async () => {
  const endpoint = etcd.endpoints[0]!;
  // The etcd3 client with the CA (so it trusts etcd) but no certificate of its own.
  const anonymous = new Etcd3({ hosts: [endpoint], credentials: { rootCertificate: nodeTls.ca }, defaultCallOptions: () => ({ deadline: Date.now() + 3_000 }) });
  try {
    await assert.rejects(anonymous.get('tls/a').string(), REFUSED);
  } finally {
    anonymous.close();
  }
  const plaintext = new EtcdCoordination([endpoint.replace('https://', 'http://')]);
  try {
    await assert.rejects(plaintext.range(bytes('tls/'), bytes('tls0')), /UNAVAILABLE/);
  } finally {
    await plaintext.close();
  }
  const strangerTxn = new EtcdTxnClient(endpoint, strangerTls);
  try {
    await assert.rejects(strangerTxn.transaction([], [{ type: 'put', key: bytes('tls/forged'), value: bytes('x') }], 3_000), REFUSED);
  } finally {
    strangerTxn.close();
  }
  const strangerWatches = new EtcdWatches([endpoint], { maxMessageBytes: MAX_MESSAGE_BYTES, tls: strangerTls });
  try {
    await assert.rejects(strangerWatches.watch(bytes('tls/'), bytes('tls0'), 0, () => {}, () => {}), REFUSED);
  } finally {
    strangerWatches.close();
  }
  // Nothing was forged.
  const reader = new EtcdCoordination([endpoint], { tls: nodeTls });
  try {
    assert.deepEqual((await reader.range(bytes('tls/forged'), bytes('tls/forgee'))).entries, []);
  } finally {
    await reader.close();
  }
});
