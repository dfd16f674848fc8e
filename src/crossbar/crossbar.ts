import { assert } from '../contracts/errors.js';
import type { JournalPosition, JournalRecord } from '../contracts/journal.js';
import type { KeyRange, WriteEntry } from '../contracts/kv.js';
import type { StorageNode } from '../contracts/storage.js';

/**
 * The crossbar (DESIGN.md §1): takes journal records in commit order and hands each storage
 * node the writes of its key range, one delivery at a time so every node applies in journal
 * order. A record that touches no key of a node still advances that node's position.
 */
interface Subscriber {
  readonly range: KeyRange;
  readonly storage: Pick<StorageNode, 'apply' | 'appliedPosition'>;
}

export class Crossbar {
  private readonly subscribers: Subscriber[] = [];
  private delivered: JournalPosition = 0;
  private tail: Promise<void> = Promise.resolve();

  subscribe(range: KeyRange, storage: Subscriber['storage']): void {
    this.subscribers.push({ range, storage });
  }

  /** Delivers a batch; batches are applied strictly in the order deliver() was called. */
  deliver(records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    const run = this.tail.then(() => this.apply(records, position));
    this.tail = run.catch(() => {});
    return run;
  }

  private async apply(records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    assert(position > this.delivered, 'journal positions increase through the crossbar');
    this.delivered = position;
    for (const subscriber of this.subscribers) {
      if (subscriber.storage.appliedPosition >= position) continue; // already applied before a restart
      const mine = records.map((record) => ({ ...record, writes: record.writes.filter((w) => inRange(w, subscriber.range)) }));
      await subscriber.storage.apply(mine, position);
    }
  }
}

function inRange(write: WriteEntry, range: KeyRange): boolean {
  return Buffer.compare(write.key, range.start) >= 0 && Buffer.compare(write.key, range.end) < 0;
}
