import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCoordination, type Coordination } from '../../env/coordination.js';
import { ApiError } from '../../control/api-error.js';
import { FakeClock } from '../../sim/fake-clock.js';
import { SeededRandom } from '../../sim/seeded-random.js';
import { DeployedCluster, type DeployedClusterOptions } from './deployed-cluster.js';

const ID = 'a'.repeat(26);
const IDENTITY = { clusterId: ID, region: 'us-east-1', endpoint: `${ID}.dsql.us-east-1.on.aws` };

function options(coordination: Coordination, seed: number, extra: Partial<DeployedClusterOptions> = {}): DeployedClusterOptions {
  return { coordination, clock: new FakeClock(1_750_000_000_000_000 + seed * 1000), random: new SeededRandom(seed), key: 'strata/c/control/cluster', identity: IDENTITY, ...extra };
}

async function refused(work: Promise<unknown>, type: string, reason?: string): Promise<ApiError> {
  const error = await work.then(() => assert.fail('expected a refusal'), (e: unknown) => e);
  assert.ok(error instanceof ApiError, String(error));
  assert.equal(error.type, type, error.message);
  if (reason !== undefined) assert.equal(error.fields['reason'], reason);
  return error;
}

test('every control node shows one cluster: the first to start chose its account and creation time', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const first = await DeployedCluster.open(options(coordination, 1));
  const second = await DeployedCluster.open(options(coordination, 2));
  const a = await first.get(ID);
  const b = await second.get(ID);
  assert.deepEqual(a, b);
  assert.match(a.arn, new RegExp(`^arn:aws:dsql:us-east-1:\\d{12}:cluster/${ID}$`));
  assert.equal(a.status, 'ACTIVE');
  assert.equal(a.endpoint, IDENTITY.endpoint);
  assert.equal(a.creationTime, 1_750_000_000.001, 'the first node\'s clock, in seconds');
  assert.equal(a.deletionProtectionEnabled, true, 'protected by default, as DSQL creates clusters');
  assert.equal(a.multiRegionProperties, undefined);
  assert.deepEqual(await second.list(undefined, undefined), { clusters: [{ identifier: ID, arn: a.arn }] });
  assert.deepEqual(await second.list(1, ID), { clusters: [] }, 'the page after the last cluster is empty');
  await refused(second.list(0, undefined), 'ValidationException', 'fieldValidationFailed');
  await refused(first.get('b'.repeat(26)), 'ResourceNotFoundException');
});

test('changes made through one node are what another reads; concurrent tags all land', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const first = await DeployedCluster.open(options(coordination, 1));
  const second = await DeployedCluster.open(options(coordination, 2));
  const { arn } = await first.get(ID);
  // Both read the same revision; one compare-and-swap loses and is applied again on top.
  await Promise.all([first.tag(arn, { team: 'db' }), second.tag(arn, { env: 'test' }), first.tag(arn, { owner: 'ops' })]);
  assert.deepEqual(await second.tagsOf(arn), { team: 'db', env: 'test', owner: 'ops' });
  await second.untag(arn, ['env', 'absent']);
  assert.deepEqual((await first.get(ID)).tags, { team: 'db', owner: 'ops' });
  await refused(first.tag(arn, { 'aws:reserved': 'x' }), 'ValidationException', 'fieldValidationFailed');
  await refused(first.tagsOf(arn.replace('us-east-1', 'us-west-2')), 'ResourceNotFoundException');

  await refused(first.delete(ID), 'ValidationException', 'deletionProtectionEnabled');
  const updated = await second.update(ID, false);
  assert.equal(updated.deletionProtectionEnabled, false);
  assert.equal((await first.get(ID)).deletionProtectionEnabled, false);
  const deletion = await refused(first.delete(ID), 'ValidationException', 'other');
  assert.match(deletion.message, /strata local down/);
  assert.equal((await first.get(ID)).status, 'ACTIVE', 'a refused deletion changes nothing');
  const creation = await refused(first.create({}), 'ValidationException', 'other');
  assert.match(creation.message, /a new cluster is a deployment of its own/);
});

test('a linked cluster shows its witness and each peer region\'s ARN, and takes tags by either', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const cluster = await DeployedCluster.open(options(coordination, 1, { linked: { peerRegions: ['east', 'west'], witnessRegion: 'wit' } }));
  const view = await cluster.get(ID);
  const account = /:(\d{12}):/.exec(view.arn)![1];
  assert.deepEqual(view.multiRegionProperties, {
    witnessRegion: 'wit', clusters: [`arn:aws:dsql:east:${account}:cluster/${ID}`, `arn:aws:dsql:west:${account}:cluster/${ID}`],
  });
  await cluster.tag(view.multiRegionProperties!.clusters[1]!, { side: 'west' });
  assert.deepEqual(await cluster.tagsOf(view.arn), { side: 'west' });
});

test('etcd out of reach: a retryable InternalServerException, and the record is intact after', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const cluster = await DeployedCluster.open(options(coordination, 1));
  const { arn } = await cluster.get(ID);
  await cluster.tag(arn, { kept: 'yes' });
  coordination.unreachable = true;
  const error = await refused(cluster.tag(arn, { lost: 'no' }), 'InternalServerException');
  assert.equal(error.status, 500);
  assert.equal(error.fields['retryAfterSeconds'], 1);
  coordination.unreachable = false;
  assert.deepEqual(await cluster.tagsOf(arn), { kept: 'yes' });
});
