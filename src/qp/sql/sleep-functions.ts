import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type IntervalValue, type SqlValue } from '../../contracts/sql-value.js';
import type { Expr, FromItem } from './ast.js';
import { coerce, compileExpr, noSuchFunction, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from './compiled.js';
import { cancelError, type ExplainInfo, type Row, type RowSource, type Runtime } from './operators.js';
import { RowCall, subplanSlot } from './subplans.js';
import { isInfiniteTimestamp, timestampFromUnixMicros } from '../types/datetime.js';
import { plusIntervalInZone } from '../types/zoned-datetime.js';
import { sessionZone } from '../types/output-style.js';
import { castContext } from './typesystem.js';
import { applyColumnAliases } from './function-aliases.js';

/**
 * pg_sleep(seconds float8), pg_sleep_for(interval), pg_sleep_until(timestamptz): wait, then
 * return void. Waiting is asynchronous while expressions evaluate synchronously, so, as nextval
 * does (sequence-functions.ts), a call becomes a per-row subplan where the clause runs
 * subplans, and is 0A000 elsewhere; in FROM it is a scan of its own (SleepScan). It waits in
 * steps of at most 100 ms so that a CancelRequest or statement_timeout ends it (57014), as
 * PostgreSQL's pg_sleep checks for interrupts.
 *
 * pg_sleep_for and pg_sleep_until are SQL functions over pg_sleep in PostgreSQL, reading
 * clock_timestamp() when called: `pg_sleep(extract(epoch from clock_timestamp() + $1) -
 * extract(epoch from clock_timestamp()))` and `pg_sleep(extract(epoch from $1) - extract(epoch
 * from clock_timestamp()))`; here the wait is computed from the wall clock when the call runs.
 */
const STEP_MS = 100;

/** Each sleep function's argument type. */
const ARGUMENT: ReadonlyMap<string, number> = new Map([
  ['pg_sleep', TypeOid.float8], ['pg_sleep_for', TypeOid.interval], ['pg_sleep_until', TypeOid.timestamptz],
]);

export function isSleepFunction(name: string): boolean {
  return ARGUMENT.has(name);
}

/** The call's argument, compiled and coerced to the function's type (42883 for another arity). */
function compileArgument(call: { readonly name: string; readonly args: readonly Expr[]; readonly location: number }, ctx: CompileContext): Evaluator {
  const type = ARGUMENT.get(call.name)!;
  if (call.args.length !== 1) throw noSuchFunction(call.name, call.args.map((a) => compileExpr(a, ctx).oid), call.location);
  const compiled = compileExpr(call.args[0]!, ctx);
  // Only an implicit cast reaches the parameter's type; another argument type is no such function.
  if (castContext(compiled.oid, type) !== 'i') throw noSuchFunction(call.name, [compiled.oid], call.location);
  return coerce(compiled, type, -1, 'implicit', call.args[0]!.location).eval;
}

/** Milliseconds to wait for the argument's value, read when the call runs. */
function waitMs(name: string, value: SqlValue, c: ExecContext): number {
  if (name === 'pg_sleep') return (value as number) * 1000;
  if (!c.wallClock) throw new SqlError('0A000', `${name}() cannot wait here`);
  const now = timestampFromUnixMicros(c.wallClock());
  const until = name === 'pg_sleep_for' ? plusIntervalInZone(now, value as IntervalValue, sessionZone(c)) : value as bigint;
  if (isInfiniteTimestamp(until)) return until > 0n ? Infinity : 0;
  return Number(until - now) / 1000;
}

/** Waits `ms` (nothing for zero, a negative or NaN), in steps that a cancel or timeout ends. */
async function wait(name: string, ms: number, rt: Runtime, c: ExecContext): Promise<void> {
  if (!c.sleep) throw new SqlError('0A000', `${name}() cannot wait here`);
  let remaining = ms;
  while (remaining > 0) {
    if (rt.cancelled) throw cancelError(rt);
    const step = Math.min(remaining, STEP_MS);
    await c.sleep(step);
    remaining -= step;
  }
  if (rt.cancelled) throw cancelError(rt);
}

export function compileSleepCall(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  const { name, location } = expr;
  if (expr.star || expr.distinct || expr.filter) throw noSuchFunction(name, expr.args.map((a) => compileExpr(a, ctx).oid), location);
  const argument = compileArgument(expr, ctx);
  const host = ctx.subqueries;
  if (!host) throw new SqlError('0A000', `${name}() is not supported in ${ctx.clause} yet`, location >= 0 ? { position: location + 1 } : {});
  const call = async (rt: Runtime, c: ExecContext, row: Row): Promise<SqlValue> => {
    const value = argument(row, c);
    if (value === null) return null;
    await wait(name, waitMs(name, value, c), rt, c);
    return '';
  };
  const index = host.collector.add({
    plan: { columns: [{ name, oid: TypeOid.void, typmod: -1 }], build: () => new RowCall(`Function ${name}`, call) },
    mode: 'scalar', correlated: true,
  });
  return { oid: TypeOid.void, typmod: -1, eval: subplanSlot(host.collector, index), rowIndependent: false, name, location };
}

/**
 * `FROM pg_sleep(…) [WITH ORDINALITY] [AS alias [(name)]]`: one row, its void value (NULL for a
 * NULL argument), after the wait. Null when the item is not one call of a sleep function.
 */
export function planSleepScan(item: Extract<FromItem, { kind: 'function' }>, ctx: CompileContext): { columns: { name: string; oid: number }[]; build: () => RowSource } | null {
  const call = item.calls[0]!;
  if (!item.calls.some((c) => isSleepFunction(c.name)) || call.schema !== undefined || call.argNames !== undefined) return null;
  if (item.calls.length !== 1) throw new SqlError('0A000', `${item.calls.find((c) => isSleepFunction(c.name))!.name}() is not supported in ROWS FROM`, call.location >= 0 ? { position: call.location + 1 } : {});
  const argument = compileArgument(call, ctx);
  const columns: { name: string; oid: number }[] = [{ name: item.alias ?? call.name, oid: TypeOid.void }];
  if (item.ordinality) columns.push({ name: 'ordinality', oid: TypeOid.int8 });
  applyColumnAliases(item, columns);
  return { columns, build: () => new SleepScan(call.name, argument, item.ordinality) };
}

class SleepScan implements RowSource {
  private done = false;
  constructor(private readonly name: string, private readonly argument: Evaluator, private readonly ordinality: boolean) {}

  explain(): ExplainInfo {
    return { label: `Function Scan on ${this.name}`, children: [] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    const value = this.argument([], rt.ctx);
    if (value !== null) await wait(this.name, waitMs(this.name, value, rt.ctx), rt, rt.ctx);
    const row: Row = [value === null ? null : ''];
    if (this.ordinality) row.push(1n);
    return [row];
  }
}
