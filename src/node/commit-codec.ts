import type { CommitOutcome, CommitRequest } from '../contracts/adjudicator.js';
import type { Key, WriteEntry } from '../contracts/kv.js';
import { assert } from '../contracts/errors.js';

/**
 * The binary form of commits and their outcomes on the channel between a query-processor worker
 * and the primary (worker-protocol.ts). Every commit of a worker crosses it twice; structured
 * clone built and walked an object per key and value on both sides, this is one buffer per
 * message, and several commits (or outcomes) share a message.
 *
 *   commits  = [u32 count] count × commit
 *   commit   = [u32 id][f64 startTimestamp][u16 idLength][transaction id utf-8]
 *              [u32 writeCount] writeCount × ([u32 keyLength][key][u32 valueLength | TOMBSTONE][value])
 *              [u32 lockCount] keys  [u32 keyShareCount | ABSENT] keys  [u32 schemaCount] keys
 *   keys     = count × ([u32 length][key])
 *   outcomes = [u32 count] count × ([u32 id][u8 kind][f64 commitTimestamp | u32 length, reason utf-8])
 *
 * Little-endian. Decoding copies the message once and hands out views of the copy as keys and
 * values: one allocation per message rather than one per key, and nothing shares memory with
 * the channel's read buffers.
 */
const TOMBSTONE = 0xffff_ffff;
const ABSENT = 0xffff_ffff;
const MAX_TRANSACTION_ID_BYTES = 0xffff;
const COMMIT_FIXED_BYTES = 4 + 8 + 2 + 4 + 4 + 4 + 4;
const OUTCOME_FIXED_BYTES = 4 + 1 + 8;

const OUTCOME_KINDS = ['committed', 'data-conflict', 'schema-conflict', 'too-old', 'unavailable'] as const;
const KIND_CODE: Record<CommitOutcome['kind'], number> = {
  committed: 0, 'data-conflict': 1, 'schema-conflict': 2, 'too-old': 3, unavailable: 4,
};

export interface ChannelCommit {
  readonly id: number;
  readonly request: CommitRequest;
}

export interface ChannelOutcome {
  readonly id: number;
  readonly outcome: CommitOutcome;
}

/** Bytes `commit` takes in a message. */
export function commitBytes(commit: ChannelCommit): number {
  const request = commit.request;
  let total = COMMIT_FIXED_BYTES + Buffer.byteLength(request.transactionId, 'utf8');
  for (const write of request.writes) total += 8 + write.key.length + (write.value === null ? 0 : write.value.length);
  total += keysBytes(request.lockKeys) + (request.keyShareKeys === undefined ? 0 : keysBytes(request.keyShareKeys)) + keysBytes(request.schemaKeys);
  return total;
}

function keysBytes(keys: readonly Key[]): number {
  let total = 0;
  for (const key of keys) total += 4 + key.length;
  return total;
}

/** One message holding `commits` (whose sizes `commitBytes` gave as `bytes`). */
export function encodeCommits(commits: readonly ChannelCommit[], bytes: number): Uint8Array {
  const buffer = Buffer.allocUnsafe(4 + bytes);
  let offset = buffer.writeUInt32LE(commits.length, 0);
  for (const { id, request } of commits) {
    offset = buffer.writeUInt32LE(id, offset);
    offset = buffer.writeDoubleLE(request.startTimestamp, offset);
    const idLength = buffer.write(request.transactionId, offset + 2, 'utf8');
    assert(idLength <= MAX_TRANSACTION_ID_BYTES, 'a transaction id fits its length field');
    buffer.writeUInt16LE(idLength, offset);
    offset += 2 + idLength;
    offset = buffer.writeUInt32LE(request.writes.length, offset);
    for (const write of request.writes) {
      offset = putBytes(buffer, offset, write.key);
      if (write.value === null) offset = buffer.writeUInt32LE(TOMBSTONE, offset);
      else offset = putBytes(buffer, offset, write.value);
    }
    offset = putKeys(buffer, offset, request.lockKeys);
    if (request.keyShareKeys === undefined) offset = buffer.writeUInt32LE(ABSENT, offset);
    else offset = putKeys(buffer, offset, request.keyShareKeys);
    offset = putKeys(buffer, offset, request.schemaKeys);
  }
  assert(offset === buffer.length, 'commits fill their message exactly');
  return buffer;
}

function putBytes(buffer: Buffer, offset: number, bytes: Uint8Array): number {
  const at = buffer.writeUInt32LE(bytes.length, offset);
  buffer.set(bytes, at);
  return at + bytes.length;
}

