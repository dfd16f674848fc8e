import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCoordination, type Coordination } from '../../env/coordination.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import type { Log } from '../../env/env.js';
import { loadPrefix, registrationsPrefix, scalingKeys, type ClusterConfig } from './cluster-config.js';
import { campaign } from './leadership.js';
import { parseScalingRequest, startAutoscaler } from './autoscaler.js';
import { startLoadReports } from './load-report.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const CONFIG: ClusterConfig = {
  cluster: 'c', etcd: ['-'], identityDir: '-',
  nodes: [
    { name: 'qp-1', role: 'qp', region: 'r', az: 'az1', host: '127.0.0.1', port: 1 },
    { name: 'qp-2', role: 'qp', region: 'r', az: 'az2', host: '127.0.0.1', port: 2 },
    { name: 'qp-1-r2', role: 'qp', region: 'r', az: 'az1', host: '127.0.0.1', port: 3, added: { by: 'hand' } },
  ],
};

function setUp() {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const lines: string[] = [];
  const log: Log = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
  const put = (key: string, value: string) => coordination.transaction([], [{ type: 'put', key: encoder.encode(key), value: encoder.encode(value) }]);
  const get = async (key: string) => {
    const entry = (await coordination.range(encoder.encode(key), encoder.encode(key + '\0'))).entries[0];
    return entry === undefined ? null : decoder.decode(entry.value);
  };
  const qp = (name: string, az: string, busy: number) => Promise.all([
    put(`${registrationsPrefix(CONFIG)}${name}`, JSON.stringify({ role: 'qp', region: 'r', az, address: `127.0.0.1:${name.length}` })),
    put(`${loadPrefix(CONFIG)}${name}`, JSON.stringify({ busy, sessions: 1 })),
  ]);
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 500) {
      timers.advance(500_000);
      await settle();
    }
  };
  return { coordination, clock, timers, lines, log, put, get, qp, advance };
}

const SCALING = { maxQpsPerRegion: 4, scaleOutBusy: 0.7, scaleOutAfterSeconds: 5, scaleInBusy: 0.2, scaleInAfterSeconds: 10, cooldownSeconds: 3 };

test('the control leader asks for a QP more once the region stays busy, one request at a time, and numbers them on', async () => {
  const { coordination, timers, clock, log, lines, put, get, qp, advance } = setUp();
  const leaderKey = 'strata/c/control/leader';
  const leadership = (await campaign(coordination, timers, leaderKey, 'control-1', 5, () => false))!;
  await Promise.all([qp('qp-1', 'az1', 0.9), qp('qp-2', 'az2', 0.8)]);
  const scaler = await startAutoscaler({ coordination, clock, timers, config: CONFIG, scaling: SCALING, leaderKey, leadership, log });
  const keys = scalingKeys(CONFIG);
  await advance(4_000);
  assert.equal(await get(keys.request), null, 'not before the region was busy for the whole interval');
  await advance(2_000);
  const first = parseScalingRequest(await get(keys.request));
  assert.deepEqual(first && { seq: first.seq, kind: first.kind, az: first.kind === 'add' && first.az }, { seq: 1, kind: 'add', az: 'az1' });
  // Unanswered, it holds the next decision however long the region stays busy.
  await advance(30_000);
  assert.equal(parseScalingRequest(await get(keys.request))?.seq, 1);
  // Answered (the QP added and registered, the region still busy): the next one after the interval.
  await qp('qp-2-r2', 'az2', 0.9);
  await put(keys.done, JSON.stringify({ seq: 1, outcome: 'done', name: 'qp-2-r2' }));
  // The cooldown (3 s from the last tick that waited), then the interval (5 s).
  await advance(10_000);
  const second = parseScalingRequest(await get(keys.request));
  assert.equal(second?.seq, 2);
  assert.equal(second?.kind === 'add' && second.az, 'az1');
  assert.ok(lines.some((line) => /scaling request 1: add a query processor in AZ az1 of r — 2 QPs of r averaged 85 % busy/.test(line)), lines.join('\n'));
  await scaler.stop();
});

test('scale-in asks to remove a QP added since the cluster was created, never one it was created with', async () => {
  const { coordination, timers, clock, log, get, qp, advance } = setUp();
  const leaderKey = 'strata/c/control/leader';
  const leadership = (await campaign(coordination, timers, leaderKey, 'control-1', 5, () => false))!;
  // qp-1-r2 is in this node's config, marked added by hand; qp-2-r3 registered after it started.
  await Promise.all([qp('qp-1', 'az1', 0.01), qp('qp-2', 'az2', 0.0), qp('qp-1-r2', 'az1', 0.0), qp('qp-2-r3', 'az2', 0.0)]);
  const scaler = await startAutoscaler({ coordination, clock, timers, config: CONFIG, scaling: SCALING, leaderKey, leadership, log });
  await advance(11_000);
  const request = parseScalingRequest(await get(scalingKeys(CONFIG).request));
  assert.deepEqual(request && request.kind === 'remove' && [request.seq, request.name], [1, 'qp-2-r3']);
  await scaler.stop();
});

