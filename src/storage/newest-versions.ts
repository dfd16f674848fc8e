import type { Timestamp } from '../contracts/time.js';

/**
 * The newest version of a key as a point read found it: the row (without storage's marker
 * byte), or null when the key has no live version; and its commit timestamp (0 when the key has
 * no version at all). It answers any read at or above that timestamp until a newer version of
 * the key is applied.
 */
export interface NewestVersion {
  readonly timestamp: Timestamp;
  readonly row: Uint8Array | null;
}

/** What one entry costs besides its key and row: the Map slot, the entry object, the view. */
const ENTRY_OVERHEAD_BYTES = 96;

/**
 * Storage's row cache: the newest version of recently read keys, bounded by bytes, evicting in
 * insertion order. It is what makes a point read of a hot row a Map lookup instead of an LMDB
 * cursor seek (the seek, through lmdb-js, costs several microseconds; a whole point SELECT is a
 * few tens). Insertion-order eviction rather than LRU: a hit then costs no bookkeeping, and a
 * working set that fits stays; one that does not fit churns either way.
 *
 * The owner keeps it exact: it replaces the version of every cached key it applies, and clears
 * it when the store changed under it in ways it cannot see key by key (a follower's refresh).
 */
export class NewestVersions {
  private readonly entries = new Map<string, NewestVersion>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get(name: string): NewestVersion | undefined {
    return this.entries.get(name);
  }

  set(name: string, version: NewestVersion): void {
    if (this.budgetBytes <= 0) return;
    const previous = this.entries.get(name);
    if (previous !== undefined) this.bytes -= cost(name, previous);
    this.entries.set(name, version);
    this.bytes += cost(name, version);
    if (this.bytes <= this.budgetBytes) return;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.budgetBytes * 0.9) break;
      this.entries.delete(oldest);
      this.bytes -= cost(oldest, entry);
    }
  }

  delete(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    this.bytes -= cost(name, entry);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }
}

function cost(name: string, version: NewestVersion): number {
  return name.length + (version.row === null ? 0 : version.row.length) + ENTRY_OVERHEAD_BYTES;
}
