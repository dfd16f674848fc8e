import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { Expr } from './ast.js';
import { coerce, compileExpr, inferParamType, noSuchFunction, type CompileContext } from './compile.js';
import type { CompiledExpr, ExecContext } from './compiled.js';
import { cancelError, type Row, type Runtime } from './operators.js';
import { RowCall, subplanSlot } from './subplans.js';

/**
 * pg_sleep(seconds): waits, then returns void. Waiting is asynchronous while expressions
 * evaluate synchronously, so, as nextval does (sequence-functions.ts), a call becomes a per-row
 * subplan where the clause runs subplans, and is 0A000 elsewhere. It waits in steps of at most
 * 100 ms so that a CancelRequest ends it (57014), as PostgreSQL's pg_sleep checks for interrupts.
 */
const STEP_MS = 100;

export function compileSleepCall(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  const { name, location } = expr;
  if (expr.args.length !== 1 || expr.star || expr.distinct || expr.filter) {
    throw noSuchFunction(name, expr.args.map((a) => compileExpr(a, ctx).oid), location);
  }
  const compiled = compileExpr(expr.args[0]!, ctx);
  inferParamType(ctx, compiled, TypeOid.float8);
  const seconds = coerce(compiled, TypeOid.float8, -1, 'implicit', expr.args[0]!.location).eval;
  const host = ctx.subqueries;
  if (!host) throw new SqlError('0A000', `${name}() is not supported in ${ctx.clause} yet`, location >= 0 ? { position: location + 1 } : {});
  const call = async (rt: Runtime, c: ExecContext, row: Row): Promise<SqlValue> => {
    const value = seconds(row, c);
    if (value === null) return null;
    if (!c.sleep) throw new SqlError('0A000', `${name}() cannot wait here`);
    let remaining = (value as number) * 1000;
    while (remaining > 0) {
      if (rt.cancelled) throw cancelError(rt);
      const step = Math.min(remaining, STEP_MS);
      await c.sleep(step);
      remaining -= step;
    }
    if (rt.cancelled) throw cancelError(rt);
    return '';
  };
  const index = host.collector.add({
    plan: { columns: [{ name, oid: TypeOid.void, typmod: -1 }], build: () => new RowCall(`Function ${name}`, call) },
    mode: 'scalar', correlated: true,
  });
  return { oid: TypeOid.void, typmod: -1, eval: subplanSlot(host.collector, index), rowIndependent: false, name, location };
}
