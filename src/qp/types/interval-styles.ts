import type { IntervalValue } from '../../contracts/sql-value.js';

/**
 * interval output in IntervalStyle postgres_verbose and iso_8601 (EncodeInterval). Both read
 * the same fields as postgres style; only sql_standard also changes how input is read, which is
 * why it is not offered (settings.ts).
 */
export type IntervalStyle = 'postgres' | 'postgres_verbose' | 'iso_8601';

interface IntervalFields { year: number; mon: number; mday: number; hour: bigint; min: bigint; sec: bigint; fsec: bigint }

const USECS_PER_HOUR = 3_600_000_000n;
const USECS_PER_MINUTE = 60_000_000n;
const USECS_PER_SEC = 1_000_000n;

/** interval2itm: every field carries the sign of the component it comes from (C division). */
function fields(v: IntervalValue): IntervalFields {
  let time = v.micros;
  const hour = time / USECS_PER_HOUR;
  time -= hour * USECS_PER_HOUR;
  const min = time / USECS_PER_MINUTE;
  time -= min * USECS_PER_MINUTE;
  const sec = time / USECS_PER_SEC;
  return { year: Math.trunc(v.months / 12), mon: v.months % 12 + 0, mday: v.days, hour, min, sec, fsec: time - sec * USECS_PER_SEC };
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** AppendSeconds without zero fill: whole seconds, then the fraction without trailing zeros. */
function seconds(sec: bigint, fsec: bigint): string {
  let out = String(abs(sec));
  if (fsec !== 0n) out += '.' + String(abs(fsec)).padStart(6, '0').replace(/0+$/, '');
  return out;
}

export function formatIntervalStyled(v: IntervalValue, style: IntervalStyle): string {
  return style === 'iso_8601' ? formatIso8601(v) : formatVerbose(v);
}

function formatIso8601(v: IntervalValue): string {
  const f = fields(v);
  const timeZero = f.hour === 0n && f.min === 0n && f.sec === 0n && f.fsec === 0n;
  if (f.year === 0 && f.mon === 0 && f.mday === 0 && timeZero) return 'PT0S';
  const part = (value: number | bigint, unit: string): string => (value === 0 || value === 0n ? '' : `${value}${unit}`);
  let out = 'P' + part(f.year, 'Y') + part(f.mon, 'M') + part(f.mday, 'D');
  if (!timeZero) out += 'T';
  out += part(f.hour, 'H') + part(f.min, 'M');
  if (f.sec !== 0n || f.fsec !== 0n) out += (f.sec < 0n || f.fsec < 0n ? '-' : '') + seconds(f.sec, f.fsec) + 'S';
  return out;
}

/** "@ 1 year 2 mons -3 days ago": the first field's sign becomes "ago", the rest are relative to it. */
function formatVerbose(v: IntervalValue): string {
  const f = fields(v);
  let out = '@';
  let isZero = true;
  let isBefore = false;
  const add = (value: bigint, unit: string): void => {
    if (value === 0n) return;
    if (isZero) { isBefore = value < 0n; value = abs(value); } else if (isBefore) value = -value;
    out += ` ${value} ${unit}${value === 1n ? '' : 's'}`;
    isZero = false;
  };
  add(BigInt(f.year), 'year');
  add(BigInt(f.mon), 'mon');
  add(BigInt(f.mday), 'day');
  add(f.hour, 'hour');
  add(f.min, 'min');
  if (f.sec !== 0n || f.fsec !== 0n) {
    out += ' ';
    if (f.sec < 0n || (f.sec === 0n && f.fsec < 0n)) {
      if (isZero) isBefore = true; else if (!isBefore) out += '-';
    } else if (isBefore) out += '-';
    out += seconds(f.sec, f.fsec) + ` sec${abs(f.sec) !== 1n || f.fsec !== 0n ? 's' : ''}`;
    isZero = false;
  }
  if (isZero) out += ' 0';
  if (isBefore) out += ' ago';
  return out;
}
