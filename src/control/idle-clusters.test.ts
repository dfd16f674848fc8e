import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../env/env.js';
import { systemEnv } from '../env/system-env.js';
import { FakeClock, FakeTimers } from '../sim/fake-clock.js';
import { ControlPlane, RESUME_WAIT_MS, type ClusterCores } from './control-plane.js';
import { routeConnection } from './connection-route.js';

// Scaling to zero on fake time: the idle check runs from FakeTimers, so minutes pass at once.
// The registry is written to a real temporary directory.

const DEFAULT_ID = 'd'.repeat(26);
const IDLE_MS = 60_000;
const INACTIVE_MS = 600_000;

/** A gate a test opens when it wants a blocked open or close to go on. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { wait, open };
}

/** Cores that record opens and closes, with a settable connection count and optional gates. */
class ScriptedCores implements ClusterCores {
  readonly events: string[] = [];
  readonly connections = new Map<string, number>();
  openGate: Promise<void> | null = null;
  closeGate: Promise<void> | null = null;
  failOpen = false;
  async open(id: string, directory: string): Promise<void> {
    this.events.push(`open-start ${id}`);
    if (this.openGate !== null) await this.openGate;
    if (this.failOpen) throw new Error('disk full');
    await mkdir(directory, { recursive: true });
    this.events.push(`open ${id}`);
  }
  async close(id: string): Promise<void> {
    this.events.push(`close-start ${id}`);
    if (this.closeGate !== null) await this.closeGate;
    this.events.push(`close ${id}`);
  }
  openConnections(id: string): number {
    return this.connections.get(id) ?? 0;
  }
  count(event: string): number {
    return this.events.filter((e) => e === event).length;
  }
}

interface Rig {
  readonly dataDir: string;
  readonly env: Env;
  readonly timers: FakeTimers;
  readonly cores: ScriptedCores;
  start(): Promise<ControlPlane>;
}

