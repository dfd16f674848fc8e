import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { SelectStatement } from './ast.js';
import { coerce, commonType, compileExpr } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import { Distinct, Limit, MAX_MATERIALIZED_ROWS, Sort, type ExplainInfo, type Row, type RowSource, type Runtime, type SortKey } from './operators.js';
import type { OutputColumn, PlanContext, PlannedQuery } from './plan-select.js';
import { leftmostLocation } from './expr-location.js';
import { Scope } from './scope.js';
import * as types from './typesystem.js';

/**
 * `left UNION|INTERSECT|EXCEPT [ALL] right`: each branch is planned as its own SELECT; rows are
 * converted to the columns' common types; UNION appends (de-duplicating unless ALL), INTERSECT
 * and EXCEPT count the right side's rows by value and then pass the left side's through; then
 * sort and limit. ORDER BY names an output column (by position or name), as PostgreSQL requires.
 */
export function planUnion(statement: SelectStatement, pc: PlanContext, planSelect: (s: SelectStatement, pc: PlanContext) => PlannedQuery): PlannedQuery {
  const op = typedParameters(statement.setOperation!, pc, planSelect);
  const left = planSelect(op.left, pc);
  const right = planSelect(op.right, pc);
  const name = op.op.toUpperCase();
  if (left.columns.length !== right.columns.length) {
    // At the right side's first column, as PostgreSQL's transformSetOperationTree places it.
    const at = right.columns[0]?.location ?? -1;
    throw new SqlError('42601', `each ${name} query must have the same number of columns`, at >= 0 ? { position: at + 1 } : {});
  }
  const width = left.columns.length;
  const oids = left.columns.map((c, i) => unionType(c, right.columns[i]!, name));
  if (!op.all) oids.forEach((oid, i) => types.requireEquality(oid, left.columns[i]!.location ?? -1));
  const leftCasts = left.columns.map((c, i) => columnCast(c, oids[i]!, i));
  const rightCasts = right.columns.map((c, i) => columnCast(c, oids[i]!, i));
  const columns: OutputColumn[] = left.columns.map((c, i) => ({ name: c.name, oid: oids[i]!, typmod: -1, tableOid: 0, columnNumber: 0, location: c.location ?? -1 }));
  const sortKeys = statement.orderBy.map((item): SortKey => {
    const position = outputPosition(item.expr, columns);
    return { position, oid: oids[position]!, descending: item.descending, nullsFirst: item.nullsFirst ?? item.descending };
  });
  const limit = statement.limit ? limitEvaluator(statement.limit, pc) : null;
  const offset = statement.offset ? limitEvaluator(statement.offset, pc) : null;
  return {
    columns,
    build: () => {
      let source: RowSource;
      if (op.op === 'union') {
        source = new Append([left.build(), right.build()], [leftCasts, rightCasts]);
        if (!op.all) source = new Distinct(source, oids, width);
      } else {
        const leftRows = new Append([left.build()], [leftCasts]);
        const rightRows = new Append([right.build()], [rightCasts]);
        source = new IntersectExcept(leftRows, rightRows, op.op, op.all, oids, width);
      }
      if (sortKeys.length > 0) source = new Sort(source, sortKeys);
      if (limit || offset) source = new Limit(source, limit, offset);
      return source;
    },
    accessPaths: [...left.accessPaths, ...right.accessPaths],
  };
}

type SetOperation = NonNullable<SelectStatement['setOperation']>;

/**
 * `SELECT $1 UNION SELECT 1`: a parameter standing alone in one side's list, of no type yet,
 * takes the other side's column type, as PostgreSQL's select_common_type gives it (planned on its
 * own, it would be text and the union 42804). The sides are planned once to learn the types,
 * with the parameters' inferences thrown away, and the parameter is then cast to its type.
 */
