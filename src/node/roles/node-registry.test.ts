import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCoordination, type Coordination } from '../../env/coordination.js';
import { SilentLog } from '../../env/log.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { registrationsPrefix, type ClusterConfig } from './cluster-config.js';
import { register } from './leadership.js';
import { nextRegistry, registryKey, startNodeRegistry, type Registry } from './node-registry.js';

test('the registry records when each node came up or went down, and counts the downs', () => {
  const names = ['qp-1', 'storage-1'];
  let registry = nextRegistry({}, names, new Set(['qp-1']), 100);
  assert.deepEqual(registry, { 'qp-1': { up: true, since: 100, downs: 0 }, 'storage-1': { up: false, since: 100, downs: 0 } });
  const unchanged = nextRegistry(registry, names, new Set(['qp-1']), 200);
  assert.equal(unchanged['qp-1'], registry['qp-1'], 'an unchanged node keeps its entry (and its time)');
  registry = nextRegistry(registry, names, new Set(['storage-1']), 300);
  assert.deepEqual(registry['qp-1'], { up: false, since: 300, downs: 1 });
  assert.deepEqual(registry['storage-1'], { up: true, since: 300, downs: 0 });
  registry = nextRegistry(registry, names, new Set(['qp-1', 'storage-1']), 400);
  assert.deepEqual(registry['qp-1'], { up: true, since: 400, downs: 1 });
});

test('the registry is rewritten when a registration comes or goes, read once and then watched (no scan on a timer)', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)); };
  let ranges = 0;
  const counting: Coordination = {
    transaction: (c, o) => coordination.transaction(c, o),
    range: (from, to, options) => { ranges++; return coordination.range(from, to, options); },
    watch: (from, to, after, onEvents, onError) => coordination.watch(from, to, after, onEvents, onError),
    grantLease: () => coordination.grantLease(),
    compact: (revision) => coordination.compact(revision),
    close: () => coordination.close(),
  };
  const config: ClusterConfig = {
    cluster: 'c', etcd: [], identityDir: '/tmp',
    nodes: [
      { name: 'qp-1', role: 'qp', region: 'r', az: 'a', host: 'h', port: 1 },
      { name: 'storage-1', role: 'storage', region: 'r', az: 'a', host: 'h', port: 2 },
    ],
  };
  const qp = await register(coordination, timers, `${registrationsPrefix(config)}qp-1`, '{}', 2);
  await register(coordination, timers, `${registrationsPrefix(config)}storage-1`, '{}', 2);
  const registry = startNodeRegistry({ coordination: counting, clock, timers, config, log: new SilentLog() });
  const stored = async (): Promise<Registry> => JSON.parse(new TextDecoder().decode((await coordination.range(
    new TextEncoder().encode(registryKey(config)), new TextEncoder().encode(registryKey(config) + '\0'))).entries[0]!.value)) as Registry;
  await settle();
  assert.deepEqual(Object.fromEntries(Object.entries(await stored()).map(([name, h]) => [name, h.up])), { 'qp-1': true, 'storage-1': true });
  clock.advance(4_000_000);
  await qp.revoke();
  await settle();
  const after = await stored();
  assert.deepEqual(after['qp-1'], { up: false, since: clock.now().earliest, downs: 1 }, 'the loss is written when it is seen, without a timer');
  assert.equal(after['storage-1']!.up, true);
  assert.equal(ranges, 1, 'one read of the registrations; the rest came by the watch');
  // A node the config does not name (one added while the cluster runs) is kept from when it registers.
  const added = await register(coordination, timers, `${registrationsPrefix(config)}storage-1-r2`, '{}', 2);
  await settle();
  assert.equal((await stored())['storage-1-r2']!.up, true);
  clock.advance(1_000_000);
  await added.revoke();
  await settle();
  assert.deepEqual((await stored())['storage-1-r2'], { up: false, since: clock.now().earliest, downs: 1 });
  registry.stop();
});
