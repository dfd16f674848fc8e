import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';

/**
 * count, sum, min, max, avg with PostgreSQL's result types: sum(int2/int4) → int8,
 * sum(int8) → numeric, avg(integers, numeric) → numeric, avg/sum(float) → float8.
 * Arithmetic comes from the type system (injected as functions, so this stays pure).
 */
export interface AggregateState {
  add(value: SqlValue): void;
  result(): SqlValue;
}

export interface AggregateArithmetic {
  numericFromBigInt(value: bigint): NumericValue;
  numericAdd(a: NumericValue, b: NumericValue): NumericValue;
  numericDivide(a: NumericValue, b: NumericValue): NumericValue;
  compare(oid: number): (a: SqlValue, b: SqlValue) => number;
  groupKey(oids: readonly number[], values: readonly SqlValue[], width: number): string;
}

const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg', 'bool_and', 'bool_or', 'every']);
const INTEGER = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

export function isAggregate(name: string): boolean {
  return AGGREGATES.has(name);
}

export function aggregateResultType(name: string, arg: number | null, comparable: (oid: number) => boolean): number | null {
  switch (name) {
    case 'count': return TypeOid.int8;
    case 'sum':
      if (arg === TypeOid.int2 || arg === TypeOid.int4) return TypeOid.int8;
      if (arg === TypeOid.int8 || arg === TypeOid.numeric) return TypeOid.numeric;
      if (arg === TypeOid.float4) return TypeOid.float4;
      if (arg === TypeOid.float8) return TypeOid.float8;
      if (arg === TypeOid.interval) return TypeOid.interval;
      return null;
    case 'avg':
      if (arg !== null && (INTEGER.has(arg) || arg === TypeOid.numeric)) return TypeOid.numeric;
      if (arg === TypeOid.float4 || arg === TypeOid.float8) return TypeOid.float8;
      return null;
    case 'min':
    case 'max':
      return arg !== null && comparable(arg) ? arg : null;
    case 'bool_and':
    case 'bool_or':
    case 'every':
      return arg === TypeOid.bool ? TypeOid.bool : null;
    default:
      return null;
  }
}

/** Skips values already seen (aggregate(DISTINCT x)). */
class DistinctFilter implements AggregateState {
  private readonly seen = new Set<string>();
  constructor(private readonly inner: AggregateState, private readonly oid: number, private readonly math: AggregateArithmetic) {}
  add(value: SqlValue): void {
    if (value === null) return;
    const key = this.math.groupKey([this.oid], [value], 1);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.inner.add(value);
  }
  result(): SqlValue {
    return this.inner.result();
  }
}

export function newAggregateState(name: string, arg: number | null, distinct: boolean, math: AggregateArithmetic): AggregateState {
  const state = baseState(name, arg, math);
  return distinct && arg !== null ? new DistinctFilter(state, arg, math) : state;
}

function baseState(name: string, arg: number | null, math: AggregateArithmetic): AggregateState {
  switch (name) {
    case 'count': {
      let n = 0n;
      return { add: (v) => { if (v !== null) n++; }, result: () => n };
    }
    case 'min':
    case 'max': {
      const compare = math.compare(arg!);
      const sign = name === 'max' ? 1 : -1;
      let best: SqlValue = null;
      return { add: (v) => { if (v !== null && (best === null || sign * compare(v, best) > 0)) best = v; }, result: () => best };
    }
    case 'bool_and':
    case 'every':
    case 'bool_or': {
      let acc: boolean | null = null;
      const and = name !== 'bool_or';
      return { add: (v) => { if (v !== null) acc = acc === null ? (v as boolean) : and ? acc && (v as boolean) : acc || (v as boolean); }, result: () => acc };
    }
    case 'sum':
    case 'avg':
      return sumState(name, arg!, math);
    default:
      throw new SqlError('42883', `function ${name} does not exist`);
  }
}

function sumState(name: 'sum' | 'avg', arg: number, math: AggregateArithmetic): AggregateState {
  let count = 0;
  if (arg === TypeOid.float4 || arg === TypeOid.float8) {
    let total = 0;
    return {
      add: (v) => { if (v !== null) { total += v as number; count++; } },
      result: () => (count === 0 ? null : name === 'sum' ? (arg === TypeOid.float4 ? Math.fround(total) : total) : total / count),
    };
  }
  if (arg === TypeOid.int2 || arg === TypeOid.int4) {
    let total = 0; // exact: below 2^53 for any feasible row count of int4 values
    let big = 0n;
    return {
      add: (v) => {
        if (v === null) return;
        total += v as number;
        count++;
        if (Math.abs(total) > 2 ** 52) { big += BigInt(total); total = 0; }
      },
      result: () => {
        if (count === 0) return null;
        const sum = big + BigInt(total);
        if (name === 'sum') {
          if (sum > 0x7fffffffffffffffn || sum < -0x8000000000000000n) throw new SqlError('22003', 'bigint out of range');
          return sum;
        }
        return math.numericDivide(math.numericFromBigInt(sum), math.numericFromBigInt(BigInt(count)));
      },
    };
  }
  // int8 and numeric accumulate exactly as numeric.
  let total: NumericValue = math.numericFromBigInt(0n);
  return {
    add: (v) => {
      if (v === null) return;
      const n = typeof v === 'bigint' ? math.numericFromBigInt(v) : (v as NumericValue);
      total = math.numericAdd(total, n);
      count++;
    },
    result: () => (count === 0 ? null : name === 'sum' ? total : math.numericDivide(total, math.numericFromBigInt(BigInt(count)))),
  };
}
