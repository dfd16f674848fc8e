/**
 * Coordination on etcd 3.4 through the `etcd3` client (gRPC): the distributed deployment's
 * journal, leadership leases and cluster metadata (DESIGN.md §4, reference/dependencies.md).
 */
import { Etcd3, type IOptions, type IRequestOp } from 'etcd3';
import { ConsecutiveBreaker, handleWhen, circuitBreaker, retry } from 'cockatiel';
import { EtcdWatches } from './etcd-watch.js';
import type {
  Comparison, Coordination, Lease, Operation, RangeOptions, RangeResult, StoredEntry, TransactionResult, Watch, WatchEvent,
} from './coordination.js';
import { EtcdTxnClient } from './etcd-txn.js';
import { etcd3Credentials, etcdUrl, type LinkTls } from './link-tls.js';

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

/** transferAllowanceMs for a transaction's operations, before they are converted. */
function transferAllowanceOf(operations: readonly Operation[]): number {
  let bytes = 0;
  for (const o of operations) if (o.type !== 'delete') bytes += o.value.length;
  return Math.floor(bytes / (1024 * 1024)) * TRANSFER_MS_PER_MIB;
}

function requestOp(o: Operation): IRequestOp {
  switch (o.type) {
    case 'put': return { request_put: { key: buffer(o.key), value: buffer(o.value), lease: o.lease ?? 0 } };
    case 'delete': return { request_delete_range: { key: buffer(o.from), ...(o.to ? { range_end: buffer(o.to) } : {}) } };
  }
}

/** How long a found etcd leader is trusted before it is looked up again (leaders change rarely). */
const LEADER_RECHECK_MS = 5_000;

function clientOptions(endpoints: readonly string[], tls: LinkTls | null): IOptions {
  // A member that died mid-call can hold a call for seconds: calls carry a deadline, and a
  // missed deadline moves the call to another member like a refused connection does. (Every
  // write Strata sends is safe to repeat: see CoordinatedJournal.write.)
  const isRecoverable = (error: Error) => /unavailable|connect|ECONNREFUSED|GOAWAY|No connection|deadline/i.test(error.message);
  return {
    hosts: endpoints.map((e) => etcdUrl(e, tls)),
    ...(tls === null ? {} : { credentials: etcd3Credentials(tls) }),
    dialTimeout: 3_000,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS + transferAllowanceMs(context) }),
    grpcOptions: {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    },
    faultHandling: {
      // A dead member should cost one failed try, then the next host. (Watches do not go
      // through this client: etcd-watch.ts.)
      host: () => circuitBreaker(handleWhen(isRecoverable), { halfOpenAfter: 3_000, breaker: new ConsecutiveBreaker(1) }),
      global: retry(handleWhen(isRecoverable), { maxAttempts: 3 }),
    },
  };
}

export interface EtcdCoordinationOptions {
  /**
   * Send transactions and reads to the etcd leader (the adjudicator leader's journal appends):
   * a member that is not the leader forwards a proposal to it, one more hop per append, and
   * bench:distributed measured up to 1.7× the appends/s on the leader. Watches and leases stay
   * on any member. If the leader's connection fails, the call goes to the members at large.
   */
  readonly preferLeader?: boolean;
  /**
   * Mutual TLS to etcd (link-tls.ts): every path to it — the etcd3 client, the lean Txn session
   * and the watch streams — shows this certificate and trusts only the CA. Absent or null: plaintext.
   */
  readonly tls?: LinkTls | null;
}

export class EtcdCoordination implements Coordination {
  private readonly client: Etcd3;
  /** Watches on bare gRPC streams (etcd-watch.ts): the journal's followers decode only what they use. */
  private readonly watches: EtcdWatches;
  private readonly leases = new Set<ReturnType<Etcd3['lease']>>();
  private readonly preferLeader: boolean;
  private readonly tls: LinkTls | null;
  /** A client for the etcd leader alone, while it is known; its endpoint and when it was found. */
  private leader: { readonly client: Etcd3; readonly endpoint: string; readonly foundMs: number } | null = null;
  private findingLeader = false;
  /** The lean Txn client for the leader's endpoint (see `transaction`). */
  private leaderTxn: EtcdTxnClient | null = null;
  private closed = false;

  constructor(endpoints: readonly string[], options: EtcdCoordinationOptions = {}) {
    this.tls = options.tls ?? null;
    this.client = new Etcd3(clientOptions(endpoints, this.tls));
    // Processes start watching on different members (etcd3 picks a member at random too).
    this.watches = new EtcdWatches(endpoints, {
      maxMessageBytes: MAX_MESSAGE_BYTES, firstMember: Math.floor(Math.random() * endpoints.length), tls: this.tls,
    });
    this.preferLeader = options.preferLeader ?? false;
    if (this.preferLeader) void this.findLeader();
  }

  /** The etcd leader's endpoint this client sends its calls to (null: any member), as last found. */
  get leaderEndpoint(): string | null {
    return this.leader?.endpoint ?? null;
  }

  /** Looks the etcd leader up now (otherwise it is looked up on the first call and every few seconds). */
  async refreshLeader(): Promise<void> {
    while (this.findingLeader) await new Promise((resolve) => setTimeout(resolve, 5));
    this.leader = this.leader === null ? null : { ...this.leader, foundMs: 0 };
    await this.findLeader();
  }

