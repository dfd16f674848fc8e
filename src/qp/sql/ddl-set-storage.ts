import { SqlError } from '../../contracts/errors.js';
import type { TableInfo } from '../catalog/catalog.js';
import * as types from './typesystem.js';

const STORAGE: Record<string, 'p' | 'e' | 'm' | 'x'> = { plain: 'p', external: 'e', main: 'm', extended: 'x' };

/**
 * ALTER TABLE … ALTER COLUMN … SET STORAGE (reference/dsql.md §2.4, accepted by DSQL): PostgreSQL's
 * checks, then only pg_attribute.attstorage changes. Strata's row tuples have no TOAST, so the
 * strategy has no effect on how rows are stored.
 */
export function setStorage(table: TableInfo, column: string, storage: string): TableInfo {
  const position = table.columns.findIndex((c) => c.name === column);
  if (position < 0) throw new SqlError('42703', `column "${column}" of relation "${table.name}" does not exist`);
  const strategy = STORAGE[storage.toLowerCase()];
  if (!strategy) throw new SqlError('22023', `invalid storage type "${storage}"`);
  const target = table.columns[position]!;
  if (strategy !== 'p' && types.typeLength(target.typeOid) !== -1) {
    throw new SqlError('0A000', `column data type ${types.formatType(target.typeOid, -1)} can only have storage PLAIN`);
  }
  return { ...table, columns: table.columns.map((c, i) => (i === position ? { ...c, storage: strategy } : c)) };
}
