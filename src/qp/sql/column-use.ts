import type { TableInfo } from '../catalog/catalog.js';
import type { FromItem, SelectStatement } from './ast.js';
import { baseRelations } from './relations.js';

type TableItem = Extract<FromItem, { kind: 'table' }>;

/**
 * Which columns of each table a SELECT can read, so its scans decode only those (column
 * pruning, table-codec.ts). Computed from the statement's syntax tree, by name and on purpose
 * coarse: a column is used if any column reference anywhere in the statement (any clause, any
 * subquery level, any part of a qualified name) spells its name, so scoping, correlation,
 * USING, ORDER BY/GROUP BY expressions and window definitions need no analysis of their own.
 * A table decodes every column when the statement can reach its row without naming columns:
 * `*` or `t.*`, a whole-row reference (`t`, `f(t)`, `(t).x`, ROW(t.*)), new names for its
 * columns (`FROM t AS f(a, b)`), a join alias over it, or a NATURAL join anywhere. Only FROM items of the analysed
 * tree are pruned: anything the planner builds later (a view's query, an inlined SQL function,
 * a rewritten statement) is a different object and decodes whole rows unless analysed itself.
 * Statements that write (UPDATE, DELETE, INSERT … SELECT, ON CONFLICT) are never analysed:
 * they write whole rows back and check constraints over them.
 */
export class ColumnUse {
  private constructor(
    /** Every identifier of every column reference, and every USING column. */
    private readonly names: ReadonlySet<string>,
    /** The last identifier of each column reference: a relation named so may be read whole. */
    private readonly rowNames: ReadonlySet<string>,
    /** The FROM items of the statement whose columns `names` covers. */
    private readonly items: ReadonlySet<TableItem>,
    /** FROM items read whole: under a `*` of their own SELECT, or renamed columns. */
    private readonly whole: ReadonlySet<TableItem>,
    /** Relation names of `rel.*` references. */
    private readonly starred: ReadonlySet<string>,
  ) {}

  /** The use of a SELECT's columns; null when the statement must read whole rows everywhere. */
  static of(statement: SelectStatement): ColumnUse | null {
    const walk = new Walk();
    walk.node(statement);
    if (walk.everything) return null;
    return new ColumnUse(walk.names, walk.rowNames, walk.items, walk.whole, walk.starred);
  }

  /**
   * The ascending positions of the columns of `table` (read through FROM item `item`) the
   * statement may read; null for all.
   */
  columnsFor(item: FromItem, table: TableInfo): number[] | null {
    if (item.kind !== 'table' || !this.items.has(item) || this.whole.has(item)) return null;
    const relation = item.alias ?? item.name;
    for (const name of [relation, item.name]) {
      if (this.rowNames.has(name) || this.starred.has(name)) return null;
    }
    const columns: number[] = [];
    table.columns.forEach((column, i) => { if (this.names.has(column.name)) columns.push(i); });
    return columns;
  }

  /** Whether the statement names the hidden row-key column (plan-select.ts planTable). */
  namesRowKey(): boolean {
    return this.names.has(ROW_KEY);
  }
}

const ROW_KEY = '__row_key';

/** One pass over a statement's tree, collecting what ColumnUse needs. */
class Walk {
  readonly names = new Set<string>();
  readonly rowNames = new Set<string>();
  readonly items = new Set<TableItem>();
  readonly whole = new Set<TableItem>();
  readonly starred = new Set<string>();
  /** Set by a construct that reaches rows without naming their columns where this pass cannot tell which. */
  everything = false;

  node(node: unknown): void {
    if (this.everything || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) this.node(child);
      return;
    }
    const record = node as Record<string, unknown>;
    switch (record['kind']) {
      case 'select': this.select(record as unknown as SelectStatement); return;
      case 'column': this.column(record as { schema: string | null; table: string | null; name: string }); break;
      case 'star': this.star(record['table'] as string | null); break;
      case 'join': this.join(record as unknown as Extract<FromItem, { kind: 'join' }>); break;
      case 'table': if (typeof record['name'] === 'string' && 'alias' in record) this.table(record as unknown as TableItem); break;
      default: break;
    }
    for (const value of Object.values(record)) this.node(value);
  }

  /** `SELECT *` reads every column of this SELECT's own FROM items (not those of its subqueries). */
  private select(statement: SelectStatement): void {
    const bare = (expr: { kind: string; table?: string | null }) => expr.kind === 'star' && expr.table === null;
    if (statement.targets.some((t) => bare(t.expr))) {
      for (const item of statement.from) {
        for (const base of baseRelations(item)) this.whole.add(base);
      }
    }
    for (const [key, value] of Object.entries(statement)) {
      if (key === 'targets') this.node(statement.targets.filter((t) => !bare(t.expr)));
      else this.node(value);
    }
  }

  private column(ref: { schema: string | null; table: string | null; name: string }): void {
    // `a.b` may be table a's column b or composite column a's field b: both names count.
    for (const part of [ref.schema, ref.table, ref.name]) if (part !== null) this.names.add(part);
    this.rowNames.add(ref.name);
  }

  private star(table: string | null): void {
    // A bare `*` outside a select list (the select case takes those) is not analysed.
    if (table === null) this.everything = true;
    else this.starred.add(table);
  }

  private join(join: Extract<FromItem, { kind: 'join' }>): void {
    if (join.natural) this.everything = true;
    // `(a JOIN b) AS j (c1, …)`: j's columns are renamed and `j.*` or `j` reach them all.
    if (join.alias) for (const base of baseRelations(join)) this.whole.add(base);
    for (const name of join.using ?? []) this.names.add(name);
  }

  private table(item: TableItem): void {
    this.items.add(item);
    if ((item.columnAliases?.length ?? 0) > 0) this.whole.add(item);
  }
}
