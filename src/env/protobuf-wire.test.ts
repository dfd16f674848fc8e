import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  FIXED32, FIXED64, LENGTH_DELIMITED, VARINT, WireReader, WireWriter, bigVarintSize, lengthDelimitedSize, tag, varintFieldSize, varintSize,
} from './protobuf-wire.js';

// protobufjs (what etcd3 and proto-loader encode with) is the reference encoding.
const protobuf = createRequire(import.meta.url)('protobufjs') as typeof import('protobufjs');

const NUMBERS = [0, 1, 127, 128, 255, 300, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 7, 123_456_789_012, 2 ** 53 - 1];
const BIGINTS = [0n, 1n, 127n, 128n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 7587870254357889283n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];

const reader = (bytes: Uint8Array): WireReader => new WireReader(Buffer.from(bytes), 0, bytes.length, 'a test message');

test('varints of numbers up to 2^53 − 1: our size and bytes are protobufjs\'s, and read back exactly', () => {
  for (const value of NUMBERS) {
    const reference = protobuf.Writer.create().uint64(value).finish();
    assert.equal(varintSize(value), reference.length, `size of ${value}`);
    const w = new WireWriter(Buffer.alloc(varintSize(value)));
    w.varint(value);
    assert.deepEqual(w.finish('a varint'), Buffer.from(reference), `bytes of ${value}`);
    const r = reader(reference);
    assert.equal(r.varint(), value);
    assert.equal(r.more(), false);
    assert.equal(String(protobuf.Reader.create(w.buffer).uint64()), String(value));
  }
});

test('varints of 64-bit bigints: our size and bytes are protobufjs\'s, and read back exactly (int64 as its signed decimal)', () => {
  for (const value of BIGINTS) {
    const reference = protobuf.Writer.create().uint64(value.toString()).finish();
    assert.equal(bigVarintSize(value), reference.length, `size of ${value}`);
    const w = new WireWriter(Buffer.alloc(bigVarintSize(value)));
    w.bigVarint(value);
    assert.deepEqual(w.finish('a varint'), Buffer.from(reference), `bytes of ${value}`);
    assert.equal(reader(reference).bigVarint(), value);
    assert.equal(reader(reference).int64String(), String(protobuf.Reader.create(reference).int64()));
  }
  // A negative int64 is ten bytes on the wire.
  assert.equal(reader(protobuf.Writer.create().int64('-1').finish()).int64String(), '-1');
});

test('values a varint cannot carry exactly are refused before anything is written', () => {
  for (const value of [-1, 0.5, 2 ** 53, Number.NaN, Infinity]) assert.throws(() => varintSize(value), RangeError, String(value));
  for (const value of [-1n, 2n ** 64n]) assert.throws(() => bigVarintSize(value), RangeError, String(value));
});

test('a message of every field kind, written to its computed size, reads as protobufjs wrote it', () => {
  const key = Buffer.from('strata/c/journal/0000000000000009');
  const value = Buffer.alloc(200, 3);
  // Field 20 needs a two-byte key; field 2 nests a message holding field 1.
  const inner = varintFieldSize(tag(1, VARINT), 42);
  const size = lengthDelimitedSize(tag(1, LENGTH_DELIMITED), key.length) + lengthDelimitedSize(tag(2, LENGTH_DELIMITED), inner)
    + lengthDelimitedSize(tag(20, LENGTH_DELIMITED), value.length) + varintFieldSize(tag(3, VARINT), 2 ** 53 - 1);
  const w = new WireWriter(Buffer.alloc(size));
  w.bytes(tag(1, LENGTH_DELIMITED), key);
  w.open(tag(2, LENGTH_DELIMITED), inner);
  w.varintField(tag(1, VARINT), 42);
  w.bytes(tag(20, LENGTH_DELIMITED), value);
  w.varintField(tag(3, VARINT), 2 ** 53 - 1);
  const written = w.finish('a test message');

  const reference = protobuf.Writer.create();
  reference.uint32(tag(1, LENGTH_DELIMITED)).bytes(key);
  reference.uint32(tag(2, LENGTH_DELIMITED)).fork().uint32(tag(1, VARINT)).uint32(42).ldelim();
  reference.uint32(tag(20, LENGTH_DELIMITED)).bytes(value);
  reference.uint32(tag(3, VARINT)).uint64(2 ** 53 - 1);
  assert.deepEqual(written, Buffer.from(reference.finish()));

  const r = reader(written);
  assert.equal(r.varint(), tag(1, LENGTH_DELIMITED));
  const start = r.lengthDelimited();
  assert.deepEqual(written.subarray(start, r.offset), key);
  assert.equal(r.varint(), tag(2, LENGTH_DELIMITED));
  assert.equal(r.embedded().varintFieldOf(tag(1, VARINT)), 42);
  assert.equal(r.varint(), tag(20, LENGTH_DELIMITED));
  r.skip(LENGTH_DELIMITED);
  assert.equal(r.varint(), tag(3, VARINT));
  assert.equal(r.varint(), 2 ** 53 - 1);
  assert.equal(r.more(), false);
});

