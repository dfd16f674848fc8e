/**
 * Fuzzing the control-plane API's request handling (src/control/api.ts, request-signature.ts,
 * control-plane.ts), which reads headers, paths, query strings and JSON bodies from anyone who
 * can reach the port: real SigV4-signed requests (AWS's own signer, as the SDK signs), mutated
 * from fixed seeds. A mutated signed request exercises the verification; a request mutated and
 * then signed reaches the routes and their parsers. Every answer must be a reply of a status
 * below 500 (an ApiError in AWS's shape), never a throw.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Env, HttpExchange } from '../../src/env/env.js';
import { NodeDisk } from '../../src/env/disk.js';
import { NodeNet } from '../../src/env/net.js';
import { SilentLog } from '../../src/env/log.js';
import { SystemRandom } from '../../src/env/random.js';
import { SystemTimers } from '../../src/env/timers.js';
import { FakeClock } from '../../src/sim/fake-clock.js';
import { ApiError } from '../../src/control/api-error.js';
import { answer } from '../../src/control/api.js';
import { controlPlaneClusters, type ClusterService } from '../../src/control/cluster-service.js';
import { MemoryCoordination } from '../../src/env/coordination.js';
import { DeployedCluster } from '../../src/node/roles/deployed-cluster.js';
import { SeededRandom } from '../../src/sim/seeded-random.js';
import { ControlPlane, type ClusterCores } from '../../src/control/control-plane.js';
import { BackupPlane, controlPlaneSubjects } from '../../src/control/backup-plane.js';
import type { ClusterBackups } from '../../src/contracts/backup.js';
import { parseQuery, RequestSignature } from '../../src/control/request-signature.js';
import { mutateText, Prng } from './mutate.js';

const KEYS = { region: 'us-east-1', accessKeyId: 'AKIAABCDEFGHIJKLMNOP', secretAccessKey: 'a'.repeat(40) };
const NOW_MS = Date.UTC(2026, 10, 30, 8, 0, 0);
const ITERATIONS = 400;
const ARN = 'arn:aws:dsql:us-east-1:123456789012:cluster/dddddddddddddddddddddddddd';

class NoCores implements ClusterCores {
  async open(_id: string, directory: string): Promise<void> { await mkdir(directory, { recursive: true }); }
  async close(): Promise<void> {}
  openConnections(): number { return 0; }
}

interface Plain {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: string;
}

/** Requests of every operation, as the SDK sends them. */
const SEEDS: readonly Plain[] = [
  { method: 'POST', path: '/cluster', query: {}, body: '{"deletionProtectionEnabled":false,"tags":{"Name":"fuzz"},"clientToken":"t-1"}' },
  { method: 'GET', path: '/cluster', query: { 'max-results': '2', 'next-token': 'abcdefghijklmnopqrstuvwxyz' }, body: '' },
  { method: 'GET', path: '/cluster/dddddddddddddddddddddddddd', query: {}, body: '' },
  { method: 'POST', path: '/cluster/dddddddddddddddddddddddddd', query: {}, body: '{"deletionProtectionEnabled":true}' },
  { method: 'DELETE', path: '/cluster/dddddddddddddddddddddddddd', query: {}, body: '' },
  { method: 'GET', path: `/tags/${encodeURIComponent(ARN)}`, query: {}, body: '' },
  { method: 'POST', path: `/tags/${encodeURIComponent(ARN)}`, query: {}, body: '{"tags":{"a":"b","c":"d"}}' },
  { method: 'DELETE', path: `/tags/${encodeURIComponent(ARN)}`, query: { tagKeys: ['a', 'c d'] }, body: '' },
  { method: 'GET', path: '/cluster/dddddddddddddddddddddddddd/policy', query: {}, body: '' },
];

