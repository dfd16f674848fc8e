import { SqlError } from '../../contracts/errors.js';
import type { Key } from '../../contracts/kv.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import { prefixEnd } from '../../encoding/key.js';
import type { CatalogSnapshot, ForeignKeyInfo, IndexInfo, TableInfo } from '../catalog/catalog.js';
import type { Transaction } from '../transaction.js';
import type { ExecContext } from './compiled.js';
import { breathe, type Runtime } from './operators.js';
import { rowKeyLockKey, type TableCodec } from './table-codec.js';
import * as types from './typesystem.js';

/**
 * Enforcement of FOREIGN KEY constraints the DSQL way (reference/dsql.md §2.2): lock-free and
 * optimistic. A referencing row's check reads the referenced key at the transaction's snapshot
 * (with its own writes on top) and records the referenced row's key-lock key as a key share;
 * deleting a row, or changing a key column, locks that key-lock key (the row writer does, for
 * every table: SELECT … FOR KEY SHARE shares it too). The
 * adjudicator fails one of two concurrent transactions that share and lock the same key
 * (40001 OC000), while a non-key update of the parent, which locks nothing, never conflicts.
 *
 * Timing follows PostgreSQL's RI triggers: row changes queue work that runs when the statement
 * ends (so a statement may insert a parent and its child in any order), and the NO ACTION
 * checks of a DEFERRABLE INITIALLY DEFERRED constraint run at COMMIT. CASCADE, SET NULL and SET
 * DEFAULT change referencing rows through the same row writer, so their own constraints and
 * DSQL's 3,000-row limit apply to them.
 */

/** What a referential action needs of the referencing table's row writer (plan-modify.ts). */
export interface ReferencingRowWriter {
  /** NOT NULL, CHECK, domains and generated columns of the new row version. */
  checkRow(row: SqlValue[], ctx: ExecContext): void;
  delete(rt: Runtime, row: readonly SqlValue[], key: Uint8Array): void;
  update(rt: Runtime, oldRow: readonly SqlValue[], oldKey: Uint8Array, newRow: readonly SqlValue[]): Promise<Uint8Array>;
}

export interface ForeignKeyContext {
  readonly catalog: CatalogSnapshot;
  readonly codecs: (table: TableInfo) => TableCodec;
  readonly writerFor: (table: TableInfo) => ReferencingRowWriter;
  /** The DEFAULT of a referencing table's columns (ON DELETE/UPDATE SET DEFAULT). */
  readonly defaultsOf: (table: TableInfo) => ((rt: Runtime) => SqlValue)[];
}

/** Rows per storage read when looking for referencing rows. */
const SCAN_BATCH = 256;

function valuesEqual(oid: number, a: SqlValue, b: SqlValue): boolean {
  if (a === null || b === null) return a === b;
  return types.comparator(oid)(a, b) === 0;
}

function formatValues(table: TableInfo, positions: readonly number[], row: readonly SqlValue[]): string {
  const names = positions.map((p) => table.columns[p]!.name).join(', ');
  const values = positions.map((p) => (row[p] === null ? 'null' : types.formatTextValue(table.columns[p]!.typeOid, row[p]!))).join(', ');
  return `Key (${names})=(${values})`;
}

/** Converts values between the two sides' column types (throws as the cast does). */
function convertStrict(values: readonly SqlValue[], from: readonly number[], to: readonly number[]): SqlValue[] {
  return values.map((v, i) => (v === null || from[i] === to[i] ? v : types.castFunction(from[i]!, to[i]!, -1, false)(v)));
}

/** Converts values for a lookup; null when a value cannot exist on the other side (so nothing matches). */
function convert(values: readonly SqlValue[], from: readonly number[], to: readonly number[]): SqlValue[] | null {
  try {
    return convertStrict(values, from, to);
  } catch {
    return null;
  }
}

/** The foreign-key work of one table's row changes: as referencing table and as referenced table. */
export class ForeignKeyEnforcement {
  private readonly outgoing: readonly ForeignKeyInfo[];
  private readonly incoming: readonly { readonly table: TableInfo; readonly foreignKey: ForeignKeyInfo }[];

  constructor(private readonly table: TableInfo, private readonly fk: ForeignKeyContext) {
    this.outgoing = table.foreignKeys ?? [];
    this.incoming = fk.catalog.referencedBy(table.id);
  }