test('a writer whose sizes disagree with its writes is caught', () => {
  const w = new WireWriter(Buffer.alloc(4));
  w.varint(300);
  assert.throws(() => w.finish('a short message'), /a short message encoded to 2 of its 4 bytes/);
});

test('fixed fields are passed over; the last of a repeated varint field wins', () => {
  const bytes = protobuf.Writer.create()
    .uint32(tag(1, FIXED64)).fixed64(12345)
    .uint32(tag(2, FIXED32)).fixed32(678)
    .uint32(tag(3, VARINT)).uint32(1)
    .uint32(tag(3, VARINT)).uint32(9)
    .finish();
  assert.equal(reader(bytes).varintFieldOf(tag(3, VARINT)), 9);
  assert.equal(reader(bytes).varintFieldOf(tag(4, VARINT)), 0);
});

test('truncated or malformed input is refused with an error naming the message, never misread', () => {
  const whole = protobuf.Writer.create()
    .uint32(tag(1, VARINT)).uint64(2 ** 40)
    .uint32(tag(2, LENGTH_DELIMITED)).bytes(Buffer.alloc(30, 1))
    .uint32(tag(3, FIXED64)).fixed64(1)
    .uint32(tag(4, FIXED32)).fixed32(1)
    .finish();
  const readAll = (bytes: Uint8Array): void => {
    const r = reader(bytes);
    while (r.more()) r.skip(r.varint() & 7);
  };
  readAll(whole);
  // Every cut of the message ends inside a varint or a field.
  const ends = new Set([0, 1 + 6, 1 + 6 + 1 + 1 + 30, 1 + 6 + 1 + 1 + 30 + 1 + 8]);
  for (let cut = 1; cut < whole.length; cut++) {
    if (ends.has(cut)) continue;
    assert.throws(() => readAll(whole.subarray(0, cut)), /^Error: a test message: a truncated (varint|field)/, `cut at ${cut}`);
  }
  // An embedded message is bounded by its own length, not its parent's.
  const nested = protobuf.Writer.create().uint32(tag(1, LENGTH_DELIMITED)).fork().uint32(tag(1, LENGTH_DELIMITED)).uint32(5).ldelim()
    .uint32(tag(2, VARINT)).uint32(1).uint32(tag(3, VARINT)).uint32(1).uint32(tag(4, VARINT)).uint32(1).finish();
  const outer = reader(nested);
  assert.equal(outer.varint(), tag(1, LENGTH_DELIMITED));
  const inner = outer.embedded();
  assert.equal(inner.varint(), tag(1, LENGTH_DELIMITED));
  assert.throws(() => inner.lengthDelimited(), /a test message: a truncated field/);
  for (const wireType of [3, 4, 6, 7]) {
    assert.throws(() => reader(Buffer.from([tag(1, wireType), 0])).varintFieldOf(tag(2, VARINT)), new RegExp(`a test message: wire type ${wireType}`));
  }
  assert.throws(() => reader(Buffer.from([0x08, ...Array(10).fill(0xff), 0x01])).varintFieldOf(tag(1, VARINT)), /a varint longer than 10 bytes/);
  assert.throws(() => reader(Buffer.from([...Array(10).fill(0x80), 0x00])).bigVarint(), /a varint longer than 10 bytes/);
  assert.throws(() => new WireReader(Buffer.alloc(4), 2, 5, 'a test message'), RangeError);
});