const RECOVERY_POINT = 'arn:aws:backup:us-east-1:123456789012:recovery-point:0A1B2C3D-0000-0000-0000-000000000000';
/** AWS Backup's operations, as @aws-sdk/client-backup sends them. */
const BACKUP_SEEDS: readonly Plain[] = [
  { method: 'PUT', path: '/backup-vaults/nightly', query: {}, body: '{"CreatorRequestId":"r-1"}' },
  { method: 'GET', path: '/backup-vaults/nightly', query: {}, body: '' },
  { method: 'GET', path: '/backup-vaults', query: { maxResults: '2', vaultType: 'BACKUP_VAULT' }, body: '' },
  { method: 'DELETE', path: '/backup-vaults/nightly', query: {}, body: '' },
  { method: 'PUT', path: '/backup-jobs', query: {}, body: `{"BackupVaultName":"nightly","ResourceArn":"${ARN}","IamRoleArn":"r","IdempotencyToken":"t"}` },
  { method: 'GET', path: '/backup-jobs', query: { resourceArn: ARN, state: 'COMPLETED' }, body: '' },
  { method: 'GET', path: '/backup-jobs/0A1B2C3D-0000-0000-0000-000000000000', query: {}, body: '' },
  { method: 'GET', path: `/resources/${encodeURIComponent(ARN)}/recovery-points`, query: {}, body: '' },
  { method: 'GET', path: `/backup-vaults/nightly/recovery-points/${encodeURIComponent(RECOVERY_POINT)}/restore-metadata`, query: {}, body: '' },
  { method: 'PUT', path: '/restore-jobs', query: {}, body: `{"RecoveryPointArn":"${RECOVERY_POINT}","Metadata":{"regionalConfig":"[{\\"region\\":\\"us-east-1\\"}]"}}` },
  { method: 'GET', path: '/restore-jobs', query: { nextToken: '1' }, body: '' },
];

const signers = new Map((['dsql', 'backup'] as const).map((service) => [service,
  new SignatureV4({ service, region: KEYS.region, sha256: Sha256, credentials: { accessKeyId: KEYS.accessKeyId, secretAccessKey: KEYS.secretAccessKey } })]));