  /** Whether this table takes part in any foreign key (else the row writer skips the hooks). */
  get active(): boolean {
    return this.outgoing.length > 0 || this.incoming.length > 0;
  }

  inserted(rt: Runtime, row: readonly SqlValue[], key: Key): void {
    for (const foreignKey of this.outgoing) this.queueReferencingCheck(rt, foreignKey, row, key);
  }

  /** The row writer has locked the row's key-lock key (plan-modify.ts). */
  deleted(rt: Runtime, row: readonly SqlValue[], key: Key): void {
    for (const { table, foreignKey } of this.incoming) this.queueReferencedChange(rt, table, foreignKey, row, null);
  }

  /** A change of a referenced column is a key change: the row writer has locked the key-lock key. */
  updated(rt: Runtime, oldRow: readonly SqlValue[], oldKey: Key, newRow: readonly SqlValue[], newKey: Key): void {
    for (const foreignKey of this.outgoing) {
      if (!this.changed(foreignKey.columns, oldRow, newRow)) continue;
      this.queueReferencingCheck(rt, foreignKey, newRow, newKey);
    }
    for (const { table, foreignKey } of this.incoming) {
      if (!this.changed(foreignKey.referencedColumns, oldRow, newRow)) continue;
      this.queueReferencedChange(rt, table, foreignKey, oldRow, newRow);
    }
  }

  private changed(positions: readonly number[], a: readonly SqlValue[], b: readonly SqlValue[]): boolean {
    return positions.some((p) => !valuesEqual(this.table.columns[p]!.typeOid, a[p]!, b[p]!));
  }

  // ---- the referencing side: the referenced key must exist ----

  private queueReferencingCheck(rt: Runtime, foreignKey: ForeignKeyInfo, row: readonly SqlValue[], key: Key): void {
    const values = foreignKey.columns.map((p) => row[p]!);
    const nulls = values.filter((v) => v === null).length;
    if (nulls === values.length || (nulls > 0 && foreignKey.match === 'simple')) return;
    const check = () => this.checkReferencing(rt.txn, foreignKey, values, key);
    if (foreignKey.initiallyDeferred) rt.txn.commitChecks.push(check);
    else rt.txn.statementChecks.push(check);
  }

  private async checkReferencing(txn: Transaction, foreignKey: ForeignKeyInfo, values: readonly SqlValue[], key: Key): Promise<void> {
    // A later change of the same row in this transaction superseded this check (and queued its own).
    const stored = await txn.get(key);
    if (stored === null) return;
    const row = this.fk.codecs(this.table).decodeRow(stored, key);
    if (foreignKey.columns.some((p, i) => !valuesEqual(this.table.columns[p]!.typeOid, row[p]!, values[i]!))) return;
    if (values.some((v) => v === null)) {
      throw new SqlError('23503', `insert or update on table "${this.table.name}" violates foreign key constraint "${foreignKey.name}"`, {
        detail: 'MATCH FULL does not allow mixing of null and nonnull key values.',
      });
    }
    const referenced = this.fk.catalog.tableById(foreignKey.referencedTableId)!;
    const referencedKey = await this.findReferenced(txn, foreignKey, referenced, values);
    if (referencedKey === null) {
      throw new SqlError('23503', `insert or update on table "${this.table.name}" violates foreign key constraint "${foreignKey.name}"`, {
        detail: `${formatValues(this.table, foreignKey.columns, row)} is not present in table "${referenced.name}".`,
      });
    }
    txn.keyShare(rowKeyLockKey(referencedKey));
  }

  /** The primary key of the referenced row holding these values, or null. */
  private async findReferenced(txn: Transaction, foreignKey: ForeignKeyInfo, referenced: TableInfo, values: readonly SqlValue[]): Promise<Key | null> {
    const target = convert(values, foreignKey.columns.map((p) => this.table.columns[p]!.typeOid), foreignKey.referencedColumns.map((p) => referenced.columns[p]!.typeOid));
    if (target === null) return null;
    const codec = this.fk.codecs(referenced);
    const index = referenced.indexes.find((i) => i.id === foreignKey.referencedIndexId)!;
    const ordered = index.columns.map((p) => target[foreignKey.referencedColumns.indexOf(p)]!);
    if (index.primary) {
      const key = codec.primaryKeyFromValues(ordered);
      return (await txn.get(key)) === null ? null : key;
    }
    const entryKey = codec.keyFromValues(index.id, index.columns, ordered);
    const entry = await txn.get(entryKey);
    return entry === null ? null : codec.primaryKeyFromIndexEntry(index, entryKey, entry);
  }

