/**
 * Watches on etcd 3.4 over a bare gRPC stream, decoding only what `WatchEvent` carries.
 *
 * Every storage replica and adjudicator standby watches the journal, so each journal batch
 * arrives as one watch message in five processes. Through the `etcd3` client each message went
 * through protobufjs's decode, its `toObject` conversions (every int64 to a string, header and
 * key-value objects), the client's watch manager and an event emitter before Strata saw the
 * bytes; bench:distributed profiled that at ~5 % of a replica's CPU beside grpc-js itself.
 * Here a message is read field by field (protobuf wire format, rpc.proto / kv.proto of etcd
 * 3.4) straight into `StoredEntry`s whose key and value are views of the received message (no
 * copy: the journal decoder copies what it keeps).
 *
 * One gRPC stream per watch, opened on one member and tried on the next when that fails. A
 * stream that breaks after the watch was created, an etcd cancel (a compacted start revision)
 * or an ended stream is reported once through `onError`, as the Coordination contract asks: the
 * caller re-reads and watches again (from the same revision, so nothing is missed).
 */
import * as grpc from '@grpc/grpc-js';
import type { StoredEntry, Watch, WatchEvent } from './coordination.js';

const WATCH_METHOD = '/etcdserverpb.Watch/Watch';
/** How long a member may take to confirm a new watch before the next member is tried. */
const CREATE_DEADLINE_MS = 3_000;
const EMPTY = Buffer.alloc(0);

// Protobuf wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Tag byte of field `field` (< 16) with wire type `type`. */
const tag = (field: number, type: number): number => (field << 3) | type;

function varintBytes(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  while (value >= 128) {
    buffer[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

/**
 * WatchRequest { create_request: WatchCreateRequest { key, range_end, start_revision } }.
 * (No filters, prev_kv, progress notifications or fragments: the events carry whole values.)
 */
export function encodeWatchCreate(key: Uint8Array, rangeEnd: Uint8Array, startRevision: number): Buffer {
  if (!(Number.isSafeInteger(startRevision) && startRevision >= 0)) throw new Error(`a watch starts at a revision ≥ 0 (${startRevision})`);
  const inner = 1 + varintBytes(key.length) + key.length + 1 + varintBytes(rangeEnd.length) + rangeEnd.length
    + (startRevision > 0 ? 1 + varintBytes(startRevision) : 0);
  const buffer = Buffer.allocUnsafe(1 + varintBytes(inner) + inner);
  let offset = 0;
  buffer[offset++] = tag(1, LENGTH_DELIMITED);
  offset = writeVarint(buffer, offset, inner);
  buffer[offset++] = tag(1, LENGTH_DELIMITED);
  offset = writeVarint(buffer, offset, key.length);
  buffer.set(key, offset);
  offset += key.length;
  buffer[offset++] = tag(2, LENGTH_DELIMITED);
  offset = writeVarint(buffer, offset, rangeEnd.length);
  buffer.set(rangeEnd, offset);
  offset += rangeEnd.length;
  if (startRevision > 0) {
    buffer[offset++] = tag(3, VARINT);
    offset = writeVarint(buffer, offset, startRevision);
  }
  if (offset !== buffer.length) throw new Error('watch request encoded to its computed length');
  return buffer;
}

/** What Strata uses of one WatchResponse. */
export interface WatchResponseView {
  /** header.revision: the store's revision when the response was sent. */
  readonly revision: number;
  readonly created: boolean;
  readonly canceled: boolean;
  /** Set (> 0) when the start revision was compacted: the watch is over. */
  readonly compactRevision: number;
  readonly cancelReason: string;
  readonly events: WatchEvent[];
}

/** A cursor over one protobuf message (or an embedded one: `end` bounds it). */
class WireReader {
  constructor(readonly bytes: Buffer, public offset: number, readonly end: number) {}

  /** A varint as a number: exact below 2^53 (revisions, lengths); larger ones (a negative int64) only approximately. */
  varint(): number {
    let byte = this.byte();
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 128;
    for (let i = 1; i < 10; i++) {
      byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new Error('malformed etcd watch response: a varint longer than 10 bytes');
  }

  /** A varint as the decimal string of an int64 (lease ids use all 64 bits). */
  int64String(): string {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const byte = this.byte();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, value).toString();
      shift += 7n;
    }
    throw new Error('malformed etcd watch response: a varint longer than 10 bytes');
  }

  /** A length-delimited field: [start, end) of its bytes, the cursor moved past them. */
  lengthDelimited(): number {
    const length = this.varint();
    const start = this.offset;
    if (start + length > this.end) throw new Error('malformed etcd watch response: a field runs past its message');
    this.offset = start + length;
    return start;
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === LENGTH_DELIMITED) this.lengthDelimited();
    else if (wireType === FIXED64) this.advance(8);
    else if (wireType === FIXED32) this.advance(4);
    else throw new Error(`malformed etcd watch response: wire type ${wireType}`);
  }

  private advance(bytes: number): void {
    if (this.offset + bytes > this.end) throw new Error('malformed etcd watch response: a field runs past its message');
    this.offset += bytes;
  }

  private byte(): number {
    if (this.offset >= this.end) throw new Error('malformed etcd watch response: a varint runs past its message');
    return this.bytes[this.offset++]!;
  }
}

/** Decodes a WatchResponse; keys and values are views of `message`. */
export function decodeWatchResponse(message: Buffer): WatchResponseView {
  const reader = new WireReader(message, 0, message.length);
  let revision = 0;
  let created = false;
  let canceled = false;
  let compactRevision = 0;
  let cancelReason = '';
  const events: WatchEvent[] = [];
  while (reader.offset < reader.end) {
    const key = reader.varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      const start = reader.lengthDelimited();
      revision = headerRevision(new WireReader(message, start, reader.offset));
    } else if (field === 3 && wireType === VARINT) created = reader.varint() !== 0;
    else if (field === 4 && wireType === VARINT) canceled = reader.varint() !== 0;
    else if (field === 5 && wireType === VARINT) compactRevision = reader.varint();
    else if (field === 6 && wireType === LENGTH_DELIMITED) {
      const start = reader.lengthDelimited();
      cancelReason = message.toString('utf8', start, reader.offset);
    } else if (field === 11 && wireType === LENGTH_DELIMITED) {
      const start = reader.lengthDelimited();
      events.push(decodeEvent(new WireReader(message, start, reader.offset)));
    } else reader.skip(wireType);
  }
  return { revision, created, canceled, compactRevision, cancelReason, events };
}

