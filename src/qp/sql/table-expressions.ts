import type { AccessLog } from '../roles/access-log.js';
import { scanSync } from 'libpg-query';
import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, ColumnInfo, TableInfo } from '../catalog/catalog.js';
import { attributeNumbers } from './tuple-layout.js';
import type { Expr } from './ast.js';
import { mapTree } from './ast-map.js';
import { coerceToBoolean, compileExpr, type CompileContext } from './compile.js';
import type { CompiledExpr } from './compiled.js';
import { parseSql } from './parse.js';
import { Scope, type ScopeColumn } from './scope.js';
import { quoteIdent } from '../system/catalog-objects.js';
import { isMutableBuiltinCall, isMutableCast, isMutableOperator } from './volatility.js';

/**
 * Expressions a table or domain keeps as source text: CHECK constraints and generation
 * expressions. They are parsed and compiled against the table's columns (a domain's single
 * VALUE) when a statement that writes rows is planned, and checked at CREATE/ALTER with
 * PostgreSQL's errors: no subqueries, aggregates or window functions, boolean CHECKs, and
 * immutable generation expressions.
 */

/** What compiling a stored expression needs from the statement's planning context. */
export interface ExpressionHost {
  readonly catalog: CatalogSnapshot;
  readonly currentSchema: string;
  readonly sessionUser: string;
  readonly searchPath: readonly string[];
  /** Where the functions the expressions call are recorded for their EXECUTE check (absent: not checked, as for DDL). */
  readonly access?: AccessLog | undefined;
}

export type ExpressionUse = 'check' | 'generated';

/** The name PostgreSQL gives the place in its error messages. */
const CLAUSE: Record<ExpressionUse, string> = { check: 'check constraints', generated: 'column generation expressions' };
const SUBQUERY: Record<ExpressionUse, string> = { check: 'cannot use subquery in check constraint', generated: 'cannot use subquery in column generation expression' };

const PREFIX = 'SELECT ';

export function parseExpression(text: string): Expr {
  const parsed = parseSql(`${PREFIX}${text}`);
  const statement = parsed[0]?.statement;
  if (parsed.length !== 1 || statement?.kind !== 'select' || statement.targets.length !== 1) throw new SqlError('42601', `syntax error in expression "${text}"`);
  return statement.targets[0]!.expr;
}

/** A table's columns as an expression sees them: row positions are column positions. */
export function tableColumnsScope(table: Pick<TableInfo, 'id' | 'name' | 'columns' | 'droppedColumns'>): Scope {
  const numbers = attributeNumbers(table);
  const columns: ScopeColumn[] = table.columns.map((c, i) => ({ relation: table.name, name: c.name, oid: c.typeOid, typmod: c.typmod, position: i, tableOid: table.id, columnNumber: numbers[i]! }));
  return new Scope(columns);
}

/** A domain's constraints see one column, VALUE. */
export function domainValueScope(baseOid: number, baseTypmod: number): Scope {
  return new Scope([{ relation: null, name: 'value', oid: baseOid, typmod: baseTypmod, position: 0, tableOid: 0, columnNumber: 0 }]);
}

function compileContext(host: ExpressionHost, scope: Scope, use: ExpressionUse): CompileContext {
  return {
    scope, paramTypes: [], aggregates: null, aggregateBase: 0, clause: CLAUSE[use], sessionUser: host.sessionUser, currentSchema: host.currentSchema,
    catalog: host.catalog, searchPath: host.searchPath, access: host.access,
  };
}

/** Subqueries are refused before compiling (PostgreSQL's transformSubLink does so, with the position). */
function refuseSubqueries(expr: Expr, use: ExpressionUse): void {
  mapTree(expr, (node) => {
    if (node.kind === 'subquery') throw new SqlError('0A000', SUBQUERY[use], { position: (node.location as number) + 1 });
    return undefined;
  });
}

/**
 * Text positions in errors are relative to the `SELECT ` put in front of the expression: moved to
 * the statement when `origin` says where the text stands in it (CREATE TABLE), dropped otherwise
 * (PostgreSQL has no text to point into for a stored expression or an ALTER's).
 */
export function positionedIn(error: unknown, origin: number | undefined): never {
  if (error instanceof SqlError && error.position !== undefined) {
    error.position = origin === undefined || origin < 0 ? undefined : origin + error.position - PREFIX.length;
  }
  throw error;
}

