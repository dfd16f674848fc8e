import type { Expr, SelectStatement, SortItem } from './ast.js';
import { mapTree } from './ast-map.js';
import type { Scope } from './scope.js';
import type { TableInfo } from '../catalog/catalog.js';
import * as types from './typesystem.js';

type ColumnExpr = Extract<Expr, { kind: 'column' }>;

/**
 * The order a SELECT wants its FROM rows in, so that a table may be read in that order and the
 * sort left out: ORDER BY's direction, and, when ORDER BY sorts by plain input columns all one
 * way (NULLs where that way puts them) and the select list and clauses keep the FROM rows' order,
 * those columns. `limited`: the statement has a LIMIT, so an ordered read also stops early.
 */
export interface WantedOrder {
  readonly direction: 'asc' | 'desc';
  readonly columns: readonly ColumnExpr[] | null;
  readonly limited: boolean;
}

export function wantedOrder(statement: SelectStatement): WantedOrder | null {
  if (statement.orderBy.length === 0) return null;
  const first = statement.orderBy[0]!;
  const oneWay = statement.orderBy.every((s) => s.descending === first.descending && (s.nullsFirst ?? s.descending) === s.descending);
  const columns = statement.orderBy.map((s) => orderedColumn(s.expr, statement, null));
  const plain = oneWay && rowsKeepFromOrder(statement) && columns.every((c) => c !== null);
  return { direction: first.descending ? 'desc' : 'asc', columns: plain ? columns as ColumnExpr[] : null, limited: statement.limit !== null && statement.limit !== undefined };
}

/**
 * The input column an ORDER BY item sorts by, or null when it sorts by anything else: a
 * column; a position (`ORDER BY 1`) or a bare output name whose select-list item is a column
 * (as planOrderBy resolves them). `names`: the output column names, once known; before, an
 * item without an alias that is not a column has an unknown name, so a bare name is taken
 * as the input column (only the read's choice depends on that guess, never the answer).
 */
export function orderedColumn(expr: Expr, statement: SelectStatement, names: readonly string[] | null): ColumnExpr | null {
  if (expr.kind === 'const' && expr.literal === 'integer') {
    const target = statement.targets[Number(expr.text) - 1];
    return target?.expr.kind === 'column' ? target.expr : null;
  }
  if (expr.kind !== 'column') return null;
  if (expr.table !== null) return expr;
  const named = statement.targets.filter((t, i) => (names ? names[i] : t.alias ?? (t.expr.kind === 'column' ? t.expr.name : null)) === expr.name);
  if (named.length === 0) return expr;
  return named.length === 1 && named[0]!.expr.kind === 'column' ? named[0]!.expr : null;
}

/** The select list and clauses keep the FROM rows' order (no grouping, DISTINCT or window functions). */
function rowsKeepFromOrder(statement: SelectStatement): boolean {
  if (statement.groupBy.length > 0 || statement.having || statement.distinct || statement.distinctOn) return false;
  let regrouped = false;
  for (const target of statement.targets) {
    mapTree(target.expr, (node) => {
      if (node.kind === 'func' && (node.over || node.withinGroup || types.isAggregate(String(node.name)))) regrouped = true;
      return node.kind === 'subquery' ? node : undefined;
    });
  }
  return !regrouped;
}

/** The order a FROM plan's rows come in: a table's primary key, or `columns` (an index read in order). */
export interface ReadOrder {
  readonly table: TableInfo;
  readonly relation: string;
  readonly reverse: boolean;
  readonly columns?: readonly number[];
}

/** Whether rows in `order` are already sorted as ORDER BY asks (`names`: the output column names). */
export function sortSatisfiedByRead(statement: SelectStatement, names: readonly string[], order: ReadOrder, scope: Scope): boolean {
  const orderBy: readonly SortItem[] = statement.orderBy;
  const keyColumns = order.columns ?? order.table.primaryKey;
  if (orderBy.length === 0 || orderBy.length > keyColumns.length) return false;
  return orderBy.every((item, i) => {
    const column = orderedColumn(item.expr, statement, names);
    if (column === null || item.descending !== order.reverse) return false;
    // Index keys sort NULLs last ascending, first descending: PostgreSQL's defaults (a primary key has none).
    if (order.columns && (item.nullsFirst ?? item.descending) !== item.descending) return false;
    const keyColumn = order.table.columns[keyColumns[i]!]!;
    if (column.name !== keyColumn.name) return false;
    try {
      const resolved = scope.resolve(column.table, column.name, -1);
      return resolved.relation === order.relation && resolved.position === keyColumns[i];
    } catch {
      return false;
    }
  });
}

/** The wanted order as one FROM relation sees it: no columns when ORDER BY names another relation's. */
export function wantedOrderOf(order: WantedOrder | null, relation: string): WantedOrder | null {
  if (!order?.columns?.some((c) => c.table !== null && c.table !== relation)) return order;
  return { ...order, columns: null };
}
