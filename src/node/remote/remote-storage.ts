/**
 * The StorageNode contract over gRPC, for a query processor in its own process: reads go to a
 * replica in the QP's own region first, and within it its own AZ (DESIGN.md §4: each region of a
 * multi-region cluster holds full replicas, and only COMMIT crosses regions); when it does not
 * answer they move to the next replica (reads are idempotent, so an in-flight read is simply
 * sent again) and the failed one is skipped for a while. One RemoteStorage reads one shard's
 * replicas; ShardedStorage (sharded-storage.ts) spreads reads over the shards and answers reads
 * of the watched catalog version key.
 */
import type { JournalPosition, JournalRecord } from '../../contracts/journal.js';
import type { Key } from '../../contracts/kv.js';
import type { MeasureRequest, MeasureResult, ReadRequest, ReadResult, StorageNode } from '../../contracts/storage.js';
import type { Clock, Timers, Timestamp } from '../../contracts/time.js';
import { serverUnavailable } from '../../contracts/errors.js';
import { grpcClient, TransportError, type GrpcClient } from '../../env/grpc.js';
import type { LinkTls } from '../../env/link-tls.js';
import { measureRequestToMessage, measureResultFromMessage, readRequestToMessage, readResultFromMessage } from './messages.js';

export interface StorageReplica {
  readonly name: string;
  readonly address: string;
  readonly region: string;
  readonly az: string;
}

/** Where a replica or the query processor reading from it runs. */
export interface ReaderPlace {
  readonly region: string;
  readonly az: string;
}

/**
 * Replicas in the order reads try them: same AZ, then the rest of the own region, then other
 * regions (a fallback: a read is served at its timestamp anywhere, only slower), each group in
 * the given order. AZ names are compared within a region: two regions may both call one `az1`.
 */
export function readOrder<T extends ReaderPlace>(replicas: readonly T[], own: ReaderPlace): T[] {
  return [0, 1, 2].flatMap((group) => replicas.filter((r) => distance(r, own) === group));
}

/** 0: the reader's AZ, 1: its region, 2: another region. */
function distance(replica: ReaderPlace, own: ReaderPlace): number {
  return replica.region !== own.region ? 2 : replica.az !== own.az ? 1 : 0;
}

interface Replica {
  readonly spec: StorageReplica;
  readonly client: GrpcClient;
  /** this.nowMs() until which the replica is skipped. */
  downUntil: number;
}

/** How long a replica that failed is passed over. */
const DOWN_MS = 1_000;
/** A read waits for safe time at most 10 s at storage; leave room for that. */
const ATTEMPT_MS = 15_000;
const RETRY_PAUSE_MS = 100;

export class RemoteStorage implements StorageNode {
  /** In read order (readOrder). */
  private replicas: Replica[];
  /** The replica reads try first: one of the closest that answer, in turn (readsFrom). */
  private first: Replica;
  private turn = 0;
  /** Removed replicas whose channels close after a last read's time (remove). */
  private readonly retiring = new Set<Replica>();

  constructor(replicas: readonly StorageReplica[], private readonly own: ReaderPlace, private readonly clock: Clock, private readonly timers: Timers,
    private readonly retryWindowMs = 8_000, private readonly tls: LinkTls | null = null) {
    this.replicas = readOrder(replicas, own).map((spec) => this.replica(spec));
    if (this.replicas.length === 0) throw new Error('no storage replicas configured');
    this.first = this.replicas[0]!;
  }

  private replica(spec: StorageReplica): Replica {
    return { spec, client: grpcClient('Storage', spec.address, this.tls), downUntil: 0 };
  }

  /**
   * A replica of this shard that joined while the reader runs (it registered in etcd): reads go
   * to it from now on, in its place in the read order. False for one already known by name.
   */
  add(spec: StorageReplica): boolean {
    if (this.replicas.some((r) => r.spec.name === spec.name)) return false;
    const added = this.replica(spec);
    const byName = new Map([...this.replicas, added].map((r) => [r.spec.name, r]));
    this.replicas = readOrder([...this.replicas.map((r) => r.spec), spec], this.own).map((s) => byName.get(s.name)!);
    return true;
  }

