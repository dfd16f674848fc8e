import { SqlError } from '../../contracts/errors.js';
import { RecordValue, TypeOid, type RecordField, type SqlValue } from '../../contracts/sql-value.js';
import { recordJson, recordJsonb, type ResolvedOperator } from '../types/index.js';
import type { Expr } from './ast.js';
import { applyOperator, compileExpr, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import { PRESENCE_MARKER, type Scope, type ScopeColumn } from './scope.js';
import * as types from './typesystem.js';

/**
 * Row values: ROW(a, b) and (a, b) as values, whole-row references (`t` for a FROM item `t`),
 * field selection `(x).f`, IS [NOT] NULL of a row, the record comparison operators, row
 * comparisons with subqueries, and row_to_json / to_json / to_jsonb of a row. A row value is a
 * RecordValue (src/contracts/sql-value.ts) of static type `record`; the rest of the row format
 * is untouched: a row value is one cell like any other.
 */

/** PostgreSQL's limit on the entries of a target list, which bounds a row too. */
const MAX_ROW_FIELDS = 1664;

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

/** A row value built from compiled fields; `fields` describes them (shared by every value). */
function recordOf(parts: readonly CompiledExpr[], fields: readonly RecordField[], name: string, location: number): CompiledExpr {
  if (parts.length > MAX_ROW_FIELDS) throw new SqlError('54011', `target lists can have at most ${MAX_ROW_FIELDS} entries`, at(location));
  const fs = parts.map((p) => p.eval);
  const n = fs.length;
  const evaluator: Evaluator = (row, c) => {
    const values: SqlValue[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = fs[i]!(row, c);
    return new RecordValue(fields, values);
  };
  return { oid: TypeOid.record, typmod: -1, eval: evaluator, rowIndependent: parts.every((p) => p.rowIndependent), name, location, record: fields };
}

/** ROW(a, b, …): fields f1, f2, …; `t.*` inside contributes t's columns; an untyped literal stays unknown, as in PostgreSQL. */
export function compileRow(expr: Extract<Expr, { kind: 'row' }>, ctx: CompileContext): CompiledExpr {
  const parts: CompiledExpr[] = [];
  for (const arg of expr.args) {
    if (arg.kind === 'star') {
      for (const column of ctx.scope.star(arg.table, arg.location)) parts.push(columnValue(column.position, column.oid, column.typmod, column.name));
      continue;
    }
    parts.push(compileExpr(arg, ctx));
  }
  const fields = parts.map((p, i) => ({ name: expr.named ? p.name : `f${i + 1}`, oid: p.oid, typmod: p.typmod }));
  return recordOf(parts, fields, 'row', expr.location);
}

/** A column of an enclosing query's row (a correlated whole-row reference). */
function outerColumnValue(column: ScopeColumn): CompiledExpr {
  const level = column.outerLevel!;
  const position = column.position;
  return {
    oid: column.oid, typmod: column.typmod, rowIndependent: false, name: column.name, location: -1,
    eval: (_row, c) => c.outerRows![c.outerRows!.length - level]![position]!,
  };
}

function columnValue(position: number, oid: number, typmod: number, name: string): CompiledExpr {
  return { oid, typmod, eval: (row) => row[position]!, column: position, rowIndependent: false, name, location: -1 };
}

/**
 * A whole-row reference: `relation` names a FROM item of this query level (PostgreSQL tries
 * this when no column has the name). Null when there is no such item.
 */
export function compileWholeRow(scope: Scope, relation: string, location: number): CompiledExpr | null {
  const all = scope.relationColumns(relation);
  if (!all) return null;
  const value = (c: ScopeColumn) => (c.outerLevel === undefined ? columnValue(c.position, c.oid, c.typmod, c.name) : outerColumnValue(c));
  const columns = all.filter((c) => !c.hidden);
  if (columns.length === 1 && columns[0]!.rowIsValue === true) {
    // (Not marked as a column of the input: its name is the FROM item's, not the column's.)
    const { column: _, ...only } = value(columns[0]!);
    return { ...only, name: relation, location };
  }
  const fields = columns.map((c) => ({ name: c.name, oid: c.oid, typmod: c.typmod }));
  const row = recordOf(columns.map(value), fields, relation, location);
  // On the nullable side of an outer join, a row the join filled with NULLs is NULL as a whole.
  const markers = all.filter((c) => c.hidden && c.name === PRESENCE_MARKER).map((c) => value(c).eval);
  if (markers.length === 0) return row;
  const f = row.eval;
  return { ...row, eval: (r, c) => (markers.some((m) => m(r, c) === null) ? null : f(r, c)) };
}

/** The fields of a row-valued expression, for `(x).f` and `(x).*`: known only when planning can see them. */
export function recordFields(arg: CompiledExpr, field: string | null, location: number): readonly RecordField[] {
  if (arg.oid !== TypeOid.record) {
    throw new SqlError('42809', `column notation .${field ?? '*'} applied to type ${types.formatType(arg.oid, arg.typmod)}, which is not a composite type`, at(location));
  }
  // As in PostgreSQL: a record whose fields planning cannot see (a VALUES column) has no field names.
  if (!arg.record) throw new SqlError('42809', 'record type has not been registered', at(location));
  return arg.record;
}

/** Field `index` of a row value (NULL when the row is NULL). */
export function fieldOf(arg: CompiledExpr, index: number, location: number): CompiledExpr {
  const field = arg.record![index]!;
  const f = arg.eval;
  return {
    oid: field.oid, typmod: field.typmod, rowIndependent: arg.rowIndependent, name: field.name, location,
    eval: (row, c) => { const v = f(row, c); return v === null ? null : (v as RecordValue).values[index]!; },
  };
}

/** `(x).f`; `(x).*` is only meaningful where it expands (a select list, ROW(…)). */
export function compileField(expr: Extract<Expr, { kind: 'field' }>, ctx: CompileContext): CompiledExpr {
  const arg = compileExpr(expr.arg, ctx);
  if (expr.name === null) throw new SqlError('0A000', 'row expansion via "*" is not supported here', at(expr.location));
  const fields = recordFields(arg, expr.name, expr.location);
  if (expr.width !== undefined && fields.length !== expr.width) throw new SqlError('42601', 'number of columns does not match number of values', at(expr.location));
  const index = fields.findIndex((f) => f.name === expr.name);
  if (index < 0) throw new SqlError('42703', `could not identify column "${expr.name}" in record data type`, at(expr.location));
  return fieldOf(arg, index, expr.location);
}

/**
 * IS [NOT] NULL of a row: IS NULL when every field is NULL, IS NOT NULL when none is (so a row
 * with some NULL fields is neither), as the SQL standard and PostgreSQL define it.
 */
export function rowNullTest(arg: CompiledExpr, isNull: boolean, location: number): CompiledExpr {
  const f = arg.eval;
  const evaluator: Evaluator = (row, c) => {
    const v = f(row, c);
    if (v === null) return isNull;
    const values = (v as RecordValue).values;
    for (let i = 0; i < values.length; i++) if ((values[i] === null) !== isNull) return false;
    return true;
  };
  return { oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent, name: '?column?', location };
}

/** What each comparison operator asks of a three-way comparison (records' and arrays' operators). */
export const COMPARISON_TESTS: Readonly<Record<string, (c: number) => boolean>> = {
  '=': (c) => c === 0, '<>': (c) => c !== 0, '<': (c) => c < 0, '<=': (c) => c <= 0, '>': (c) => c > 0, '>=': (c) => c >= 0,
};

/**
 * record = record and the other record_cmp operators, between row values that are not both
 * row constructors (those compare pair by pair: convert.ts): two NULL fields are equal, a NULL
 * field sorts last.
 */
export function recordOperator(op: string, left: number | null, right: number): ResolvedOperator | null {
  const test = COMPARISON_TESTS[op];
  if (!test || left === null || (left !== TypeOid.record && right !== TypeOid.record)) return null;
  if ((left !== TypeOid.record && left !== TypeOid.unknown) || (right !== TypeOid.record && right !== TypeOid.unknown)) return null;
  const compare = types.comparator(TypeOid.record);
  return { left: TypeOid.record, right: TypeOid.record, result: TypeOid.bool, fn: (a, b) => test(compare(a, b)) };
}

/** row_to_json(record [, pretty]), to_json(record), to_jsonb(record): an object of the fields by name. */
export function compileRecordFunction(name: string, args: readonly CompiledExpr[], location: number): CompiledExpr | null {
  if (args.length === 0 || args[0]!.oid !== TypeOid.record) return null;
  const f = args[0]!.eval;
  const base = { typmod: -1, rowIndependent: args.every((a) => a.rowIndependent), name, location };
  if ((name === 'row_to_json' && args.length === 1) || (name === 'to_json' && args.length === 1)) {
    return { ...base, oid: TypeOid.json, eval: (row, c) => { const v = f(row, c); return v === null ? null : recordJson(v as RecordValue, c.outputStyle); } };
  }
  if (name === 'to_jsonb' && args.length === 1) {
    return { ...base, oid: TypeOid.jsonb, eval: (row, c) => { const v = f(row, c); return v === null ? null : recordJsonb(v as RecordValue, c.outputStyle); } };
  }
  return null;
}

/**
 * `(a, b) op ANY/ALL (SELECT x, y …)` and `(a, b) op (SELECT x, y …)`: each result row (a
 * RecordValue read by `current`) compared with the left row pair by pair, with SQL's NULL
 * rules: = is every pair equal, <> some pair unequal, the ordering operators decided by the
 * first pair that is not equal (a NULL there: NULL).
 */
export function rowComparison(op: string, left: readonly CompiledExpr[], columns: readonly { oid: number; typmod: number }[], current: () => RecordValue, ctx: CompileContext, location: number): Evaluator {
  if (!COMPARISON_TESTS[op]) throw new SqlError('42883', `could not determine interpretation of row comparison operator ${op}`, at(location));
  const element = (i: number): CompiledExpr => ({
    oid: columns[i]!.oid, typmod: columns[i]!.typmod, eval: () => current().values[i]!, rowIndependent: false, name: '?column?', location,
  });
  const pair = (i: number, o: string): Evaluator => {
    const compiled = applyOperator(o, left[i]!, element(i), ctx, location);
    if (compiled.oid !== TypeOid.bool) throw new SqlError('42804', `row comparison operator must yield type boolean, not type ${types.formatType(compiled.oid, -1)}`, at(location));
    return compiled.eval;
  };
  const n = left.length;
  if (op === '=' || op === '<>') {
    const tests = left.map((_, i) => pair(i, op));
    const decisive = op === '<>';
    return (row, c) => {
      let sawNull = false;
      for (let i = 0; i < n; i++) {
        const v = tests[i]!(row, c);
        if (v === null) sawNull = true;
        else if (v === decisive) return decisive;
      }
      return sawNull ? null : !decisive;
    };
  }
  const equal = left.map((_, i) => pair(i, '='));
  const strict = left.map((_, i) => pair(i, op[0]!));
  const orEqual = op.length === 2;
  return (row, c) => {
    for (let i = 0; i < n; i++) {
      const e = equal[i]!(row, c);
      if (e === null) return null;
      if (e === false) return strict[i]!(row, c);
    }
    return orEqual;
  };
}
