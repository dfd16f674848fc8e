/**
 * etcd's KV.Txn without the etcd3 client: the adjudicator leader's journal appends (several a
 * millisecond under load) go through here to the etcd leader. Through etcd3 each one converted
 * the request object by object (protobufjs fromObject/encode), went through its connection pool
 * and fault policies and grpc-js's call stack (interceptors, resolver, load balancer, filters):
 * bench:distributed's profile put a quarter of the leader's JavaScript time there. Here the
 * request is encoded straight into one buffer (etcd's rpc.proto, field numbers below), sent as
 * one gRPC message on an HTTP/2 stream of one long-lived session, and only the two fields the
 * Coordination contract needs are read from the answer (the header's revision, `succeeded`).
 *
 * Failure semantics are a unary call's: a non-OK grpc-status, a reset stream, a lost session or
 * a missed deadline rejects the call (EtcdTxnError); the caller decides whether to retry
 * elsewhere (EtcdCoordination sends it again through etcd3 to any member: every transaction
 * Strata sends is safe to repeat). A lost session is replaced by the next call.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { Comparison, Operation, TransactionResult } from './coordination.js';
import { clientTlsOptions, etcdUrl, type LinkTls } from './link-tls.js';
import { grpcMessageText, grpcRequestHeaders } from './lean-grpc.js';
import { LENGTH_DELIMITED, VARINT, WireReader, WireWriter, bigVarintSize, lengthDelimitedSize, tag, varintFieldSize, varintSize } from './protobuf-wire.js';

/** gRPC status codes used here (grpc/doc/statuscodes.md). */
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;
const INTERNAL = 13;

export class EtcdTxnError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

// --- etcdserverpb field numbers (etcd3/proto/rpc.proto)
// TxnRequest
const TXN_COMPARE = tag(1, LENGTH_DELIMITED);
const TXN_SUCCESS = tag(2, LENGTH_DELIMITED);
// Compare
const COMPARE_RESULT = tag(1, VARINT);
const COMPARE_TARGET = tag(2, VARINT);
const COMPARE_KEY = tag(3, LENGTH_DELIMITED);
const COMPARE_CREATE_REVISION = tag(5, VARINT);
const COMPARE_MOD_REVISION = tag(6, VARINT);
const COMPARE_VALUE = tag(7, LENGTH_DELIMITED);
const RESULT = { '==': 0, '>': 1, '<': 2 } as const;
const TARGET = { create: 1, mod: 2, value: 3 } as const;
// RequestOp
const OP_PUT = tag(2, LENGTH_DELIMITED);
const OP_DELETE_RANGE = tag(3, LENGTH_DELIMITED);
// PutRequest / DeleteRangeRequest
const PUT_KEY = tag(1, LENGTH_DELIMITED);
const PUT_VALUE = tag(2, LENGTH_DELIMITED);
const PUT_LEASE = tag(3, VARINT);
const DELETE_KEY = tag(1, LENGTH_DELIMITED);
const DELETE_RANGE_END = tag(2, LENGTH_DELIMITED);
// TxnResponse / ResponseHeader
const RESPONSE_HEADER = tag(1, LENGTH_DELIMITED);
const RESPONSE_SUCCEEDED = tag(2, VARINT);
const HEADER_REVISION = tag(3, VARINT);

/** A Compare's revision field: a oneof member, so sent even when 0 (proto3 keeps which member was set). */
const revisionTag = (c: Comparison): number => (c.target === 'create' ? COMPARE_CREATE_REVISION : COMPARE_MOD_REVISION);

/** The target and result fields: one-byte keys of one-byte enums, whatever their values (sized once). */
const TARGET_FIELD_SIZE = varintFieldSize(COMPARE_TARGET, TARGET.value);
const RESULT_FIELD_SIZE = varintFieldSize(COMPARE_RESULT, RESULT['<']);

function compareSize(c: Comparison): number {
  let size = lengthDelimitedSize(COMPARE_KEY, c.key.length) + TARGET_FIELD_SIZE;
  if (RESULT[c.op] !== 0) size += RESULT_FIELD_SIZE;
  if (c.target === 'value') size += lengthDelimitedSize(COMPARE_VALUE, c.value.length);
  else size += varintFieldSize(revisionTag(c), c.revision);
  return size;
}

