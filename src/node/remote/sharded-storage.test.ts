import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../../contracts/journal.js';
import type { Key } from '../../contracts/kv.js';
import type { MeasureRequest, MeasureResult, PushedComparison, ReadRequest, ReadResult, SafeTimeSource, StorageNode } from '../../contracts/storage.js';
import type { Message } from '../../env/grpc.js';
import { compareBytes } from '../../encoding/bytes.js';
import { MemoryOrderedStore } from '../../env/memory-store.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { MvccStorage, STORE_END } from '../../storage/mvcc-storage.js';
import { ShardMap } from '../../storage/shard-map.js';
import { KeyWatch, type NoticeSubscriber } from './key-watch.js';
import { ShardedStorage, type ShardStorage } from './sharded-storage.js';
import { toyColumnKeyOf, tuple } from '../../../test/support/toy-tuples.js';

const ALWAYS_SAFE: SafeTimeSource = { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() };

/** Seeded integers in [0, bound) (mulberry32: unlike a bare LCG's low bits, small bounds vary well). */
function prng(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
}

/** A prefix-free key of table 1: text-like, letters then the terminator 0x00 0x01. */
function key(text: string): Uint8Array {
  return new Uint8Array([0, 0, 0, 1, 0x10, ...Buffer.from(text), 0x00, 0x01]);
}
/** Below every key whose text starts with `text` (and above those of smaller texts). */
function prefix(text: string): Uint8Array {
  return new Uint8Array([0, 0, 0, 1, 0x10, ...Buffer.from(text)]);
}
const text = (k: Uint8Array): string => Buffer.from(k.subarray(5, k.length - 2)).toString();
const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));
const TABLE = { start: new Uint8Array([0, 0, 0, 1]), end: new Uint8Array([0, 0, 0, 2]) };

const op = (column: number, o: PushedComparison['op'], operand?: string): PushedComparison =>
  ({ column, op: o, ...(operand !== undefined ? { operand: new Uint8Array(Buffer.from(operand)) } : {}) });
const FILTERS: (readonly PushedComparison[] | undefined)[] = [undefined, [op(0, '=', 'y')], [op(1, 'is-not-null')], [op(0, '<>', 'x'), op(1, '>=', 'm')]];

/** An MvccStorage as a shard: what RemoteStorage offers, and a count of the calls made to it. */
class StoreShard implements ShardStorage {
  reads: ReadRequest[] = [];
  gets = 0;
  measures = 0;
  closed = false;
  constructor(readonly storage: MvccStorage, readonly name: string) {}
  read(request: ReadRequest): Promise<ReadResult> {
    this.reads.push(request);
    return this.storage.read(request);
  }
  get(key: Key, readTimestamp: number): Promise<Uint8Array | null> {
    this.gets++;
    return this.storage.get(key, readTimestamp);
  }
  measure(request: MeasureRequest): Promise<MeasureResult> {
    this.measures++;
    return this.storage.measure(request);
  }
  readsFrom(): string {
    return this.name;
  }
  close(): Promise<void> {
    this.closed = true;
    return this.storage.close();
  }
}

/** One store holding every row, and the same rows over the map's shards. */
async function setup(map: ShardMap, batches: readonly (readonly JournalRecord[])[]) {
  const reference = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE, toyColumnKeyOf);
  const shards = Array.from({ length: map.shards }, (_, i) => new StoreShard(new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE, toyColumnKeyOf), `replica-${i}`));
  let position = 0;
  for (const batch of batches) {
    position++;
    await reference.apply(batch, position);
    for (let i = 0; i < shards.length; i++) await shards[i]!.storage.apply(map.route(batch, i), position);
  }
  return { reference, shards, sharded: new ShardedStorage(map, shards) };
}

interface Paged {
  rows: string[];
  pages: number;
  bytesRead: number;
}

