import { SqlError } from '../../contracts/errors.js';
import type { NumericValue, SqlValue } from '../../contracts/sql-value.js';
import { formatNumeric } from '../types/numeric.js';
import type { CatalogSnapshot, ViewInfo } from '../catalog/catalog.js';

/**
 * Views and relation sizes as psql's \d+ / \dt+ and pg_dump ask for them: pg_get_viewdef,
 * pg_rewrite's _RETURN rules, and pg_size_pretty / pg_size_bytes (the sizes: relation-size.ts).
 */

/**
 * pg_get_viewdef: the view's query as it was written, with PostgreSQL's leading space and
 * trailing semicolon (pg_dump strips the semicolon and expects it there). PostgreSQL prints
 * its own re-deparsed form instead (qualified column names, its layout); the text differs,
 * the query is the same. docs/sql.md records the difference.
 */
export function viewDefinitionText(view: ViewInfo): string {
  return ` ${view.definition.trim().replace(/;\s*$/, '')};`;
}

export function viewById(catalog: CatalogSnapshot, oid: number): ViewInfo | undefined {
  return [...catalog.allViews()].find((v) => v.id === oid);
}

interface SizeUnit { readonly name: string; readonly limit: bigint; readonly round: boolean; readonly bits: bigint }

/** PostgreSQL's size_pretty_units (dbsize.c): each unit up to its limit, half-rounded above bytes. */
const SIZE_UNITS: readonly SizeUnit[] = [
  { name: 'bytes', limit: 10n * 1024n, round: false, bits: 0n },
  { name: 'kB', limit: 20n * 1024n - 1n, round: true, bits: 10n },
  { name: 'MB', limit: 20n * 1024n - 1n, round: true, bits: 20n },
  { name: 'GB', limit: 20n * 1024n - 1n, round: true, bits: 30n },
  { name: 'TB', limit: 20n * 1024n - 1n, round: true, bits: 40n },
  { name: 'PB', limit: 20n * 1024n - 1n, round: true, bits: 50n },
];

/** pg_size_pretty(bigint), dbsize.c's loop: BigInt division truncates toward zero as C's does. */
export function sizePretty(bytes: bigint): string {
  let size = bytes;
  for (let i = 0; i < SIZE_UNITS.length; i++) {
    const unit = SIZE_UNITS[i]!;
    const next = SIZE_UNITS[i + 1];
    const magnitude = size < 0n ? -size : size;
    if (next === undefined || magnitude < unit.limit) {
      if (unit.round) size = (size + (size < 0n ? -1n : 1n)) / 2n;
      return `${size} ${unit.name}`;
    }
    const bits = next.bits - unit.bits - (next.round ? 1n : 0n) + (unit.round ? 1n : 0n);
    size /= 1n << bits;
  }
  throw new Error('unreachable: the last unit always answers');
}

/**
 * pg_size_pretty(numeric): below 10 kB the number as given, else the bigint form of its
 * truncated value (dbsize.c divides with truncation first, so the fraction never matters there).
 */
export function sizePrettyNumeric(size: NumericValue): string {
  if (size.special) return `${size.special} ${SIZE_UNITS[SIZE_UNITS.length - 1]!.name}`;
  const whole = size.coefficient / 10n ** BigInt(size.scale);
  const magnitude = whole < 0n ? -whole : whole;
  return magnitude < SIZE_UNITS[0]!.limit ? `${formatNumeric(size)} ${SIZE_UNITS[0]!.name}` : sizePretty(whole);
}

const INT8_MAX = 9223372036854775807n;
const SIZE_NUMBER = /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))((?:[eE][-+]?\d+)?)\s*(.*?)\s*$/s;

/**
 * pg_size_bytes(text), dbsize.c's parser: a number (sign, digits, fraction, exponent), spaces,
 * then an optional unit matched without case; the product is rounded as numeric → bigint rounds
 * (half away from zero).
 */
export function sizeBytes(text: string): bigint {
  const match = SIZE_NUMBER.exec(text);
  if (!match) throw new SqlError('22023', `invalid size: "${text}"`);
  const [, number, exponentText, unitText] = match as unknown as [string, string, string, string];
  let multiplier = 1n;
  if (unitText !== '') {
    const unit = SIZE_UNITS.find((u) => u.name.toLowerCase() === unitText.toLowerCase());
    if (!unit) {
      throw new SqlError('22023', `invalid size: "${text}"`, {
        detail: `Invalid size unit: "${unitText}".`, hint: 'Valid units are "bytes", "kB", "MB", "GB", "TB", and "PB".',
      });
    }
    multiplier = 1n << unit.bits;
  }
  const exponent = exponentText === '' ? 0 : Number(exponentText.slice(1));
  // numeric_in's bound on the exponent (NUMERIC_MAX_PRECISION), which also bounds the work here.
  if (Math.abs(exponent) > 1000) throw new SqlError('22P02', `invalid input syntax for type numeric: "${number}${exponentText}"`);
  const [whole = '', fraction = ''] = number.replace(/^[-+]/, '').split('.');
  let scale = fraction.length - exponent;
  let coefficient = BigInt((whole + fraction) || '0') * multiplier;
  if (number.startsWith('-')) coefficient = -coefficient;
  if (scale < 0) { coefficient *= 10n ** BigInt(-scale); scale = 0; }
  const divisor = 10n ** BigInt(scale);
  const magnitude = coefficient < 0n ? -coefficient : coefficient;
  const rounded = (magnitude + divisor / 2n) / divisor;
  const result = coefficient < 0n ? -rounded : rounded;
  if (result > INT8_MAX || result < -INT8_MAX - 1n) throw new SqlError('22003', 'bigint out of range');
  return result;
}

/**
 * Every view has its "_RETURN" rule in PostgreSQL; its oid is derived from the view's, in a
 * range the other derived oids (catalog-objects.ts, check-catalog.ts) do not use.
 */
const RULE_OID_BASE = 0xb0000000;

export function returnRuleOid(view: ViewInfo): number {
  return RULE_OID_BASE + (view.id % 0x10000000);
}

export const PG_REWRITE_SPEC = 'oid oid, rulename name, ev_class oid, ev_type char, ev_enabled char, is_instead bool, ev_qual text, ev_action text';

/** pg_rewrite: the _RETURN rule of each view (Strata has no other rules). */
export function pgRewriteRows(catalog: CatalogSnapshot): SqlValue[][] {
  return [...catalog.allViews()].map((view) => [returnRuleOid(view), '_RETURN', view.id, '1', 'O', true, null, null]);
}

/** pg_get_ruledef: NULL for an oid that is no rule; a view's _RETURN rule is not printed yet. */
export function ruleDefinition(catalog: CatalogSnapshot, oid: number): string | null {
  const view = [...catalog.allViews()].find((v) => returnRuleOid(v) === oid);
  if (view) throw new SqlError('0A000', 'pg_get_ruledef of a view\'s _RETURN rule not supported');
  return null;
}
