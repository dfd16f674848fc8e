/**
 * Request/reply calls carried over one long-lived bidirectional stream instead of one gRPC call
 * each. A unary gRPC call opens an HTTP/2 stream with headers and trailers on both sides, which
 * costs several times a message on a stream already open; the hot calls between roles (commit,
 * notify, storage get and read) go this way (docs/performance.md, "Distributed").
 *
 * Each call gets an id; the other side answers with the same id, in any order. Calls made in
 * one event-loop turn go out as one message (up to MAX_BATCH_BYTES), and so do the answers.
 *
 * Failure semantics are those of a unary call: a call past its deadline fails with
 * DEADLINE_EXCEEDED (a late answer is dropped); a stream that breaks or ends fails every call
 * sent or queued on it with the stream's error (UNAVAILABLE when it ended without one), so
 * callers retry exactly as before. The next call opens a new stream. Every call is settled
 * exactly once. Transport-free: `open` supplies the stream (gRPC in grpc.ts, a fake in tests).
 */
import type { TimerHandle, Timers } from '../contracts/time.js';
import { assert } from '../contracts/errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type CallMessage = Record<string, any>;

export interface OutgoingCall {
  readonly id: number;
  readonly method: string;
  readonly request: CallMessage;
  /** The other side runs it and sends no answer (see CallMultiplexer.send). */
  readonly oneWay?: true;
}

/** An answer: the reply, or the error the call fails with (already converted by the transport). */
export type IncomingAnswer =
  | { readonly id: number; readonly reply: CallMessage; readonly error?: undefined }
  | { readonly id: number; readonly error: Error; readonly reply?: undefined };

export interface CallStream {
  send(calls: readonly OutgoingCall[]): void;
  /** No more calls: the other side answers what it has and ends the stream. */
  end(): void;
}

/** Opens a stream; `onEnd` is called once, with null when it ended cleanly. */
export type OpenCallStream = (onAnswers: (answers: readonly IncomingAnswer[]) => void, onEnd: (error: Error | null) => void) => CallStream;

/** Makes the error a call fails with when its stream failed or its deadline passed. */
export interface CallFailures {
  deadlineExceeded(method: string, deadlineMs: number): Error;
  /** The stream ended (error null: cleanly, with calls unanswered) or the multiplexer closed. */
  streamLost(error: Error | null): Error;
}

/** Calls and answers per stream message, by approximate payload size (a call larger goes alone). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Calls waiting for an answer on one multiplexer; past it a call fails at once (a bug upstream). */
export const MAX_PENDING_CALLS = 100_000;

interface PendingCall {
  readonly method: string;
  readonly resolve: (reply: CallMessage) => void;
  readonly reject: (error: Error) => void;
  readonly timer: TimerHandle;
}

/** One open stream and the calls that live and die with it. */
interface StreamState {
  stream: CallStream | null;
  readonly pending: Map<number, PendingCall>;
  queued: OutgoingCall[];
  ended: boolean;
  /** Why it ended (null: cleanly). */
  endError: Error | null;
}

export class CallMultiplexer {
  private current: StreamState | null = null;
  private nextId = 0;
  private closed = false;
  private pendingCount = 0;

  constructor(private readonly open: OpenCallStream, private readonly timers: Timers, private readonly failures: CallFailures) {}

  call(method: string, request: CallMessage, deadlineMs: number): Promise<CallMessage> {
    if (this.closed) return Promise.reject(this.failures.streamLost(null));
    if (this.pendingCount >= MAX_PENDING_CALLS) return Promise.reject(new Error(`more than ${MAX_PENDING_CALLS} calls waiting on one stream`));
    const state = this.current ?? this.openStream();
    // A stream can fail as it opens (a closed channel): the call fails as a unary one would.
    if (state.ended) return Promise.reject(this.failures.streamLost(state.endError));
    const id = this.takeId(state);
    return new Promise<CallMessage>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        if (this.settle(state, id)) reject(this.failures.deadlineExceeded(method, deadlineMs));
      }, deadlineMs);
      state.pending.set(id, { method, resolve, reject, timer });
      this.pendingCount++;
      state.queued.push({ id, method, request });
      if (state.queued.length === 1) this.timers.setImmediate(() => this.flush(state));
    });
  }

  /**
   * A call that wants no answer (a hint such as Notify, whose reply is empty): it travels in
   * the turn's batch like any call, but the other side sends nothing back and this side keeps
   * no state or timer for it. Best effort: dropped when the multiplexer is closed or its stream
   * fails, and a stream that breaks loses it silently.
   */
  send(method: string, request: CallMessage): void {
    if (this.closed) return;
    const state = this.current ?? this.openStream();
    if (state.ended) return;
    state.queued.push({ id: 0, method, request, oneWay: true });
    if (state.queued.length === 1) this.timers.setImmediate(() => this.flush(state));
  }

  /** Calls waiting for an answer (for tests and assertions). */
  get pending(): number {
    return this.pendingCount;
  }

  /**
   * No new calls; those in flight still get their answers (as a unary call in flight outlives
   * its channel's close), then the stream ends.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const state = this.current;
    if (state === null) return;
    this.flush(state);
    state.stream?.end();
  }

  private openStream(): StreamState {
    const state: StreamState = { stream: null, pending: new Map(), queued: [], ended: false, endError: null };
    this.current = state;
    state.stream = this.open((answers) => this.answered(state, answers), (error) => this.lost(state, error));
    return state;
  }

  private takeId(state: StreamState): number {
    // uint32 on the wire; an id still pending after 2^32 calls would be a leak, not a reuse.
    // 0 marks one-way calls, so answered ones never get it.
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    assert(!state.pending.has(this.nextId), 'a call id is reused while its call is pending');
    return this.nextId;
  }

  /** Removes a pending call; false if it was already settled (answered, expired or lost). */
  private settle(state: StreamState, id: number): PendingCall | null {
    const call = state.pending.get(id);
    if (call === undefined) return null;
    state.pending.delete(id);
    this.pendingCount--;
    this.timers.clearTimeout(call.timer);
    return call;
  }

  private flush(state: StreamState): void {
    if (state.ended || state.stream === null || state.queued.length === 0) return;
    const queued = state.queued;
    state.queued = [];
    for (const batch of batchesOf(queued, (call) => approximateBytes(call.request))) state.stream.send(batch);
  }

  private answered(state: StreamState, answers: readonly IncomingAnswer[]): void {
    for (const answer of answers) {
      // Unknown ids are calls that expired: their answer came too late.
      const call = this.settle(state, answer.id);
      if (call === null) continue;
      if (answer.error !== undefined) call.reject(answer.error);
      else call.resolve(answer.reply);
    }
  }

  private lost(state: StreamState, error: Error | null): void {
    if (state.ended) return;
    state.ended = true;
    state.endError = error;
    if (this.current === state) this.current = null;
    state.queued = [];
    for (const id of [...state.pending.keys()]) this.settle(state, id)!.reject(this.failures.streamLost(error));
    assert(state.pending.size === 0, 'a lost stream left calls pending');
  }
}

/**
 * Splits items into batches of at most MAX_BATCH_BYTES (by `bytesOf`), keeping their order; an
 * item larger than the bound makes a batch of its own.
 */
export function batchesOf<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  if (items.length === 1) return [items as T[]];
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The bytes a message carries, roughly: its byte arrays and strings (numbers count 8). */
export function approximateBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object') return 8;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) total += approximateBytes(item);
  } else {
    for (const key in value) total += approximateBytes((value as Record<string, unknown>)[key]);
  }
  return total;
}