/** Every page of a read to completion, resuming from each page's resume key. */
async function readAll(storage: Pick<StorageNode, 'read'>, request: ReadRequest): Promise<Paged> {
  const rows: string[] = [];
  let bytesRead = 0;
  let { start, end } = request;
  for (let pages = 1; pages < 10_000; pages++) {
    const result = await storage.read({ ...request, start, end });
    assert.ok(result.keys.length <= Math.ceil(request.limit), `a page has at most limit rows (${result.keys.length} > ${request.limit})`);
    assert.equal(result.keys.length, result.values.length);
    for (let i = 0; i < result.keys.length; i++) rows.push(`${hex(result.keys[i]!)}=${hex(result.values[i]!)}`);
    bytesRead += result.bytesRead ?? NaN;
    if (result.resumeKey === null) return { rows, pages, bytesRead };
    if (request.reverse) {
      assert.ok(compareBytes(result.resumeKey, end) < 0 || result.keys.length > 0, 'a reverse read makes progress');
      end = result.resumeKey;
    } else {
      assert.ok(compareBytes(result.resumeKey, start) > 0 || result.keys.length > 0, 'a forward read makes progress');
      start = result.resumeKey;
    }
  }
  assert.fail('a scan ends');
}

async function measureAll(storage: Pick<StorageNode, 'measure'>, request: MeasureRequest): Promise<{ keys: number; bytes: number; pages: number }> {
  let keys = 0;
  let bytes = 0;
  let start = request.start;
  for (let pages = 1; pages < 10_000; pages++) {
    const result = await storage.measure({ ...request, start });
    assert.ok(result.keys <= request.limit, 'a measure counts at most limit keys');
    keys += result.keys;
    bytes += result.bytes;
    if (result.resumeKey === null) return { keys, bytes, pages };
    assert.ok(compareBytes(result.resumeKey, start) > 0 || result.keys > 0, 'a measure makes progress');
    start = result.resumeKey;
  }
  assert.fail('a measure ends');
}

const NAMES = 'abcdefghijklmnopqrst';

function randomName(random: (bound: number) => number): string {
  const length = 1 + random(2);
  let out = '';
  for (let i = 0; i < length; i++) out += NAMES[random(NAMES.length)];
  return out;
}

/** Random rows over 20 commits (some rewritten, some deleted), applied in batches of 1-3 records. */
function randomHistory(random: (bound: number) => number): { batches: JournalRecord[][]; names: string[] } {
  const names = new Set<string>();
  const batches: JournalRecord[][] = [];
  let batch: JournalRecord[] = [];
  const column = () => [null, 'x', 'y', 'z', 'm', 'q'][random(6)]!;
  for (let ts = 10; ts <= 200; ts += 10) {
    const writes = new Map<string, Uint8Array | null>();
    const count = 1 + random(8);
    for (let i = 0; i < count; i++) {
      const name = randomName(random);
      names.add(name);
      writes.set(name, random(5) === 0 ? null : tuple(column(), column()));
    }
    batch.push({ commitTimestamp: ts, transactionId: `t${ts}`, writes: [...writes].map(([k, value]) => ({ key: key(k), value })) });
    if (random(3) === 0 || ts === 200) {
      batches.push(batch);
      batch = [];
    }
  }
  return { batches, names: [...names].sort() };
}

/** Two split keys: a row's key and a prefix below a row's (one of each, or two of one kind). */
function randomMap(random: (bound: number) => number): ShardMap {
  for (;;) {
    const splits = [0, 1].map(() => (random(2) === 0 ? key(randomName(random)) : prefix(randomName(random)))).sort(compareBytes);
    if (compareBytes(splits[0]!, splits[1]!) !== 0) return new ShardMap(splits);
  }
}

function randomBound(random: (bound: number) => number, map: ShardMap): Uint8Array {
  switch (random(8)) {
    case 0: return TABLE.start;
    case 1: return TABLE.end;
    case 2: return random(2) === 0 ? new Uint8Array(0) : STORE_END;
    case 3:
    case 4: return map.rangeOf(1 + random(2)).start; // a split key
    case 5: return prefix(randomName(random));
    default: return key(randomName(random));
  }
}

