import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../env/env.js';
import { systemEnv } from '../env/system-env.js';
import { FakeClock } from '../sim/fake-clock.js';
import { ApiError } from './api-error.js';
import { ControlPlane, type ClusterCores } from './control-plane.js';
import { routeConnection } from './connection-route.js';

const DEFAULT_ID = 'd'.repeat(26);

/** Cores that only record what they were asked; `failOpen` makes every open fail. */
class RecordingCores implements ClusterCores {
  readonly opened: string[] = [];
  readonly closed: string[] = [];
  failOpen = false;
  async open(id: string, directory: string): Promise<void> {
    if (this.failOpen) throw new Error('disk full');
    await mkdir(directory, { recursive: true });
    this.opened.push(id);
  }
  async close(id: string): Promise<void> {
    this.closed.push(id);
  }
  openConnections(): number {
    return 0;
  }
}

async function withDataDir(body: (dataDir: string, env: Env) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-plane-'));
  const env = systemEnv({ clock: new FakeClock() });
  try {
    await body(dataDir, env);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function start(env: Env, dataDir: string, cores: ClusterCores, maxClusters?: number): Promise<ControlPlane> {
  return ControlPlane.start({ env, dataDir, region: 'us-east-1', defaultClusterId: DEFAULT_ID, cores, ...(maxClusters === undefined ? {} : { maxClusters }) });
}

async function settled(plane: ControlPlane, id: string, status: string): Promise<void> {
  for (let i = 0; i < 1000 && plane.registry.get(id)?.status !== status; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(plane.registry.get(id)?.status, status);
}

test('a restart opens CREATING and ACTIVE clusters and finishes a deletion under way', async () => {
  await withDataDir(async (dataDir, env) => {
    const cores = new RecordingCores();
    let plane = await start(env, dataDir, cores);
    const kept = await plane.create({ deletionProtectionEnabled: false });
    const doomed = await plane.create({ deletionProtectionEnabled: false });
    await settled(plane, doomed.id, 'ACTIVE');
    await plane.stop();
    // As if the process died after DeleteCluster answered DELETING, before the files went.
    const path = join(dataDir, 'clusters', 'registry.json');
    const stored = JSON.parse(await readFile(path, 'utf8')) as { clusters: { id: string; status: string }[] };
    stored.clusters.find((c) => c.id === doomed.id)!.status = 'DELETING';
    stored.clusters.find((c) => c.id === kept.id)!.status = 'CREATING';
    await writeFile(path, JSON.stringify(stored));

    const after = new RecordingCores();
    plane = await start(env, dataDir, after);
    assert.deepEqual(after.opened, [kept.id]);
    assert.equal(plane.registry.get(kept.id)?.status, 'ACTIVE');
    await plane.stop();
    assert.deepEqual(after.closed, [doomed.id]);
    assert.equal(plane.registry.get(doomed.id), undefined);
    await assert.rejects(stat(join(dataDir, 'clusters', doomed.id)), { code: 'ENOENT' });
  });
});

test('the cluster quota counts the default cluster; a failed open is FAILED and refuses connections', async () => {
  await withDataDir(async (dataDir, env) => {
    const cores = new RecordingCores();
    const plane = await start(env, dataDir, cores, 2);
    cores.failOpen = true;
    const failed = await plane.create({});
    await settled(plane, failed.id, 'FAILED');
    const route = routeConnection(`${failed.id}.dsql.us-east-1.on.aws`, `${DEFAULT_ID}.dsql.us-east-1.on.aws`, plane);
    assert.equal(route.kind, 'refuse');
    assert.match(route.kind === 'refuse' ? route.error.message : '', /cluster is FAILED/);
    await assert.rejects(plane.create({}), (error: ApiError) => error.status === 402 && error.type === 'ServiceQuotaExceededException');
    await plane.stop();
  });
});

test('routing: no SNI, a name that is no DSQL endpoint, and the own endpoint go to the default cluster', async () => {
  await withDataDir(async (dataDir, env) => {
    const plane = await start(env, dataDir, new RecordingCores());
    const own = `${DEFAULT_ID}.dsql.us-east-1.on.aws`;
    for (const name of [null, 'localhost', '127.0.0.1', own]) assert.deepEqual(routeConnection(name, own, plane), { kind: 'default' });
    const created = await plane.create({ deletionProtectionEnabled: false });
    await settled(plane, created.id, 'ACTIVE');
    assert.deepEqual(routeConnection(`${created.id}.dsql.us-east-1.on.aws`, own, plane), { kind: 'cluster', id: created.id });
    assert.equal(routeConnection(`${created.id}.dsql.eu-west-1.on.aws`, own, plane).kind, 'refuse', 'another region\'s endpoint is not this cluster');
    await plane.stop();
  });
});

test('a registry of another data directory is refused at start', async () => {
  await withDataDir(async (dataDir, env) => {
    const plane = await start(env, dataDir, new RecordingCores());
    await plane.stop();
    await assert.rejects(ControlPlane.start({ env, dataDir, region: 'us-east-1', defaultClusterId: 'e'.repeat(26), cores: new RecordingCores() }), /belongs to another data directory/);
  });
});

test('stop waits for a CreateCluster under way: its cluster is opened before stop returns, never after (found by test/fuzz/node.test.ts)', async () => {
  await withDataDir(async (dataDir, env) => {
    const events: string[] = [];
    let openStarted!: () => void;
    const started = new Promise<void>((resolve) => { openStarted = resolve; });
    let stopResolved = false;
    const cores: ClusterCores = {
      async open(_id, directory) {
        openStarted();
        // The open takes a while: until stop has returned, or (when stop rightly waits for
        // it) a good many turns of the event loop.
        for (let turn = 0; turn < 2000 && !stopResolved; turn++) await new Promise((resolve) => setImmediate(resolve));
        await mkdir(directory, { recursive: true });
        events.push('opened');
      },
      async close() {},
      openConnections: () => 0,
    };
    const plane = await start(env, dataDir, cores);
    const creating = plane.create({ deletionProtectionEnabled: false });
    const stopping = plane.stop().then(() => { stopResolved = true; events.push('stopped'); });
    await started;
    await stopping;
    await creating;
    assert.deepEqual(events, ['opened', 'stopped']);
    await assert.rejects(plane.tag('arn', {}), (error: ApiError) => error.status === 503, 'no change is taken once stopping');
  });
});
