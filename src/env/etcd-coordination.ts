/**
 * Coordination on etcd 3.4 through the `etcd3` client (gRPC): the distributed deployment's
 * journal, leadership leases and cluster metadata (DESIGN.md §4, reference/dependencies.md).
 */
import { Etcd3, type IOptions } from 'etcd3';
import { ConsecutiveBreaker, ExponentialBackoff, handleWhen, circuitBreaker, retry } from 'cockatiel';
import type {
  Comparison, Coordination, Lease, Operation, RangeResult, StoredEntry, TransactionResult, Watch, WatchEvent,
} from './coordination.js';

/** DSQL allows 10 MiB transactions; a journal batch carries several, plus framing. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Deadline of one unary call to one member (a 4 MiB chunk commits in well under it). */
const CALL_DEADLINE_MS = 1_500;

interface KeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  lease: string;
}

function entryOf(kv: KeyValue): StoredEntry {
  return {
    key: kv.key, value: kv.value ?? Buffer.alloc(0),
    createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision), lease: String(kv.lease ?? '0'),
  };
}

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** How long closing a watch waits for etcd to confirm the cancel. */
const WATCH_CANCEL_MS = 1_000;

/**
 * Extra time for a large transaction (a journal batch or chunk of several MiB): its bytes go to
 * the leader and to a quorum's WALs before it answers, which on a loaded machine takes longer
 * than the deadline meant for a dead member.
 */
function transferAllowanceMs(context: { method: string; params?: unknown }): number {
  if (context.method !== 'txn') return 0;
  const params = context.params as { success?: { request_put?: { value?: { length: number } } }[] } | undefined;
  let bytes = 0;
  for (const op of params?.success ?? []) bytes += op.request_put?.value?.length ?? 0;
  return Math.floor(bytes / (1024 * 1024)) * TRANSFER_MS_PER_MIB;
}

const TRANSFER_MS_PER_MIB = 1_000;

export class EtcdCoordination implements Coordination {
  private readonly client: Etcd3;
  private readonly leases = new Set<ReturnType<Etcd3['lease']>>();

  constructor(endpoints: readonly string[]) {
    // A member that died mid-call can hold a call for seconds: calls carry a deadline, and a
    // missed deadline moves the call to another member like a refused connection does. (Every
    // write Strata sends is safe to repeat: see CoordinatedJournal.write.)
    const isRecoverable = (error: Error) => /unavailable|connect|ECONNREFUSED|GOAWAY|No connection|deadline/i.test(error.message);
    const options: IOptions = {
      hosts: endpoints.map((e) => (e.includes('://') ? e : `http://${e}`)),
      dialTimeout: 3_000,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS + transferAllowanceMs(context) }),
      grpcOptions: {
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
        'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      },
      faultHandling: {
        // A dead member should cost one failed try, then the next host; watches come back fast
        // because the cluster must serve again within seconds of a member's loss.
        host: () => circuitBreaker(handleWhen(isRecoverable), { halfOpenAfter: 3_000, breaker: new ConsecutiveBreaker(1) }),
        global: retry(handleWhen(isRecoverable), { maxAttempts: 3 }),
        // (etcd3 types this as a backoff but calls `.next()` on it first, as on cockatiel's factory.)
        watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) as unknown as NonNullable<IOptions['faultHandling']>['watchBackoff'],
      },
    };
    this.client = new Etcd3(options);
  }

  async transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
    const response = await this.client.kv.txn({
      compare: comparisons.map((c) => c.target === 'value'
        ? { key: buffer(c.key), target: 'Value' as const, result: 'Equal' as const, value: buffer(c.value) }
        : {
          key: buffer(c.key), target: c.target === 'create' ? 'Create' as const : 'Mod' as const,
          result: c.op === '==' ? 'Equal' as const : c.op === '<' ? 'Less' as const : 'Greater' as const,
          ...(c.target === 'create' ? { create_revision: c.revision } : { mod_revision: c.revision }),
        }),
      success: operations.map((o) => o.type === 'put'
        ? { request_put: { key: buffer(o.key), value: buffer(o.value), lease: o.lease ?? 0 } }
        : { request_delete_range: { key: buffer(o.from), ...(o.to ? { range_end: buffer(o.to) } : {}) } }),
    });
    return { succeeded: response.succeeded, revision: Number(response.header.revision) };
  }

  async range(from: Uint8Array, to: Uint8Array, options: { readonly limit?: number; readonly reverse?: boolean } = {}): Promise<RangeResult> {
    const response = await this.client.kv.range({
      key: buffer(from), range_end: buffer(to), limit: options.limit ?? 0,
      ...(options.reverse ? { sort_order: 'Descend' as const, sort_target: 'Key' as const } : {}),
    });
    return { entries: (response.kvs as KeyValue[]).map(entryOf), more: response.more, revision: Number(response.header.revision) };
  }

  async watch(from: Uint8Array, to: Uint8Array, afterRevision: number,
    onEvents: (events: readonly WatchEvent[], revision: number) => void, onError: (error: Error) => void): Promise<Watch> {
    const watcher = await this.client.watch().inRange({ start: buffer(from), end: buffer(to) })
      .startRevision(String(afterRevision + 1)).create();
    watcher.on('data', (response) => {
      // One response may carry several revisions: deliver them one revision at a time.
      let group: WatchEvent[] = [];
      let revision = 0;
      for (const event of response.events) {
        const entry = entryOf(event.kv as KeyValue);
        if (entry.modRevision !== revision && group.length > 0) {
          onEvents(group, revision);
          group = [];
        }
        revision = entry.modRevision;
        group.push({ type: event.type === 'Delete' ? 'delete' : 'put', entry });
      }
      if (group.length > 0) onEvents(group, revision);
    });
    let ended = false;
    watcher.on('error', (error: Error) => {
      ended = true;
      onError(error);
    });
    watcher.on('end', () => { ended = true; });
    return {
      // etcd3's cancel waits for the server to confirm; a watch the server already cancelled
      // (a compacted start revision) never confirms, and a lost connection may not either.
      close: async () => {
        if (ended) return;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          watcher.cancel().catch(() => {}),
          new Promise<void>((resolve) => { timer = setTimeout(resolve, WATCH_CANCEL_MS); }),
        ]);
        clearTimeout(timer);
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: true });
    this.leases.add(lease);
    const lost = new Promise<void>((resolve) => lease.on('lost', () => resolve()));
    const id = await lease.grant();
    return { id, lost, revoke: () => lease.revoke() };
  }

  async compact(revision: number): Promise<void> {
    await this.client.kv.compact({ revision, physical: false });
  }

  close(): Promise<void> {
    // Keep-alive timers of leases would otherwise outlive the client (and hold the process).
    for (const lease of this.leases) lease.release();
    this.leases.clear();
    this.client.close();
    return Promise.resolve();
  }
}
