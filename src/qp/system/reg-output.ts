import type { FieldDescription, WireCell } from '../../contracts/sql-session.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import * as types from '../sql/typesystem.js';
import { regOidText, type CatalogScope } from './catalog-functions.js';

/**
 * A result's reg* columns in text format print the object's name (regclassout and friends),
 * which the type registry cannot give without a catalog. The portal calls this once per
 * statement, with the catalog the statement ran against, to put name-printing encoders in
 * place of those columns' catalog-free ones. The row description keeps the reg* type oid, and
 * binary format stays the oid, as PostgreSQL sends both.
 */

export type CellEncoder = (value: SqlValue) => WireCell;

/** Whether any column needs the catalog to be written: a reg* column in text format. */
export function needsRegNames(fields: readonly FieldDescription[], formats: readonly number[]): boolean {
  for (let i = 0; i < fields.length; i++) if (types.isRegType(fields[i]!.typeOid) && formatOf(formats, i) === 0) return true;
  return false;
}

/** The encoders with each reg* text column printing names from `scope`; the others as given. */
export function withRegNames(
  fields: readonly FieldDescription[], formats: readonly number[], encoders: readonly CellEncoder[], scope: CatalogScope,
): CellEncoder[] {
  return encoders.map((encoder, i) => {
    const oid = fields[i]!.typeOid;
    if (!types.isRegType(oid) || formatOf(formats, i) !== 0) return encoder;
    const show = regOidText(scope, types.regTypeName(oid)!);
    return (v) => (v === null ? null : show(v as number));
  });
}

/** The protocol layer has expanded a Bind's result formats to one per column; missing means text. */
function formatOf(formats: readonly number[], i: number): number {
  return formats[i] ?? 0;
}
