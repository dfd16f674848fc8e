/**
 * The Adjudicator contract over gRPC, for a query processor in its own process. It sends each
 * commit to the current leader (learned from etcd) and, when the leader is gone or was deposed
 * before answering, sends the same request again to the next leader within `retryWindowMs`.
 * The transaction id makes the retry safe: an adjudicator that already decided it answers with
 * the first decision, and a new leader finds it in the journal (a commit is decided only once).
 */
import type { Adjudicator, CommitOutcome, CommitRequest } from '../../contracts/adjudicator.js';
import type { Clock, Timers, Timestamp } from '../../contracts/time.js';
import { grpcClient, TransportError, type GrpcClient } from '../../env/grpc.js';
import type { LinkTls } from '../../env/link-tls.js';
import { commitRequestToMessage, outcomeFromMessage } from './messages.js';

export interface RemoteAdjudicatorOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  /** How long a commit keeps trying to reach a leader before it answers unavailable. */
  readonly retryWindowMs?: number;
  /** Deadline of one attempt. */
  readonly attemptMs?: number;
  /** TLS to the leader (link-tls.ts); absent or null: plaintext. */
  readonly tls?: LinkTls | null;
  /**
   * This query processor's name as its key watch gives it on the leader's notice stream
   * (grpcNoticeSubscriberAs): its Notify requests name it, so the leader keeps its reservation
   * renewed while it reads. '' (default): the leader renews every watcher it knows when asked.
   */
  readonly reader?: string;
}

export class RemoteAdjudicator implements Adjudicator {
  private client: GrpcClient | null = null;
  private readonly retryWindowMs: number;
  private readonly attemptMs: number;
  private leaderChanged: (() => void)[] = [];
  /** The highest snapshot a notice was asked for. */
  private requested: Timestamp = 0;

  constructor(private readonly options: RemoteAdjudicatorOptions) {
    this.retryWindowMs = options.retryWindowMs ?? 8_000;
    this.attemptMs = options.attemptMs ?? 5_000;
  }

  /** The leader's address changed (null: no leader now). */
  setLeader(address: string | null): void {
    if (this.client?.address === address) return;
    this.client?.close();
    this.client = address === null ? null : grpcClient('Adjudicator', address, this.options.tls ?? null);
    for (const wake of this.leaderChanged.splice(0)) wake();
  }

  async commit(request: CommitRequest): Promise<CommitOutcome> {
    const message = commitRequestToMessage(request);
    const deadline = this.nowMs() + this.retryWindowMs;
    let lastProblem = 'no adjudicator leader';
    while (this.nowMs() < deadline) {
      const client = this.client;
      if (client !== null) {
        try {
          const outcome = outcomeFromMessage(await client.call('Commit', message, this.attemptMs));
          // A standby (or a deposed leader) did not decide: wait for the next leader.
          if (outcome.kind !== 'unavailable' || !/not the adjudicator leader/.test(outcome.reason)) return outcome;
          lastProblem = outcome.reason;
        } catch (error) {
          if (!(error instanceof TransportError) || !error.unreachable) throw error;
          lastProblem = error.message;
        }
      }
      await this.nextLeaderOr(200);
    }
    return { kind: 'unavailable', reason: `${lastProblem}; the transaction may have committed` };
  }

  private nowMs(): number {
    return this.options.clock.now().latest / 1000;
  }

  private nextLeaderOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.leaderChanged.push(resolve);
      this.options.timers.setTimeout(resolve, ms);
    });
  }

  /**
   * Asks the leader for a watermark notice covering `timestamp` (a snapshot about to be read
   * from the storage replicas named `replicas`, one per shard; none: any), so storage need not wait for the next
   * periodic one. One way (no answer: the notice is the answer, and it goes to the replica):
   * each request leaves at once, those of one event-loop turn in one message, and a snapshot
   * at or below one already asked for sends nothing. Best effort: a lost request costs only
   * the wait for the next notice.
   */
  requestNotice(timestamp: Timestamp, replicas: readonly string[] = []): void {
    if (timestamp <= this.requested) return;
    const client = this.client;
    if (client === null) return;
    this.requested = timestamp;
    client.send('Notify', { timestamp, replicas, reader: this.options.reader ?? '' });
  }

  /** A query processor in its own process starts transactions at now().latest (DESIGN.md §2). */
  watermark(): Timestamp {
    return this.options.clock.now().latest;
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }
}
