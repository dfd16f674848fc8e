import { SqlError, assert, serverUnavailable } from '../../contracts/errors.js';
import type { Adjudicator, CommitOutcome } from '../../contracts/adjudicator.js';
import type { StorageNode } from '../../contracts/storage.js';
import { sequenceKey, type CatalogSnapshot, type SequenceInfo } from '../catalog/catalog.js';
import { decodeState, encodeState, sequenceRowKey, takeBlock, type SequenceState } from './sequence-state.js';

/**
 * A query processor's sequence cache, the way DSQL runs sequences. nextval never reads or writes
 * the sequence row inside the user's transaction: that would make every two transactions that
 * take a value conflict, and a rolled-back transaction would hand its value out again. Instead
 * the QP takes a block of CACHE values by committing a small transaction of its own on the
 * sequence row through the adjudicator (retried on conflict: first committer wins, so two QPs
 * or two worker processes can never take the same block), then hands values out of its cache.
 * CACHE 1 makes every nextval such a commit: values come out in one order across the cluster.
 * Nothing is rolled back with the user's transaction, as in PostgreSQL.
 */
export interface SequenceHost {
  readonly storage: Pick<StorageNode, 'get'>;
  readonly adjudicator: Pick<Adjudicator, 'commit'>;
  /** A start timestamp for the first attempt (the QP's snapshot time). */
  snapshotTime(): number;
  /** A start timestamp after every acknowledged commit (clock.now().latest): retries use it. */
  freshTime(): number;
  catalogAt(timestamp: number): Promise<CatalogSnapshot>;
  sleep(ms: number): Promise<void>;
  /** A uniformly random integer in [0, bound): backoff jitter and transaction ids. */
  uniform(bound: number): number;
}

interface CachedBlock {
  next: bigint;
  remaining: bigint;
  readonly increment: bigint;
  readonly generation: number;
}

/** Attempts at one commit on a sequence row before giving up with a serialization failure. */
const MAX_ATTEMPTS = 64;
/** Backoff after a lost race: random up to 2^attempt ms, at most this (contenders spread out). */
const MAX_BACKOFF_MS = 64;

export class SequenceAllocator {
  private readonly blocks = new Map<number, CachedBlock>();
  /** Callers of one sequence wait in line (FIFO), so one refill serves the queue and nobody starves. */
  private readonly queues = new Map<number, Promise<void>>();
  private commits = 0;

  constructor(private readonly host: SequenceHost) {}

  /** The next value of `sequence` (as the caller's catalog defines it). */
  nextval(sequence: SequenceInfo): Promise<bigint> {
    if (!this.queues.has(sequence.id)) {
      const value = this.takeCached(sequence);
      if (value !== null) return Promise.resolve(value);
    }
    return this.exclusive(sequence.id, async () => {
      const cached = this.takeCached(sequence);
      if (cached !== null) return cached;
      await this.refill(sequence);
      const value = this.takeCached(sequence);
      assert(value !== null, 'a committed block holds at least one value');
      return value;
    });
  }

  /** setval: commits the new counter and forgets this QP's cached values of the sequence. */
  setval(sequence: SequenceInfo, value: bigint, called: boolean): Promise<void> {
    return this.exclusive(sequence.id, async () => {
      await this.commitOnRow(sequence, (current) => {
        const min = BigInt(current.minValue);
        const max = BigInt(current.maxValue);
        if (value < min || value > max) {
          throw new SqlError('22003', `setval: value ${value} is out of bounds for sequence "${current.name}" (${min}..${max})`);
        }
        return { state: { last: value, called }, result: undefined };
      });
      this.blocks.delete(sequence.id);
    });
  }

  private takeCached(sequence: SequenceInfo): bigint | null {
    const block = this.blocks.get(sequence.id);
    if (!block) return null;
    if (block.generation < sequence.generation || block.remaining === 0n) {
      this.blocks.delete(sequence.id);
      return null;
    }
    const value = block.next;
    block.next += block.increment;
    block.remaining--;
    return value;
  }

  private async refill(sequence: SequenceInfo): Promise<void> {
    const taken = await this.commitOnRow(sequence, (current, state) => {
      const { block, state: next } = takeBlock(current, state, BigInt(current.cache));
      return { state: next, result: { block, current } };
    });
    this.blocks.set(sequence.id, {
      next: taken.block.first, remaining: taken.block.count, increment: BigInt(taken.current.increment), generation: taken.current.generation,
    });
  }

  /**
   * Reads the sequence row and its definition at a fresh snapshot, writes the row `change`
   * computes, and commits that alone; on a conflict, does it all again at a newer snapshot.
   */
  private async commitOnRow<T>(sequence: SequenceInfo, change: (current: SequenceInfo, state: SequenceState) => { state: SequenceState; result: T }): Promise<T> {
    const key = sequenceRowKey(sequence.id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const startTimestamp = attempt === 0 ? this.host.snapshotTime() : this.host.freshTime();
      const catalog = await this.host.catalogAt(startTimestamp);
      const current = catalog.sequenceById(sequence.id);
      const raw = await this.host.storage.get(key, startTimestamp);
      if (!current || raw === null) throw new SqlError('42P01', `relation "${sequence.name}" does not exist`);
      const { state, result } = change(current, decodeState(raw));
      const outcome: CommitOutcome = await this.host.adjudicator.commit({
        transactionId: `sequence-${sequence.id}-${this.host.uniform(0x7fffffff)}-${++this.commits}`,
        startTimestamp, writes: [{ key, value: encodeState(state) }], lockKeys: [],
        // An ALTER or DROP SEQUENCE that commits meanwhile makes this attempt read again.
        schemaKeys: [sequenceKey(sequence.id)],
      });
      switch (outcome.kind) {
        case 'committed': return result;
        case 'unavailable': throw serverUnavailable(outcome.reason);
        default: await this.host.sleep(this.host.uniform(Math.min(MAX_BACKOFF_MS, 2 ** attempt) + 1));
      }
    }
    throw new SqlError('40001', 'change conflicts with another transaction (OC000)', { detail: `sequence "${sequence.name}" is too contended` });
  }

  private exclusive<T>(sequenceId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(sequenceId) ?? Promise.resolve();
    const run = previous.then(work);
    const tail = run.then(() => undefined, () => undefined);
    this.queues.set(sequenceId, tail);
    void tail.then(() => {
      if (this.queues.get(sequenceId) === tail) this.queues.delete(sequenceId);
    });
    return run;
  }
}
