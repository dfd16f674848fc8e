import type { TableInfo } from '../catalog/catalog.js';

/**
 * Where a table's columns sit in its row tuples. Rows are positional tuples (encoding/tuple.ts)
 * and ALTER TABLE DROP COLUMN rewrites no row, so a dropped column keeps its slot, as
 * PostgreSQL keeps an attisdropped attribute: the live columns fill the other slots in order,
 * and a column added later takes the next slot at the end (older, shorter tuples read it as
 * NULL). Null when no column was ever dropped: slot i is column i.
 */
export interface TupleLayout {
  /** The SQL type of every slot (a dropped column's type, so its bytes can be skipped). */
  readonly slotTypes: readonly number[];
  /** The slot of each live column. */
  readonly columnSlots: readonly number[];
}

export function tupleLayout(table: Pick<TableInfo, 'columns' | 'droppedColumns'>): TupleLayout | null {
  const dropped = table.droppedColumns ?? [];
  if (dropped.length === 0) return null;
  const droppedTypes = new Map(dropped.map((d) => [d.slot, d.typeOid]));
  const slotTypes: number[] = [];
  const columnSlots: number[] = [];
  for (let slot = 0; columnSlots.length < table.columns.length || droppedTypes.has(slot); slot++) {
    const droppedType = droppedTypes.get(slot);
    if (droppedType !== undefined) {
      slotTypes.push(droppedType);
    } else {
      slotTypes.push(table.columns[columnSlots.length]!.typeOid);
      columnSlots.push(slot);
    }
  }
  return { slotTypes, columnSlots };
}

/**
 * pg_attribute.attnum of each live column: its slot plus one. The numbers keep a dropped
 * column's gap and a column added later takes the next one, exactly as PostgreSQL numbers them
 * (the dropped attribute itself shows as attisdropped).
 */
export function attributeNumbers(table: Pick<TableInfo, 'columns' | 'droppedColumns'>): readonly number[] {
  const layout = tupleLayout(table);
  return layout === null ? table.columns.map((_, i) => i + 1) : layout.columnSlots.map((slot) => slot + 1);
}