function queryText(query: Record<string, string | string[]>): string {
  return Object.entries(query).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`)).join('&');
}

/** The request signed as the SDK signs it; `rawQuery` sent instead of the signed one when given. */
async function signed(plain: Plain, rawQuery?: string, service: 'dsql' | 'backup' = 'dsql'): Promise<HttpExchange> {
  const request = new HttpRequest({
    method: plain.method, protocol: 'http:', hostname: '127.0.0.1', port: 8432, path: plain.path,
    query: plain.query, headers: { host: '127.0.0.1:8432', 'content-type': 'application/json' }, body: plain.body,
  });
  const out = await signers.get(service)!.sign(request, { signingDate: new Date(NOW_MS) });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(out.headers)) headers[name.toLowerCase()] = String(value);
  return { method: plain.method, path: plain.path, query: rawQuery ?? queryText(plain.query), headers, body: Buffer.from(plain.body) };
}

let dataDir: string;
let plane: ControlPlane;
let backups: BackupPlane;
const signature = new RequestSignature(KEYS, new FakeClock(NOW_MS * 1000), ['dsql', 'backup']);

/** A node whose backups and restores fail at once: the jobs' bookkeeping is what is fuzzed. */
const FAILING_BACKUPS: ClusterBackups = {
  backup: () => Promise.reject(new Error('no storage here')),
  restore: () => Promise.reject(new Error('no storage here')),
};

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strata-fuzz-api-'));
  const env: Env = { clock: new FakeClock(NOW_MS * 1000), timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(), net: new NodeNet(), log: new SilentLog() };
  plane = await ControlPlane.start({ env, dataDir, region: KEYS.region, defaultClusterId: 'd'.repeat(26), cores: new NoCores(), maxClusters: 5 });
  backups = await BackupPlane.start({ env, dataDir, region: KEYS.region, clusters: controlPlaneSubjects(plane), restores: plane, backups: FAILING_BACKUPS });
});

after(async () => {
  await backups.stop();
  await plane.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The answer, which must be a reply in AWS's shape: 2xx, or an error type below 500. */
async function answered(request: HttpExchange, clusters: ClusterService = controlPlaneClusters(plane)): Promise<number> {
  const reply = await answer({ clusters, backups }, signature, request, 'request-id');
  assert.ok(reply.status < 500, `status ${reply.status} for ${request.method} ${request.path}?${request.query}: ${Buffer.from(reply.body).toString()}`);
  if (reply.status >= 400) assert.equal(typeof reply.headers['x-amzn-errortype'], 'string');
  JSON.parse(Buffer.from(reply.body).toString('utf8'));
  return reply.status;
}

test('every unmutated seed request is answered', async () => {
  for (const seed of SEEDS) await answered(await signed(seed));
});

test('signed requests with mutated headers, path, query and body: refused in AWS\'s shape, never a throw', async () => {
  const random = new Prng(0x5eed11);
  for (let i = 0; i < ITERATIONS; i++) {
    const request = await signed(random.pick(SEEDS));
    const headers = { ...request.headers };
    const name = random.pick(Object.keys(headers));
    const mutated: HttpExchange = random.int(4) === 0 ? { ...request, path: mutateText(random, request.path) }
      : random.int(3) === 0 ? { ...request, query: mutateText(random, request.query) }
      : random.int(2) === 0 ? { ...request, body: Buffer.from(mutateText(random, Buffer.from(request.body).toString())) }
      : { ...request, headers: { ...headers, [name]: mutateText(random, headers[name]!) } };
    await answered(mutated);
  }
});

/** Requests as the SDK sends them, mutated before they are signed (so they reach the routes). */
async function* mutatedThenSigned(random: Prng, seeds: readonly Plain[] = SEEDS, service: 'dsql' | 'backup' = 'dsql'): AsyncGenerator<HttpExchange> {
  for (let i = 0; i < ITERATIONS; i++) {
    const seed = random.pick(seeds);
    const choice = random.int(3);
    const plain: Plain = choice === 0 ? { ...seed, body: mutateText(random, seed.body === '' ? '{}' : seed.body) }
      : choice === 1 ? { ...seed, path: `/${mutateText(random, seed.path.slice(1)).replace(/[?#\s]/g, '')}` }
      : seed;
    // A query string as sent (mutated after signing, so its escapes may be broken); the
    // signature over the unmutated one then fails, or the parser refuses first.
    const rawQuery = choice === 2 ? mutateText(random, queryText(seed.query) || 'tagKeys=a') : undefined;
    try {
      yield await signed(plain, rawQuery, service);
    } catch {
      // a path AWS's signer itself cannot sign is never sent by a client
    }
  }
}

test('the distributed control node\'s cluster (etcd-kept) under the same requests: answered, never a throw', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const deployed = await DeployedCluster.open({
    coordination, clock: new FakeClock(NOW_MS * 1000), random: new SeededRandom(7), key: 'strata/fuzz/control/cluster',
    identity: { clusterId: 'd'.repeat(26), region: KEYS.region, endpoint: `${'d'.repeat(26)}.dsql.${KEYS.region}.on.aws` },
  });
  const statuses = new Set<number>();
  for (const seed of SEEDS) statuses.add(await answered(await signed(seed), deployed));
  for await (const request of mutatedThenSigned(new Prng(0x5eed13))) statuses.add(await answered(request, deployed));
  assert.ok(statuses.has(200) && statuses.has(400) && statuses.has(404), `statuses seen: ${[...statuses].join(', ')}`);
  // Whatever the requests did, the record still reads back whole.
  assert.equal((await deployed.get('d'.repeat(26))).identifier, 'd'.repeat(26));
});

test('requests mutated and then signed reach the routes: answered, never a throw', async () => {
  const statuses = new Set<number>();
  for await (const request of mutatedThenSigned(new Prng(0x5eed12))) statuses.add(await answered(request));
  assert.ok(statuses.has(200) && statuses.has(400), `statuses seen: ${[...statuses].join(', ')}`);
});

test('AWS Backup\'s operations, mutated and then signed: answered in AWS Backup\'s shape, never a throw', async () => {
  const statuses = new Set<number>();
  for (const seed of BACKUP_SEEDS) statuses.add(await answered(await signed(seed, undefined, 'backup')));
  for await (const request of mutatedThenSigned(new Prng(0x5eed14), BACKUP_SEEDS, 'backup')) statuses.add(await answered(request));
  assert.ok(statuses.has(200) && statuses.has(400), `statuses seen: ${[...statuses].join(', ')}`);
});

test('a query string with a broken escape is a ValidationException, not an internal error (regression: found by seed 0x5eed11)', async () => {
  assert.throws(() => parseQuery('tagKeys=%E0%A4%A'), (error: unknown) => error instanceof ApiError && error.status === 400);
  assert.throws(() => parseQuery('%zz=1'), (error: unknown) => error instanceof ApiError && error.status === 400);
  assert.equal(await answered({ ...await signed(SEEDS[7]!), query: 'tagKeys=%' }), 400);
});

test('query names that are Object.prototype\'s own do not reach the prototype', () => {
  const query = parseQuery('__proto__=a&__proto__=b&constructor=c&toString=d');
  assert.deepEqual(Object.keys(query), ['__proto__', 'constructor', 'toString']);
  assert.deepEqual(query['__proto__'], ['a', 'b']);
  assert.equal(query['constructor'], 'c');
  assert.equal(query['toString'], 'd');
});

test('a SigV4 header with 10,000 signed headers is refused, in bounded work', async () => {
  const request = await signed(SEEDS[0]!);
  const names = Array.from({ length: 10_000 }, (_, i) => `x-h${i}`);
  const authorization = request.headers['authorization']!.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${names.join(';')};host;x-amz-date`);
  const headers: Record<string, string> = { ...request.headers, authorization };
  assert.equal(await answered({ ...request, headers }), 403);
  // Every one present too: the signature is still checked (and fails), never trusted.
  for (const name of names) headers[name] = 'v';
  assert.equal(await answered({ ...request, headers }), 403);
});
