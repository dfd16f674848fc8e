import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { parseOid } from './scalars.js';

/**
 * The object identifier types regclass, regtype, regproc, regnamespace and regrole, as
 * PostgreSQL has them: a value is an oid (a number here, as for oid), compared and sorted as
 * one, with its own type oid. What makes them differ from oid is their text form, the object's
 * name, which needs the catalog. The places that have one — the portal writing a result
 * (system/reg-output.ts), an explicit cast to a string type (catalog-functions.ts) — print the
 * name; the registry's catalog-free output (COPY, ||, to_json, an implicit cast to text) is
 * refused rather than print a number where PostgreSQL prints a name.
 */

export const REG_TYPE_OIDS: readonly number[] = [TypeOid.regclass, TypeOid.regtype, TypeOid.regproc, TypeOid.regnamespace, TypeOid.regrole];

const REG_TYPE_NAMES = new Map<number, string>([
  [TypeOid.regclass, 'regclass'], [TypeOid.regtype, 'regtype'], [TypeOid.regproc, 'regproc'],
  [TypeOid.regnamespace, 'regnamespace'], [TypeOid.regrole, 'regrole'],
]);

export function isRegType(oid: number): boolean {
  return REG_TYPE_NAMES.has(oid);
}

/** The reg* type's name ('regclass'), or undefined for any other type. */
export function regTypeName(oid: number): string | undefined {
  return REG_TYPE_NAMES.get(oid);
}

/** The reg* type a name denotes ('regclass' → 2205), or undefined. */
export function regTypeOid(name: string): number | undefined {
  for (const [oid, typname] of REG_TYPE_NAMES) if (typname === name) return oid;
  return undefined;
}

/**
 * The catalog-free input: an oid's digits, as every reg* input function accepts. A name needs
 * the catalog, which only a cast in a statement has (catalog-functions.ts), so it is refused
 * here rather than guessed.
 */
export function parseRegText(oid: number, text: string): SqlValue {
  if (/^\s*\d+\s*$/.test(text)) return parseOid(text.trim());
  throw new SqlError('0A000', `input of ${regTypeName(oid)} from a name is supported only in a cast of a constant or of a text value`);
}

/** The catalog-free output: refused, as above. */
export function formatRegText(oid: number): never {
  throw new SqlError('0A000', `output of type ${regTypeName(oid)} here is not supported; cast it to text explicitly`);
}
