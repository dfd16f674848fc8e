import type { SqlValue } from '../../contracts/sql-value.js';
import { quoteIdent } from './catalog-objects.js';

/**
 * Every table and view has a composite row type in pg_type, as in PostgreSQL: typtype 'c',
 * typcategory 'C', named as the relation, in its schema, typrelid the relation, with its array
 * type `_name`; pg_class.reltype names it (Prisma's introspection keeps only relations with
 * reltype > 0). Indexes and sequences have none, as in PostgreSQL 15. The types are catalog
 * rows only: a value cannot be cast to a table's row type.
 *
 * Strata keeps no oid for these types; they are derived from the relation's oid. Relation oids
 * stay below 2^28 (user ones count up from 16384, the built-in catalogs' are below it), as the
 * constraint oids (0x80000000 + index oid) and rule oids (0xb0000000 + view oid mod 2^28)
 * already assume, so the row types take 0x90000000 + relation oid and their arrays 0xa0000000 +
 * relation oid: the two ranges between those, which no other object's oid falls in (attrdef
 * oids are below 0x80000000, CHECK constraints' from 0xc0000000).
 */
const ROW_TYPE_BASE = 0x90000000;
const ROW_ARRAY_TYPE_BASE = 0xa0000000;
const RANGE = 0x10000000;
/** NAMEDATALEN - 1: PostgreSQL's makeArrayTypeName truncates `_name` to a name's length. */
const NAME_LENGTH = 63;

export function rowTypeOid(relid: number): number {
  return ROW_TYPE_BASE + relid;
}

export function rowArrayTypeOid(relid: number): number {
  return ROW_ARRAY_TYPE_BASE + relid;
}

/** The relation whose row type (or that type's array) `oid` is; null for any other oid. */
export function rowTypeRelation(oid: number): { relid: number; array: boolean } | null {
  if (oid >= ROW_TYPE_BASE && oid < ROW_TYPE_BASE + RANGE) return { relid: oid - ROW_TYPE_BASE, array: false };
  if (oid >= ROW_ARRAY_TYPE_BASE && oid < ROW_ARRAY_TYPE_BASE + RANGE) return { relid: oid - ROW_ARRAY_TYPE_BASE, array: true };
  return null;
}

/** A relation that has a row type, as pg_type needs it. */
export interface RowTypeRelation {
  readonly oid: number;
  readonly name: string;
  readonly namespace: number;
  readonly owner: number;
}

/**
 * The pg_type rows of the relations' row types and their arrays, in pg_type's column order:
 * oid typname typnamespace typowner typlen typbyval typtype typcategory typisdefined typdelim
 * typrelid typelem typarray typbasetype typtypmod typnotnull typcollation typdefault typstorage typacl.
 */
export function rowTypeRows(relations: Iterable<RowTypeRelation>): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const r of relations) {
    const type = rowTypeOid(r.oid);
    const array = rowArrayTypeOid(r.oid);
    rows.push([type, r.name, r.namespace, r.owner, -1, false, 'c', 'C', true, ',', r.oid, 0, array, 0, -1, false, 0, null, 'x', null]);
    rows.push([array, `_${r.name}`.slice(0, NAME_LENGTH), r.namespace, r.owner, -1, false, 'b', 'A', true, ',', 0, type, 0, 0, -1, false, 0, null, 'x', null]);
  }
  return rows;
}

/**
 * format_type / regtypeout of a row type or its array: the relation's name (`[]` after it for
 * the array), schema-qualified when the type is not visible; undefined for any other oid.
 */
export function rowTypeName(
  oid: number, relation: (relid: number) => { schema: string; name: string } | undefined, visible: (schema: string, name: string) => boolean,
): string | undefined {
  const found = rowTypeRelation(oid);
  const rel = found && relation(found.relid);
  if (!found || !rel) return undefined;
  const name = visible(rel.schema, rel.name) ? quoteIdent(rel.name) : `${quoteIdent(rel.schema)}.${quoteIdent(rel.name)}`;
  return found.array ? `${name}[]` : name;
}