  // ---- the referenced side: delete or key change of a row other rows may reference ----

  private queueReferencedChange(rt: Runtime, referencing: TableInfo, foreignKey: ForeignKeyInfo, oldRow: readonly SqlValue[], newRow: readonly SqlValue[] | null): void {
    const oldValues = foreignKey.referencedColumns.map((p) => oldRow[p]!);
    if (oldValues.some((v) => v === null)) return; // no referencing row can match a NULL
    const action = newRow === null ? foreignKey.onDelete : foreignKey.onUpdate;
    const newValues = newRow === null ? null : foreignKey.referencedColumns.map((p) => newRow[p]!);
    const work = () => this.referencedChanged(rt, referencing, foreignKey, action, oldRow, oldValues, newValues);
    if (action === 'a' && foreignKey.initiallyDeferred) rt.txn.commitChecks.push(work);
    else rt.txn.statementChecks.push(work);
  }

  private async referencedChanged(rt: Runtime, referencing: TableInfo, foreignKey: ForeignKeyInfo, action: ForeignKeyInfo['onDelete'],
    oldRow: readonly SqlValue[], oldValues: readonly SqlValue[], newValues: readonly SqlValue[] | null): Promise<void> {
    if (action === 'a' || action === 'r') {
      await this.checkNotReferenced(rt, referencing, foreignKey, oldRow, oldValues, action === 'a');
      return;
    }
    await this.applyAction(rt, referencing, foreignKey, action, oldValues, newValues);
    // SET DEFAULT may set a row back to the very key that went away (PostgreSQL then runs the
    // NO ACTION check, as here).
    if (action === 'd') await this.checkNotReferenced(rt, referencing, foreignKey, oldRow, oldValues, true);
  }

  /** NO ACTION passes when another row now holds the old key; RESTRICT does not look. */
  private async checkNotReferenced(rt: Runtime, referencing: TableInfo, foreignKey: ForeignKeyInfo, oldRow: readonly SqlValue[], oldValues: readonly SqlValue[],
    noAction: boolean): Promise<void> {
    if (noAction && (await this.keyStillPresent(rt.txn, foreignKey, oldValues))) return;
    const found = await this.referencingRows(rt, referencing, foreignKey, oldValues, 1);
    if (found.length === 0) return;
    throw new SqlError('23503', `update or delete on table "${this.table.name}" violates foreign key constraint "${foreignKey.name}" on table "${referencing.name}"`, {
      detail: `${formatValues(this.table, foreignKey.referencedColumns, oldRow)} is still referenced from table "${referencing.name}".`,
    });
  }

  /** CASCADE, SET NULL, SET DEFAULT: changes the referencing rows through their table's row writer. */
  private async applyAction(rt: Runtime, referencing: TableInfo, foreignKey: ForeignKeyInfo, action: ForeignKeyInfo['onDelete'],
    oldValues: readonly SqlValue[], newValues: readonly SqlValue[] | null): Promise<void> {
    const rows = await this.referencingRows(rt, referencing, foreignKey, oldValues, Infinity);
    if (rows.length === 0) return;
    const writer = this.fk.writerFor(referencing);
    const n = referencing.columns.length;
    const defaults = action === 'd' ? this.fk.defaultsOf(referencing) : null;
    const setColumns = newValues === null && foreignKey.deleteSetColumns !== null ? foreignKey.deleteSetColumns : foreignKey.columns;
    const cascaded = newValues === null || action !== 'c' ? null
      : convertStrict(newValues, foreignKey.referencedColumns.map((p) => this.table.columns[p]!.typeOid), foreignKey.columns.map((p) => referencing.columns[p]!.typeOid));
    for (const { row, key } of rows) {
      if (action === 'c' && newValues === null) {
        writer.delete(rt, row, key);
        continue;
      }
      const updated = row.slice(0, n);
      if (cascaded !== null) {
        foreignKey.columns.forEach((p, i) => { updated[p] = cascaded[i]!; });
      } else {
        for (const p of setColumns) updated[p] = action === 'n' ? null : defaults![p]!(rt);
      }
      writer.checkRow(updated, rt.ctx);
      await writer.update(rt, row, key, updated);
    }
  }