  /** The client for a unary call: the leader's when it is known (looked up again now and then). */
  private kvClient(): Etcd3 {
    if (!this.preferLeader) return this.client;
    const leader = this.leader;
    if (leader === null || Date.now() - leader.foundMs > LEADER_RECHECK_MS) void this.findLeader();
    return leader?.client ?? this.client;
  }

  private async findLeader(): Promise<void> {
    if (this.findingLeader || this.closed) return;
    this.findingLeader = true;
    try {
      const status = await this.client.maintenance.status();
      const members = await this.client.cluster.memberList({});
      const endpoint = members.members.find((m) => m.ID === status.leader)?.clientURLs[0];
      if (endpoint === undefined || this.closed) return;
      if (this.leader?.endpoint === endpoint) {
        this.leader = { ...this.leader, foundMs: Date.now() };
        return;
      }
      const old = this.leader;
      this.leader = { client: new Etcd3(clientOptions([endpoint], this.tls)), endpoint, foundMs: Date.now() };
      old?.client.close();
    } catch {
      // No leader found now: calls go to any member, and a later call looks again.
    } finally {
      this.findingLeader = false;
    }
  }

  /** A unary call on the leader's client, or on any member's when that fails (every call here is safe to repeat). */
  private async onLeader<T>(call: (client: Etcd3) => Promise<T>): Promise<T> {
    const client = this.kvClient();
    if (client === this.client) return call(client);
    try {
      return await call(client);
    } catch {
      if (this.leader?.client === client) {
        this.leader = null;
        client.close();
      }
      return call(this.client);
    }
  }

  /**
   * On the etcd leader through the lean Txn client (etcd-txn.ts) while the leader is known;
   * when that fails, through etcd3 to any member, as every call here is safe to repeat.
   */
  async transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
    const lean = this.leaderTxnClient();
    if (lean !== null) {
      try {
        return await lean.transaction(comparisons, operations, CALL_DEADLINE_MS + transferAllowanceOf(operations));
      } catch {
        this.dropLeaderTxn(lean);
      }
    }
    return this.transactionOnAnyMember(comparisons, operations);
  }

  /**
   * The lean Txn client for the etcd leader, made when the leader is found (or found anew);
   * null while no leader is known or calls do not prefer it.
   */
  private leaderTxnClient(): EtcdTxnClient | null {
    if (!this.preferLeader || this.closed) return null;
    this.kvClient(); // looks the leader up again when it is due
    const endpoint = this.leader?.endpoint ?? null;
    if (this.leaderTxn?.endpoint !== endpoint) {
      this.leaderTxn?.close();
      this.leaderTxn = endpoint === null ? null : new EtcdTxnClient(endpoint, this.tls);
    }
    return this.leaderTxn;
  }

  /** A call on the leader failed: look the leader up again and go to any member meanwhile. */
  private dropLeaderTxn(lean: EtcdTxnClient): void {
    if (this.leaderTxn !== lean) return;
    lean.close();
    this.leaderTxn = null;
    const leader = this.leader;
    if (leader !== null && leader.endpoint === lean.endpoint) {
      this.leader = null;
      leader.client.close();
    }
  }

  private async transactionOnAnyMember(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
    const request = {
      compare: comparisons.map((c) => c.target === 'value'
        ? { key: buffer(c.key), target: 'Value' as const, result: 'Equal' as const, value: buffer(c.value) }
        : {
          key: buffer(c.key), target: c.target === 'create' ? 'Create' as const : 'Mod' as const,
          result: c.op === '==' ? 'Equal' as const : c.op === '<' ? 'Less' as const : 'Greater' as const,
          ...(c.target === 'create' ? { create_revision: c.revision } : { mod_revision: c.revision }),
        }),
      success: operations.map(requestOp),
    };
    const response = await this.client.kv.txn(request);
    return { succeeded: response.succeeded, revision: Number(response.header.revision) };
  }

  async range(from: Uint8Array, to: Uint8Array, options: RangeOptions = {}): Promise<RangeResult> {
    const request = {
      key: buffer(from), range_end: buffer(to), limit: options.limit ?? 0, keys_only: options.keysOnly === true,
      ...(options.reverse ? { sort_order: 'Descend' as const, sort_target: 'Key' as const } : {}),
    };
    const response = await this.onLeader((client) => client.kv.range(request));
    return { entries: (response.kvs as KeyValue[]).map(entryOf), more: response.more, revision: Number(response.header.revision) };
  }

  watch(from: Uint8Array, to: Uint8Array, afterRevision: number,
    onEvents: (events: readonly WatchEvent[], revision: number) => void, onError: (error: Error) => void): Promise<Watch> {
    return this.watches.watch(from, to, afterRevision, onEvents, onError);
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: true });
    this.leases.add(lease);
    const lost = new Promise<void>((resolve) => lease.on('lost', () => { this.leases.delete(lease); resolve(); }));
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
    this.closed = true;
    this.leaderTxn?.close();
    this.leaderTxn = null;
    this.watches.close();
    this.leader?.client.close();
    this.leader = null;
    this.client.close();
    return Promise.resolve();
  }
}
