/**
 * The coordination store of the distributed deployment (DESIGN.md §4): a replicated,
 * linearizable key-value store with revisions, compare-and-swap transactions, leases and
 * ordered watches. etcd provides it in production (`etcd-coordination.ts`); the in-memory
 * implementation below serves unit tests and the simulator.
 *
 * Keys and values are bytes. Revisions are etcd's: one store-wide counter that every successful
 * write transaction increases by one.
 */
import { assert } from '../contracts/errors.js';
import { latin1Key } from '../encoding/bytes.js';

export interface StoredEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** Revision of the transaction that created the key (0: absent). */
  readonly createRevision: number;
  /** Revision of the last transaction that wrote the key. */
  readonly modRevision: number;
  /** The lease the key is attached to ('0': none). */
  readonly lease: string;
}

export type Comparison =
  | { readonly key: Uint8Array; readonly target: 'create' | 'mod'; readonly op: '==' | '<' | '>'; readonly revision: number }
  | { readonly key: Uint8Array; readonly target: 'value'; readonly op: '=='; readonly value: Uint8Array };

export type Operation =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array; readonly lease?: string }
  /** Deletes keys in [from, to); without `to`, the one key `from`. */
  | { readonly type: 'delete'; readonly from: Uint8Array; readonly to?: Uint8Array };

export interface TransactionResult {
  readonly succeeded: boolean;
  /** The store's revision after the transaction (unchanged when it failed). */
  readonly revision: number;
}

export interface RangeResult {
  readonly entries: StoredEntry[];
  /** More keys were in the range beyond `limit`. */
  readonly more: boolean;
  /** The revision the range was read at. */
  readonly revision: number;
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly entry: StoredEntry;
}

export interface Watch {
  close(): Promise<void>;
}

export interface Lease {
  readonly id: string;
  /** Resolves when the lease is known to be lost (expired, revoked or unreachable). */
  readonly lost: Promise<void>;
  revoke(): Promise<void>;
}

export interface RangeOptions {
  readonly limit?: number;
  readonly reverse?: boolean;
  readonly keysOnly?: boolean;
}

export interface Coordination {
  /** Atomically: when every comparison holds, applies every operation. */
  transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult>;
  /**
   * Keys in [from, to) in key order (reverse: descending), at most `limit` (0: no limit);
   * `keysOnly`: every value empty (a journal batch's key says what a reader needs of it).
   */
  range(from: Uint8Array, to: Uint8Array, options?: RangeOptions): Promise<RangeResult>;
  /**
   * Calls `onEvents` with every change to keys in [from, to) after `afterRevision`, in revision
   * order, one call per revision. `onError` reports a watch that ended (a compacted revision,
   * a lost connection); the caller re-reads and watches again.
   */
  watch(from: Uint8Array, to: Uint8Array, afterRevision: number,
    onEvents: (events: readonly WatchEvent[], revision: number) => void, onError: (error: Error) => void): Promise<Watch>;
  /** A lease kept alive while this process runs; keys put with it vanish when it is lost. */
  grantLease(ttlSeconds: number): Promise<Lease>;
  /** Forgets history before `revision` (watches from before it fail). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** The key just after every key that starts with `prefix` (the end of a prefix range). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return new Uint8Array([0]);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

const keyString: (key: Uint8Array) => string = latin1Key;

interface MemoryWatcher {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly onEvents: (events: readonly WatchEvent[], revision: number) => void;
  readonly onError: (error: Error) => void;
}

/**
 * An in-memory Coordination with etcd's semantics for what Strata uses (tests, simulator).
 * Events are delivered on a later turn through the injected `defer`, never inside the writer's
 * call, as a network store would.
 */
export class MemoryCoordination implements Coordination {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly history: { revision: number; events: WatchEvent[] }[] = [];
  private readonly watchers = new Set<MemoryWatcher>();
  private readonly leases = new Map<string, () => void>();
  private revision = 1;
  private compacted = 0;
  private nextLease = 1;
  /** Fails every later call (a lost connection, in tests). */
  unreachable = false;

  constructor(private readonly defer: (task: () => void) => void) {}

  transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
    if (this.unreachable) return Promise.reject(new Error('coordination store unreachable'));
    if (!comparisons.every((c) => this.holds(c))) return Promise.resolve({ succeeded: false, revision: this.revision });
    const revision = this.revision + 1;
    const events: WatchEvent[] = [];
    for (const operation of operations) {
      if (operation.type === 'put') events.push(this.put(operation.key, operation.value, operation.lease ?? '0', revision));
      else events.push(...this.deleteRange(operation.from, operation.to, revision));
    }
    // As etcd: a transaction that changed nothing leaves the revision where it was.
    if (events.length === 0) return Promise.resolve({ succeeded: true, revision: this.revision });
    this.revision = revision;
    this.history.push({ revision, events });
    this.notify(revision, events);
    return Promise.resolve({ succeeded: true, revision });
  }

