/**
 * The `Calls` stream of a service in proto/strata.proto over gRPC: the client side feeds a
 * CallMultiplexer, the server side answers each call with the service's unary handler of the
 * same name, so a method behaves the same whichever way it is called. A failure travels as a
 * CallFailure and is raised at the caller exactly as the unary call would raise it (grpc.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { SqlError } from '../contracts/errors.js';
import { approximateBytes, batchesOf, CallMultiplexer, type CallFailures, type CallMessage, type IncomingAnswer, type OutgoingCall } from './call-multiplexer.js';
import type { LeanChannel } from './lean-grpc.js';
import { SystemTimers } from './timers.js';
import { TransportError } from './transport-error.js';

export type CallHandler = (request: CallMessage) => Promise<CallMessage>;

/** The oneof field that carries `method`'s request and reply in a call and its answer. */
export function fieldOf(method: string): string {
  return method.charAt(0).toLowerCase() + method.slice(1);
}

const timers = new SystemTimers();

const failures: CallFailures = {
  deadlineExceeded: (method, deadlineMs) => new TransportError(grpc.status.DEADLINE_EXCEEDED, `DEADLINE_EXCEEDED: ${method} had no answer within ${deadlineMs} ms`),
  streamLost: (error) => error ?? new TransportError(grpc.status.UNAVAILABLE, 'UNAVAILABLE: the call stream ended'),
};

/** The failure a unary handler's error becomes (as grpc.ts's toStatus, as a message). */
function failureOf(error: unknown): CallMessage {
  if (error instanceof SqlError) {
    return { sqlstate: error.code, message: error.message, detail: error.detail ?? '', code: grpc.status.FAILED_PRECONDITION };
  }
  return { sqlstate: '', message: (error as Error)?.message ?? String(error), detail: '', code: grpc.status.INTERNAL };
}

/** The error a CallFailure raises at the caller (as grpc.ts's fromServiceError). */
function errorOf(failure: CallMessage): Error {
  if (failure['sqlstate'] !== '') return new SqlError(failure['sqlstate'], failure['message'], failure['detail'] !== '' ? { detail: failure['detail'] } : undefined);
  const code = failure['code'] as grpc.status;
  return new TransportError(code, `${grpc.status[code] ?? code}: ${failure['message']}`);
}

function answerOf(message: CallMessage): IncomingAnswer {
  const field = message['reply'] as string | undefined;
  if (field === 'failure') return { id: message['id'], error: errorOf(message['failure']) };
  if (field === undefined) return { id: message['id'], error: new TransportError(grpc.status.INTERNAL, 'INTERNAL: an answer without a reply') };
  return { id: message['id'], reply: message[field] };
}

function callMessage(call: OutgoingCall): CallMessage {
  return call.oneWay ? { id: 0, one_way: true, [fieldOf(call.method)]: call.request } : { id: call.id, [fieldOf(call.method)]: call.request };
}

/** Calls over one `Calls` stream of `client` at a time, opened when a call needs one. */
export function callsClient(client: grpc.Client & Record<string, Function>): CallMultiplexer {
  return new CallMultiplexer((onAnswers, onEnd) => {
    const stream = client['Calls']!.call(client) as grpc.ClientDuplexStream<CallMessage, CallMessage>;
    let ended = false;
    const end = (error: Error | null) => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    stream.on('data', (batch: CallMessage) => onAnswers((batch['answers'] as CallMessage[]).map(answerOf)));
    stream.on('error', (error: grpc.ServiceError) => end(new TransportError(error.code ?? grpc.status.UNAVAILABLE, `${grpc.status[error.code] ?? error.code}: ${error.details || error.message}`)));
    stream.on('end', () => end(null));
    return {
      send: (calls) => { stream.write({ calls: calls.map(callMessage) }); },
      end: () => { stream.end(); },
    };
  }, timers, failures);
}

