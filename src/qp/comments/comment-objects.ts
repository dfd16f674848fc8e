import type { CatalogSnapshot, DomainInfo, TableInfo } from '../catalog/catalog.js';
import { constraintOid } from '../system/catalog-objects.js';
import { checkOid } from '../system/check-catalog.js';
import { DATABASE } from '../system/database-privileges.js';
import { attributeNumbers } from '../sql/tuple-layout.js';
import { CommentClass, type CommentTarget } from './comment-catalog.js';

/**
 * The objects a comment can be on, as the catalog has them now: which exist, and the oids
 * pg_constraint shows for constraints (derived, not stored: see catalog-objects.ts).
 */

/** A table's constraints with their pg_constraint oids: PRIMARY KEY/UNIQUE, CHECK, FOREIGN KEY. */
export function tableConstraints(table: TableInfo): { readonly name: string; readonly oid: number }[] {
  const found: { name: string; oid: number }[] = [];
  for (const index of table.indexes) if (index.constraintName) found.push({ name: index.constraintName, oid: constraintOid(index) });
  (table.checks ?? []).forEach((check, i) => found.push({ name: check.name, oid: checkOid(table.id, i) }));
  for (const foreignKey of table.foreignKeys ?? []) found.push({ name: foreignKey.name, oid: foreignKey.oid });
  return found;
}

export function domainConstraints(domain: DomainInfo): { readonly name: string; readonly oid: number }[] {
  return domain.checks.map((check, i) => ({ name: check.name, oid: checkOid(domain.id, i) }));
}

/** Whether the object a comment names still exists in this catalog (pg_description lists only those). */
export function commentedObjectExists(catalog: CatalogSnapshot, target: CommentTarget): boolean {
  const oid = target.objectOid;
  switch (target.classOid) {
    case CommentClass.relation: return relationHasPart(catalog, oid, target.subId);
    case CommentClass.namespace: return [...catalog.allSchemas()].some((s) => s.oid === oid);
    case CommentClass.proc: return catalog.allFunctions().some((f) => f.id === oid);
    case CommentClass.type: return catalog.domainById(oid) !== undefined;
    case CommentClass.constraint: return constraintExists(catalog, oid);
    case CommentClass.role: return catalog.access.roleByOid(oid) !== undefined;
    case CommentClass.database: return oid === DATABASE.oid;
    default: return false;
  }
}

function relationHasPart(catalog: CatalogSnapshot, oid: number, subId: number): boolean {
  const table = catalog.tableById(oid);
  if (table) return subId === 0 || attributeNumbers(table).includes(subId);
  const view = [...catalog.allViews()].find((v) => v.id === oid);
  if (view) return subId <= view.columns.length;
  if (subId !== 0) return false;
  if (catalog.sequenceById(oid)) return true;
  return [...catalog.allTables()].some((t) => t.indexes.some((i) => i.oid === oid));
}

function constraintExists(catalog: CatalogSnapshot, oid: number): boolean {
  for (const table of catalog.allTables()) if (tableConstraints(table).some((c) => c.oid === oid)) return true;
  for (const domain of catalog.allDomains()) if (domainConstraints(domain).some((c) => c.oid === oid)) return true;
  return false;
}
