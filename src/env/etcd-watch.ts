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
import { grpcChannelCredentials, type LinkTls } from './link-tls.js';
import { LENGTH_DELIMITED, VARINT, WireReader, WireWriter, lengthDelimitedSize, tag, varintFieldSize } from './protobuf-wire.js';

const WATCH_METHOD = '/etcdserverpb.Watch/Watch';
/** How long a member may take to confirm a new watch before the next member is tried. */
const CREATE_DEADLINE_MS = 3_000;
const EMPTY = Buffer.alloc(0);

// etcdserverpb / mvccpb field numbers (etcd 3.4's rpc.proto, kv.proto).
// WatchRequest / WatchCreateRequest
const REQUEST_CREATE = tag(1, LENGTH_DELIMITED);
const CREATE_KEY = tag(1, LENGTH_DELIMITED);
const CREATE_RANGE_END = tag(2, LENGTH_DELIMITED);
const CREATE_START_REVISION = tag(3, VARINT);
// WatchResponse / ResponseHeader
const RESPONSE_HEADER = tag(1, LENGTH_DELIMITED);
const RESPONSE_CREATED = tag(3, VARINT);
const RESPONSE_CANCELED = tag(4, VARINT);
const RESPONSE_COMPACT_REVISION = tag(5, VARINT);
const RESPONSE_CANCEL_REASON = tag(6, LENGTH_DELIMITED);
const RESPONSE_EVENTS = tag(11, LENGTH_DELIMITED);
const HEADER_REVISION = tag(3, VARINT);
// Event / KeyValue
const EVENT_TYPE = tag(1, VARINT);
const EVENT_KV = tag(2, LENGTH_DELIMITED);
const EVENT_TYPE_DELETE = 1;
const KV_KEY = tag(1, LENGTH_DELIMITED);
const KV_CREATE_REVISION = tag(2, VARINT);
const KV_MOD_REVISION = tag(3, VARINT);
const KV_VALUE = tag(5, LENGTH_DELIMITED);
const KV_LEASE = tag(6, VARINT);
/** What errors from a message that is not one say first. */
const MALFORMED = 'malformed etcd watch response';

/**
 * WatchRequest { create_request: WatchCreateRequest { key, range_end, start_revision } }.
 * (No filters, prev_kv, progress notifications or fragments: the events carry whole values.)
 */
export function encodeWatchCreate(key: Uint8Array, rangeEnd: Uint8Array, startRevision: number): Buffer {
  if (!(Number.isSafeInteger(startRevision) && startRevision >= 0)) throw new Error(`a watch starts at a revision ≥ 0 (${startRevision})`);
  const inner = lengthDelimitedSize(CREATE_KEY, key.length) + lengthDelimitedSize(CREATE_RANGE_END, rangeEnd.length)
    + (startRevision > 0 ? varintFieldSize(CREATE_START_REVISION, startRevision) : 0);
  const w = new WireWriter(Buffer.allocUnsafe(lengthDelimitedSize(REQUEST_CREATE, inner)));
  w.open(REQUEST_CREATE, inner);
  w.bytes(CREATE_KEY, key);
  w.bytes(CREATE_RANGE_END, rangeEnd);
  if (startRevision > 0) w.varintField(CREATE_START_REVISION, startRevision);
  return w.finish('an etcd watch request');
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

/** Decodes a WatchResponse; keys and values are views of `message`. */
export function decodeWatchResponse(message: Buffer): WatchResponseView {
  const reader = new WireReader(message, 0, message.length, MALFORMED);
  let revision = 0;
  let created = false;
  let canceled = false;
  let compactRevision = 0;
  let cancelReason = '';
  const events: WatchEvent[] = [];
  while (reader.more()) {
    const key = reader.varint();
    // The header's revision; cluster id, member id and raft term are passed over.
    if (key === RESPONSE_HEADER) revision = reader.embedded().varintFieldOf(HEADER_REVISION);
    else if (key === RESPONSE_CREATED) created = reader.varint() !== 0;
    else if (key === RESPONSE_CANCELED) canceled = reader.varint() !== 0;
    else if (key === RESPONSE_COMPACT_REVISION) compactRevision = reader.varint();
    else if (key === RESPONSE_CANCEL_REASON) {
      const start = reader.lengthDelimited();
      cancelReason = message.toString('utf8', start, reader.offset);
    } else if (key === RESPONSE_EVENTS) events.push(decodeEvent(reader.embedded()));
    else reader.skip(key & 7);
  }
  return { revision, created, canceled, compactRevision, cancelReason, events };
}

/** mvccpb.Event { type, kv } (prev_kv is never asked for, and skipped if present). */
function decodeEvent(reader: WireReader): WatchEvent {
  let type: WatchEvent['type'] = 'put';
  let entry: StoredEntry | null = null;
  while (reader.more()) {
    const key = reader.varint();
    if (key === EVENT_TYPE) type = reader.varint() === EVENT_TYPE_DELETE ? 'delete' : 'put';
    else if (key === EVENT_KV) entry = decodeKeyValue(reader.embedded());
    else reader.skip(key & 7);
  }
  if (entry === null) throw new Error(`${MALFORMED}: an event without its key-value`);
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
  while (reader.more()) {
    const field = reader.varint();
    if (field === KV_KEY) {
      const start = reader.lengthDelimited();
      key = bytes.subarray(start, reader.offset);
    } else if (field === KV_CREATE_REVISION) createRevision = reader.varint();
    else if (field === KV_MOD_REVISION) modRevision = reader.varint();
    else if (field === KV_VALUE) {
      const start = reader.lengthDelimited();
      value = bytes.subarray(start, reader.offset);
    } else if (field === KV_LEASE) lease = reader.int64String();
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
  /** Mutual TLS to the members (link-tls.ts); absent or null: plaintext. */
  readonly tls?: LinkTls | null;
}

/** Watches on a set of etcd members, each watch on its own gRPC stream. */
export class EtcdWatches {
  private readonly clients: (grpc.Client | null)[];
  private readonly addresses: string[];
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly credentials: grpc.ChannelCredentials;
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
    this.credentials = grpcChannelCredentials(options.tls ?? null);
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
    const client = this.clients[member] ??= new grpc.Client(this.addresses[member]!, this.credentials, this.channelOptions);
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
