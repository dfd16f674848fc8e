import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { AggregateState } from './aggregates.js';

/**
 * The two-argument statistics aggregates over (Y, X) pairs, float8 in, as PostgreSQL computes
 * them (float.c: float8_regr_accum's Youngs-Cramer sums, then each final function), so that the
 * digits agree: corr, covar_pop, covar_samp, regr_avgx, regr_avgy, regr_count, regr_intercept,
 * regr_r2, regr_slope, regr_sxx, regr_sxy, regr_syy. A row with either value NULL is skipped.
 */
const FINALS: Record<string, (s: Sums) => number | bigint | null> = {
  regr_count: (s) => BigInt(s.n),
  regr_sxx: (s) => (s.n < 1 ? null : s.sxx),
  regr_syy: (s) => (s.n < 1 ? null : s.syy),
  regr_sxy: (s) => (s.n < 1 ? null : s.sxy),
  regr_avgx: (s) => (s.n < 1 ? null : s.sx / s.n),
  regr_avgy: (s) => (s.n < 1 ? null : s.sy / s.n),
  covar_pop: (s) => (s.n < 1 ? null : s.sxy / s.n),
  covar_samp: (s) => (s.n < 2 ? null : s.sxy / (s.n - 1)),
  // Per the standard, NULL for horizontal and vertical lines.
  corr: (s) => (s.n < 1 || s.sxx === 0 || s.syy === 0 ? null : s.sxy / Math.sqrt(s.sxx * s.syy)),
  regr_r2: (s) => (s.n < 1 || s.sxx === 0 ? null : s.syy === 0 ? 1 : (s.sxy * s.sxy) / (s.sxx * s.syy)),
  regr_slope: (s) => (s.n < 1 || s.sxx === 0 ? null : s.sxy / s.sxx),
  regr_intercept: (s) => (s.n < 1 || s.sxx === 0 ? null : (s.sy - (s.sx * s.sxy) / s.sxx) / s.n),
};

interface Sums { n: number; sx: number; sxx: number; sy: number; syy: number; sxy: number }

export function isRegressionAggregate(name: string): boolean {
  return Object.hasOwn(FINALS, name);
}

/** float8 for float8 arguments (the callers cast numbers to it); regr_count counts in int8. */
export function regressionResultType(name: string, y: number | null, x: number | null): number | null {
  if (y !== TypeOid.float8 || x !== TypeOid.float8) return null;
  return name === 'regr_count' ? TypeOid.int8 : TypeOid.float8;
}

export function newRegressionState(name: string): AggregateState {
  const final = FINALS[name]!;
  const s: Sums = { n: 0, sx: 0, sxx: 0, sy: 0, syy: 0, sxy: 0 };
  return {
    add: (yValue, xValue) => {
      if (yValue === null || xValue === null || xValue === undefined) return;
      const y = yValue as number;
      const x = xValue as number;
      const before = { n: s.n, sx: s.sx, sy: s.sy };
      s.n += 1;
      s.sx += x;
      s.sy += y;
      if (before.n > 0) {
        const tmpX = x * s.n - s.sx;
        const tmpY = y * s.n - s.sy;
        const scale = 1 / (s.n * before.n);
        s.sxx += tmpX * tmpX * scale;
        s.syy += tmpY * tmpY * scale;
        s.sxy += tmpX * tmpY * scale;
        // An overflow of finite inputs is an error; an infinite input makes the sums NaN.
        const finite = (v: number) => Number.isFinite(v);
        if (!finite(s.sx) || !finite(s.sxx)) {
          if (finite(before.sx) && finite(x)) throw overflow();
          s.sxx = NaN;
        }
        if (!finite(s.sy) || !finite(s.syy)) {
          if (finite(before.sy) && finite(y)) throw overflow();
          s.syy = NaN;
        }
        if (!finite(s.sxy)) {
          if (finite(before.sx) && finite(x) && finite(before.sy) && finite(y)) throw overflow();
          s.sxy = NaN;
        }
      } else {
        if (!Number.isFinite(x)) s.sxx = s.sxy = NaN;
        if (!Number.isFinite(y)) s.syy = s.sxy = NaN;
      }
    },
    result: () => final(s),
  };
}

function overflow(): SqlError {
  return new SqlError('22003', 'value out of range: overflow');
}
