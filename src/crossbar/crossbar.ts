import { assert } from '../contracts/errors.js';
import type { JournalPosition, JournalRecord } from '../contracts/journal.js';
import type { KeyRange, WriteEntry } from '../contracts/kv.js';
import type { StorageNode } from '../contracts/storage.js';

/**
 * The crossbar (DESIGN.md §1): takes journal records in commit order and hands each storage
 * node the writes of its key range, one delivery at a time, so every node applies in journal
 * order. A record touching several ranges is split per subscriber (each part keeps the
 * record's timestamp and order); a delivery with nothing for a node still advances that node's
 * position, so its restart point keeps up with the journal.
 *
 * Positions are record sequence numbers: a delivery of n records at position p holds records
 * p-n+1 … p. A subscriber that already applied some of them (it replayed the journal before
 * subscribing) gets only the rest; a gap — records it never saw — is a bug and fails the
 * delivery. A subscriber whose apply failed is stopped: it must not apply later records over
 * the hole, so every later delivery fails until the node restarts and replays.
 */
export type CrossbarTarget = Pick<StorageNode, 'apply' | 'appliedPosition'>;

interface Subscriber {
  readonly range: KeyRange;
  readonly storage: CrossbarTarget;
  failure: Error | null;
}

export interface SubscriberStatus {
  readonly range: KeyRange;
  readonly appliedPosition: JournalPosition;
  readonly failure: Error | null;
}

export class Crossbar {
  private readonly subscribers: Subscriber[] = [];
  private delivered: JournalPosition = 0;
  private tail: Promise<void> = Promise.resolve();

  /** Routes the writes of `range` (start inclusive, end exclusive) to `storage` from now on. */
  subscribe(range: KeyRange, storage: CrossbarTarget): void {
    assert(Buffer.compare(range.start, range.end) < 0, 'a subscribed range is not empty');
    this.subscribers.push({ range, storage, failure: null });
  }

  /** The position of the last delivery handed to the subscribers. */
  get deliveredPosition(): JournalPosition {
    return this.delivered;
  }

  /** Each subscriber's range, applied position and failure, in subscription order. */
  status(): SubscriberStatus[] {
    return this.subscribers.map((s) => ({ range: s.range, appliedPosition: s.storage.appliedPosition, failure: s.failure }));
  }

  /**
   * Delivers a batch of records ending at journal position `position`. Batches are applied
   * strictly in the order deliver() was called, each subscriber awaited in turn; resolves when
   * every subscriber has applied it.
   */
  deliver(records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    const run = this.tail.then(() => this.deliverNow(records, position));
    this.tail = run.catch(() => {});
    return run;
  }

  private async deliverNow(records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    assert(position > this.delivered, `journal positions increase through the crossbar (${position} after ${this.delivered})`);
    assert(position - records.length >= 0, 'a delivery holds at most `position` records');
    this.delivered = position;
    let failed: Subscriber | null = null;
    for (const subscriber of this.subscribers) {
      if (subscriber.failure === null) await this.deliverTo(subscriber, records, position);
      if (subscriber.failure !== null && failed === null) failed = subscriber;
    }
    if (failed !== null) throw new Error(`storage for a key range stopped applying the journal: ${failed.failure!.message}`);
  }

  private async deliverTo(subscriber: Subscriber, records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    const applied = subscriber.storage.appliedPosition;
    if (applied >= position) return; // applied before subscribing (journal replay at startup)
    const first = position - records.length + 1;
    try {
      assert(applied >= first - 1, `no journal records are skipped (applied ${applied}, delivery starts at ${first})`);
      const fresh = applied >= first ? records.slice(applied - first + 1) : records;
      await subscriber.storage.apply(route(fresh, subscriber.range), position);
    } catch (error) {
      subscriber.failure = error instanceof Error ? error : new Error(String(error));
    }
  }
}

/** The part of each record that falls in `range`; a record wholly inside is passed as is. */
function route(records: readonly JournalRecord[], range: KeyRange): readonly JournalRecord[] {
  let out: JournalRecord[] | null = null;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const inside = countInside(record.writes, range);
    if (inside === record.writes.length && out === null) continue;
    if (out === null) out = records.slice(0, i);
    if (inside === record.writes.length) out.push(record);
    else if (inside > 0) out.push({ ...record, writes: record.writes.filter((w) => contains(range, w.key)) });
  }
  return out ?? records;
}

function countInside(writes: readonly WriteEntry[], range: KeyRange): number {
  let count = 0;
  for (const write of writes) if (contains(range, write.key)) count++;
  return count;
}

function contains(range: KeyRange, key: Uint8Array): boolean {
  return Buffer.compare(key, range.start) >= 0 && Buffer.compare(key, range.end) < 0;
}