function typedParameters(op: SetOperation, pc: PlanContext, planSelect: (s: SelectStatement, pc: PlanContext) => PlannedQuery): SetOperation {
  const bare = (side: SelectStatement, i: number): boolean => {
    const expr = side.setOperation || side.values ? undefined : side.targets[i]?.expr;
    return expr?.kind === 'param' && (pc.paramTypes[expr.index - 1] ?? 0) === 0;
  };
  const width = Math.max(op.left.targets.length, op.right.targets.length);
  const positions = Array.from({ length: width }, (_, i) => i).filter((i) => bare(op.left, i) !== bare(op.right, i));
  if (positions.length === 0) return op;
  // Planned with copies of the parameter types: the inferences made here are not kept.
  const probe = (side: SelectStatement) => planSelect(side, { ...pc, paramTypes: [...pc.paramTypes] });
  const [left, right] = [probe(op.left), probe(op.right)];
  const typeAt = (i: number): number | null => {
    const other = bare(op.left, i) ? right.columns[i] : left.columns[i];
    return other === undefined || other.untyped !== undefined ? null : other.oid;
  };
  const cast = (side: SelectStatement, names: boolean): SelectStatement => {
    if (!positions.some((i) => bare(side, i) && typeAt(i) !== null)) return side;
    return {
      ...side,
      targets: side.targets.map((target, i) => {
        const oid = bare(side, i) ? typeAt(i) : null;
        if (oid === null) return target;
        const type = { names: ['pg_catalog', types.outputName(oid)], typmods: [], arrayBounds: 0, location: -1 };
        // The union's column keeps the name the bare parameter gives it.
        return { ...target, alias: target.alias ?? (names ? '?column?' : null), expr: { kind: 'cast', arg: target.expr, type, location: target.expr.location } };
      }),
    };
  };
  return { ...op, left: cast(op.left, true), right: cast(op.right, false) };
}

function columnExpr(column: OutputColumn, position: number): CompiledExpr {
  return { oid: column.oid, typmod: column.typmod, eval: (row) => row[position]!, rowIndependent: false, name: column.name, location: column.location ?? -1, column: position };
}

function unionType(left: OutputColumn, right: OutputColumn, name: string): number {
  // Branch outputs are typed (an untyped literal became text) but for a leaf SELECT's untyped
  // literal, which takes the other side's type, as in PostgreSQL's transformSetOperationTree.
  const operand = (c: OutputColumn): CompiledExpr => (c.untyped ? { ...columnExpr(c, 0), oid: TypeOid.unknown } : columnExpr(c, 0));
  return commonType([operand(left), operand(right)], name);
}

function columnCast(column: OutputColumn, oid: number, position: number): Evaluator | null {
  if (column.oid === oid) return null;
  if (column.untyped) {
    // The literal is read by the type's input function now, as any untyped literal given a
    // type (a bad one fails at planning, at its position; a timestamptz reads the session's zone).
    const { text, location } = column.untyped;
    const literal: CompiledExpr = { ...columnExpr(column, position), oid: TypeOid.unknown, location, ...(text === null ? {} : { unknownLiteral: text }) };
    return coerce(literal, oid, -1, 'implicit', location).eval;
  }
  return coerce(columnExpr(column, position), oid, -1, 'implicit', -1).eval;
}