function writeCompare(w: WireWriter, c: Comparison): void {
  if (RESULT[c.op] !== 0) w.varintField(COMPARE_RESULT, RESULT[c.op]);
  w.varintField(COMPARE_TARGET, TARGET[c.target]);
  w.bytes(COMPARE_KEY, c.key);
  if (c.target === 'value') w.bytes(COMPARE_VALUE, c.value);
  else w.varintField(revisionTag(c), c.revision);
}

function leaseOf(o: Operation): bigint {
  return o.type === 'put' && o.lease !== undefined && o.lease !== '0' ? BigInt(o.lease) : 0n;
}

function putSize(key: Uint8Array, value: Uint8Array, lease: bigint): number {
  return lengthDelimitedSize(PUT_KEY, key.length) + lengthDelimitedSize(PUT_VALUE, value.length)
    + (lease !== 0n ? varintSize(PUT_LEASE) + bigVarintSize(lease) : 0);
}

function operationSize(o: Operation): number {
  switch (o.type) {
    case 'put': return putSize(o.key, o.value, leaseOf(o));
    case 'delete': return lengthDelimitedSize(DELETE_KEY, o.from.length) + (o.to !== undefined ? lengthDelimitedSize(DELETE_RANGE_END, o.to.length) : 0);
  }
}

/** A RequestOp's oneof field: which request it holds. */
function operationTag(o: Operation): number {
  switch (o.type) {
    case 'put': return OP_PUT;
    case 'delete': return OP_DELETE_RANGE;
  }
}

/** A RequestOp: the operation's message under its oneof field. */
function requestOpSize(o: Operation): number {
  return lengthDelimitedSize(operationTag(o), operationSize(o));
}

function writeOperation(w: WireWriter, o: Operation): void {
  w.open(operationTag(o), operationSize(o));
  switch (o.type) {
    case 'put': {
      w.bytes(PUT_KEY, o.key);
      w.bytes(PUT_VALUE, o.value);
      const lease = leaseOf(o);
      if (lease !== 0n) {
        w.varint(PUT_LEASE);
        w.bigVarint(lease);
      }
      return;
    }
    case 'delete':
      w.bytes(DELETE_KEY, o.from);
      if (o.to !== undefined) w.bytes(DELETE_RANGE_END, o.to);
  }
}

/**
 * A TxnRequest (compare: the comparisons; success: the operations; no failure branch) as a
 * gRPC length-prefixed message: [0: not compressed][u32 big-endian length][message].
 */
export function encodeTxnRequest(comparisons: readonly Comparison[], operations: readonly Operation[]): Buffer {
  let size = 0;
  for (const c of comparisons) size += lengthDelimitedSize(TXN_COMPARE, compareSize(c));
  for (const o of operations) size += lengthDelimitedSize(TXN_SUCCESS, requestOpSize(o));
  const w = new WireWriter(Buffer.allocUnsafe(5 + size), 5);
  w.buffer[0] = 0;
  w.buffer.writeUInt32BE(size, 1);
  for (const c of comparisons) {
    w.open(TXN_COMPARE, compareSize(c));
    writeCompare(w, c);
  }
  for (const o of operations) {
    w.open(TXN_SUCCESS, requestOpSize(o));
    writeOperation(w, o);
  }
  return w.finish('an etcd Txn');
}

/** The TxnResponse's `succeeded` and its header's revision (the rest is skipped). */
export function decodeTxnResponse(message: Buffer): TransactionResult {
  const reader = new WireReader(message, 0, message.length, 'malformed etcd Txn answer');
  let succeeded = false;
  let revision = 0;
  while (reader.more()) {
    const key = reader.varint();
    if (key === RESPONSE_SUCCEEDED) succeeded = reader.varint() !== 0;
    // The header's revision; cluster id, member id and raft term are passed over.
    else if (key === RESPONSE_HEADER) revision = reader.embedded().varintFieldOf(HEADER_REVISION);
    else reader.skip(key & 7);
  }
  return { succeeded, revision };
}

const TXN_HEADERS = grpcRequestHeaders('/etcdserverpb.KV/Txn');

/** The error a finished call's grpc-status and grpc-message make (null: OK). */
function statusError(status: string | undefined, message: string | undefined): EtcdTxnError | null {
  if (status === '0') return null;
  if (status === undefined) return new EtcdTxnError(INTERNAL, 'etcd Txn: the answer carries no grpc-status');
  return new EtcdTxnError(Number(status), `etcd Txn failed (grpc status ${status}): ${grpcMessageText(message ?? '')}`);
}

/**
 * Txn calls to one etcd member over one HTTP/2 session (opened by the first call, replaced when
 * it fails or goes away). Calls run concurrently, each on its own stream.
 */