for (const seed of [1, 7, 42, 1234, 98765]) {
  test(`paged reads over three shards equal one store's, forward and reverse, filtered or not (seed ${seed})`, async () => {
    const random = prng(seed);
    const map = randomMap(random);
    const { batches } = randomHistory(random);
    const { reference, sharded } = await setup(map, batches);
    const crossed = new Set<number>();
    for (let round = 0; round < 300; round++) {
      let start = randomBound(random, map);
      let end = randomBound(random, map);
      if (random(4) !== 0 && compareBytes(start, end) > 0) [start, end] = [end, start];
      const reverse = random(2) === 0;
      const filter = FILTERS[random(FILTERS.length)];
      const readTimestamp = random(22) * 10 + random(2) * 5;
      const pieces = map.pieces(start, end, reverse);
      crossed.add(pieces.length);
      // The first piece's rows, so that some limits are used up exactly at its end.
      const first = pieces.length === 0 ? 0 : (await readAll(reference, { start: pieces[0]!.start, end: pieces[0]!.end, readTimestamp, limit: Infinity, reverse, filter })).rows.length;
      const limits = [1, 2, 2.5, 3, 5, 1000, Infinity, ...(first > 0 ? [first, first + 1] : [])];
      const limit = limits[random(limits.length)]!;
      const request: ReadRequest = { start, end, readTimestamp, limit, reverse, filter };
      const expected = await readAll(reference, request);
      const got = await readAll(sharded, request);
      const what = `[${hex(start)}, ${hex(end)}) limit ${limit} ${reverse ? 'reverse' : 'forward'} at ${readTimestamp}`;
      assert.deepEqual(got.rows, expected.rows, what);
      assert.equal(got.bytesRead, expected.bytesRead, `every row examined is billed once: ${what}`);
      // An exact end of a piece costs at most one extra (empty) page per piece boundary.
      assert.ok(got.pages <= expected.pages + Math.max(0, pieces.length - 1), what);
    }
    assert.deepEqual([...crossed].sort(), [0, 1, 2, 3], 'ranges in no shard, one, two and three');
  });
}

test('measures over three shards total what one store counts', async () => {
  const random = prng(2024);
  for (let history = 0; history < 3; history++) {
    const map = randomMap(random);
    const { batches } = randomHistory(random);
    const { reference, sharded } = await setup(map, batches);
    for (let round = 0; round < 150; round++) {
      let start = randomBound(random, map);
      let end = randomBound(random, map);
      if (random(4) !== 0 && compareBytes(start, end) > 0) [start, end] = [end, start];
      const readTimestamp = random(22) * 10;
      const limit = [1, 2, 3, 7, 1000, Infinity][random(6)]!;
      const request = { start, end, readTimestamp, limit };
      const whole = await readAll(reference, { ...request, limit: Infinity });
      const expected = await measureAll(reference, request);
      const got = await measureAll(sharded, request);
      assert.equal(expected.keys, whole.rows.length);
      assert.deepEqual({ keys: got.keys, bytes: got.bytes }, { keys: expected.keys, bytes: expected.bytes }, `[${hex(start)}, ${hex(end)}) limit ${limit}`);
    }
  }
});

test('point reads go to the shard holding the key', async () => {
  const random = prng(77);
  const map = randomMap(random);
  const { batches, names } = randomHistory(random);
  const { reference, sharded, shards } = await setup(map, batches);
  for (const name of [...names, 'zz', 'a', 'tt']) {
    for (const readTimestamp of [0, 15, 50, 100, 150, 200, 300]) {
      const before = shards.map((s) => s.gets);
      assert.equal(hex(await sharded.get(key(name), readTimestamp)), hex(await reference.get(key(name), readTimestamp)), `${name} at ${readTimestamp}`);
      const asked = shards.map((s, i) => s.gets - before[i]!);
      assert.deepEqual(asked, shards.map((_, i) => (i === map.shardOf(key(name)) ? 1 : 0)));
    }
  }
});

