import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, SequenceInfo } from '../catalog/catalog.js';
import type { SequenceAllocator } from './sequence-allocator.js';

/**
 * A session's view of sequences: currval and lastval are the values this session got, as in
 * PostgreSQL; the values themselves come from the query processor's SequenceAllocator.
 */
export class SessionSequences {
  private readonly values = new Map<number, bigint>();
  private lastUsed: number | null = null;

  constructor(private readonly allocator: SequenceAllocator) {}

  async nextval(sequence: SequenceInfo): Promise<bigint> {
    const value = await this.allocator.nextval(sequence);
    this.values.set(sequence.id, value);
    this.lastUsed = sequence.id;
    return value;
  }

  currval(sequence: SequenceInfo): bigint {
    const value = this.values.get(sequence.id);
    if (value === undefined) throw new SqlError('55000', `currval of sequence "${sequence.name}" is not yet defined in this session`);
    return value;
  }

  /** The value nextval last returned in this session, of whichever sequence (if it still exists). */
  lastval(catalog: CatalogSnapshot, check: (sequence: SequenceInfo) => void): bigint {
    const value = this.lastUsed === null ? undefined : this.values.get(this.lastUsed);
    const sequence = this.lastUsed === null ? undefined : catalog.sequenceById(this.lastUsed);
    if (value === undefined || !sequence) throw new SqlError('55000', 'lastval is not yet defined in this session');
    check(sequence);
    return value;
  }

  /** setval: with is_called (the default) the value also becomes currval, as PostgreSQL does. */
  async setval(sequence: SequenceInfo, value: bigint, called: boolean): Promise<bigint> {
    await this.allocator.setval(sequence, value, called);
    if (called) this.values.set(sequence.id, value);
    return value;
  }
}
