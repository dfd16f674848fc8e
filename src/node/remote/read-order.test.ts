import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemClock } from '../../env/clock.js';
import { serveGrpc, type GrpcServer } from '../../env/grpc.js';
import { SystemTimers } from '../../env/timers.js';
import { readOrder, RemoteStorage } from './remote-storage.js';

const replica = (name: string, region: string, az: string) => ({ name, address: `${name}:1`, region, az });

test('reads go to the own AZ, then the own region, then other regions, each group in the given order', () => {
  const replicas = [
    replica('west-1', 'west', 'az1'), replica('east-2', 'east', 'az2'), replica('west-2', 'west', 'az2'),
    replica('east-1', 'east', 'az1'), replica('east-3', 'east', 'az3'),
  ];
  assert.deepEqual(readOrder(replicas, { region: 'east', az: 'az1' }).map((r) => r.name), ['east-1', 'east-2', 'east-3', 'west-1', 'west-2']);
  assert.deepEqual(readOrder(replicas, { region: 'west', az: 'az2' }).map((r) => r.name), ['west-2', 'west-1', 'east-2', 'east-1', 'east-3']);
});

test('an AZ of the same name in another region is not the own AZ', () => {
  const replicas = [replica('west-1', 'west', 'az1'), replica('east-2', 'east', 'az2')];
  assert.deepEqual(readOrder(replicas, { region: 'east', az: 'az1' }).map((r) => r.name), ['east-2', 'west-1']);
});

/** A Storage server whose every Get answers with its own name. */
async function namedReplica(name: string): Promise<GrpcServer> {
  return serveGrpc('127.0.0.1', 0, { Storage: { Get: async () => ({ value: Buffer.from(name) }) } });
}

test('a replica added while reading joins the read order; snapshots take the closest replicas in turn, and a read fails over past one that is gone', async () => {
  const servers = new Map<string, GrpcServer>();
  for (const name of ['a', 'b', 'c']) servers.set(name, await namedReplica(name));
  const spec = (name: string, az: string) => ({ name, address: `127.0.0.1:${servers.get(name)!.port}`, region: 'r', az });
  const storage = new RemoteStorage([spec('b', 'az2'), spec('a', 'az1')], { region: 'r', az: 'az1' }, new SystemClock(0), new SystemTimers(), 2_000);
  const reads = async () => Buffer.from((await storage.get(new Uint8Array([1]), 0))!).toString();
  try {
    assert.equal(await reads(), 'a', 'the own AZ first');
    assert.deepEqual([storage.readsFrom(), storage.readsFrom()], ['a', 'a'], 'one replica in the own AZ: always it');
    assert.equal(storage.add(spec('c', 'az1')), true);
    assert.equal(storage.add(spec('c', 'az1')), false, 'a known name is not added twice');
    const picks = [storage.readsFrom(), storage.readsFrom(), storage.readsFrom(), storage.readsFrom()];
    assert.deepEqual([...picks].sort(), ['a', 'a', 'c', 'c'], 'the two in the own AZ take snapshots in turn; the other AZ none');
    const pick = storage.readsFrom();
    assert.equal(await reads(), pick, 'reads go to the replica the snapshot named');
    // The pick gone: its reads go to the other replica of the AZ, before the other AZ's.
    await servers.get(pick)!.close();
    const other = pick === 'a' ? 'c' : 'a';
    assert.equal(await reads(), other);
    assert.equal(storage.readsFrom(), other, 'a replica that did not answer is passed over');
  } finally {
    await storage.close();
    for (const server of servers.values()) await server.close().catch(() => {});
  }
});

test('a replica removed while reading leaves the read order, even the one the snapshot named; the last one stays', async () => {
  const servers = new Map<string, GrpcServer>();
  for (const name of ['a', 'b']) servers.set(name, await namedReplica(name));
  const spec = (name: string, az: string) => ({ name, address: `127.0.0.1:${servers.get(name)!.port}`, region: 'r', az });
  const storage = new RemoteStorage([spec('a', 'az1'), spec('b', 'az2')], { region: 'r', az: 'az1' }, new SystemClock(0), new SystemTimers(), 2_000);
  const reads = async () => Buffer.from((await storage.get(new Uint8Array([1]), 0))!).toString();
  try {
    assert.equal(storage.readsFrom(), 'a');
    assert.equal(await reads(), 'a');
    assert.equal(storage.remove('x'), false, 'an unknown name');
    assert.equal(storage.remove('a'), true);
    // Still up, but no longer read from: the snapshot's pick moved too.
    assert.equal(await reads(), 'b');
    assert.equal(storage.readsFrom(), 'b');
    assert.equal(storage.remove('b'), false, 'a shard keeps its last replica');
    assert.equal(await reads(), 'b');
  } finally {
    await storage.close();
    for (const server of servers.values()) await server.close().catch(() => {});
  }
});