  /**
   * A replica that left while the reader runs (added since it started, its registration gone):
   * reads no longer go to it. A shard's last replica stays (false), as does one not known.
   * Its channel closes once a read still on its way there has had its time.
   */
  remove(name: string): boolean {
    const gone = this.replicas.find((r) => r.spec.name === name);
    if (gone === undefined || this.replicas.length === 1) return false;
    this.replicas = this.replicas.filter((r) => r !== gone);
    if (this.first === gone) this.first = this.replicas[0]!;
    this.retiring.add(gone);
    this.timers.setTimeout(() => {
      if (this.retiring.delete(gone)) gone.client.close();
    }, ATTEMPT_MS + RETRY_PAUSE_MS);
    return true;
  }

  /** The replicas in the order a read tries them: the first, then the rest in read order. */
  private attempts(): Replica[] {
    return [this.first, ...this.replicas.filter((r) => r !== this.first)];
  }

  private async call(method: string, message: Record<string, unknown>): Promise<Record<string, any>> {
    let lastError: Error | null = null;
    // Rounds over the replicas until one answers or the window closes (a replica marked down is
    // skipped in the first round only: it may be back by the next).
    const deadline = this.nowMs() + this.retryWindowMs;
    for (let round = 0; round === 0 || this.nowMs() < deadline; round++) {
      if (round > 0) await new Promise<void>((resolve) => this.timers.setTimeout(resolve, RETRY_PAUSE_MS));
      const now = this.nowMs();
      for (const replica of this.attempts()) {
        if (round === 0 && replica.downUntil > now) continue;
        try {
          return await replica.client.call(method, message, ATTEMPT_MS);
        } catch (error) {
          if (!(error instanceof TransportError) || !error.unreachable) throw error;
          replica.downUntil = this.nowMs() + DOWN_MS;
          lastError = error;
        }
      }
    }
    throw serverUnavailable(`no storage replica answered: ${lastError?.message ?? 'none configured'}`);
  }

  /**
   * Called as a snapshot is taken: picks the replica reads go to first from now on and names it
   * (the leader then answers a Notify on its stream alone). Several replicas as close as the
   * closest that answers (two in the reader's AZ) take snapshots in turn, so a replica added
   * there shares the reads. A read of an earlier snapshot that goes to the new pick is served
   * there too: the pick's notice covers this later snapshot, and so the earlier one. A read that
   * fails over to another replica waits there for the next notice instead.
   */
  readsFrom(): string {
    const now = this.nowMs();
    const answering = this.replicas.filter((replica) => replica.downUntil <= now);
    if (answering.length === 0) {
      this.first = this.replicas[0]!;
    } else {
      const nearest = distance(answering[0]!.spec, this.own);
      const closest = answering.filter((replica) => distance(replica.spec, this.own) === nearest);
      this.turn = (this.turn + 1) % closest.length;
      this.first = closest[this.turn]!;
    }
    return this.first.spec.name;
  }

  private nowMs(): number {
    return this.clock.now().latest / 1000;
  }

  async read(request: ReadRequest): Promise<ReadResult> {
    return readResultFromMessage(await this.call('Read', readRequestToMessage(request)));
  }

  /** Counted by the replica: only the totals cross the network. */
  async measure(request: MeasureRequest): Promise<MeasureResult> {
    return measureResultFromMessage(await this.call('Measure', measureRequestToMessage(request)));
  }

  async get(key: Key, readTimestamp: Timestamp): Promise<Uint8Array | null> {
    const reply = await this.call('Get', { key: Buffer.from(key.buffer, key.byteOffset, key.byteLength), read_timestamp: readTimestamp });
    return reply['value'] ?? null;
  }

  apply(_records: readonly JournalRecord[], _position: JournalPosition): Promise<void> {
    return Promise.reject(new Error('a query processor does not apply the journal'));
  }

  get appliedPosition(): JournalPosition {
    return 0;
  }

  close(): Promise<void> {
    for (const replica of [...this.replicas, ...this.retiring]) replica.client.close();
    this.retiring.clear();
    return Promise.resolve();
  }
}
