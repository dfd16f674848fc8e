import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { Expr } from './ast.js';
import { coerce, commonType, compileExpr, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import * as types from './typesystem.js';

/**
 * `(s1, e1) OVERLAPS (s2, e2)` — the grammar's pg_catalog.overlaps(s1, e1, s2, e2) — over
 * dates, times and timestamps; an end may be an interval, taken as start + interval (PostgreSQL's
 * overlaps(timestamp, interval, …) SQL functions; timetz has no such forms). NULLs answer as
 * timestamp_overlaps answers.
 */
const OVERLAPPING = new Set<number>([TypeOid.date, TypeOid.time, TypeOid.timetz, TypeOid.timestamp, TypeOid.timestamptz]);

export function isOverlapsCall(expr: Extract<Expr, { kind: 'func' }>): boolean {
  return expr.name === 'overlaps' && expr.args.length === 4 && (expr.schema === null || expr.schema === 'pg_catalog') && !expr.star && !expr.distinct;
}

export function compileOverlaps(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  const [s1, e1, s2, e2] = expr.args as [Expr, Expr, Expr, Expr];
  const written: number[] = [];
  const compile = (e: Expr): CompiledExpr => {
    const compiled = compileExpr(e, ctx);
    written.push(compiled.oid);
    return compiled;
  };
  const end = (start: Expr, e: Expr): CompiledExpr => {
    const compiled = compile(e);
    return compiled.oid === TypeOid.interval ? compileExpr({ kind: 'op', op: '+', left: start, right: e, location: expr.location }, ctx) : compiled;
  };
  const args = [compile(s1), end(s1, e1), compile(s2), end(s2, e2)];
  const oid = commonType(args, 'OVERLAPS');
  if (!OVERLAPPING.has(oid) || (oid === TypeOid.timetz && written.includes(TypeOid.interval))) {
    throw new SqlError('42883', `function pg_catalog.overlaps(${written.map((w) => types.formatType(w, -1)).join(', ')}) does not exist`, {
      position: expr.location + 1, hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
    });
  }
  const [a, b, c, d] = args.map((arg) => coerce(arg, oid, -1, 'implicit', arg.location).eval) as [Evaluator, Evaluator, Evaluator, Evaluator];
  const compare = types.comparator(oid);
  return {
    oid: TypeOid.bool, typmod: -1, rowIndependent: args.every((arg) => arg.rowIndependent), name: 'overlaps', location: expr.location,
    eval: (row, ctx2) => overlaps(a(row, ctx2), b(row, ctx2), c(row, ctx2), d(row, ctx2), compare),
  };
}

/** timestamp_overlaps: NULL where the answer depends on a missing endpoint. */
function overlaps(ts1: SqlValue, te1: SqlValue, ts2: SqlValue, te2: SqlValue, compare: (x: SqlValue, y: SqlValue) => number): boolean | null {
  // An interval with one endpoint NULL keeps the other as its start; otherwise the lesser one.
  [ts1, te1] = ordered(ts1, te1, compare);
  if (ts1 === null) return null;
  [ts2, te2] = ordered(ts2, te2, compare);
  if (ts2 === null) return null;
  const order = compare(ts1, ts2);
  if (order > 0) {
    if (te2 === null) return null;
    if (compare(ts1, te2) < 0) return true;
    return te1 === null ? null : false;
  }
  if (order < 0) {
    if (te1 === null) return null;
    if (compare(ts2, te1) < 0) return true;
    return te2 === null ? null : false;
  }
  return te1 === null || te2 === null ? null : true;
}

function ordered(start: SqlValue, end: SqlValue, compare: (x: SqlValue, y: SqlValue) => number): [SqlValue, SqlValue] {
  if (start === null) return [end, null];
  if (end !== null && compare(start, end) > 0) return [end, start];
  return [start, end];
}
