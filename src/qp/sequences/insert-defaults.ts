import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, ColumnInfo, TableInfo } from '../catalog/catalog.js';
import { columnDefaultText } from '../sql/row-rules.js';
import type { Expr, InsertStatement } from '../sql/ast.js';
import { coerce, compileExpr } from '../sql/compile.js';
import type { Evaluator } from '../sql/compiled.js';
import type { Runtime } from '../sql/operators.js';
import { parseSql } from '../sql/parse.js';
import { compileContext, withSubqueries, type PlanContext } from '../sql/plan-select.js';
import { Scope } from '../sql/scope.js';
import { applySubplansToRow, SubplanCollector } from '../sql/subplans.js';

/**
 * Column defaults that may take sequence values — an identity column's nextval of its sequence,
 * a DEFAULT nextval('s') — and PostgreSQL's rules for giving identity columns values
 * (OVERRIDING SYSTEM VALUE / USER VALUE, error 428C9). A default with a sequence call carries
 * its subplans (sequence-functions.ts), run for each row before the default is evaluated.
 */
export interface ColumnDefault {
  readonly eval: Evaluator;
  /** Null when the default needs nothing asynchronous (constants, now(), …). */
  readonly subplans: SubplanCollector | null;
}

const NO_ROW: SqlValue[] = [];

/** The expression a column's default is: its identity sequence's nextval, its DEFAULT, or NULL. */
/** The column's default as an expression: its identity's nextval, its own default, or its domain's. */
export function defaultExpression(column: ColumnInfo, catalog?: CatalogSnapshot): Expr | null {
  if (column.identity) {
    const sequence: Expr = { kind: 'const', literal: 'integer', text: String(column.identity.sequenceId), location: -1 };
    return { kind: 'func', name: 'nextval', schema: null, args: [sequence], star: false, distinct: false, filter: null, location: -1, identity: true };
  }
  const text = catalog ? columnDefaultText(catalog, column) : column.defaultText;
  if (text === null) return null;
  const parsed = parseSql(`SELECT ${text}`)[0]!.statement;
  if (parsed.kind !== 'select') throw new Error('default expression did not parse as an expression');
  return parsed.targets[0]!.expr;
}

export function compileColumnDefaults(table: TableInfo, pc: PlanContext): ColumnDefault[] {
  return table.columns.map((column) => {
    const expr = defaultExpression(column, pc.resolver.catalog);
    if (expr === null) return { eval: () => null, subplans: null };
    const subplans = new SubplanCollector();
    const ctx = withSubqueries(compileContext(pc, new Scope([]), 'DEFAULT expressions'), subplans, pc);
    const value = coerce(compileExpr(expr, ctx), column.typeOid, column.typmod, 'assignment', -1, column.name);
    return { eval: value.eval, subplans: subplans.empty ? null : subplans };
  });
}

/** A default's value for one new row (one await only when it has subplans). */
export async function evaluateDefault(columnDefault: ColumnDefault, rt: Runtime): Promise<SqlValue> {
  const row = columnDefault.subplans ? await applySubplansToRow(columnDefault.subplans, NO_ROW, rt) : NO_ROW;
  return columnDefault.eval(row, rt.ctx);
}

/** For statements that evaluate defaults synchronously (UPDATE … SET c = DEFAULT): a sequence default refuses when used. */
export function synchronousDefault(columnDefault: ColumnDefault, column: ColumnInfo): Evaluator {
  if (!columnDefault.subplans) return columnDefault.eval;
  return () => {
    throw new SqlError('0A000', `setting column "${column.name}" to a DEFAULT that takes a sequence value is not supported here yet`);
  };
}

/**
 * Which target columns' given values are ignored (OVERRIDING USER VALUE on identity columns),
 * after PostgreSQL's check that a GENERATED ALWAYS column gets no value unless the statement
 * says OVERRIDING SYSTEM VALUE (a VALUES list whose every row says DEFAULT there is fine).
 */
export function ignoredIdentityTargets(table: TableInfo, targetColumns: readonly number[], statement: InsertStatement): Set<number> {
  const ignored = new Set<number>();
  targetColumns.forEach((position, i) => {
    const column = table.columns[position]!;
    if (!column.identity) return;
    if (statement.overriding === 'user') { ignored.add(i); return; }
    if (column.identity.generation !== 'a' || statement.overriding === 'system') return;
    const allDefault = statement.rows !== null && statement.rows.every((row) => row[i] === null || row[i] === undefined);
    if (!allDefault) {
      throw new SqlError('428C9', `cannot insert a non-DEFAULT value into column "${column.name}"`, {
        detail: `Column "${column.name}" is an identity column defined as GENERATED ALWAYS.`, hint: 'Use OVERRIDING SYSTEM VALUE to override.',
      });
    }
  });
  return ignored;
}

/** UPDATE may set a GENERATED ALWAYS column only to DEFAULT. */
export function checkIdentityAssignment(column: ColumnInfo, value: Expr | null): void {
  if (column.identity?.generation === 'a' && value !== null) {
    throw new SqlError('428C9', `column "${column.name}" can only be updated to DEFAULT`, { detail: `Column "${column.name}" is an identity column defined as GENERATED ALWAYS.` });
  }
}