test('with maxReplicasPerShard, a busy shard\'s replicas get one more in the AZ with the fewest; QPs and other shards are left alone', async () => {
  const { coordination, timers, clock, log, lines, put, get, qp, advance } = setUp();
  const leaderKey = 'strata/c/control/leader';
  const leadership = (await campaign(coordination, timers, leaderKey, 'control-1', 5, () => false))!;
  const replica = (name: string, az: string, shard: number, busy: number) => Promise.all([
    put(`${registrationsPrefix(CONFIG)}${name}`, JSON.stringify({ role: 'storage', region: 'r', az, address: `127.0.0.1:${name.length}`, shard })),
    put(`${loadPrefix(CONFIG)}${name}`, JSON.stringify({ busy, sessions: 0 })),
  ]);
  await Promise.all([qp('qp-1', 'az1', 0.3), qp('qp-2', 'az2', 0.3),
    replica('storage-az1', 'az1', 0, 0.3), replica('storage-az2', 'az2', 0, 0.3),
    replica('storage-az1-s1', 'az1', 1, 0.9), replica('storage-az2-s1', 'az2', 1, 0.8), replica('storage-az2-s1-r2', 'az2', 1, 0.8)]);
  const scaler = await startAutoscaler({ coordination, clock, timers, config: CONFIG, scaling: { ...SCALING, maxReplicasPerShard: 4 }, leaderKey, leadership, log });
  await advance(6_000);
  const request = parseScalingRequest(await get(scalingKeys(CONFIG).request));
  assert.deepEqual(request && request.kind === 'add' && [request.seq, request.role, request.shard, request.az], [1, 'storage', 1, 'az1']);
  assert.ok(lines.some((line) => /scaling request 1: add a storage replica of shard 1 in AZ az1 of r — 3 storage replicas of shard 1 of r averaged 83 % busy/.test(line)), lines.join('\n'));
  // Answered and idle again: the replica added since the cluster was created goes.
  await put(scalingKeys(CONFIG).done, JSON.stringify({ seq: 1, outcome: 'done', name: 'storage-az1-s1-r2' }));
  await Promise.all([replica('storage-az1-s1', 'az1', 1, 0.01), replica('storage-az2-s1', 'az2', 1, 0.0), replica('storage-az2-s1-r2', 'az2', 1, 0.0), replica('storage-az1-s1-r2', 'az1', 1, 0.0)]);
  await advance(15_000);
  const removal = parseScalingRequest(await get(scalingKeys(CONFIG).request));
  assert.deepEqual(removal && removal.kind === 'remove' && [removal.seq, removal.role, removal.name], [2, 'storage', 'storage-az2-s1-r2']);
  await scaler.stop();
});

test('without maxReplicasPerShard replicas are not scaled; a request without a role is a QP\'s', async () => {
  const { coordination, timers, clock, log, put, get, advance } = setUp();
  const leaderKey = 'strata/c/control/leader';
  const leadership = (await campaign(coordination, timers, leaderKey, 'control-1', 5, () => false))!;
  await put(`${registrationsPrefix(CONFIG)}storage-az1`, JSON.stringify({ role: 'storage', region: 'r', az: 'az1', address: '127.0.0.1:9', shard: 0 }));
  await put(`${loadPrefix(CONFIG)}storage-az1`, JSON.stringify({ busy: 0.99, sessions: 0 }));
  const scaler = await startAutoscaler({ coordination, clock, timers, config: CONFIG, scaling: SCALING, leaderKey, leadership, log });
  await advance(20_000);
  assert.equal(await get(scalingKeys(CONFIG).request), null);
  await scaler.stop();
  assert.deepEqual(parseScalingRequest(JSON.stringify({ seq: 3, kind: 'add', region: 'r', az: 'az1', reason: '' })), { seq: 3, kind: 'add', role: 'qp', shard: 0, region: 'r', az: 'az1', reason: '' });
  assert.equal(parseScalingRequest(JSON.stringify({ seq: 3, kind: 'add', role: 'relay', region: 'r', az: 'az1', reason: '' })), null);
});

test('a deposed control leader writes no request', async () => {
  const { coordination, timers, clock, log, lines, get, qp, advance } = setUp();
  const leaderKey = 'strata/c/control/leader';
  const leadership = (await campaign(coordination, timers, leaderKey, 'control-1', 5, () => false))!;
  await Promise.all([qp('qp-1', 'az1', 0.9), qp('qp-2', 'az2', 0.9)]);
  const scaler = await startAutoscaler({ coordination, clock, timers, config: CONFIG, scaling: SCALING, leaderKey, leadership, log });
  await leadership.lease.revoke();
  await campaign(coordination, timers, leaderKey, 'control-2', 5, () => false);
  await advance(6_000);
  assert.equal(await get(scalingKeys(CONFIG).request), null);
  assert.ok(lines.some((line) => /no longer leads the control plane/.test(line)));
  await scaler.stop();
});

test('a QP reports the share of a core it used, and puts nothing while that does not change', async () => {
  const { coordination, timers, clock, get, advance } = setUp();
  const lease = await coordination.grantLease();
  let cpuUs = 0;
  let puts = 0;
  // The reports only put: a store that counts its transactions.
  const counting = { transaction: (...args: Parameters<Coordination['transaction']>) => { puts++; return coordination.transaction(...args); } } as unknown as Coordination;
  const reports = startLoadReports({
    coordination: counting, clock, timers, key: 'load/qp-1', lease: () => lease, cpuUs: () => cpuUs, sessions: () => 3, everyMs: 1_000, onError: () => {},
  });
  cpuUs += 500_000; // half a core over the first second
  await advance(1_000);
  assert.deepEqual(JSON.parse((await get('load/qp-1'))!), { busy: 0.5, sessions: 3 });
  await advance(5_000); // idle: 0, once
  assert.deepEqual(JSON.parse((await get('load/qp-1'))!), { busy: 0, sessions: 3 });
  assert.equal(puts, 2);
  reports.stop();
  // On the lease: gone with it.
  await lease.revoke();
  assert.equal(await get('load/qp-1'), null);
});
