import type { Adjudicator, CommitOutcome, CommitRequest } from '../contracts/adjudicator.js';
import type { Timestamp } from '../contracts/time.js';
import type { ProcessChannel } from '../env/processes.js';
import type { ToPrimary } from './worker-protocol.js';

/** Commits a worker's transactions can have waiting for an answer at once. */
const MAX_PENDING_COMMITS = 10_000;

/**
 * The adjudicator as a worker process sees it: commits go over the channel to the primary's
 * adjudicator; the watermark is what the shared store is readable through.
 */
export class ChannelAdjudicator implements Adjudicator {
  private nextId = 1;
  private readonly pending = new Map<number, (outcome: CommitOutcome) => void>();
  private lost: string | null = null;

  constructor(
    private readonly channel: ProcessChannel,
    private readonly readableThrough: () => Timestamp,
  ) {}

  commit(request: CommitRequest): Promise<CommitOutcome> {
    if (this.lost !== null) return Promise.resolve({ kind: 'unavailable', reason: this.lost });
    if (this.pending.size >= MAX_PENDING_COMMITS) return Promise.resolve({ kind: 'unavailable', reason: 'too many commits waiting for the adjudicator' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.channel.send({ type: 'commit', id, request } satisfies ToPrimary);
    });
  }

  /** The primary's answer to commit `id`. */
  settle(id: number, outcome: CommitOutcome): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    resolve(outcome);
  }

  /**
   * The primary is gone: commits waiting for it did not get an answer, which is not the same as
   * not happening — DSQL's answer for that is the retryable "unavailable".
   */
  fail(reason: string): void {
    this.lost = reason;
    for (const resolve of this.pending.values()) resolve({ kind: 'unavailable', reason });
    this.pending.clear();
  }

  watermark(): Timestamp {
    return this.readableThrough();
  }
}
