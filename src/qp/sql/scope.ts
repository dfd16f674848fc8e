import { SqlError } from '../../contracts/errors.js';
import type { RecordField, SqlValue } from '../../contracts/sql-value.js';
import { fuzzyColumnHint } from './column-hint.js';

/**
 * The name of a hidden column an outer join adds for each FROM item on its nullable side: true
 * in a joined row, NULL in a row the join filled with NULLs — so a whole-row reference to that
 * item is NULL there, as in PostgreSQL, not a row of NULLs. No identifier can spell it.
 */
export const PRESENCE_MARKER = '\u0000present';

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
  /** The table's own name when an alias names it (`users u`): naming the table then gets PostgreSQL's hint for the alias. */
  readonly aliasOf?: string;
  /** A column of an enclosing query (1: the one just outside), read from ExecContext.outerRows. */
  readonly outerLevel?: number;
  /** A column of a USING/NATURAL join pair: reachable by a qualified name only (the merged column has the bare one). */
  readonly qualifiedOnly?: boolean;
  /**
   * A column of a FROM item hidden behind a join's alias (`(a JOIN b …) AS j`): no name reaches
   * it; it stays in scope only so that naming it gets PostgreSQL's "cannot be referenced" errors.
   */
  readonly unreachable?: boolean;
  /** A row-valued column's fields, when known (see CompiledExpr.record). */
  readonly record?: readonly RecordField[];
  /**
   * The only column of a scalar function in FROM (`jsonb_array_elements(j) e`): a whole-row
   * reference to its FROM item is this value, not a row holding it (PostgreSQL's makeWholeRowVar).
   */
  readonly rowIsValue?: boolean;
  /** The value every row holds, known when planning (OutputColumn.constant); never on an outer join's nullable side. */
  readonly constant?: { readonly value: SqlValue };
}

/** The columns in scope for one query level. */
export class Scope {
  constructor(readonly columns: readonly ScopeColumn[]) {}

  resolve(relation: string | null, name: string, location: number): ScopeColumn {
    let found: ScopeColumn | null = null;
    for (const column of this.columns) {
      if (column.name !== name || column.unreachable) continue;
      if (relation !== null && column.relation !== relation) continue;
      if (relation === null && column.qualifiedOnly) continue;
      if (found && found.position !== column.position) {
        throw new SqlError('42702', `column reference "${name}" is ambiguous`, { position: location + 1 });
      }
      found = column;
    }
    if (!found) {
      if (relation !== null && !this.reaches(relation)) throw this.missingRelation(relation, location);
      // PostgreSQL quotes a bare name but not a qualified one.
      const qualified = relation ? `${relation}.${name}` : `"${name}"`;
      const behind = relation === null ? this.columns.find((c) => c.unreachable && c.name === name) : undefined;
      const fuzzy = behind ? undefined : fuzzyColumnHint(this.levels(), relation, name);
      const hint = behind ? { hint: `There is a column named "${name}" in table "${behind.relation}", but it cannot be referenced from this part of the query.` }
        : fuzzy ? { hint: fuzzy } : {};
      throw new SqlError('42703', `column ${qualified} does not exist`, { position: location + 1, ...hint });
    }
    return found;
  }

  /** The columns of this query level and of each enclosing one, innermost first (for the HINT of a name not found). */
  levels(): (readonly ScopeColumn[])[] {
    return [this.columns];
  }

  /** Whether some column answers to the relation name. */
  protected reaches(relation: string): boolean {
    return this.columns.some((c) => c.relation === relation && !c.unreachable);
  }

  /** PostgreSQL's 42P01 for a relation name not in scope, with its hint when a join's alias hides it. */
  private missingRelation(relation: string, location: number): SqlError {
    if (this.columns.some((c) => c.relation === relation && c.unreachable)) {
      return new SqlError('42P01', `invalid reference to FROM-clause entry for table "${relation}"`, {
        position: location + 1, hint: `There is an entry for table "${relation}", but it cannot be referenced from this part of the query.`,
      });
    }
    const aliased = this.levels().flat().find((c) => c.aliasOf === relation && !c.unreachable);
    if (aliased !== undefined) {
      return new SqlError('42P01', `invalid reference to FROM-clause entry for table "${relation}"`, {
        position: location + 1, hint: `Perhaps you meant to reference the table alias "${aliased.relation}".`,
      });
    }
    return new SqlError('42P01', `missing FROM-clause entry for table "${relation}"`, { position: location + 1 });
  }

  /** The columns of FROM item `relation` (hidden ones too), for a whole-row reference; null when there is no such item. */
  relationColumns(relation: string): ScopeColumn[] | null {
    const columns = this.columns.filter((c) => c.relation === relation && !c.unreachable);
    return columns.length > 0 ? columns : null;
  }

  /** The columns `*` or `rel.*` expands to. */
  star(relation: string | null, location: number): ScopeColumn[] {
    const columns = this.columns.filter((c) => !c.hidden && (relation === null ? !c.qualifiedOnly : c.relation === relation));
    if (relation !== null && columns.length === 0 && !this.reaches(relation)) throw this.missingRelation(relation, location);
    return columns;
  }
}

/**
 * A subquery's scope: names it does not have resolve in the enclosing query (correlation), and
 * `correlation` records that it used one, so the subquery cannot run just once per statement.
 */
export class CorrelatedScope extends Scope {
  constructor(columns: readonly ScopeColumn[], private readonly outer: Scope, private readonly correlation: { correlated: boolean }) {
    super(columns);
  }

  /** The same enclosing scopes with no columns of its own: names that resolve there are outer references. */
  outerOnly(): CorrelatedScope {
    return new CorrelatedScope([], this.outer, this.correlation);
  }

  override levels(): (readonly ScopeColumn[])[] {
    return [this.columns, ...this.outer.levels()];
  }

  /** Whether the name is one of this query's own columns (which shadow the enclosing ones). */
  hasOwn(relation: string | null, name: string): boolean {
    return this.columns.some((c) => c.name === name && !c.unreachable && (relation === null || c.relation === relation));
  }

  override relationColumns(relation: string): ScopeColumn[] | null {
    const own = super.relationColumns(relation);
    if (own) return own;
    const outer = this.outer.relationColumns(relation);
    if (!outer) return null;
    this.correlation.correlated = true;
    return outer.map((c) => ({ ...c, outerLevel: (c.outerLevel ?? 0) + 1 }));
  }

  override resolve(relation: string | null, name: string, location: number): ScopeColumn {
    try {
      return super.resolve(relation, name, location);
    } catch (error) {
      if (!(error instanceof SqlError) || (error.code !== '42703' && error.code !== '42P01')) throw error;
      // `r.x` where this query has a FROM item `r`: that item is the one meant, and it lacks the
      // column — an enclosing query's `r` is hidden by it, as in PostgreSQL's scoping.
      if (error.code === '42703' && relation !== null && this.reaches(relation)) throw error;
      let found: ScopeColumn;
      try {
        found = this.outer.resolve(relation, name, location);
      } catch (outerError) {
        // Ambiguity or grouping errors outside are the real answer; "not found" is ours.
        if (outerError instanceof SqlError && outerError.code !== '42703' && outerError.code !== '42P01') throw outerError;
        // `o.x` where only an enclosing query has `o`: that `o` lacks the column.
        if (outerError instanceof SqlError && outerError.code === '42703' && error.code === '42P01') throw outerError;
        throw error;
      }
      this.correlation.correlated = true;
      return { ...found, outerLevel: (found.outerLevel ?? 0) + 1 };
    }
  }
}