/** ResponseHeader.revision (field 3); cluster id, member id and raft term are skipped. */
function headerRevision(reader: WireReader): number {
  let revision = 0;
  while (reader.offset < reader.end) {
    const key = reader.varint();
    if (key === tag(3, VARINT)) revision = reader.varint();
    else reader.skip(key & 7);
  }
  return revision;
}

/** mvccpb.Event { type, kv } (prev_kv is never asked for, and skipped if present). */
function decodeEvent(reader: WireReader): WatchEvent {
  let type: WatchEvent['type'] = 'put';
  let entry: StoredEntry | null = null;
  while (reader.offset < reader.end) {
    const key = reader.varint();
    if (key === tag(1, VARINT)) type = reader.varint() === 1 ? 'delete' : 'put';
    else if (key === tag(2, LENGTH_DELIMITED)) {
      const start = reader.lengthDelimited();
      entry = decodeKeyValue(new WireReader(reader.bytes, start, reader.offset));
    } else reader.skip(key & 7);
  }
  if (entry === null) throw new Error('malformed etcd watch response: an event without its key-value');
  return { type, entry };
}

/** mvccpb.KeyValue: key, create and mod revisions, value, lease (the version is skipped). */
function decodeKeyValue(reader: WireReader): StoredEntry {
  const bytes = reader.bytes;
  let key: Buffer = EMPTY;
  let value: Buffer = EMPTY;
  let createRevision = 0;
  let modRevision = 0;
  let lease = '0';
  while (reader.offset < reader.end) {
    const field = reader.varint();
    if (field === tag(1, LENGTH_DELIMITED)) {
      const start = reader.lengthDelimited();
      key = bytes.subarray(start, reader.offset);
    } else if (field === tag(2, VARINT)) createRevision = reader.varint();
    else if (field === tag(3, VARINT)) modRevision = reader.varint();
    else if (field === tag(5, LENGTH_DELIMITED)) {
      const start = reader.lengthDelimited();
      value = bytes.subarray(start, reader.offset);
    } else if (field === tag(6, VARINT)) lease = reader.int64String();
    else reader.skip(field & 7);
  }
  return { key, value, createRevision, modRevision, lease };
}

/** Hands `events` over one revision at a time (a response may carry several). */
function deliverByRevision(events: readonly WatchEvent[], onEvents: (events: readonly WatchEvent[], revision: number) => void): void {
  if (events.length === 0) return;
  const first = events[0]!.entry.modRevision;
  if (events[events.length - 1]!.entry.modRevision === first) {
    onEvents(events, first);
    return;
  }
  let group: WatchEvent[] = [];
  let revision = first;
  for (const event of events) {
    if (event.entry.modRevision !== revision) {
      onEvents(group, revision);
      group = [];
      revision = event.entry.modRevision;
    }
    group.push(event);
  }
  onEvents(group, revision);
}

const passBuffer = (bytes: Buffer): Buffer => bytes;