function outputPosition(expr: SelectStatement['orderBy'][number]['expr'], columns: readonly OutputColumn[]): number {
  if (expr.kind === 'const' && expr.literal === 'integer') {
    const n = Number(expr.text);
    if (n < 1 || n > columns.length) throw new SqlError('42P10', `ORDER BY position ${n} is not in select list`, { position: expr.location + 1 });
    return n - 1;
  }
  if (expr.kind === 'column' && expr.table === null) {
    const position = columns.findIndex((c) => c.name === expr.name);
    if (position >= 0) return position;
    // Only the result's columns are in scope there, as in PostgreSQL.
    throw new SqlError('42703', `column "${expr.name}" does not exist`, expr.location >= 0 ? { position: expr.location + 1 } : {});
  }
  if (expr.kind === 'column') throw new SqlError('42P01', `missing FROM-clause entry for table "${expr.table}"`, expr.location >= 0 ? { position: expr.location + 1 } : {});
  const at = leftmostLocation(expr);
  throw new SqlError('0A000', 'invalid UNION/INTERSECT/EXCEPT ORDER BY clause', {
    detail: 'Only result column names can be used, not expressions or functions.',
    hint: 'Add the expression/function to every SELECT, or move the UNION into a FROM clause.',
    ...(at >= 0 ? { position: at + 1 } : {}),
  });
}

function limitEvaluator(expr: NonNullable<SelectStatement['limit']>, pc: PlanContext): Evaluator {
  const ctx = { scope: new Scope([]), paramTypes: pc.paramTypes, aggregates: null, aggregateBase: 0, clause: 'LIMIT', sessionUser: pc.sessionUser, currentSchema: pc.currentSchema };
  return coerce(compileExpr(expr, ctx), TypeOid.int8, -1, 'implicit', expr.location).eval;
}

/** The branches' rows one after the other, each converted to the union's column types. */
class Append implements RowSource {
  private index = 0;
  constructor(private readonly sources: readonly RowSource[], private readonly casts: readonly (readonly (Evaluator | null)[])[]) {}

  explain(): ExplainInfo {
    return { label: 'Append', children: this.sources };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    while (this.index < this.sources.length) {
      const batch = await this.sources[this.index]!.next(rt);
      if (!batch) { this.index++; continue; }
      const casts = this.casts[this.index]!;
      if (casts.every((c) => c === null)) return batch;
      return batch.map((row) => row.map((v, i) => (casts[i] ? casts[i]!(row, rt.ctx) : v)));
    }
    return null;
  }
}

/**
 * INTERSECT [ALL] / EXCEPT [ALL]: counts the right side's rows by value (NULLs equal, as in
 * DISTINCT), then passes left rows through. Without ALL each distinct value comes out once;
 * with ALL, INTERSECT keeps min(m, n) copies and EXCEPT max(m − n, 0).
 */
class IntersectExcept implements RowSource {
  private counts: Map<string, number> | null = null;
  private readonly emitted = new Set<string>();

  constructor(private readonly left: RowSource, private readonly right: RowSource, private readonly op: 'intersect' | 'except',
    private readonly all: boolean, private readonly oids: readonly number[], private readonly width: number) {}

  explain(): ExplainInfo {
    return { label: `HashSetOp ${this.op === 'intersect' ? 'Intersect' : 'Except'}${this.all ? ' All' : ''}`, children: [this.left, this.right] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.counts === null) {
      const counts = new Map<string, number>();
      for (let batch = await this.right.next(rt); batch; batch = await this.right.next(rt)) {
        for (const row of batch) {
          const key = types.groupKey(this.oids, row, this.width);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        if (counts.size > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
      }
      this.counts = counts;
    }
    for (;;) {
      const batch = await this.left.next(rt);
      if (!batch) return null;
      const out: Row[] = [];
      for (const row of batch) if (this.keep(types.groupKey(this.oids, row, this.width))) out.push(row);
      if (out.length > 0) return out;
    }
  }

  private keep(key: string): boolean {
    const counts = this.counts!;
    const inRight = counts.get(key) ?? 0;
    if (!this.all) {
      if (this.emitted.has(key)) return false;
      const kept = this.op === 'intersect' ? inRight > 0 : inRight === 0;
      if (kept) this.emitted.add(key);
      return kept;
    }
    if (this.op === 'intersect') {
      if (inRight === 0) return false;
      counts.set(key, inRight - 1);
      return true;
    }
    if (inRight > 0) {
      counts.set(key, inRight - 1);
      return false;
    }
    return true;
  }
}