  private async keyStillPresent(txn: Transaction, foreignKey: ForeignKeyInfo, oldValues: readonly SqlValue[]): Promise<boolean> {
    const codec = this.fk.codecs(this.table);
    const index = this.table.indexes.find((i) => i.id === foreignKey.referencedIndexId)!;
    const ordered = index.columns.map((p) => oldValues[foreignKey.referencedColumns.indexOf(p)]!);
    const key = index.primary ? codec.primaryKeyFromValues(ordered) : codec.keyFromValues(index.id, index.columns, ordered);
    return (await txn.get(key)) !== null;
  }

  /**
   * Referencing rows whose key columns equal `values` (at most `limit`): through an index whose
   * leading columns are the referencing columns when there is one, else a scan of the table.
   */
  private async referencingRows(rt: Runtime, referencing: TableInfo, foreignKey: ForeignKeyInfo, values: readonly SqlValue[], limit: number):
    Promise<{ row: SqlValue[]; key: Key }[]> {
    const txn = rt.txn;
    const columnTypes = foreignKey.columns.map((p) => referencing.columns[p]!.typeOid);
    const wanted = convert(values, foreignKey.referencedColumns.map((p) => this.table.columns[p]!.typeOid), columnTypes);
    if (wanted === null) return [];
    const codec = this.fk.codecs(referencing);
    const matches = (row: readonly SqlValue[]) => foreignKey.columns.every((p, i) => valuesEqual(columnTypes[i]!, row[p]!, wanted[i]!));
    const index = leadingIndex(referencing, foreignKey.columns);
    const prefixValues = index ? index.columns.slice(0, foreignKey.columns.length).map((p) => wanted[foreignKey.columns.indexOf(p)]!) : null;
    const start = index ? codec.keyFromValues(index.id, index.columns, prefixValues!) : codec.rowsStart;
    const end = index ? prefixEnd(start) : codec.rowsEnd;
    const out: { row: SqlValue[]; key: Key }[] = [];
    let from: Key | null = start;
    while (from !== null && out.length < limit) {
      await breathe(rt);
      const batch = await txn.scan(from, end, SCAN_BATCH, false);
      for (let i = 0; i < batch.keys.length && out.length < limit; i++) {
        const rowKey = index && !index.primary ? codec.primaryKeyFromIndexEntry(index, batch.keys[i]!, batch.values[i]!) : batch.keys[i]!;
        const stored = index && !index.primary ? await txn.get(rowKey) : batch.values[i]!;
        if (stored === null) continue;
        const row = codec.decodeRow(stored, rowKey);
        if (matches(row)) out.push({ row, key: rowKey });
      }
      from = batch.resume;
    }
    return out;
  }
}

/** A valid index (the primary one included) whose first columns are exactly the referencing columns. */
function leadingIndex(table: TableInfo, columns: readonly number[]): IndexInfo | null {
  const leads = (keys: readonly number[]) => keys.length >= columns.length && keys.slice(0, columns.length).every((c) => columns.includes(c));
  if (table.primaryKey.length > 0 && leads(table.primaryKey)) return table.indexes.find((i) => i.primary) ?? null;
  return table.indexes.find((i) => !i.primary && i.valid && leads(i.columns)) ?? null;
}

/**
 * Bound on the foreign-key work items one statement (or one COMMIT) may run: far above what
 * DSQL's 3,000 changed rows can queue, it stops a cascade that would not end.
 */
const MAX_CHECKS = 200_000;

/** Runs the foreign-key work a statement queued, including the work that work queues (cascades). */
export async function runStatementChecks(txn: Transaction): Promise<void> {
  await drain(txn.statementChecks);
}

async function drain(queue: (() => Promise<void>)[]): Promise<void> {
  let count = 0;
  for (let check = queue.shift(); check; check = queue.shift()) {
    if (++count > MAX_CHECKS) throw new SqlError('54000', `foreign key checks of one statement exceed ${MAX_CHECKS}`);
    await check();
  }
}

/** Runs the deferred checks at COMMIT, after any statement work they depend on. */
export async function runCommitChecks(txn: Transaction): Promise<void> {
  await runStatementChecks(txn);
  await drain(txn.commitChecks);
}
