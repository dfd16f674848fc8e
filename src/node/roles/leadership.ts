/**
 * Leadership and membership on the coordination store (DESIGN.md §4): a leader holds a key
 * attached to its lease; the key's create revision fences the leader's journal appends; when
 * the lease is lost the key vanishes and a standby takes it. Nodes register themselves the same
 * way, so peers see who is alive.
 */
import type { Coordination, Lease } from '../../env/coordination.js';
import type { Timers } from '../../contracts/time.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const RETRY_MS = 200;

export interface Leadership {
  readonly createRevision: number;
  readonly lease: Lease;
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}

/**
 * Waits until this node holds `key` (value: its address). A lease of `ttlSeconds` keeps it;
 * a standby polls and watches for the key to go.
 */
export async function campaign(coordination: Coordination, timers: Timers, key: string, value: string, ttlSeconds: number,
  stopped: () => boolean): Promise<Leadership | null> {
  const keyBytes = encoder.encode(key);
  const lease = await coordination.grantLease(ttlSeconds);
  while (!stopped()) {
    try {
      const result = await coordination.transaction(
        [{ key: keyBytes, target: 'create', op: '==', revision: 0 }],
        [{ type: 'put', key: keyBytes, value: encoder.encode(value), lease: lease.id }],
      );
      if (result.succeeded) return { createRevision: result.revision, lease };
    } catch {
      // The store is unreachable for now: try again.
    }
    await sleep(timers, RETRY_MS);
  }
  await lease.revoke().catch(() => {});
  return null;
}

/** Calls `onChange` with the value of `key` (null when absent) now and whenever it changes. */
export async function observeKey(coordination: Coordination, timers: Timers, key: string,
  onChange: (value: string | null) => void): Promise<{ close(): Promise<void> }> {
  const keyBytes = encoder.encode(key);
  const end = encoder.encode(key + '\0');
  let closed = false;
  let watch: { close(): Promise<void> } | null = null;
  let current: string | null | undefined;
  const report = (value: string | null) => {
    if (value !== current) {
      current = value;
      onChange(value);
    }
  };
  const start = async (): Promise<void> => {
    while (!closed) {
      try {
        const read = await coordination.range(keyBytes, end);
        report(read.entries[0] ? decoder.decode(read.entries[0].value) : null);
        watch = await coordination.watch(keyBytes, end, read.revision, (events) => {
          for (const event of events) report(event.type === 'put' ? decoder.decode(event.entry.value) : null);
        }, () => {
          const old = watch;
          watch = null;
          void old?.close().catch(() => {});
          if (!closed) void sleep(timers, RETRY_MS).then(start);
        });
        return;
      } catch {
        await sleep(timers, RETRY_MS);
      }
    }
  };
  await start();
  return {
    close: async () => {
      closed = true;
      await (watch as { close(): Promise<void> } | null)?.close();
    },
  };
}

/** Puts `key` = `value` under a lease kept alive while this process runs. */
export async function register(coordination: Coordination, key: string, value: string, ttlSeconds: number): Promise<Lease> {
  const lease = await coordination.grantLease(ttlSeconds);
  await coordination.transaction([], [{ type: 'put', key: encoder.encode(key), value: encoder.encode(value), lease: lease.id }]);
  return lease;
}

/** The values of every key under `prefix`. */
export async function listUnder(coordination: Coordination, prefix: string): Promise<{ key: string; value: string }[]> {
  const from = encoder.encode(prefix);
  const to = encoder.encode(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));
  const read = await coordination.range(from, to);
  return read.entries.map((e) => ({ key: decoder.decode(e.key), value: decoder.decode(e.value) }));
}