  private holds(comparison: Comparison): boolean {
    const entry = this.entries.get(keyString(comparison.key));
    if (comparison.target === 'value') return entry !== undefined && compareBytes(entry.value, comparison.value) === 0;
    const actual = entry === undefined ? 0 : comparison.target === 'create' ? entry.createRevision : entry.modRevision;
    return comparison.op === '==' ? actual === comparison.revision : comparison.op === '<' ? actual < comparison.revision : actual > comparison.revision;
  }

  private put(key: Uint8Array, value: Uint8Array, lease: string, revision: number): WatchEvent {
    if (lease !== '0') assert(this.leases.has(lease), 'a put names a live lease');
    const previous = this.entries.get(keyString(key));
    const entry: StoredEntry = { key: Uint8Array.from(key), value: Uint8Array.from(value), createRevision: previous?.createRevision ?? revision, modRevision: revision, lease };
    this.entries.set(keyString(key), entry);
    return { type: 'put', entry };
  }

  private deleteRange(from: Uint8Array, to: Uint8Array | undefined, revision: number): WatchEvent[] {
    const events: WatchEvent[] = [];
    for (const [name, entry] of this.entries) {
      const inside = to === undefined ? compareBytes(entry.key, from) === 0 : compareBytes(entry.key, from) >= 0 && compareBytes(entry.key, to) < 0;
      if (!inside) continue;
      this.entries.delete(name);
      events.push({ type: 'delete', entry: { ...entry, modRevision: revision } });
    }
    return events;
  }

  private notify(revision: number, events: readonly WatchEvent[]): void {
    for (const watcher of this.watchers) {
      const mine = events.filter((e) => compareBytes(e.entry.key, watcher.from) >= 0 && compareBytes(e.entry.key, watcher.to) < 0);
      if (mine.length > 0) this.defer(() => { if (this.watchers.has(watcher)) watcher.onEvents(mine, revision); });
    }
  }

  range(from: Uint8Array, to: Uint8Array, options: RangeOptions = {}): Promise<RangeResult> {
    if (this.unreachable) return Promise.reject(new Error('coordination store unreachable'));
    const inside = [...this.entries.values()]
      .filter((e) => compareBytes(e.key, from) >= 0 && compareBytes(e.key, to) < 0)
      .sort((a, b) => compareBytes(a.key, b.key));
    if (options.reverse) inside.reverse();
    const limit = options.limit ?? 0;
    const taken = limit > 0 ? inside.slice(0, limit) : inside;
    const entries = options.keysOnly ? taken.map((e) => ({ ...e, value: new Uint8Array(0) })) : taken;
    return Promise.resolve({ entries, more: entries.length < inside.length, revision: this.revision });
  }

  watch(from: Uint8Array, to: Uint8Array, afterRevision: number,
    onEvents: (events: readonly WatchEvent[], revision: number) => void, onError: (error: Error) => void): Promise<Watch> {
    if (afterRevision + 1 < this.compacted) {
      this.defer(() => onError(new Error(`revision ${afterRevision + 1} has been compacted`)));
      return Promise.resolve({ close: () => Promise.resolve() });
    }
    const watcher: MemoryWatcher = { from, to, onEvents, onError };
    // History after the revision first, then live changes.
    for (const past of this.history) {
      if (past.revision <= afterRevision) continue;
      const mine = past.events.filter((e) => compareBytes(e.entry.key, from) >= 0 && compareBytes(e.entry.key, to) < 0);
      if (mine.length > 0) this.defer(() => { if (this.watchers.has(watcher)) onEvents(mine, past.revision); });
    }
    this.watchers.add(watcher);
    return Promise.resolve({ close: () => { this.watchers.delete(watcher); return Promise.resolve(); } });
  }

  grantLease(): Promise<Lease> {
    const id = String(this.nextLease++);
    let markLost: () => void = () => {};
    const lost = new Promise<void>((resolve) => { markLost = resolve; });
    this.leases.set(id, markLost);
    return Promise.resolve({ id, lost, revoke: () => { this.expireLease(id); return Promise.resolve(); } });
  }

  /** Ends a lease as if its keep-alives had stopped: its keys are deleted in one revision. */
  expireLease(id: string): void {
    const markLost = this.leases.get(id);
    if (markLost === undefined) return;
    this.leases.delete(id);
    const doomed = [...this.entries.values()].filter((e) => e.lease === id);
    if (doomed.length > 0) {
      const revision = this.revision + 1;
      const events = doomed.flatMap((e) => this.deleteRange(e.key, undefined, revision));
      this.revision = revision;
      this.history.push({ revision, events });
      this.notify(revision, events);
    }
    markLost();
  }

  compact(revision: number): Promise<void> {
    this.compacted = Math.max(this.compacted, revision);
    while (this.history.length > 0 && this.history[0]!.revision < revision) this.history.shift();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }
}
