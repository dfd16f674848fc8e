/**
 * Leadership and membership on the coordination store (DESIGN.md §4): a leader holds a key
 * attached to its lease; the key's create revision fences the leader's journal appends; when
 * the lease is lost the key vanishes and a standby takes it. Nodes register themselves the same
 * way, so peers see who is alive.
 */
import { prefixEnd, type Coordination, type Lease, type StoredEntry, type WatchEvent } from '../../env/coordination.js';
import type { Timers } from '../../contracts/time.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const RETRY_MS = 200;
const STANDBY_RECHECK_MS = 1_000;

export interface Leadership {
  readonly createRevision: number;
  readonly lease: Lease;
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}

/** Tells a standby when the holder of the key (its value) is seen to be gone. */
export type HolderLiveness = (value: string) => { readonly down: Promise<void>; cancel(): void };

export interface CampaignOptions {
  /** Tells when a holder is gone, so its key is deleted rather than waited out. */
  readonly liveness?: HolderLiveness;
  /**
   * The value names something this process holds alone — the address its server is bound to —
   * so a holder with the same value is an earlier incarnation of this node, which is gone:
   * its key is deleted at once. Without this, a node killed and started again before its lease
   * ran out waits for the lease, and after a whole cluster's restart (etcd renews every lease in
   * full when it elects a leader) every standby, the old leader's restart included, waits a full
   * lease, as the standbys' liveness probes find the restarted node answering at the address.
   */
  readonly valueHeldExclusively?: boolean;
  readonly onProblem?: (message: string) => void;
}

/**
 * Waits until this node holds `key` (value: its address). A lease of `ttlSeconds` keeps it.
 * A standby watches for the key to go; with `liveness`, it also deletes the key of a holder
 * that is seen to be gone, rather than wait for that holder's lease to run out.
 */
export async function campaign(coordination: Coordination, timers: Timers, key: string, value: string, ttlSeconds: number,
  stopped: () => boolean, options: CampaignOptions = {}): Promise<Leadership | null> {
  const { liveness, onProblem } = options;
  const keyBytes = encoder.encode(key);
  let lease: Lease | null = null;
  let leaseLost = false;
  while (!stopped()) {
    try {
      // A standby's lease can lapse while it waits (a missed keep-alive under load): campaign
      // with a fresh one, or every attempt would fail on the dead lease.
      if (lease === null || leaseLost) {
        const granted = await coordination.grantLease(ttlSeconds);
        lease = granted;
        leaseLost = false;
        void granted.lost.then(() => { if (lease === granted) leaseLost = true; });
      }
      const result = await coordination.transaction(
        [{ key: keyBytes, target: 'create', op: '==', revision: 0 }],
        [{ type: 'put', key: keyBytes, value: encoder.encode(value), lease: lease.id }],
      );
      if (result.succeeded) return { createRevision: result.revision, lease };
      const read = await coordination.range(keyBytes, keyEnd(keyBytes));
      const holder = read.entries[0];
      if (holder === undefined) continue;
      if (options.valueHeldExclusively === true && decoder.decode(holder.value) === value) {
        // Only that holder's key (its create revision): another node's is left alone.
        await coordination.transaction([{ key: keyBytes, target: 'create', op: '==', revision: holder.createRevision }],
          [{ type: 'delete', from: keyBytes }]);
        continue;
      }
      // Someone leads: try again as soon as the key goes, so a standby takes over within
      // moments of the lease's end.
      const why = await untilHolderGone(coordination, timers, keyBytes, holder.createRevision, read.revision,
        liveness === undefined ? undefined : () => liveness(decoder.decode(holder.value)));
      if (why === 'holder-down') {
        // Only that holder's key: if another node took over meanwhile, this deletes nothing.
        await coordination.transaction([{ key: keyBytes, target: 'create', op: '==', revision: holder.createRevision }],
          [{ type: 'delete', from: keyBytes }]);
      }
    } catch (error) {
      // The store is unreachable for now: try again.
      onProblem?.((error as Error).message);
      await sleep(timers, RETRY_MS);
    }
  }
  await (lease as Lease | null)?.revoke().catch(() => {});
  return null;
}