export interface EtcdWatchOptions {
  /** Largest watch message accepted (a journal batch of several MiB arrives as one). */
  readonly maxMessageBytes: number;
  /** The member tried first (the members are tried in turn from it); spreads watchers over members. */
  readonly firstMember?: number;
}

/** Watches on a set of etcd members, each watch on its own gRPC stream. */
export class EtcdWatches {
  private readonly clients: (grpc.Client | null)[];
  private readonly addresses: string[];
  private readonly channelOptions: grpc.ChannelOptions;
  /** The member the next watch tries first: moves on past a member whose stream failed. */
  private next: number;
  private readonly open = new Set<grpc.ClientDuplexStream<Buffer, Buffer>>();
  private closed = false;

  constructor(endpoints: readonly string[], options: EtcdWatchOptions) {
    if (endpoints.length === 0) throw new Error('etcd watches need at least one endpoint');
    this.addresses = endpoints.map((e) => e.replace(/^[a-z]+:\/\//, ''));
    this.clients = this.addresses.map(() => null);
    this.channelOptions = { 'grpc.max_receive_message_length': options.maxMessageBytes, 'grpc.max_send_message_length': options.maxMessageBytes };
    this.next = (options.firstMember ?? 0) % endpoints.length;
  }

  /**
   * Watches [from, to) from `afterRevision + 1`: resolves once a member confirmed the watch
   * (each member is tried once, in turn), then calls `onEvents` per revision in order, and
   * `onError` once if the watch ends without `close`.
   */
  async watch(from: Uint8Array, to: Uint8Array, afterRevision: number,
    onEvents: (events: readonly WatchEvent[], revision: number) => void, onError: (error: Error) => void): Promise<Watch> {
    const request = encodeWatchCreate(from, to, afterRevision + 1);
    let lastError: Error | null = null;
    for (let tried = 0; tried < this.addresses.length; tried++) {
      if (this.closed) break;
      const member = this.next;
      try {
        return await this.openOn(member, request, onEvents, onError);
      } catch (error) {
        lastError = error as Error;
        this.memberFailed(member);
      }
    }
    throw lastError ?? new Error('etcd watches closed');
  }

  private openOn(member: number, request: Buffer, onEvents: (events: readonly WatchEvent[], revision: number) => void,
    onError: (error: Error) => void): Promise<Watch> {
    const client = this.clients[member] ??= new grpc.Client(this.addresses[member]!, grpc.credentials.createInsecure(), this.channelOptions);
    const call = client.makeBidiStreamRequest<Buffer, Buffer>(WATCH_METHOD, passBuffer, passBuffer);
    this.open.add(call);
    return new Promise<Watch>((resolve, reject) => {
      let state: 'creating' | 'open' | 'ended' = 'creating';
      const watch: Watch = { close: () => { end(); return Promise.resolve(); } };
      const end = (): void => {
        if (state === 'ended') return;
        state = 'ended';
        clearTimeout(deadline);
        this.open.delete(call);
        call.cancel();
      };
      const fail = (error: Error): void => {
        if (state === 'ended') return;
        const created = state === 'open';
        end();
        if (!created) reject(error);
        // Closing every watch with the coordination client is no failure to report.
        else if (!this.closed) {
          this.memberFailed(member);
          onError(error);
        }
      };
      const deadline = setTimeout(() => fail(new Error(`etcd member ${this.addresses[member]} did not confirm a watch within ${CREATE_DEADLINE_MS} ms`)), CREATE_DEADLINE_MS);
      call.on('data', (message: Buffer) => {
        if (state === 'ended') return;
        let response: WatchResponseView;
        try {
          response = decodeWatchResponse(message);
        } catch (error) {
          fail(error as Error);
          return;
        }
        if (response.compactRevision > 0) {
          fail(new Error(`etcd watch: its start revision has been compacted (compacted through ${response.compactRevision})`));
          return;
        }
        if (response.canceled) {
          fail(new Error(`etcd cancelled the watch${response.cancelReason === '' ? '' : `: ${response.cancelReason}`}`));
          return;
        }
        if (response.created && state === 'creating') {
          state = 'open';
          clearTimeout(deadline);
          resolve(watch);
        }
        deliverByRevision(response.events, onEvents);
      });
      call.on('error', (error: Error) => fail(error));
      // A stream the member ends without an error (it is shutting down) ends the watch too.
      call.on('status', (status: grpc.StatusObject) => fail(new Error(`etcd ended the watch stream: ${status.details || grpc.status[status.code]}`)));
      call.write(request);
    });
  }

  /** The next watch starts on another member (the one that failed is tried last). */
  private memberFailed(member: number): void {
    if (this.next === member) this.next = (member + 1) % this.addresses.length;
  }

  close(): void {
    this.closed = true;
    for (const call of this.open) call.cancel();
    this.open.clear();
    for (const client of this.clients) client?.close();
  }
}