async function withRig(body: (rig: Rig) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-idle-'));
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const env = systemEnv({ clock, timers });
  const cores = new ScriptedCores();
  const start = () => ControlPlane.start({ env, dataDir, region: 'us-east-1', defaultClusterId: DEFAULT_ID, cores, idleAfterMs: IDLE_MS, inactiveAfterMs: INACTIVE_MS });
  try {
    await body({ dataDir, env, timers, cores, start });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Waits (generously: real disk writes are involved) until `condition` holds. */
async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

async function created(plane: ControlPlane): Promise<string> {
  const record = await plane.create({ deletionProtectionEnabled: false });
  await until('ACTIVE', () => record.status === 'ACTIVE');
  return record.id;
}

function status(plane: ControlPlane, id: string): string | undefined {
  return plane.registry.get(id)?.status;
}

async function storedStatus(dataDir: string, id: string): Promise<string> {
  const stored = JSON.parse(await readFile(join(dataDir, 'clusters', 'registry.json'), 'utf8')) as { clusters: { id: string; status: string }[] };
  return stored.clusters.find((c) => c.id === id)!.status;
}

async function untilStored(dataDir: string, id: string, expected: string): Promise<void> {
  for (let i = 0; i < 2000 && await storedStatus(dataDir, id) !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(await storedStatus(dataDir, id), expected);
}

/** A cluster made INACTIVE: no connection for INACTIVE_MS. */
async function inactive(rig: Rig, plane: ControlPlane): Promise<string> {
  const id = await created(plane);
  rig.timers.advance(INACTIVE_MS * 1000);
  await until('INACTIVE', () => status(plane, id) === 'INACTIVE');
  return id;
}

/**
 * An INACTIVE cluster whose reopen, started by a connection, is held at its gate: the moment
 * the races below (a delete, a stop) are run from.
 */
async function reopenHeld(rig: Rig): Promise<{ plane: ControlPlane; id: string; opening: ReturnType<typeof gate>; connecting: Promise<unknown> }> {
  const plane = await rig.start();
  const id = await inactive(rig, plane);
  const opening = gate();
  rig.cores.openGate = opening.wait;
  const connecting = plane.connect(id)!;
  await until('the reopen to start', () => rig.cores.count(`open-start ${id}`) === 2);
  return { plane, id, opening, connecting };
}

test('an unused cluster turns IDLE, then INACTIVE with its database closed; a restart keeps it closed', async () => {
  await withRig(async (rig) => {
    let plane = await rig.start();
    const id = await created(plane);
    rig.timers.advance((IDLE_MS - 1_000) * 1000);
    assert.equal(status(plane, id), 'ACTIVE');
    rig.timers.advance(10_000 * 1000);
    assert.equal(status(plane, id), 'IDLE');
    assert.equal(status(plane, DEFAULT_ID), 'ACTIVE', 'the data directory\'s own cluster never scales down');
    await untilStored(rig.dataDir, id, 'IDLE');
    assert.equal(rig.cores.count(`close-start ${id}`), 0);
    rig.timers.advance(INACTIVE_MS * 1000);
    await until('INACTIVE', () => status(plane, id) === 'INACTIVE');
    assert.equal(rig.cores.count(`close ${id}`), 1);
    await plane.stop();
    assert.equal(await storedStatus(rig.dataDir, id), 'INACTIVE');

    plane = await rig.start();
    assert.equal(status(plane, id), 'INACTIVE');
    assert.equal(rig.cores.count(`open ${id}`), 1, 'an INACTIVE cluster is not opened at start');
    assert.deepEqual(routeConnection(plane.endpointOf(id), 'x', plane), { kind: 'cluster', id });
    await plane.connect(id);
    assert.equal(status(plane, id), 'ACTIVE');
    assert.equal(rig.cores.count(`open ${id}`), 2);
    await plane.stop();
    assert.equal(await storedStatus(rig.dataDir, id), 'ACTIVE');
  });
});

test('open connections and backups keep a cluster ACTIVE; a connection to an IDLE one makes it ACTIVE without a reopen', async () => {
  await withRig(async (rig) => {
    const plane = await rig.start();
    const id = await created(plane);
    rig.cores.connections.set(id, 1);
    rig.timers.advance(2 * INACTIVE_MS * 1000);
    assert.equal(status(plane, id), 'ACTIVE');
    rig.cores.connections.set(id, 0);
    const release = plane.hold(id);
    rig.timers.advance(2 * INACTIVE_MS * 1000);
    assert.equal(status(plane, id), 'ACTIVE');
    release();
    rig.timers.advance(IDLE_MS * 1000);
    assert.equal(status(plane, id), 'IDLE');
    assert.equal(plane.connect(id), null, 'an IDLE cluster is still open: the connection is served at once');
    assert.equal(status(plane, id), 'ACTIVE');
    assert.equal(rig.cores.count(`close ${id}`), 0);
    await plane.stop();
  });
});

test('a connection arriving while the cluster closes waits for the close, then reopens it', async () => {
  await withRig(async (rig) => {
    const plane = await rig.start();
    const id = await created(plane);
    const closing = gate();
    rig.cores.closeGate = closing.wait;
    rig.timers.advance(INACTIVE_MS * 1000);
    await until('the close to start', () => rig.cores.count(`close-start ${id}`) === 1);
    const connecting = plane.connect(id);
    assert.notEqual(connecting, null, 'the connection must wait for the close under way');
    closing.open();
    await connecting;
    assert.equal(status(plane, id), 'ACTIVE');
    const events = rig.cores.events.filter((e) => e.endsWith(id));
    assert.deepEqual(events.slice(-3), [`close ${id}`, `open-start ${id}`, `open ${id}`]);
    await plane.stop();
  });
});

test('a connection before the close starts keeps the cluster open', async () => {
  await withRig(async (rig) => {
    const plane = await rig.start();
    const id = await created(plane);
    rig.timers.advance(INACTIVE_MS * 1000);
    // The sweep decided (IDLE now) but the close runs after this turn: the connection wins.
    const connecting = plane.connect(id);
    await connecting;
    assert.equal(status(plane, id), 'ACTIVE');
    assert.equal(rig.cores.count(`close-start ${id}`), 0);
    await plane.stop();
  });
});

test('a delete while the cluster reopens waits for the reopen, then removes it and its data', async () => {
  await withRig(async (rig) => {
    const { plane, id, opening, connecting } = await reopenHeld(rig);
    await plane.delete(id);
    assert.equal(status(plane, id), 'DELETING');
    opening.open();
    await connecting;
    assert.equal(routeConnection(plane.endpointOf(id), 'x', plane).kind, 'refuse', 'the waiting connection is refused once routed again');
    await until('the cluster to go', () => plane.registry.get(id) === undefined);
    const events = rig.cores.events.filter((e) => e.endsWith(id));
    assert.deepEqual(events.slice(-2), [`close-start ${id}`, `close ${id}`]);
    assert.ok(events.indexOf(`open ${id}`, events.indexOf(`open-start ${id}`, 2)) < events.lastIndexOf(`close-start ${id}`), 'closed after the reopen');
    await assert.rejects(stat(join(rig.dataDir, 'clusters', id)), { code: 'ENOENT' });
    await plane.stop();
  });
});

test('stop while a cluster reopens waits for the reopen; a connection after stop is refused', async () => {
  await withRig(async (rig) => {
    const { plane, id, opening, connecting } = await reopenHeld(rig);
    let stopped = false;
    const stopping = plane.stop().then(() => { stopped = true; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(stopped, false, 'stop waits for the reopen under way');
    opening.open();
    await stopping;
    await connecting;
    assert.equal(rig.cores.count(`open ${id}`), 2, 'opened before stop returned, so the node closes it');
    rig.timers.advance(2 * INACTIVE_MS * 1000);
    assert.equal(status(plane, id), 'ACTIVE', 'no idle check after stop');
  });
});

test('a reopen that fails or takes too long refuses the connection and leaves the cluster INACTIVE for the next one', async () => {
  await withRig(async (rig) => {
    const plane = await rig.start();
    const id = await inactive(rig, plane);
    rig.cores.failOpen = true;
    await assert.rejects(plane.connect(id)!, /disk full/);
    assert.equal(status(plane, id), 'INACTIVE');
    rig.cores.failOpen = false;
    const opening = gate();
    rig.cores.openGate = opening.wait;
    const connecting = plane.connect(id)!;
    await until('the reopen to start', () => rig.cores.count(`open-start ${id}`) === 3);
    rig.timers.advance(RESUME_WAIT_MS * 1000);
    await assert.rejects(connecting, /not open within/);
    opening.open();
    // The reopen itself goes on: the next connection finds the cluster ACTIVE.
    await until('ACTIVE', () => status(plane, id) === 'ACTIVE');
    await plane.connect(id);
    assert.equal(rig.cores.count(`open-start ${id}`), 3, 'no second reopen');
    await plane.stop();
  });
});

test('UpdateCluster and DeleteCluster work on an INACTIVE cluster without opening it', async () => {
  await withRig(async (rig) => {
    const plane = await rig.start();
    const id = await inactive(rig, plane);
    await plane.update(id, true);
    assert.equal(plane.registry.get(id)?.deletionProtectionEnabled, true);
    assert.equal(status(plane, id), 'INACTIVE');
    await assert.rejects(plane.delete(id), { type: 'ValidationException' });
    await plane.update(id, false);
    await plane.delete(id);
    await until('the cluster to go', () => plane.registry.get(id) === undefined);
    assert.equal(rig.cores.count(`open ${id}`), 1, 'never reopened');
    await assert.rejects(stat(join(rig.dataDir, 'clusters', id)), { code: 'ENOENT' });
    await plane.stop();
  });
});
