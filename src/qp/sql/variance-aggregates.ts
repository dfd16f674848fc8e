import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import { NUMERIC_NAN, NUMERIC_ZERO, divideToScale, numericAdd, numericFromBigint, numericMul, numericSign, numericSub, selectDivScale, sqrtToScale } from '../types/numeric.js';
import type { AggregateState } from './aggregates.js';

/**
 * var_pop, var_samp (variance), stddev_pop, stddev_samp (stddev) as PostgreSQL computes them,
 * so that the digits agree: integer and numeric inputs sum X and X² exactly in numeric and divide
 * once at select_div_scale's scale (numeric_stddev_internal); float inputs use float8's
 * Youngs-Cramer accumulator (float8_accum) and answer float8.
 */
const VARIANCE_AGGREGATES = new Set(['var_pop', 'var_samp', 'variance', 'stddev_pop', 'stddev_samp', 'stddev']);

export function isVarianceAggregate(name: string): boolean {
  return VARIANCE_AGGREGATES.has(name);
}

export function varianceResultType(arg: number | null): number | null {
  if (arg === TypeOid.int2 || arg === TypeOid.int4 || arg === TypeOid.int8 || arg === TypeOid.numeric) return TypeOid.numeric;
  if (arg === TypeOid.float4 || arg === TypeOid.float8) return TypeOid.float8;
  return null;
}

interface Shape {
  /** var_samp/stddev_samp divide by N - 1 (and need two rows); the _pop forms by N. */
  readonly sample: boolean;
  readonly root: boolean;
}

function shapeOf(name: string): Shape {
  return { sample: !name.endsWith('_pop'), root: name.startsWith('stddev') };
}

export function newVarianceState(name: string, arg: number): AggregateState {
  const shape = shapeOf(name);
  return arg === TypeOid.float4 || arg === TypeOid.float8 ? floatVariance(shape) : numericVariance(shape);
}

function toNumeric(v: SqlValue): NumericValue {
  if (typeof v === 'number') return numericFromBigint(BigInt(v));
  if (typeof v === 'bigint') return numericFromBigint(v);
  return v as NumericValue;
}

function numericVariance(shape: Shape): AggregateState {
  let n = 0n;
  let sumX: NumericValue = NUMERIC_ZERO;
  let sumX2: NumericValue = NUMERIC_ZERO;
  let special = false; // a NaN or an infinity among the inputs makes the answer NaN
  return {
    add: (v) => {
      if (v === null) return;
      n++;
      const x = toNumeric(v);
      if (x.special) { special = true; return; }
      sumX = numericAdd(sumX, x);
      sumX2 = numericAdd(sumX2, numericMul(x, x));
    },
    result: () => {
      if (n === 0n || (shape.sample && n <= 1n)) return null;
      if (special) return NUMERIC_NAN;
      const count = numericFromBigint(n);
      // N·ΣX² − (ΣX)², exact; rounding error cannot make it negative here, but PostgreSQL's guard stays.
      const numerator = numericSub(numericMul(count, sumX2), numericMul(sumX, sumX));
      if (numericSign(numerator) <= 0) return NUMERIC_ZERO;
      const denominator = numericFromBigint(shape.sample ? n * (n - 1n) : n * n);
      const scale = selectDivScale(numerator, denominator);
      const variance = divideToScale(numerator, denominator, scale);
      return shape.root ? sqrtToScale(variance, scale) : variance;
    },
  };
}

function floatVariance(shape: Shape): AggregateState {
  let n = 0;
  let sx = 0;
  let sxx = 0;
  return {
    add: (v) => {
      if (v === null) return;
      const x = v as number;
      const before = sx;
      n++;
      sx += x;
      if (n > 1) {
        const d = x * n - sx;
        sxx += (d * d) / (n * (n - 1));
        if (!Number.isFinite(sx) || !Number.isFinite(sxx)) {
          // An overflow of finite inputs is an error; an infinite input makes the answer NaN.
          if (Number.isFinite(before) && Number.isFinite(x)) throw new SqlError('22003', 'value out of range: overflow');
          sxx = NaN;
        }
      } else if (!Number.isFinite(x)) sxx = NaN;
    },
    result: () => {
      if (n === 0 || (shape.sample && n <= 1)) return null;
      const variance = sxx / (shape.sample ? n - 1 : n);
      return shape.root ? Math.sqrt(variance) : variance;
    },
  };
}
