import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { SelectStatement } from './ast.js';
import { coerce, commonType, compileExpr } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import { Distinct, Limit, Sort, type Row, type RowSource, type Runtime, type SortKey } from './operators.js';
import type { OutputColumn, PlanContext, PlannedQuery } from './plan-select.js';
import { Scope } from './scope.js';

/**
 * `left UNION [ALL] right`: each branch is planned as its own SELECT; rows are converted to the
 * columns' common types, appended, de-duplicated for UNION, then sorted and limited. ORDER BY
 * names an output column (by position or name), as PostgreSQL requires for set operations.
 */
export function planUnion(statement: SelectStatement, pc: PlanContext, planSelect: (s: SelectStatement, pc: PlanContext) => PlannedQuery): PlannedQuery {
  const op = statement.setOperation!;
  const left = planSelect(op.left, pc);
  const right = planSelect(op.right, pc);
  if (left.columns.length !== right.columns.length) throw new SqlError('42601', 'each UNION query must have the same number of columns');
  const width = left.columns.length;
  const oids = left.columns.map((c, i) => unionType(c, right.columns[i]!));
  const leftCasts = left.columns.map((c, i) => columnCast(c, oids[i]!, i));
  const rightCasts = right.columns.map((c, i) => columnCast(c, oids[i]!, i));
  const columns: OutputColumn[] = left.columns.map((c, i) => ({ name: c.name, oid: oids[i]!, typmod: -1, tableOid: 0, columnNumber: 0 }));
  const sortKeys = statement.orderBy.map((item): SortKey => {
    const position = outputPosition(item.expr, columns);
    return { position, oid: oids[position]!, descending: item.descending, nullsFirst: item.nullsFirst ?? item.descending };
  });
  const limit = statement.limit ? limitEvaluator(statement.limit, pc) : null;
  const offset = statement.offset ? limitEvaluator(statement.offset, pc) : null;
  return {
    columns,
    build: () => {
      let source: RowSource = new Append([left.build(), right.build()], [leftCasts, rightCasts]);
      if (!op.all) source = new Distinct(source, oids, width);
      if (sortKeys.length > 0) source = new Sort(source, sortKeys);
      if (limit || offset) source = new Limit(source, limit, offset);
      return source;
    },
    forUpdate: false,
    accessPaths: [...left.accessPaths, ...right.accessPaths],
  };
}

function columnExpr(column: OutputColumn, position: number): CompiledExpr {
  return { oid: column.oid, typmod: column.typmod, eval: (row) => row[position]!, rowIndependent: false, name: column.name, location: -1, column: position };
}

function unionType(left: OutputColumn, right: OutputColumn): number {
  // Branch outputs are already typed (unknown became text), as PostgreSQL resolves each branch.
  return commonType([columnExpr(left, 0), columnExpr(right, 0)], 'UNION');
}

function columnCast(column: OutputColumn, oid: number, position: number): Evaluator | null {
  if (column.oid === oid) return null;
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
  }
  throw new SqlError('0A000', 'ORDER BY on a UNION result must name an output column', expr.location >= 0 ? { position: expr.location + 1 } : {});
}

function limitEvaluator(expr: NonNullable<SelectStatement['limit']>, pc: PlanContext): Evaluator {
  const ctx = { scope: new Scope([]), paramTypes: pc.paramTypes, aggregates: null, aggregateBase: 0, clause: 'LIMIT', sessionUser: pc.sessionUser, currentSchema: pc.currentSchema };
  return coerce(compileExpr(expr, ctx), TypeOid.int8, -1, 'implicit', expr.location).eval;
}

/** The branches' rows one after the other, each converted to the union's column types. */
class Append implements RowSource {
  private index = 0;
  constructor(private readonly sources: readonly RowSource[], private readonly casts: readonly (readonly (Evaluator | null)[])[]) {}

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