function keyEnd(key: Uint8Array): Uint8Array {
  const end = new Uint8Array(key.length + 1);
  end.set(key);
  return end;
}

/**
 * Waits until the holder of `key` (its create revision) is gone: a watch from the revision the
 * holder was read at (not from the holder's own write, which would make etcd replay every
 * revision since, the whole retained journal, to find events on one key) sees its deletion, or
 * `watchHolder` reports its process gone. In case the watch stalls without failing (a member
 * that stopped answering), the key is read again every STANDBY_RECHECK_MS — one read, not a
 * new campaign and watch each time; the wait ends when that read finds another holder or none.
 */
async function untilHolderGone(coordination: Coordination, timers: Timers, key: Uint8Array, createRevision: number, readRevision: number,
  watchHolder?: () => { readonly down: Promise<void>; cancel(): void }): Promise<'deleted' | 'holder-down' | 'recheck'> {
  let wake: (why: 'deleted' | 'holder-down' | 'recheck') => void = () => {};
  const woken = new Promise<'deleted' | 'holder-down' | 'recheck'>((resolve) => { wake = resolve; });
  const watch = await coordination.watch(key, keyEnd(key), readRevision, (events) => {
    if (events.some((e) => e.type === 'delete' || e.entry.createRevision !== createRevision)) wake('deleted');
  }, () => wake('recheck'));
  const holder = watchHolder?.();
  void holder?.down.then(() => wake('holder-down'));
  let timer: ReturnType<Timers['setTimeout']> | null = null;
  let done = false;
  const recheck = () => {
    timer = null;
    coordination.range(key, keyEnd(key)).then((read) => {
      if (done) return;
      if (read.entries[0]?.createRevision === createRevision) timer = timers.setTimeout(recheck, STANDBY_RECHECK_MS);
      else wake('recheck');
    }, () => wake('recheck'));
  };
  timer = timers.setTimeout(recheck, STANDBY_RECHECK_MS);
  const why = await woken;
  done = true;
  if (timer !== null) timers.clearTimeout(timer);
  holder?.cancel();
  await watch.close().catch(() => {});
  return why;
}

/**
 * Follows the keys in [from, to): `onRead` with what a read finds, then `onEvents` with every
 * change a watch from the read's revision sees. A watch that ends is replaced by a fresh read
 * and watch; a replaced watch's late events are dropped. `ready` resolves once the first read
 * was reported and its watch is open.
 */
function observeRange(coordination: Coordination, timers: Timers, from: Uint8Array, to: Uint8Array,
  onRead: (entries: readonly StoredEntry[]) => void, onEvents: (events: readonly WatchEvent[]) => void): { ready: Promise<void>; close(): Promise<void> } {
  let closed = false;
  let watch: { close(): Promise<void> } | null = null;
  // Each read-and-watch is a generation.
  let generation = 0;
  const start = async (): Promise<void> => {
    while (!closed) {
      const mine = ++generation;
      try {
        const read = await coordination.range(from, to);
        if (closed) return;
        onRead(read.entries);
        const opened = await coordination.watch(from, to, read.revision, (events) => {
          if (!closed && mine === generation) onEvents(events);
        }, () => {
          if (closed || mine !== generation) return;
          generation++;
          const old = watch;
          watch = null;
          void old?.close().catch(() => {});
          void sleep(timers, RETRY_MS).then(start);
        });
        if (closed || mine !== generation) {
          await opened.close();
          return;
        }
        watch = opened;
        return;
      } catch {
        await sleep(timers, RETRY_MS);
      }
    }
  };
  return {
    ready: start(),
    close: async () => {
      closed = true;
      const last = watch;
      watch = null;
      await (last as { close(): Promise<void> } | null)?.close();
    },
  };
}

/**
 * Calls `onChange` with the value of `key` (null when absent) and its create revision (0 when
 * absent) now and whenever either changes: a key deleted and created again with the same value
 * is a new holder.
 */