/** A `Calls` stream's two messages on the wire (the proto-loader codecs grpc-js would use). */
export interface CallsCodec {
  encodeCalls(message: CallMessage): Uint8Array;
  decodeAnswers(bytes: Buffer): CallMessage;
}

/**
 * Calls over one `Calls` stream at `path` (/strata.<Service>/Calls) of a lean channel
 * (lean-grpc.ts): the same messages and failures as callsClient, without grpc-js's call stack.
 */
export function leanCallsClient(channel: LeanChannel, path: string, codec: CallsCodec): CallMultiplexer {
  return new CallMultiplexer((onAnswers, onEnd) => {
    const stream = channel.duplex(path, {
      onMessage: (bytes) => onAnswers((codec.decodeAnswers(bytes)['answers'] as CallMessage[]).map(answerOf)),
      onEnd,
    });
    return {
      send: (calls) => { stream.write(codec.encodeCalls({ calls: calls.map(callMessage) })); },
      end: () => { stream.end(); },
    };
  }, timers, failures);
}

export type CallsClient = CallMultiplexer;

/** A `Calls` stream as its server side sees it (grpc.ts adapts the lean server's call to it). */
export interface ServedCalls {
  /** Each batch of calls the caller sends, decoded. */
  onBatch(listener: (batch: CallMessage) => void): void;
  /** The caller has sent its last batch. */
  onCallerDone(listener: () => void): void;
  /** The stream closed (ended, or the caller went away). */
  onGone(listener: () => void): void;
  write(batch: CallMessage): void;
  end(): void;
}

/**
 * Serves one `Calls` stream: each call goes to the handler of its method, answers go back as
 * they complete, those of one event-loop turn in one message. When the caller has sent its last
 * call the stream ends once every call is answered. Returns a function that ends it at once
 * (server shutdown): the caller's calls still pending then fail as unreachable.
 */
export function serveCalls(stream: ServedCalls, handlers: Readonly<Record<string, CallHandler | undefined>>): () => void {
  let queued: CallMessage[] = [];
  let running = 0;
  let callerDone = false;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    queued = [];
    stream.end();
  };
  const flush = () => {
    if (closed) return;
    const answers = queued;
    queued = [];
    for (const batch of batchesOf(answers, approximateBytes)) stream.write({ answers: batch });
    if (callerDone && running === 0) close();
  };
  const answer = (message: CallMessage) => {
    running--;
    if (closed) return;
    queued.push(message);
    if (queued.length === 1) timers.setImmediate(flush);
  };
  stream.onBatch((batch) => {
    for (const call of batch['calls'] as CallMessage[]) {
      const field = call['request'] as string | undefined;
      const handler = field === undefined ? undefined : handlers[field];
      if (call['one_way'] === true) {
        // No answer goes back, not even a failure: the caller keeps nothing to settle.
        if (handler !== undefined) handler(call[field!]).catch(() => {});
        continue;
      }
      const id = call['id'] as number;
      running++;
      const replied = handler === undefined
        ? Promise.reject(new TransportError(grpc.status.UNIMPLEMENTED, `no handler for ${field ?? 'an empty call'}`))
        : handler(call[field!]);
      replied.then((reply) => answer({ id, [field!]: reply }), (error: unknown) => answer({ id, failure: failureOf(error) }));
    }
  });
  stream.onCallerDone(() => {
    callerDone = true;
    if (running === 0 && queued.length === 0) close();
  });
  stream.onGone(() => { closed = true; });
  return close;
}

/** The handlers of a `Calls` stream, by oneof field, from a service's unary handlers. */
export function callHandlers(handlers: Readonly<Record<string, unknown>>): Record<string, CallHandler> {
  const byField: Record<string, CallHandler> = {};
  for (const [method, handler] of Object.entries(handlers)) {
    if (method !== 'Calls' && typeof handler === 'function') byField[fieldOf(method)] = handler as CallHandler;
  }
  return byField;
}
