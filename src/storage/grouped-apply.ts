/**
 * Applies journal batches in order, several at a time: the batches handed over before the
 * queued apply runs (one etcd watch message carrying several revisions, a catch-up page) go
 * into one `apply` call as if they had been one batch — one store transaction and one
 * applied-position record for all of them instead of one each. Records keep their journal
 * order, and the group's position is its last batch's, so the store's applied position and
 * data still change in one atomic write.
 */
import type { JournalPosition, JournalRecord } from '../contracts/journal.js';
import { assert } from '../contracts/errors.js';

export interface GroupedApplyOptions {
  /** Applies records through `position` (MvccStorage.apply); one call at a time. */
  readonly apply: (records: readonly JournalRecord[], position: JournalPosition) => Promise<void>;
  /** After each apply. */
  readonly onApplied: () => void;
  /** An apply failed: no later group is applied. */
  readonly onFailure: (error: Error) => void;
  /** Most records in one group (a batch larger than this goes alone). */
  readonly maxRecords: number;
}

interface Group {
  readonly records: JournalRecord[];
  through: JournalPosition;
}

export class GroupedApply {
  private applying: Promise<void> = Promise.resolve();
  /** The group the next queued apply takes; closed to more batches once that apply starts. */
  private open: Group | null = null;
  private failed = false;
  private offered: JournalPosition = 0;

  constructor(private readonly options: GroupedApplyOptions) {}

  /** Queues one batch (records through `last`, in journal order). */
  offer(records: readonly JournalRecord[], last: JournalPosition): void {
    assert(last > this.offered, 'batches are offered in journal order');
    this.offered = last;
    if (records.length === 0) return;
    let group = this.open;
    if (group === null || group.records.length + records.length > this.options.maxRecords) {
      const next: Group = { records: [], through: 0 };
      group = next;
      this.open = next;
      this.applying = this.applying.then(() => this.applyGroup(next));
    }
    for (const record of records) group.records.push(record);
    group.through = last;
  }

  private async applyGroup(group: Group): Promise<void> {
    if (this.open === group) this.open = null;
    if (this.failed) return;
    try {
      await this.options.apply(group.records, group.through);
    } catch (error) {
      this.failed = true;
      this.options.onFailure(error as Error);
      return;
    }
    this.options.onApplied();
  }

  /** Resolves once every batch offered so far is applied (or failed). */
  settled(): Promise<void> {
    return this.applying;
  }
}
