import type { SqlValue } from '../../contracts/sql-value.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import { attributeNumbers } from '../sql/tuple-layout.js';

/**
 * The catalog rows of sequences (src/qp/system/virtual-tables.ts registers the tables): what
 * psql's \ds and \d, and drivers looking for a column's sequence, read.
 */
const PG_CLASS = 1259;

/** pg_sequence: seqrelid seqtypid seqstart seqincrement seqmax seqmin seqcache seqcycle. */
export function pgSequenceRows(catalog: CatalogSnapshot): SqlValue[][] {
  return [...catalog.allSequences()].map((s) => [
    s.id, TypeOid.int8, BigInt(s.start), BigInt(s.increment), BigInt(s.maxValue), BigInt(s.minValue), BigInt(s.cache), s.cycle,
  ]);
}

/** information_schema.sequences (the SQL standard's view: bounds as text). */
export function informationSchemaSequenceRows(catalog: CatalogSnapshot): SqlValue[][] {
  return [...catalog.allSequences()].map((s) => [
    'postgres', s.schema, s.name, 'bigint', 64, 2, 0, s.start, s.minValue, s.maxValue, s.increment, s.cycle ? 'YES' : 'NO',
  ]);
}

/**
 * pg_depend's rows for sequence ownership only — 'i' for an identity column's sequence, 'a' for
 * OWNED BY — which psql's \d of a sequence reads ("Owned by:" / "Sequence for identity column:").
 * Strata records no other dependencies here.
 */
export function pgDependRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const s of catalog.allSequences()) {
    if (!s.ownedBy) continue;
    const table = catalog.tableById(s.ownedBy.tableId);
    const identity = table?.columns[s.ownedBy.column]?.identity?.sequenceId === s.id;
    // classid objid objsubid refclassid refobjid refobjsubid deptype
    rows.push([PG_CLASS, s.id, 0, PG_CLASS, s.ownedBy.tableId, table ? attributeNumbers(table)[s.ownedBy.column]! : s.ownedBy.column + 1, identity ? 'i' : 'a']);
  }
  return rows;
}

/** pg_class's columns for a sequence, in virtual-tables.ts's order. */
export function sequenceClassRows(catalog: CatalogSnapshot, namespaceOid: (schema: string) => number, owner: number, acl: (oid: number) => string | null): SqlValue[][] {
  return [...catalog.allSequences()].map((s) => [
    s.id, s.name, namespaceOid(s.schema), 0, catalog.access.objectAcl(s.id)?.owner ?? owner, 0, 'S', 'p', false, false, 3, -1, false, false, false, false, 'n', null, acl(s.id), 0, 0, 0, true, false, null, 0, 0,
  ]);
}
