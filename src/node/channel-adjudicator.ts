import type { Adjudicator, CommitOutcome, CommitRequest } from '../contracts/adjudicator.js';
import type { Timers, Timestamp } from '../contracts/time.js';
import type { ProcessChannel } from '../env/processes.js';
import { commitBytes, encodeCommits, type ChannelCommit, type ChannelOutcome } from './commit-codec.js';
import type { ToPrimary } from './worker-protocol.js';

/** Commits a worker's transactions can have waiting for an answer at once. */
const MAX_PENDING_COMMITS = 10_000;
/** Bounds of one commits message; a commit larger than the byte bound travels alone. */
const MAX_COMMITS_PER_MESSAGE = 256;
const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * The adjudicator as a worker process sees it: commits go over the channel to the primary's
 * adjudicator; the watermark is what the shared store is readable through.
 *
 * Commits made in one turn of the event loop (sessions whose data arrived together) leave in one
 * message after the turn's I/O callbacks: a message costs both processes a system call and a
 * wake-up, and the primary decides the commits of one message in one turn, so they share a
 * journal write too.
 */
export class ChannelAdjudicator implements Adjudicator {
  private nextId = 1;
  private readonly pending = new Map<number, (outcome: CommitOutcome) => void>();
  private lost: string | null = null;
  /** Commits of this turn not yet sent, and their encoded size. */
  private unsent: ChannelCommit[] = [];
  private unsentBytes = 0;
  private sendScheduled = false;

  constructor(
    private readonly channel: ProcessChannel,
    private readonly timers: Timers,
    private readonly readableThrough: () => Timestamp,
  ) {}

  commit(request: CommitRequest): Promise<CommitOutcome> {
    if (this.lost !== null) return Promise.resolve({ kind: 'unavailable', reason: this.lost });
    if (this.pending.size >= MAX_PENDING_COMMITS) return Promise.resolve({ kind: 'unavailable', reason: 'too many commits waiting for the adjudicator' });
    const commit: ChannelCommit = { id: this.nextId++, request };
    const bytes = commitBytes(commit);
    if (this.unsent.length >= MAX_COMMITS_PER_MESSAGE || (this.unsent.length > 0 && this.unsentBytes + bytes > MAX_MESSAGE_BYTES)) this.send();
    this.unsent.push(commit);
    this.unsentBytes += bytes;
    if (!this.sendScheduled) {
      this.sendScheduled = true;
      this.timers.setImmediate(() => {
        this.sendScheduled = false;
        this.send();
      });
    }
    return new Promise((resolve) => this.pending.set(commit.id, resolve));
  }

  private send(): void {
    if (this.unsent.length === 0) return;
    const bytes = encodeCommits(this.unsent, this.unsentBytes);
    this.unsent = [];
    this.unsentBytes = 0;
    this.channel.send({ type: 'commits', bytes } satisfies ToPrimary);
  }

  /** The primary's answers to commits of this worker. */
  settle(outcomes: readonly ChannelOutcome[]): void {
    for (const { id, outcome } of outcomes) {
      const resolve = this.pending.get(id);
      if (!resolve) continue;
      this.pending.delete(id);
      resolve(outcome);
    }
  }

  /**
   * The primary is gone: commits waiting for it did not get an answer, which is not the same as
   * not happening — DSQL's answer for that is the retryable "unavailable".
   */
  fail(reason: string): void {
    this.lost = reason;
    for (const resolve of this.pending.values()) resolve({ kind: 'unavailable', reason });
    this.pending.clear();
    this.unsent = [];
    this.unsentBytes = 0;
  }

  watermark(): Timestamp {
    return this.readableThrough();
  }
}
