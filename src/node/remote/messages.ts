/**
 * Conversions between the role contracts (src/contracts) and the proto messages of
 * proto/strata.proto. Bytes arrive as Buffers (views, no copies); optional fields are absent
 * rather than empty.
 */
import type { CommitOutcome, CommitRequest } from '../../contracts/adjudicator.js';
import type { JournalRecord } from '../../contracts/journal.js';
import type { InFlightDecision } from '../../storage/in-flight-decisions.js';
import type { MeasureRequest, MeasureResult, PushedComparison, ReadRequest, ReadResult } from '../../contracts/storage.js';
import type { Message } from '../../env/grpc.js';

const EMPTY = Buffer.alloc(0);

function bytes(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function commitRequestToMessage(request: CommitRequest): Message {
  return {
    transaction_id: request.transactionId,
    start_timestamp: request.startTimestamp,
    writes: request.writes.map((w) => (w.value === null ? { key: bytes(w.key), value: EMPTY, tombstone: true } : { key: bytes(w.key), value: bytes(w.value), tombstone: false })),
    lock_keys: request.lockKeys.map(bytes),
    key_share_keys: (request.keyShareKeys ?? []).map(bytes),
    schema_keys: request.schemaKeys.map(bytes),
  };
}

export function commitRequestFromMessage(message: Message): CommitRequest {
  return {
    transactionId: message['transaction_id'],
    startTimestamp: message['start_timestamp'],
    writes: (message['writes'] as Message[]).map((w) => ({ key: w['key'], value: w['tombstone'] ? null : w['value'] })),
    lockKeys: message['lock_keys'],
    keyShareKeys: message['key_share_keys'] ?? [],
    schemaKeys: message['schema_keys'],
  };
}

export function outcomeToMessage(outcome: CommitOutcome): Message {
  switch (outcome.kind) {
    case 'committed': return { kind: outcome.kind, commit_timestamp: outcome.commitTimestamp, reason: '' };
    case 'unavailable': return { kind: outcome.kind, commit_timestamp: 0, reason: outcome.reason };
    default: return { kind: outcome.kind, commit_timestamp: 0, reason: '' };
  }
}

export function outcomeFromMessage(message: Message): CommitOutcome {
  const kind = message['kind'] as CommitOutcome['kind'];
  switch (kind) {
    case 'committed': return { kind, commitTimestamp: message['commit_timestamp'] };
    case 'unavailable': return { kind, reason: message['reason'] };
    case 'data-conflict': case 'schema-conflict': case 'too-old': return { kind };
    default: return { kind: 'unavailable', reason: `unknown commit outcome ${String(kind)}` };
  }
}

export function readRequestToMessage(request: ReadRequest): Message {
  return {
    start: bytes(request.start), end: bytes(request.end), read_timestamp: request.readTimestamp, limit: request.limit,
    reverse: request.reverse ?? false,
    filter: (request.filter ?? []).map((c) => ({
      column: c.column, op: c.op,
      ...(c.operand !== undefined ? { operand: bytes(c.operand) } : {}),
      ...(c.typeOid !== undefined ? { type_oid: c.typeOid } : {}),
    })),
  };
}

export function readRequestFromMessage(message: Message): ReadRequest {
  const filter = (message['filter'] as Message[]).map((c): PushedComparison => ({
    column: c['column'], op: c['op'],
    ...(c['operand'] != null ? { operand: c['operand'] } : {}),
    ...(c['type_oid'] != null ? { typeOid: c['type_oid'] } : {}),
  }));
  return {
    start: message['start'], end: message['end'], readTimestamp: message['read_timestamp'], limit: message['limit'],
    reverse: message['reverse'], ...(filter.length > 0 ? { filter } : {}),
  };
}

export function readResultToMessage(result: ReadResult): Message {
  return {
    keys: result.keys.map(bytes), values: result.values.map(bytes), ...(result.resumeKey !== null ? { resume_key: bytes(result.resumeKey) } : {}),
    ...(result.bytesRead !== undefined ? { bytes_read: result.bytesRead } : {}),
  };
}

export function readResultFromMessage(message: Message): ReadResult {
  const bytesRead = message['bytes_read'];
  return { keys: message['keys'], values: message['values'], resumeKey: message['resume_key'] ?? null, ...(typeof bytesRead === 'number' ? { bytesRead } : {}) };
}

export function measureRequestToMessage(request: MeasureRequest): Message {
  return { start: bytes(request.start), end: bytes(request.end), read_timestamp: request.readTimestamp, limit: request.limit };
}

export function measureRequestFromMessage(message: Message): MeasureRequest {
  return { start: message['start'], end: message['end'], readTimestamp: message['read_timestamp'], limit: message['limit'] };
}

export function measureResultToMessage(result: MeasureResult): Message {
  return { keys: result.keys, bytes: result.bytes, ...(result.resumeKey !== null ? { resume_key: bytes(result.resumeKey) } : {}) };
}

export function measureResultFromMessage(message: Message): MeasureResult {
  return { keys: message['keys'], bytes: message['bytes'], resumeKey: message['resume_key'] ?? null };
}

/** A decision as storage needs it before it is durable: timestamp and written keys, no values. */
export function decisionToMessage(record: JournalRecord): Message {
  return { commit_timestamp: record.commitTimestamp, keys: record.writes.map((w) => bytes(w.key)) };
}

export function decisionFromMessage(message: Message): InFlightDecision {
  return { commitTimestamp: message['commit_timestamp'], keys: message['keys'] };
}
