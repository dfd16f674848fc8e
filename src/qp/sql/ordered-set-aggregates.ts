import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { Expr } from './ast.js';
import { coerce, commonType, compileExpr, noSuchFunction, type AggregateCall, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import * as types from './typesystem.js';

/**
 * Ordered-set aggregates, `f(direct args) WITHIN GROUP (ORDER BY keys)`: percentile_cont,
 * percentile_disc and mode, and the hypothetical-set aggregates rank, dense_rank, percent_rank
 * and cume_dist. They run in two parts, as PostgreSQL's do: the aggregate collects each group's
 * sort keys (an ordinary aggregate slot, fed by HashAggregate), and the result is computed after
 * grouping from the collected keys and the direct arguments. The direct arguments are compiled
 * in the query's own context, so — as in PostgreSQL — they may name grouped columns and outer
 * references but not other columns of the input (42803).
 */

const ORDERED_SET = new Set(['percentile_cont', 'percentile_disc', 'mode']);
const HYPOTHETICAL = new Set(['rank', 'dense_rank', 'percent_rank', 'cume_dist']);

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

/** One group's input: the sort keys of every row the FILTER let through, in input order. */
class KeyCollector implements types.AggregateState {
  readonly rows: (readonly SqlValue[])[] = [];
  private pending: readonly SqlValue[] = [];
  keys(keys: readonly SqlValue[]): void {
    this.pending = keys;
  }
  add(): void {
    this.rows.push(this.pending);
  }
  /** The collector itself is the slot's value; the final function reads it (never output as is). */
  result(): SqlValue {
    return this as unknown as SqlValue;
  }
}

interface SortKey {
  readonly eval: Evaluator;
  readonly key: types.AggregateOrderKey;
}

/** Orders two key tuples as the WITHIN GROUP clause says (NULLS FIRST/LAST, DESC). */
function tupleComparator(keys: readonly types.AggregateOrderKey[]): (a: readonly SqlValue[], b: readonly SqlValue[]) => number {
  const compares = keys.map((k) => types.comparator(k.oid));
  return (a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const key = keys[i]!;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === key.nullsFirst ? -1 : 1;
      }
      const c = compares[i]!(x, y);
      if (c !== 0) return key.descending ? -c : c;
    }
    return 0;
  };
}

export function isOrderedSetName(name: string): boolean {
  return ORDERED_SET.has(name) || HYPOTHETICAL.has(name);
}

/**
 * Compiles a WITHIN GROUP call. `ctx` is the context of the expression that holds the call (its
 * direct arguments are compiled there); `inner` the aggregate's input context (the sort keys).
 */
