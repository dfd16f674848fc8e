import { SqlError } from '../../contracts/errors.js';

/** One column visible to expressions: where it sits in the input row and what it is. */
export interface ScopeColumn {
  /** The range-table name that qualifies it (table alias or name); null for computed columns. */
  readonly relation: string | null;
  readonly name: string;
  readonly oid: number;
  readonly typmod: number;
  /** Position in the row the expression evaluates against. */
  readonly position: number;
  /** Source table oid and attribute number, for RowDescription. */
  readonly tableOid: number;
  readonly columnNumber: number;
  /** Hidden from `*` (the hidden row id of a table without a primary key). */
  readonly hidden?: boolean;
}

/** The columns in scope for one query level. */
export class Scope {
  constructor(readonly columns: readonly ScopeColumn[]) {}

  resolve(relation: string | null, name: string, location: number): ScopeColumn {
    let found: ScopeColumn | null = null;
    for (const column of this.columns) {
      if (column.name !== name) continue;
      if (relation !== null && column.relation !== relation) continue;
      if (found && found.position !== column.position) {
        throw new SqlError('42702', `column reference "${name}" is ambiguous`, { position: location + 1 });
      }
      found = column;
    }
    if (!found) {
      if (relation !== null && !this.columns.some((c) => c.relation === relation)) {
        throw new SqlError('42P01', `missing FROM-clause entry for table "${relation}"`, { position: location + 1 });
      }
      // PostgreSQL quotes a bare name but not a qualified one.
      const qualified = relation ? `${relation}.${name}` : `"${name}"`;
      throw new SqlError('42703', `column ${qualified} does not exist`, { position: location + 1 });
    }
    return found;
  }

  /** The columns `*` or `rel.*` expands to. */
  star(relation: string | null, location: number): ScopeColumn[] {
    const columns = this.columns.filter((c) => !c.hidden && (relation === null || c.relation === relation));
    if (relation !== null && columns.length === 0 && !this.columns.some((c) => c.relation === relation)) {
      throw new SqlError('42P01', `missing FROM-clause entry for table "${relation}"`, { position: location + 1 });
    }
    return columns;
  }
}