/** Rows a, b | c, d | e over splits at c and e. */
async function fiveRows() {
  const map = new ShardMap([key('c'), key('e')]);
  const rows = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ key: key(name), value: tuple(name, null) }));
  return { map, ...(await setup(map, [[{ commitTimestamp: 10, transactionId: 't', writes: rows }]])) };
}
const names = (result: ReadResult) => result.keys.map(text);

test('a limit used up at the end of a piece resumes at the next piece: its start forward, its end reverse', async () => {
  const { sharded, shards } = await fiveRows();
  const read = (start: Key, end: Key, limit: number, reverse = false) => sharded.read({ start, end, readTimestamp: 10, limit, reverse });
  let page = await read(TABLE.start, TABLE.end, 2);
  assert.deepEqual([names(page), hex(page.resumeKey)], [['a', 'b'], hex(key('c'))], 'the split key: the next shard starts there');
  page = await read(key('c'), TABLE.end, 2);
  assert.deepEqual([names(page), hex(page.resumeKey)], [['c', 'd'], hex(key('e'))]);
  page = await read(key('e'), TABLE.end, 2);
  assert.deepEqual([names(page), page.resumeKey], [['e'], null]);
  // Within a piece the shard's own resume key comes back (one store's).
  const before = shards.map((s) => s.reads.length);
  page = await read(TABLE.start, TABLE.end, 3);
  assert.deepEqual([names(page), hex(page.resumeKey)], [['a', 'b', 'c'], hex(key('d'))]);
  assert.deepEqual(shards.map((s, i) => s.reads.slice(before[i]).map((r) => r.limit)), [[3], [1], []], 'each piece is read with what is left of the limit');
  // Reverse: the exclusive end of the next read is the start of the piece just read.
  page = await read(TABLE.start, TABLE.end, 1, true);
  assert.deepEqual([names(page), hex(page.resumeKey)], [['e'], hex(key('e'))]);
  page = await read(TABLE.start, key('e'), 2, true);
  assert.deepEqual([names(page), hex(page.resumeKey)], [['d', 'c'], hex(key('c'))]);
  page = await read(TABLE.start, key('c'), 2, true);
  assert.deepEqual([names(page), page.resumeKey], [['b', 'a'], null]);
  page = await read(TABLE.start, TABLE.end, 2, true);
  assert.deepEqual([names(page), hex(page.resumeKey)], [['e', 'd'], hex(key('d'))], 'the shard stopped inside its piece');
  // The limit used up with nothing left at all: no resume key (one store's answer too).
  page = await read(TABLE.start, TABLE.end, 5);
  assert.deepEqual([names(page), page.resumeKey], [['a', 'b', 'c', 'd', 'e'], null]);
  page = await read(TABLE.start, TABLE.end, 5, true);
  assert.deepEqual([names(page), page.resumeKey], [['e', 'd', 'c', 'b', 'a'], null]);
  // Measure: the same.
  const measured = await sharded.measure({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit: 4 });
  assert.deepEqual([measured.keys, hex(measured.resumeKey)], [4, hex(key('e'))]);
  const exact = await sharded.measure({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit: 2 });
  assert.deepEqual([exact.keys, hex(exact.resumeKey)], [2, hex(key('c'))]);
  const inside = await sharded.measure({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit: 3 });
  assert.deepEqual([inside.keys, hex(inside.resumeKey)], [3, hex(key('d'))]);
});

test('a limit used up where only empty shards remain resumes at them; the next page is empty and final', async () => {
  // One store would say "done" at once; shards cannot know the next is empty without reading it.
  const map = new ShardMap([key('m'), key('t')]);
  const { sharded } = await setup(map, [[{ commitTimestamp: 10, transactionId: 't', writes: [{ key: key('a'), value: tuple('a') }, { key: key('b'), value: tuple('b') }] }]]);
  const page = await sharded.read({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit: 2 });
  assert.deepEqual([names(page), hex(page.resumeKey)], [['a', 'b'], hex(key('m'))]);
  const next = await sharded.read({ start: page.resumeKey!, end: TABLE.end, readTimestamp: 10, limit: 2 });
  assert.deepEqual([names(next), next.resumeKey], [[], null]);
});