export function compileOrderedSetAggregate(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext, inner: CompileContext): CompiledExpr {
  const { name, location } = expr;
  const order = expr.aggOrder ?? [];
  if (!isOrderedSetName(name)) {
    // PostgreSQL looks the function up by all its arguments first: a plain aggregate that takes
    // them is the wrong kind (42809), anything else does not exist (42883).
    if (types.isAggregate(name) && expr.args.length + order.length === types.aggregateArity(name)) {
      throw new SqlError('42809', `${name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP`, at(location));
    }
    throw noSuchFunction(name, [...expr.args, ...order.map((item) => item.expr)].map((a) => compileExpr(a, inner).oid), location);
  }
  const direct = expr.args.map((a) => compileExpr(a, ctx));
  let keys = order.map((item) => compileExpr(item.expr, inner));
  const signature = () => noSuchFunction(name, [...direct, ...keys].map((k) => k.oid), location);
  // Each kind fixes its keys' types, then builds its final function from the sort keys.
  let finalizeWith: (sortKeys: readonly SortKey[]) => (rows: (readonly SqlValue[])[], args: readonly SqlValue[]) => SqlValue;
  let resultOid: number;
  let args = direct;
  if (HYPOTHETICAL.has(name)) {
    if (direct.length !== keys.length) throw signature();
    // Each direct argument and its sort key compare in their common type, as PostgreSQL resolves them.
    const common = direct.map((d, i) => commonType([d, keys[i]!], 'WITHIN GROUP'));
    args = direct.map((d, i) => coerce(d, common[i]!, -1, 'implicit', d.location));
    keys = keys.map((k, i) => coerce(k, common[i]!, -1, 'implicit', k.location));
    resultOid = name === 'rank' || name === 'dense_rank' ? TypeOid.int8 : TypeOid.float8;
    finalizeWith = (sortKeys) => hypothetical(name, sortKeys);
  } else if (name === 'mode') {
    if (direct.length !== 0 || keys.length !== 1) throw signature();
    resultOid = keys[0]!.oid === TypeOid.unknown ? TypeOid.text : keys[0]!.oid;
    keys = [coerce(keys[0]!, resultOid, -1, 'implicit', keys[0]!.location)];
    finalizeWith = (sortKeys) => modeOf(sortKeys[0]!.key);
  } else {
    if (direct.length !== 1 || keys.length !== 1) throw signature();
    const fractionArray = types.arrayElementType(direct[0]!.oid) !== 0;
    args = [coerce(direct[0]!, fractionArray ? types.arrayTypeOf(TypeOid.float8) : TypeOid.float8, -1, 'implicit', direct[0]!.location)];
    const key = keys[0]!;
    let valueOid: number;
    if (name === 'percentile_cont') {
      if (key.oid === TypeOid.interval) valueOid = TypeOid.interval;
      else if (types.castContext(key.oid, TypeOid.float8) === 'i' || key.oid === TypeOid.float8) valueOid = TypeOid.float8;
      else throw signature();
    } else {
      if (!types.hasComparator(key.oid) && key.oid !== TypeOid.unknown) throw signature();
      valueOid = key.oid === TypeOid.unknown ? TypeOid.text : key.oid;
    }
    keys = [coerce(key, valueOid, -1, 'implicit', key.location)];
    resultOid = fractionArray ? types.arrayTypeOf(valueOid) : valueOid;
    if (resultOid === 0) throw signature();
    const pick = name === 'percentile_cont' ? continuous(valueOid) : discrete;
    finalizeWith = (sortKeys) => percentile(pick, sortKeys[0]!.key, fractionArray ? valueOid : null);
  }
  const sortKeys = order.map((item, i) => sortKey(keys[i]!, item));
  const finalize = finalizeWith(sortKeys);
  const filter = expr.filter ? coerce(compileExpr(expr.filter, { ...inner, clause: 'FILTER' }), TypeOid.bool, -1, 'implicit', expr.filter.location) : null;
  const aggregates = ctx.aggregates!;
  const slot = ctx.aggregateBase + aggregates.length;
  const call: AggregateCall = {
    name, arg: null, second: null, order: sortKeys, distinct: false, filter, oid: resultOid, slot,
    state: () => new KeyCollector(),
  };
  aggregates.push(call);
  const argEvals = args.map((a) => a.eval);
  const values: SqlValue[] = new Array(argEvals.length);
  return {
    oid: resultOid, typmod: -1, rowIndependent: false, name, location,
    eval: (row, c) => {
      for (let i = 0; i < argEvals.length; i++) values[i] = argEvals[i]!(row, c);
      return finalize((row[slot] as unknown as KeyCollector).rows, values);
    },
  };
}

function sortKey(key: CompiledExpr, item: { readonly descending: boolean; readonly nullsFirst: boolean | null }): SortKey {
  if (!types.hasComparator(key.oid)) throw new SqlError('42883', `could not identify an ordering operator for type ${types.formatType(key.oid, -1)}`, at(key.location));
  return { eval: key.eval, key: { oid: key.oid, descending: item.descending, nullsFirst: item.nullsFirst ?? item.descending } };
}

/** The non-null values of a one-key collection, in the WITHIN GROUP order. */
function sortedValues(rows: (readonly SqlValue[])[], key: types.AggregateOrderKey): SqlValue[] {
  const compare = tupleComparator([key]);
  return rows.filter((r) => r[0] !== null).sort(compare).map((r) => r[0]!);
}

type Pick = (sorted: readonly SqlValue[], fraction: number) => SqlValue;

/** percentile_disc: the first value whose position in the order reaches the fraction. */
const discrete: Pick = (sorted, fraction) => sorted[Math.max(Math.ceil(fraction * sorted.length), 1) - 1]!;