export async function observeKey(coordination: Coordination, timers: Timers, key: string,
  onChange: (value: string | null, createRevision: number) => void): Promise<{ close(): Promise<void> }> {
  let current: string | null | undefined;
  let currentRevision = -1;
  const report = (value: string | null, createRevision: number) => {
    if (value !== current || createRevision !== currentRevision) {
      current = value;
      currentRevision = createRevision;
      onChange(value, createRevision);
    }
  };
  const observer = observeRange(coordination, timers, encoder.encode(key), encoder.encode(key + '\0'), (entries) => {
    const entry = entries[0];
    report(entry ? decoder.decode(entry.value) : null, entry?.createRevision ?? 0);
  }, (events) => {
    for (const event of events) {
      if (event.type === 'put') report(decoder.decode(event.entry.value), event.entry.createRevision);
      else report(null, 0);
    }
  });
  await observer.ready;
  return observer;
}

/**
 * Calls `onChange` with every key under `prefix` and its value, once read and again whenever a
 * key there is put or deleted: a read, then a watch from the read's revision, so a view that
 * changes rarely (the registered nodes) costs no store call while it stays the same, where a
 * read on a timer cost one per tick. A watch that ends is replaced by a fresh read and watch.
 * Returns at once; the first call comes after the first read.
 */
export function observePrefix(coordination: Coordination, timers: Timers, prefix: string,
  onChange: (entries: ReadonlyMap<string, string>) => void): { close(): Promise<void> } {
  const from = encoder.encode(prefix);
  let entries = new Map<string, string>();
  const observer = observeRange(coordination, timers, from, prefixEnd(from), (read) => {
    entries = new Map(read.map((e) => [decoder.decode(e.key), decoder.decode(e.value)]));
    onChange(entries);
  }, (events) => {
    for (const event of events) {
      if (event.type === 'put') entries.set(decoder.decode(event.entry.key), decoder.decode(event.entry.value));
      else entries.delete(decoder.decode(event.entry.key));
    }
    onChange(entries);
  });
  return { close: () => observer.close() };
}

/** A node's registration: its key, on a lease kept alive while the process runs. */
export interface Registration {
  /** The lease the key lives on now: a new one after each loss. */
  readonly lease: Lease;
  revoke(): Promise<void>;
}

/** Pause before registering again after the lease was lost, and after a failed attempt. */
const REREGISTER_MS = 250;

/**
 * Puts `key` = `value` under a lease kept alive while this process runs. When the lease is lost
 * although the process runs on (keep-alives that did not get through in time: etcd unreachable,
 * a long stall), the key is put again on a new lease as soon as etcd takes it: otherwise peers
 * would go on seeing a serving node as gone (relays would route no session to it, the trimmer
 * would stop counting its applied position) until it restarted. The first registration's
 * failure is the caller's; later ones are retried until it revokes.
 */
export async function register(coordination: Coordination, timers: Timers, key: string, value: string, ttlSeconds: number,
  onLost: (message: string) => void = () => {}): Promise<Registration> {
  const put = async (): Promise<Lease> => {
    const lease = await coordination.grantLease(ttlSeconds);
    await coordination.transaction([], [{ type: 'put', key: encoder.encode(key), value: encoder.encode(value), lease: lease.id }]);
    return lease;
  };
  let current = await put();
  let revoked = false;
  const keep = (lease: Lease): void => {
    void lease.lost.then(async () => {
      if (revoked) return;
      onLost(`registration ${key}: lease lost; registering again`);
      for (;;) {
        await sleep(timers, REREGISTER_MS);
        if (revoked) return;
        try {
          const next = await put();
          if (revoked) { await next.revoke().catch(() => {}); return; }
          current = next;
          keep(next);
          return;
        } catch (error) {
          onLost(`registration ${key}: ${(error as Error).message}; trying again`);
        }
      }
    });
  };
  keep(current);
  return {
    get lease() { return current; },
    revoke: () => {
      revoked = true;
      return current.revoke();
    },
  };
}

/** The values of every key under `prefix`. */
export async function listUnder(coordination: Coordination, prefix: string): Promise<{ key: string; value: string; modRevision: number }[]> {
  const from = encoder.encode(prefix);
  const read = await coordination.range(from, prefixEnd(from));
  return read.entries.map((e) => ({ key: decoder.decode(e.key), value: decoder.decode(e.value), modRevision: e.modRevision }));
}
