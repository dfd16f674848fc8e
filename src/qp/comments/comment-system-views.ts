import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import { CommentClass, isSharedClass } from './comment-catalog.js';
import { commentedObjectExists } from './comment-objects.js';

/**
 * pg_description, pg_shdescription and the functions that read them (obj_description,
 * col_description, shobj_description), from the catalog snapshot's comments. A comment shows
 * only while its object exists: DDL deletes the comments of what it drops (comment-cleanup.ts),
 * and this check keeps a reader from ever seeing one that outlived its object.
 */
export const PG_DESCRIPTION_SPEC = 'objoid oid, classoid oid, objsubid int4, description text';
export const PG_SHDESCRIPTION_SPEC = 'objoid oid, classoid oid, description text';

export function pgDescriptionRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const c of catalog.comments.all()) {
    if (!isSharedClass(c.classOid) && commentedObjectExists(catalog, c)) rows.push([c.objectOid, c.classOid, c.subId, c.description]);
  }
  return rows;
}

export function pgShdescriptionRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const c of catalog.comments.all()) {
    if (isSharedClass(c.classOid) && commentedObjectExists(catalog, c)) rows.push([c.objectOid, c.classOid, c.description]);
  }
  return rows;
}

function description(catalog: CatalogSnapshot, classOid: number, objectOid: number, subId: number): string | null {
  const text = catalog.comments.get(classOid, objectOid, subId);
  return text !== null && commentedObjectExists(catalog, { classOid, objectOid, subId }) ? text : null;
}

/** The system catalogs by name, as obj_description's second argument names them (pg_class.relname in pg_catalog). */
const CATALOG_CLASSES: Record<string, number> = {
  pg_class: CommentClass.relation, pg_namespace: CommentClass.namespace, pg_proc: CommentClass.proc,
  pg_constraint: CommentClass.constraint, pg_type: CommentClass.type, pg_authid: CommentClass.role, pg_database: CommentClass.database,
};

/** obj_description(oid, catalog): the object's own comment in pg_description (shared catalogs have none there). */
export function objDescription(catalog: CatalogSnapshot, objectOid: number, catalogName: string): string | null {
  const classOid = CATALOG_CLASSES[catalogName];
  if (classOid === undefined || isSharedClass(classOid)) return null;
  return description(catalog, classOid, objectOid, 0);
}

/** obj_description(oid), deprecated: the comment of that oid in any catalog (user oids are unique across them here). */
export function anyObjDescription(catalog: CatalogSnapshot, objectOid: number): string | null {
  for (const classOid of [CommentClass.relation, CommentClass.namespace, CommentClass.proc, CommentClass.constraint, CommentClass.type]) {
    const text = description(catalog, classOid, objectOid, 0);
    if (text !== null) return text;
  }
  return null;
}

export function colDescription(catalog: CatalogSnapshot, relationOid: number, attnum: number): string | null {
  return description(catalog, CommentClass.relation, relationOid, attnum);
}

export function shobjDescription(catalog: CatalogSnapshot, objectOid: number, catalogName: string): string | null {
  const classOid = CATALOG_CLASSES[catalogName];
  if (classOid === undefined || !isSharedClass(classOid)) return null;
  return description(catalog, classOid, objectOid, 0);
}
