import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { CompiledExpr } from './compiled.js';
import { PRESENCE_MARKER, type Scope } from './scope.js';

/** PostgreSQL's system columns: every table has them, hidden from `*`, and no column may take their names. */
export const SYSTEM_COLUMN_NAMES: ReadonlySet<string> = new Set(['tableoid', 'xmin', 'xmax', 'cmin', 'cmax', 'ctid']);

/** The hidden column a table read carries (plan-select.ts planTable): only a table, not a subquery or view, has one. */
const ROW_KEY = '__row_key';

/**
 * A system column of a table in scope, or null when `name` is none or no table of the scope has
 * it (the caller reports its own 42703). `tableoid` is the table's oid, NULL in a row an outer
 * join filled in; the others (transaction ids, the tuple's place) mean nothing in Strata's
 * store: 0A000, never a made-up value.
 */
export function compileSystemColumn(scope: Scope, relation: string | null, name: string, location: number): CompiledExpr | null {
  if (!SYSTEM_COLUMN_NAMES.has(name)) return null;
  let rowKey;
  try {
    rowKey = scope.resolve(relation, ROW_KEY, location);
  } catch (error) {
    if (error instanceof SqlError && error.code === '42702') throw new SqlError('42702', `column reference "${name}" is ambiguous`, { position: location + 1 });
    return null;
  }
  if (rowKey.outerLevel !== undefined || rowKey.relation === null) return null;
  if (name !== 'tableoid') throw new SqlError('0A000', `system column "${name}" is not supported`, { position: location + 1 });
  const oid = rowKey.tableOid;
  const marker = scope.columns.find((c) => c.relation === rowKey.relation && c.name === PRESENCE_MARKER && c.outerLevel === undefined);
  if (!marker) return { oid: TypeOid.oid, typmod: -1, eval: () => oid, rowIndependent: true, name, location };
  const at = marker.position;
  return { oid: TypeOid.oid, typmod: -1, eval: (row) => (row[at] === true ? oid : null), rowIndependent: false, name, location };
}