/** A CHECK expression compiled to a boolean over `scope`'s row. */
export function compileCheck(text: string, scope: Scope, host: ExpressionHost, origin?: number): CompiledExpr {
  try {
    const expr = parseExpression(text);
    refuseSubqueries(expr, 'check');
    const ctx = compileContext(host, scope, 'check');
    return coerceToBoolean(compileExpr(expr, ctx), 'CHECK');
  } catch (error) {
    return positionedIn(error, origin);
  }
}

/** A generation expression compiled over the table's row (its value is then assigned to the column). */
export function compileGenerated(text: string, table: TableInfo, host: ExpressionHost, origin?: number): CompiledExpr {
  try {
    const expr = parseExpression(text);
    refuseSubqueries(expr, 'generated');
    return compileExpr(expr, compileContext(host, tableColumnsScope(table), 'generated'));
  } catch (error) {
    return positionedIn(error, origin);
  }
}

/** The distinct columns an expression names (pg_constraint.conkey; PostgreSQL's choice of a CHECK's name). */
export function referencedColumns(text: string, columns: readonly ColumnInfo[]): number[] {
  const found = new Set<number>();
  mapTree(parseExpression(text), (node) => {
    if (node.kind === 'column') {
      const i = columns.findIndex((c) => c.name === node.name);
      if (i >= 0) found.add(i);
    }
    return undefined;
  });
  return [...found].sort((a, b) => a - b);
}

/**
 * Whether a generation expression is immutable, by PostgreSQL's pg_proc/pg_cast/pg_operator
 * volatilities for the functions, casts and operators Strata has (contain_mutable_functions after
 * SQL-function inlining, so `text || int` counts as the immutable int4 output it becomes).
 */
export function isImmutable(text: string, table: TableInfo, host: ExpressionHost): boolean {
  const ctx = compileContext(host, tableColumnsScope(table), 'generated');
  const typeOf = (e: Expr): number => compileExpr(e, ctx).oid;
  let mutable = false;
  mapTree(parseExpression(text), (node) => {
    const expr = node as unknown as Expr;
    if (mutable || typeof node.kind !== 'string') return undefined;
    if (expr.kind === 'sql-value') mutable = true;
    else if (expr.kind === 'func') mutable = mutableCall(expr.name.toLowerCase(), expr.schema, expr.args.map(typeOf), host);
    else if (expr.kind === 'cast') mutable = expr.arg.kind !== 'const' && isMutableCast(typeOf(expr.arg), compileExpr(expr, ctx).oid);
    else if (expr.kind === 'op' && expr.left) mutable = isMutableOperator(expr.op, typeOf(expr.left), typeOf(expr.right));
    return undefined;
  });
  return !mutable;
}

function mutableCall(name: string, schema: string | null, args: readonly number[], host: ExpressionHost): boolean {
  // SQL functions are VOLATILE unless declared otherwise, and Strata's are not declared otherwise.
  return isMutableBuiltinCall(name, args) || host.catalog.functions(schema ?? host.currentSchema, name).length > 0;
}

/**
 * The expression's text with every reference to column `oldName` naming `newName` instead: the
 * parser gives where each reference starts, PostgreSQL's scanner the tokens there (a qualified
 * `t.a` has its last name replaced), so nothing else in the text changes.
 */
export function renameColumnInExpression(text: string, oldName: string, newName: string): string {
  return rewriteReferences(text, (_table, name) => name === oldName, 'name', newName);
}

/** The expression's text with references qualified by the table's old name (`t.a`) qualified by its new one. */
export function renameTableInExpression(text: string, oldName: string, newName: string): string {
  return rewriteReferences(text, (table) => table === oldName, 'qualifier', newName);
}

function rewriteReferences(text: string, matches: (table: string | null, name: string) => boolean, part: 'name' | 'qualifier', replacement: string): string {
  const starts: number[] = [];
  mapTree(parseExpression(text), (node) => {
    if (node.kind === 'column' && matches(node.table as string | null, node.name as string)) starts.push((node.location as number) - PREFIX.length);
    return undefined;
  });
  if (starts.length === 0) return text;
  const tokens = scanSync(text).tokens as { start: number; end: number; text: string }[];
  const targets = starts.map((start) => {
    let i = tokens.findIndex((t) => t.start === start);
    if (i < 0) throw new Error(`no token at a column reference's location in ${text}`);
    if (part === 'name') while (tokens[i + 1]?.text === '.') i += 2;
    else if (tokens[i + 3]?.text === '.') i += 2; // schema.table.column: the table is the second name
    return tokens[i]!;
  }).sort((a, b) => b.start - a.start);
  let out = text;
  for (const target of targets) out = out.slice(0, target.start) + quoteIdent(replacement) + out.slice(target.end);
  return out;
}