/** percentile_cont: linear interpolation between the two values around the fraction (float8 or interval). */
function continuous(oid: number): Pick {
  const lerp = oid === TypeOid.interval ? intervalLerp() : (lo: SqlValue, hi: SqlValue, p: number) => (lo as number) + ((hi as number) - (lo as number)) * p;
  return (sorted, fraction) => {
    const position = fraction * (sorted.length - 1);
    const first = Math.floor(position);
    const second = Math.ceil(position);
    if (first === second) return sorted[first]!;
    return lerp(sorted[first]!, sorted[second]!, position - first);
  };
}

/** lo + (hi - lo) * p with interval arithmetic, as PostgreSQL's interval_lerp. */
function intervalLerp(): (lo: SqlValue, hi: SqlValue, p: number) => SqlValue {
  const minus = types.resolveOperator('-', TypeOid.interval, TypeOid.interval)!.fn;
  const times = types.resolveOperator('*', TypeOid.interval, TypeOid.float8)!.fn;
  const plus = types.resolveOperator('+', TypeOid.interval, TypeOid.interval)!.fn;
  return (lo, hi, p) => plus(lo, times(minus(hi, lo), p));
}

function checkFraction(fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1)) throw new SqlError('22003', `percentile value ${formatFloat(fraction)} is not between 0 and 1`);
}

/** %g as PostgreSQL prints the percentile in its error. */
function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return String(Number(value.toPrecision(6)));
}

function percentile(pick: Pick, key: types.AggregateOrderKey, arrayElement: number | null) {
  return (rows: (readonly SqlValue[])[], args: readonly SqlValue[]): SqlValue => {
    const fraction = args[0]!;
    if (fraction === null) return null;
    const fractions = arrayElement === null ? [fraction as number] : types.arrayValues(TypeOid.float8, fraction as string) as (number | null)[];
    for (const f of fractions) if (f !== null) checkFraction(f);
    const sorted = sortedValues(rows, key);
    if (sorted.length === 0) return null;
    if (arrayElement === null) return pick(sorted, fractions[0]!);
    return types.arrayText(arrayElement, fractions.map((f) => (f === null ? null : pick(sorted, f))));
  };
}

/** mode(): the most frequent non-null value; of equally frequent ones, the first in the order. */
function modeOf(key: types.AggregateOrderKey) {
  const compare = types.comparator(key.oid);
  return (rows: (readonly SqlValue[])[]): SqlValue => {
    const sorted = sortedValues(rows, key);
    let best: SqlValue = null;
    let bestCount = 0;
    for (let i = 0; i < sorted.length;) {
      let j = i + 1;
      while (j < sorted.length && compare(sorted[j]!, sorted[i]!) === 0) j++;
      if (j - i > bestCount) {
        best = sorted[i]!;
        bestCount = j - i;
      }
      i = j;
    }
    return best;
  };
}

/**
 * rank, dense_rank, percent_rank and cume_dist of a hypothetical row made of the direct
 * arguments, placed among the group's rows by the WITHIN GROUP order (NULLs count, placed as
 * NULLS FIRST/LAST says): the row goes before its peers, as PostgreSQL inserts it.
 */
function hypothetical(name: string, keys: readonly SortKey[]) {
  const compare = tupleComparator(keys.map((k) => k.key));
  return (rows: (readonly SqlValue[])[], args: readonly SqlValue[]): SqlValue => {
    let before = 0;
    let peers = 0;
    for (const row of rows) {
      const c = compare(row, args);
      if (c < 0) before++;
      else if (c === 0) peers++;
    }
    switch (name) {
      case 'rank': return BigInt(before + 1);
      case 'percent_rank': return rows.length === 0 ? 0 : before / rows.length;
      case 'cume_dist': return (before + peers + 1) / (rows.length + 1);
      default: {
        const earlier = rows.filter((row) => compare(row, args) < 0).sort(compare);
        let groups = 0;
        for (let i = 0; i < earlier.length; i++) if (i === 0 || compare(earlier[i - 1]!, earlier[i]!) !== 0) groups++;
        return BigInt(groups + 1);
      }
    }
  };
}