test('a bad limit is refused as one store refuses it; a fractional one yields as many rows as one store', async () => {
  const { sharded, reference } = await fiveRows();
  for (const limit of [0, -1, NaN, 0.5]) {
    await assert.rejects(reference.read({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit }));
    await assert.rejects(sharded.read({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit }), `limit ${limit}`);
    await assert.rejects(sharded.measure({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit }), `limit ${limit}`);
  }
  for (const limit of [1.5, 2.5, 3.2]) {
    for (const reverse of [false, true]) {
      const one = await reference.read({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit, reverse });
      const many = await sharded.read({ start: TABLE.start, end: TABLE.end, readTimestamp: 10, limit, reverse });
      assert.deepEqual(names(many), names(one), `limit ${limit}`);
    }
  }
});

/** A shard that answers every read from a script, remembering what it was asked. */
class ScriptedShard implements ShardStorage {
  asked: ReadRequest[] = [];
  constructor(private readonly answer: (request: ReadRequest) => ReadResult, readonly name = 'scripted') {}
  read(request: ReadRequest): Promise<ReadResult> {
    this.asked.push(request);
    return Promise.resolve(this.answer(request));
  }
  get(): Promise<Uint8Array | null> {
    return Promise.resolve(null);
  }
  measure(): Promise<MeasureResult> {
    return Promise.resolve({ keys: 0, bytes: 0, resumeKey: null });
  }
  readsFrom(): string {
    return this.name;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

test('a range inside one shard is passed to it as is; an empty range goes to the shard of its start', async () => {
  const map = new ShardMap([key('m')]);
  const results: ReadResult[] = [];
  const shards = [0, 1].map(() => new ScriptedShard(() => {
    const result = { keys: [], values: [], resumeKey: null, bytesRead: 0 };
    results.push(result);
    return result;
  }));
  const sharded = new ShardedStorage(map, shards);
  const inside: ReadRequest = { start: key('n'), end: key('p'), readTimestamp: 5, limit: 3, reverse: true, filter: [op(0, '=', 'y')] };
  assert.equal(await sharded.read(inside), results.at(-1));
  assert.equal(shards[1]!.asked[0], inside, 'the same request object');
  const atSplit: ReadRequest = { start: key('m'), end: TABLE.end, readTimestamp: 5, limit: 3 };
  await sharded.read(atSplit);
  assert.equal(shards[1]!.asked[1], atSplit, 'a range from a split key lies in the shard after it');
  const endingAtSplit: ReadRequest = { start: TABLE.start, end: key('m'), readTimestamp: 5, limit: 3 };
  await sharded.read(endingAtSplit);
  assert.equal(shards[0]!.asked[0], endingAtSplit, 'a range ending at a split key lies in the shard before it');
  const empty: ReadRequest = { start: key('q'), end: key('b'), readTimestamp: 5, limit: 3 };
  assert.equal(await sharded.read(empty), results.at(-1));
  assert.equal(shards[1]!.asked[2], empty);
  assert.equal(shards[0]!.asked.length, 1);
});

test('bytes read are summed; absent only when no shard counted them', async () => {
  const map = new ShardMap([key('m')]);
  const row = (name: string) => ({ keys: [key(name)], values: [new Uint8Array(3)], resumeKey: null });
  const request: ReadRequest = { start: TABLE.start, end: TABLE.end, readTimestamp: 5, limit: 10 };
  const none = new ShardedStorage(map, [new ScriptedShard(() => row('a')), new ScriptedShard(() => row('n'))]);
  assert.equal((await none.read(request)).bytesRead, undefined);
  assert.ok(!('bytesRead' in (await none.read(request))));
  const both = new ShardedStorage(map, [new ScriptedShard(() => ({ ...row('a'), bytesRead: 100 })), new ScriptedShard(() => ({ ...row('n'), bytesRead: 7 }))]);
  assert.equal((await both.read(request)).bytesRead, 107);
  // A shard that does not count is billed for what it sent, as the reader would bill it.
  const one = new ShardedStorage(map, [new ScriptedShard(() => row('a')), new ScriptedShard(() => ({ ...row('n'), bytesRead: 7 }))]);
  assert.equal((await one.read(request)).bytesRead, key('a').length + 3 + 7);
  const reverse = await one.read({ ...request, reverse: true });
  assert.deepEqual([reverse.keys.map(text), reverse.bytesRead], [['n', 'a'], 7 + key('a').length + 3]);
});

test('the map and the shards must agree; replicas read from, apply, close', async () => {
  const map = new ShardMap([key('g'), key('p')]);
  const shards = ['one', 'two', 'three'].map((name) => new ScriptedShard(() => ({ keys: [], values: [], resumeKey: null }), name));
  assert.throws(() => new ShardedStorage(map, shards.slice(0, 2)), /3 shards/);
  assert.throws(() => new ShardedStorage(new ShardMap([]), shards), /1 shards/);
  const sharded = new ShardedStorage(map, shards);
  assert.deepEqual(sharded.readsFrom(), ['one', 'two', 'three']);
  assert.equal(sharded.appliedPosition, 0);
  await assert.rejects(sharded.apply([], 1), /a query processor does not apply the journal/);
  const { sharded: stores, shards: storeShards } = await fiveRows();
  await stores.close();
  assert.deepEqual(storeShards.map((s) => s.closed), [true, true, true]);
});

test('the watched key is answered from the leader stream when it vouches, else from its shard', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  let onNotice: ((notice: Message) => void) | null = null;
  const subscribe: NoticeSubscriber = (_address, _keys, notice) => {
    onNotice = notice;
    return { cancel: () => {} };
  };
  const notice = (decided: number, changes: number[] = []) =>
    onNotice!({ epoch: 1, decided, issued: decided, reserved: 0, decisions: changes.map((t) => ({ commit_timestamp: t, keys: [Buffer.from(key('version'))] })) });
  const map = new ShardMap([key('m'), key('w')]);
  const version = key('version'); // in the middle shard
  const { sharded, shards } = await setup(map, [
    [{ commitTimestamp: 50, transactionId: 't50', writes: [{ key: version, value: tuple('1') }, { key: key('b'), value: tuple('b') }] }],
  ]);
  const watch = new KeyWatch(version, timers, subscribe);
  sharded.watch(watch);
  watch.follow({ address: 'leader:1', epoch: 1 });
  notice(100);
  assert.equal(hex(await sharded.get(version, 120)), hex(tuple('1')), 'read from the shard: the watch knew nothing');
  assert.deepEqual(shards.map((s) => s.gets), [0, 1, 0]);
  // A version the stream never announced: a get the watch answers does not see it.
  await shards[1]!.storage.apply([{ commitTimestamp: 130, transactionId: 't130', writes: [{ key: version, value: tuple('2') }] }], 2);
  notice(200);
  assert.equal(hex(await sharded.get(version, 180)), hex(tuple('1')), 'answered by the watch');
  assert.deepEqual(shards.map((s) => s.gets), [0, 1, 0]);
  // A change announced at or below the snapshot: the shard answers, and the watch learns it.
  notice(300, [250]);
  assert.equal(hex(await sharded.get(version, 260)), hex(tuple('2')));
  assert.deepEqual(shards.map((s) => s.gets), [0, 2, 0]);
  assert.equal(hex((await watch.valueAt(280))?.value ?? null), hex(tuple('2')), 'the shard read was reported to the watch');
  assert.equal(hex(await sharded.get(version, 280)), hex(tuple('2')));
  assert.deepEqual(shards.map((s) => s.gets), [0, 2, 0]);
  // Other keys never touch the watch.
  assert.equal(hex(await sharded.get(key('b'), 280)), hex(tuple('b')));
  assert.deepEqual(shards.map((s) => s.gets), [1, 2, 0]);
  watch.close();
});
