import { SqlError, assert } from '../../contracts/errors.js';
import { TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import { isRegressionAggregate, newRegressionState, regressionResultType } from './regression-aggregates.js';
import { isVarianceAggregate, newVarianceState, varianceResultType } from './variance-aggregates.js';

/**
 * count, sum, min, max, avg with PostgreSQL's result types: sum(int2/int4) → int8,
 * sum(int8) → numeric, avg(integers, numeric) → numeric, avg/sum(float) → float8.
 * Arithmetic comes from the type system (injected as functions, so this stays pure).
 */
export interface AggregateState {
  /** One input row: the first argument, and the second for two-argument aggregates. */
  add(value: SqlValue, second?: SqlValue): void;
  result(): SqlValue;
  /**
   * Undoes the add of an input row that leaves a moving window frame (PostgreSQL's inverse
   * transition); false when the state cannot tell its result without the row (the caller starts
   * over). Only aggregates whose result an inverse can reproduce exactly have it.
   */
  remove?(value: SqlValue, second?: SqlValue): boolean;
}

export interface AggregateArithmetic {
  numericFromBigInt(value: bigint): NumericValue;
  numericAdd(a: NumericValue, b: NumericValue): NumericValue;
  numericDivide(a: NumericValue, b: NumericValue): NumericValue;
  /** interval / float8 (interval_div: avg(interval)). */
  intervalDivide(a: IntervalValue, divisor: number): IntervalValue;
  compare(oid: number): (a: SqlValue, b: SqlValue) => number;
  /** Whether the type has an ordering (compare would not refuse it). */
  hasOrder(oid: number): boolean;
  groupKey(oids: readonly number[], values: readonly SqlValue[], width: number): string;
  /** The array type's text form of these elements (array_agg). */
  formatArray(elementOid: number, values: readonly SqlValue[]): string;
  /** A value as json text, as to_json makes it (json_agg). */
  toJson(oid: number, value: SqlValue): string;
  /** json text normalized as jsonb prints it. */
  toJsonb(json: string): string;
  isArray(oid: number): boolean;
  /** A value's text form (its type's output function). */
  formatText(oid: number, value: SqlValue): string;
}

const AGGREGATES = new Set([
  'count', 'sum', 'min', 'max', 'avg', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'json_agg', 'jsonb_agg',
  'json_object_agg', 'jsonb_object_agg', 'bit_and', 'bit_or', 'bit_xor',
]);

/** The aggregates of two arguments (the rest take one, or `*`). */
export function aggregateArity(name: string): number {
  return name === 'string_agg' || name === 'json_object_agg' || name === 'jsonb_object_agg' || isRegressionAggregate(name) ? 2 : 1;
}
const INTEGER = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

export { isRegressionAggregate };

export function isAggregate(name: string): boolean {
  return AGGREGATES.has(name) || isVarianceAggregate(name) || isRegressionAggregate(name);
}

const MIN_MAX = new Set<number>([
  TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.oid, TypeOid.float4, TypeOid.float8, TypeOid.numeric, TypeOid.text, TypeOid.bpchar,
  TypeOid.date, TypeOid.time, TypeOid.timetz, TypeOid.timestamp, TypeOid.timestamptz, TypeOid.interval, TypeOid.inet,
]);

export function aggregateResultType(name: string, arg: number | null, comparable: (oid: number) => boolean, second: number | null = null, arrayOf: (oid: number) => number = () => 0): number | null {
  switch (name) {
    case 'string_agg':
      if ((arg === TypeOid.text || arg === TypeOid.varchar || arg === TypeOid.bpchar || arg === TypeOid.name) && second === TypeOid.text) return TypeOid.text;
      if (arg === TypeOid.bytea && second === TypeOid.bytea) return TypeOid.bytea;
      return null;
    case 'array_agg': return arg !== null && arrayOf(arg) !== 0 ? arrayOf(arg) : null;
    case 'json_agg': case 'json_object_agg': return arg !== null ? TypeOid.json : null;
    case 'jsonb_agg': case 'jsonb_object_agg': return arg !== null ? TypeOid.jsonb : null;
    case 'bit_and': case 'bit_or': case 'bit_xor': return arg !== null && INTEGER.has(arg) ? arg : null;
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
      if (arg === TypeOid.interval) return TypeOid.interval;
      return null;
    case 'min':
    case 'max':
      // pg_aggregate's min/max: these types, and arrays (anyarray); varchar, name and "char"
      // arrive cast to text, cidr to inet. bool, bytea, uuid and json(b) have none.
      return arg !== null && comparable(arg) && (MIN_MAX.has(arg) || arrayOf(arg) === 0) ? arg : null;
    case 'bool_and':
    case 'bool_or':
    case 'every':
      return arg === TypeOid.bool ? TypeOid.bool : null;
    default:
      if (isRegressionAggregate(name)) return regressionResultType(name, arg, second);
      return isVarianceAggregate(name) ? varianceResultType(arg) : null;
  }
}

/** Skips values already seen (aggregate(DISTINCT x)). */
/**
 * `agg(DISTINCT x)` as PostgreSQL runs it: the inputs sorted by x (ascending, a NULL last) unless
 * the aggregate's ORDER BY already sorted them (`sorted`), then each value once — a NULL too,
 * which array_agg and json_agg keep and the others skip. The order is what array_agg, string_agg
 * and json_agg show, and what a float sum's rounding follows. A type without an order (json)
 * keeps the input order.
 */
class DistinctFilter implements AggregateState {
  private readonly seen = new Set<string>();
  private sawNull = false;
  private readonly pending: { value: SqlValue; second: SqlValue }[] | null;
  constructor(private readonly inner: AggregateState, private readonly oid: number, private readonly math: AggregateArithmetic, sorted: boolean) {
    this.pending = sorted || !math.hasOrder(oid) ? null : [];
  }

  add(value: SqlValue, second?: SqlValue): void {
    if (this.pending) this.pending.push({ value, second: second ?? null });
    else this.once(value, second);
  }

  result(): SqlValue {
    if (this.pending) {
      const compare = this.math.compare(this.oid);
      this.pending.sort((a, b) => (a.value === null ? (b.value === null ? 0 : 1) : b.value === null ? -1 : compare(a.value, b.value)));
      for (const { value, second } of this.pending) this.once(value, second);
      this.pending.length = 0;
    }
    return this.inner.result();
  }

  private once(value: SqlValue, second?: SqlValue): void {
    if (value === null) {
      if (this.sawNull) return;
      this.sawNull = true;
    } else {
      const key = this.math.groupKey([this.oid], [value], 1);
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    this.inner.add(value, second);
  }
}

/** An aggregate's own ORDER BY key: computed per input row, compared by its type's order. */
export interface AggregateOrderKey {
  readonly oid: number;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/**
 * `agg(x ORDER BY k)`: keeps the inputs and their keys, and feeds them to the aggregate sorted
 * (stable: ties keep input order) when the result is asked for. DISTINCT applies after sorting.
 */
class OrderedInput implements AggregateState {
  private readonly rows: { value: SqlValue; second: SqlValue; keys: readonly SqlValue[] }[] = [];
  private pendingKeys: readonly SqlValue[] = [];
  constructor(private readonly inner: () => AggregateState, private readonly order: readonly AggregateOrderKey[], private readonly math: AggregateArithmetic) {}
  /** The sort keys of the row the next add() comes from. */
  keys(keys: readonly SqlValue[]): void {
    this.pendingKeys = keys;
  }
  add(value: SqlValue, second?: SqlValue): void {
    this.rows.push({ value, second: second ?? null, keys: this.pendingKeys });
  }
  result(): SqlValue {
    const compares = this.order.map((k) => this.math.compare(k.oid));
    const sorted = this.rows.slice().sort((a, b) => {
      for (let i = 0; i < compares.length; i++) {
        const x = a.keys[i]!;
        const y = b.keys[i]!;
        const key = this.order[i]!;
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === key.nullsFirst ? -1 : 1;
        }
        const c = compares[i]!(x, y);
        if (c !== 0) return key.descending ? -c : c;
      }
      return 0;
    });
    const state = this.inner();
    for (const row of sorted) state.add(row.value, row.second);
    return state.result();
  }
}

export function isOrderedInput(state: AggregateState): state is AggregateState & { keys(keys: readonly SqlValue[]): void } {
  return typeof (state as { keys?: unknown }).keys === 'function';
}

export function newAggregateState(name: string, arg: number | null, distinct: boolean, math: AggregateArithmetic, order: readonly AggregateOrderKey[] = [], second: number | null = null): AggregateState {
  const make = () => {
    const state = baseState(name, arg, math, second);
    return distinct && arg !== null ? new DistinctFilter(state, arg, math, order.length > 0) : state;
  };
  return order.length > 0 ? new OrderedInput(make, order, math) : make();
}

function baseState(name: string, arg: number | null, math: AggregateArithmetic, second: number | null): AggregateState {
  switch (name) {
    case 'string_agg': {
      // Each value after the first is preceded by the delimiter given with it; NULL values
      // (and their delimiters) are skipped.
      const parts: SqlValue[] = [];
      return {
        add: (v, delimiter) => { if (v !== null) { if (parts.length > 0) parts.push(delimiter ?? null); parts.push(v); } },
        result: () => {
          if (parts.length === 0) return null;
          if (arg === TypeOid.bytea) {
            const chunks = parts.filter((p): p is Uint8Array => p !== null) as Uint8Array[];
            const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
            let at = 0;
            for (const c of chunks) { out.set(c, at); at += c.length; }
            return out;
          }
          return parts.filter((p) => p !== null).join('');
        },
      };
    }
    case 'array_agg': {
      const values: SqlValue[] = [];
      return { add: (v) => { values.push(v); }, result: () => (values.length === 0 ? null : math.formatArray(arg!, values)) };
    }
    case 'json_agg':
    case 'jsonb_agg': {
      const items: string[] = [];
      // PostgreSQL puts a structured value (an array or a row) after the first on a line of its
      // own; a NULL takes its fast path without the line break (json_agg_transfn).
      const structured = math.isArray(arg!) || arg === TypeOid.record;
      return {
        add: (v) => {
          const text = v === null ? 'null' : math.toJson(arg!, v);
          items.push(items.length === 0 ? text : v !== null && structured ? ', \n ' + text : ', ' + text);
        },
        result: () => {
          if (items.length === 0) return null;
          const json = '[' + items.join('') + ']';
          return name === 'jsonb_agg' ? math.toJsonb(json) : json;
        },
      };
    }
    case 'json_object_agg':
    case 'jsonb_object_agg': {
      const fields: string[] = [];
      return {
        add: (k, v) => {
          if (k === null) throw new SqlError('22023', 'field name must not be null');
          fields.push(math.toJson(TypeOid.text, math.formatText(arg!, k)) + ' : ' + (v === null || v === undefined ? 'null' : math.toJson(second!, v)));
        },
        result: () => {
          if (fields.length === 0) return null;
          const json = '{ ' + fields.join(', ') + ' }';
          return name === 'jsonb_object_agg' ? math.toJsonb(json) : json;
        },
      };
    }
    case 'bit_and':
    case 'bit_or':
    case 'bit_xor': {
      let acc: SqlValue = null;
      const op = name === 'bit_and' ? (a: bigint, b: bigint) => a & b : name === 'bit_or' ? (a: bigint, b: bigint) => a | b : (a: bigint, b: bigint) => a ^ b;
      return {
        add: (v) => { if (v !== null) acc = acc === null ? v : (typeof v === 'bigint' ? op(acc as bigint, v) : Number(op(BigInt(acc as number), BigInt(v as number)))); },
        result: () => acc,
      };
    }
    case 'count':
      return new CountState();
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
      if (isVarianceAggregate(name)) return newVarianceState(name, arg!);
      if (isRegressionAggregate(name)) return newRegressionState(name);
      throw new SqlError('42883', `function ${name} does not exist`);
  }
}

function sumState(name: 'sum' | 'avg', arg: number, math: AggregateArithmetic): AggregateState {
  if (arg === TypeOid.interval) return intervalSumState(name, math);
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
      remove: (v) => {
        if (v === null) return true;
        total -= v as number;
        count--;
        if (Math.abs(total) > 2 ** 52) { big += BigInt(total); total = 0; }
        return true;
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
  return new ExactSumState(name, math);
}

/** count: a number per row (a bigint counter would allocate one per row), int8 at the end. */
class CountState implements AggregateState {
  private n = 0;

  add(value: SqlValue): void {
    if (value !== null) this.n++;
  }

  remove(value: SqlValue): boolean {
    if (value !== null) this.n--;
    return true;
  }

  result(): SqlValue {
    return BigInt(this.n);
  }
}

/** Coefficients that add exactly as doubles: any two partial sums within this stay below 2^53. */
const EXACT_DOUBLE = 2 ** 52;
const EXACT_DOUBLE_BIG = BigInt(EXACT_DOUBLE);

/**
 * sum/avg of int8 and numeric, exactly as numeric: finite values as one coefficient at the
 * largest scale seen, NaN and the infinities counted apart (any of them decides the sum). Like
 * PostgreSQL's sum accumulator, the numeric range is checked once, on the result: numericAdd
 * does that check. The result's scale is the largest input scale, so a removed row at that
 * scale, the last one there, leaves a scale the state cannot know: remove() says so and the
 * window starts over (as PostgreSQL's numeric inverse).
 *
 * The coefficient is `big + small`: coefficients of at most 2^52 in magnitude add into `small`,
 * a double that holds integers exactly up to 2^53 and is moved into `big` before it passes 2^52,
 * so a row costs no bigint (each bigint sum is a new allocation). Larger ones add into `big`.
 */
class ExactSumState implements AggregateState {
  private count = 0;
  private big = 0n;
  private small = 0;
  private scale = 0;
  /** Rows counted at the current scale (see remove). */
  private atScale = 0;
  private nan = 0;
  private infinities = 0;
  private negativeInfinities = 0;

  constructor(private readonly name: 'sum' | 'avg', private readonly math: AggregateArithmetic) {}

  add(v: SqlValue): void {
    if (v !== null) this.change(v, 1);
  }

  remove(v: SqlValue): boolean {
    if (v === null) return true;
    this.change(v, -1);
    if (this.count === 0) { this.big = 0n; this.small = 0; this.scale = 0; this.atScale = 0; return true; }
    return this.atScale > 0 || this.scale === 0;
  }

  /** Adds (sign 1) or takes away (sign −1) one input value; the sign is applied without a bigint per row. */
  private change(v: SqlValue, sign: 1 | -1): void {
    this.count += sign;
    if (typeof v === 'bigint') return this.changeAt(v, 0, sign);
    const n = v as NumericValue;
    if (n.special) this.countSpecial(n.special, sign);
    else this.changeAt(n.coefficient, n.scale, sign);
  }

  /** Adds ± a coefficient at `scale`: at the state's scale in the double while exact, else rescaled. */
  private changeAt(coefficient: bigint, scale: number, sign: 1 | -1): void {
    if (scale === this.scale) {
      this.atScale += sign;
      this.addCoefficient(coefficient, sign);
    } else if (scale > this.scale) {
      // Only an added value raises the scale: a removed one was added at or below it.
      assert(sign > 0, 'a removed value is at or below the sum\'s scale');
      this.big = this.coefficient() * 10n ** BigInt(scale - this.scale) + coefficient;
      this.small = 0;
      this.scale = scale;
      this.atScale = 1;
    } else {
      const scaled = coefficient * 10n ** BigInt(this.scale - scale);
      this.big = sign > 0 ? this.big + scaled : this.big - scaled;
    }
  }

  result(): SqlValue {
    if (this.count === 0) return null;
    const total = this.special() ?? this.math.numericAdd(this.math.numericFromBigInt(0n), { coefficient: this.coefficient(), scale: this.scale });
    return this.name === 'sum' ? total : this.math.numericDivide(total, this.math.numericFromBigInt(BigInt(this.count)));
  }

  private addCoefficient(c: bigint, sign: 1 | -1): void {
    if (c > EXACT_DOUBLE_BIG || c < -EXACT_DOUBLE_BIG) { this.big = sign > 0 ? this.big + c : this.big - c; return; }
    const small = this.small + sign * Number(c);
    if (small > EXACT_DOUBLE || small < -EXACT_DOUBLE) { this.big += BigInt(small); this.small = 0; } else this.small = small;
  }

  private coefficient(): bigint {
    return this.small === 0 ? this.big : this.big + BigInt(this.small);
  }

  private countSpecial(special: 'NaN' | 'Infinity' | '-Infinity', by: number): void {
    if (special === 'NaN') this.nan += by;
    else if (special === 'Infinity') this.infinities += by;
    else this.negativeInfinities += by;
  }

  private special(): NumericValue | null {
    if (this.nan > 0 || (this.infinities > 0 && this.negativeInfinities > 0)) return { coefficient: 0n, scale: 0, special: 'NaN' };
    if (this.infinities > 0) return { coefficient: 0n, scale: 0, special: 'Infinity' };
    if (this.negativeInfinities > 0) return { coefficient: 0n, scale: 0, special: '-Infinity' };
    return null;
  }
}

/**
 * sum(interval): each field summed on its own, as interval_pl adds them (no justification), with
 * interval_pl's range check on the result (PostgreSQL checks each partial sum, so a sum that
 * leaves the range and comes back is an error there only); avg(interval) is that sum divided by
 * the count as interval_div divides.
 */
function intervalSumState(name: 'sum' | 'avg', math: AggregateArithmetic): AggregateState {
  let count = 0;
  let months = 0;
  let days = 0;
  let micros = 0n;
  return {
    add: (v) => {
      if (v === null) return;
      const iv = v as IntervalValue;
      count++; months += iv.months; days += iv.days; micros += iv.micros;
    },
    remove: (v) => {
      if (v === null) return true;
      const iv = v as IntervalValue;
      count--; months -= iv.months; days -= iv.days; micros -= iv.micros;
      return true;
    },
    result: () => {
      if (count === 0) return null;
      const int32 = (n: number) => n >= -0x80000000 && n <= 0x7fffffff;
      if (!int32(months) || !int32(days) || micros > 0x7fffffffffffffffn || micros < -0x8000000000000000n) throw new SqlError('22008', 'interval out of range');
      const sum = { months, days, micros };
      return name === 'sum' ? sum : math.intervalDivide(sum, count);
    },
  };
}