function putKeys(buffer: Buffer, start: number, keys: readonly Key[]): number {
  let offset = buffer.writeUInt32LE(keys.length, start);
  for (const key of keys) offset = putBytes(buffer, offset, key);
  return offset;
}

/** Reads a message of `encodeCommits`, in order. */
export function decodeCommits(message: Uint8Array): ChannelCommit[] {
  const reader = new MessageReader(new Uint8Array(message));
  const count = reader.u32();
  const commits: ChannelCommit[] = [];
  for (let i = 0; i < count; i++) {
    const id = reader.u32();
    const startTimestamp = reader.f64();
    const transactionId = reader.utf8(reader.u16());
    const writeCount = reader.u32();
    const writes: WriteEntry[] = [];
    for (let w = 0; w < writeCount; w++) {
      const key = reader.bytes(reader.u32());
      const valueLength = reader.u32();
      writes.push({ key, value: valueLength === TOMBSTONE ? null : reader.bytes(valueLength) });
    }
    const lockKeys = reader.keys(reader.u32());
    const keyShareCount = reader.u32();
    const keyShareKeys = keyShareCount === ABSENT ? undefined : reader.keys(keyShareCount);
    const schemaKeys = reader.keys(reader.u32());
    const request: CommitRequest = keyShareKeys === undefined
      ? { transactionId, startTimestamp, writes, lockKeys, schemaKeys }
      : { transactionId, startTimestamp, writes, lockKeys, keyShareKeys, schemaKeys };
    commits.push({ id, request });
  }
  reader.end();
  return commits;
}

/** One message holding `outcomes`. */
export function encodeOutcomes(outcomes: readonly ChannelOutcome[]): Uint8Array {
  let total = 4;
  for (const { outcome } of outcomes) {
    total += OUTCOME_FIXED_BYTES + (outcome.kind === 'unavailable' ? Buffer.byteLength(outcome.reason, 'utf8') - 4 : 0);
  }
  const buffer = Buffer.allocUnsafe(total);
  let offset = buffer.writeUInt32LE(outcomes.length, 0);
  for (const { id, outcome } of outcomes) {
    offset = buffer.writeUInt32LE(id, offset);
    offset = buffer.writeUInt8(KIND_CODE[outcome.kind], offset);
    if (outcome.kind === 'committed') offset = buffer.writeDoubleLE(outcome.commitTimestamp, offset);
    else if (outcome.kind === 'unavailable') {
      const length = buffer.write(outcome.reason, offset + 4, 'utf8');
      buffer.writeUInt32LE(length, offset);
      offset += 4 + length;
    } else offset += 8;
  }
  assert(offset === buffer.length, 'outcomes fill their message exactly');
  return buffer;
}

/** Reads a message of `encodeOutcomes`, in order. */
export function decodeOutcomes(message: Uint8Array): ChannelOutcome[] {
  const reader = new MessageReader(message);
  const count = reader.u32();
  const outcomes: ChannelOutcome[] = [];
  for (let i = 0; i < count; i++) {
    const id = reader.u32();
    const kind = OUTCOME_KINDS[reader.u8()];
    assert(kind !== undefined, 'a commit outcome has a known kind');
    let outcome: CommitOutcome;
    if (kind === 'committed') outcome = { kind, commitTimestamp: reader.f64() };
    else if (kind === 'unavailable') outcome = { kind, reason: reader.utf8(reader.u32()) };
    else {
      reader.f64();
      outcome = { kind };
    }
    outcomes.push({ id, outcome });
  }
  reader.end();
  return outcomes;
}

/** Reads a message front to back; a field past the end is a bug on the sending side. */
class MessageReader {
  private offset = 0;
  private readonly view: Buffer;

  constructor(private readonly message: Uint8Array) {
    this.view = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  }

  u8(): number {
    this.need(1);
    return this.view[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const value = this.view.readUInt16LE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.view.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  bytes(length: number): Uint8Array {
    this.need(length);
    const bytes = this.message.subarray(this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }

  utf8(length: number): string {
    this.need(length);
    const text = this.view.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return text;
  }

  keys(count: number): Key[] {
    const keys: Key[] = [];
    for (let i = 0; i < count; i++) keys.push(this.bytes(this.u32()));
    return keys;
  }

  end(): void {
    assert(this.offset === this.message.length, 'a channel message is read to its end');
  }

  private need(length: number): void {
    assert(this.offset + length <= this.message.length, 'a channel message field lies inside the message');
  }
}