export class EtcdTxnClient {
  private session: ClientHttp2Session | null = null;
  private closed = false;

  /** `tls`: the client certificate and CA for an https:// member (link-tls.ts); null: plaintext. */
  constructor(readonly endpoint: string, private readonly tls: LinkTls | null = null) {}

  transaction(comparisons: readonly Comparison[], operations: readonly Operation[], deadlineMs: number): Promise<TransactionResult> {
    if (this.closed) return Promise.reject(new EtcdTxnError(UNAVAILABLE, 'etcd Txn client closed'));
    let request: Buffer;
    try {
      request = encodeTxnRequest(comparisons, operations);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const session = this.openSession();
    let stream: ClientHttp2Stream;
    try {
      stream = session.request({ ...TXN_HEADERS, 'grpc-timeout': `${Math.max(1, Math.ceil(deadlineMs))}m` });
    } catch (error) {
      this.drop(session);
      return Promise.reject(new EtcdTxnError(UNAVAILABLE, `etcd Txn: ${(error as Error).message}`));
    }
    return this.exchange(session, stream, request, deadlineMs);
  }

  /** Sends the request on `stream` and settles with its answer, exactly once. */
  private exchange(session: ClientHttp2Session, stream: ClientHttp2Stream, request: Buffer, deadlineMs: number): Promise<TransactionResult> {
    return new Promise<TransactionResult>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let statusMessage: string | undefined;
      let settled = false;
      const settle = (error: Error | null, result?: TransactionResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error !== null) reject(error);
        else resolve(result!);
      };
      const timer = setTimeout(() => {
        settle(new EtcdTxnError(DEADLINE_EXCEEDED, `etcd Txn had no answer within ${deadlineMs} ms from ${this.endpoint}`));
        stream.close(constants.NGHTTP2_CANCEL);
      }, deadlineMs);
      const takeStatus = (headers: Record<string, unknown>) => {
        if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
        if (headers['grpc-message'] !== undefined) statusMessage = String(headers['grpc-message']);
      };
      stream.on('response', (headers) => takeStatus(headers));
      stream.on('trailers', (trailers) => takeStatus(trailers));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => settle(new EtcdTxnError(UNAVAILABLE, `etcd Txn to ${this.endpoint}: ${error.message}`)));
      stream.on('close', () => {
        if (settled) return;
        const failure = statusError(status, statusMessage);
        if (failure !== null) {
          // A stream that closed without a status lost its session (a reset, a GOAWAY).
          if (status === undefined) this.drop(session);
          settle(status === undefined ? new EtcdTxnError(UNAVAILABLE, `etcd Txn to ${this.endpoint}: the stream closed without an answer`) : failure);
          return;
        }
        try {
          settle(null, decodeTxnResponse(messageOf(Buffer.concat(chunks))));
        } catch (error) {
          settle(new EtcdTxnError(INTERNAL, `etcd Txn answer: ${(error as Error).message}`));
        }
      });
      stream.end(request);
    });
  }

  private openSession(): ClientHttp2Session {
    const current = this.session;
    if (current !== null && !current.closed && !current.destroyed) return current;
    const url = etcdUrl(this.endpoint, this.tls);
    // An https:// member gets this process's certificate; Node checks the member's against the CA and host.
    const session = this.tls !== null && url.startsWith('https:') ? connect(url, clientTlsOptions(this.tls)) : connect(url);
    // Calls in flight fail through their streams; the next call opens a new session.
    session.on('error', () => this.drop(session));
    session.on('goaway', () => this.drop(session));
    session.on('close', () => { if (this.session === session) this.session = null; });
    // An idle session must not keep the process alive (calls in flight hold their timers).
    session.unref();
    this.session = session;
    return session;
  }

  private drop(session: ClientHttp2Session): void {
    if (this.session === session) this.session = null;
    if (!session.destroyed) session.destroy();
  }

  close(): void {
    this.closed = true;
    const session = this.session;
    this.session = null;
    session?.close();
  }
}

/** The one gRPC message of an answer body: [flag][u32 length][bytes]. */
function messageOf(body: Buffer): Buffer {
  if (body.length < 5) throw new Error(`an answer of ${body.length} bytes`);
  if (body[0] !== 0) throw new Error('a compressed answer (none was asked for)');
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) throw new Error(`an answer of ${body.length} bytes for a message of ${length}`);
  return body.subarray(5);
}
