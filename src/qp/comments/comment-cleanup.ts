import type { WriteEntry } from '../../contracts/kv.js';
import { CATALOG_TABLE_ID, type CatalogSnapshot, type DomainInfo, type TableInfo } from '../catalog/catalog.js';
import { ROLES_INDEX } from '../roles/access-catalog.js';
import { attributeNumbers } from '../sql/tuple-layout.js';
import { CommentClass, commentWrite, type CommentTarget } from './comment-catalog.js';
import { domainConstraints, tableConstraints } from './comment-objects.js';

/**
 * Comments go with their objects, as PostgreSQL's DROP deletes pg_description rows: given the
 * catalog writes of one DDL statement, the comment writes to add to the same commit. Works on
 * the writes rather than on each kind of DROP, so every path that removes an object (DROP …
 * CASCADE, DROP SCHEMA, DROP COLUMN, a dropped constraint or index) is covered alike.
 *
 * A CHECK constraint's pg_constraint oid follows its position (check-catalog.ts), so when an
 * earlier one is dropped a later one's oid changes: its comment moves with it (matched by name;
 * a renamed constraint keeps its oid).
 */
const TABLES_INDEX = 1;
const SCHEMAS_INDEX = 2;
const VIEWS_INDEX = 5;
const FUNCTIONS_INDEX = 6;
const SEQUENCES_INDEX = 7;
const DOMAINS_INDEX = 8;

/** The catalog indexes of JSON object records whose deletion or change can drop a commented object. */
const OBJECT_INDEXES = new Set([TABLES_INDEX, VIEWS_INDEX, FUNCTIONS_INDEX, SEQUENCES_INDEX, DOMAINS_INDEX, ROLES_INDEX]);
const decoder = new TextDecoder();

export function commentWritesFor(writes: readonly WriteEntry[], before: CatalogSnapshot): WriteEntry[] {
  if (isEmpty(before)) return [];
  const deletes: CommentTarget[] = [];
  const moves: { from: CommentTarget; to: CommentTarget; description: string }[] = [];
  // A schema written again under another name with its oid was renamed: its comment stays.
  const keptSchemas = new Set(writes.filter((w) => w.value !== null && schemaWrite(w)).map((w) => (JSON.parse(decoder.decode(w.value!)) as { oid: number }).oid));
  for (const write of writes) {
    const key = Buffer.from(write.key.buffer, write.key.byteOffset, write.key.byteLength);
    if (key.length < 7 || key.readUInt32BE(0) !== CATALOG_TABLE_ID) continue;
    const index = key.readUInt16BE(4);
    if (index === SCHEMAS_INDEX) {
      const schema = before.schema(decoder.decode(key.subarray(6, key.length - 1)));
      if (schema && write.value === null && !keptSchemas.has(schema.oid)) deletes.push({ classOid: CommentClass.namespace, objectOid: schema.oid, subId: 0 });
      continue;
    }
    if (!OBJECT_INDEXES.has(index) || key.length < 10) continue;
    const oid = key.readUInt32BE(6);
    const value = write.value === null ? null : JSON.parse(decoder.decode(write.value));
    switch (index) {
      case TABLES_INDEX: tableChanged(before, before.tableById(oid), value as TableInfo | null, deletes, moves); break;
      case VIEWS_INDEX: if (value === null) deletes.push(...allOf(before, CommentClass.relation, oid)); break;
      case SEQUENCES_INDEX: if (value === null) deletes.push({ classOid: CommentClass.relation, objectOid: oid, subId: 0 }); break;
      case FUNCTIONS_INDEX: if (value === null) deletes.push({ classOid: CommentClass.proc, objectOid: oid, subId: 0 }); break;
      case DOMAINS_INDEX: domainChanged(before, before.domainById(oid), value as DomainInfo | null, deletes, moves); break;
      case ROLES_INDEX: if (value === null) deletes.push({ classOid: CommentClass.role, objectOid: oid, subId: 0 }); break;
      default: break;
    }
  }
  const out: WriteEntry[] = [];
  // Deletes first: a moved comment may land on a key another delete names.
  for (const target of [...deletes, ...moves.map((m) => m.from)]) {
    if (before.comments.get(target.classOid, target.objectOid, target.subId) !== null) out.push(commentWrite(target, null));
  }
  for (const move of moves) out.push(commentWrite(move.to, move.description));
  return out;
}

function schemaWrite(write: WriteEntry): boolean {
  const key = Buffer.from(write.key.buffer, write.key.byteOffset, write.key.byteLength);
  return key.length >= 7 && key.readUInt32BE(0) === CATALOG_TABLE_ID && key.readUInt16BE(4) === SCHEMAS_INDEX;
}

function isEmpty(catalog: CatalogSnapshot): boolean {
  for (const _ of catalog.comments.all()) return false;
  return true;
}

function allOf(before: CatalogSnapshot, classOid: number, objectOid: number): CommentTarget[] {
  return before.comments.ofObject(classOid, objectOid);
}

function tableChanged(before: CatalogSnapshot, old: TableInfo | undefined, next: TableInfo | null, deletes: CommentTarget[], moves: { from: CommentTarget; to: CommentTarget; description: string }[]): void {
  if (!old) return;
  const keptIndexes = new Set(next?.indexes.map((i) => i.oid) ?? []);
  for (const index of old.indexes) if (!keptIndexes.has(index.oid)) deletes.push({ classOid: CommentClass.relation, objectOid: index.oid, subId: 0 });
  const keptColumns = new Set(next === null ? [] : [0, ...attributeNumbers(next)]);
  for (const comment of allOf(before, CommentClass.relation, old.id)) if (!keptColumns.has(comment.subId)) deletes.push(comment);
  matchConstraints(before, tableConstraints(old), next === null ? [] : tableConstraints(next), deletes, moves);
}

function domainChanged(before: CatalogSnapshot, old: DomainInfo | undefined, next: DomainInfo | null, deletes: CommentTarget[], moves: { from: CommentTarget; to: CommentTarget; description: string }[]): void {
  if (!old) return;
  if (next === null) deletes.push({ classOid: CommentClass.type, objectOid: old.id, subId: 0 });
  matchConstraints(before, domainConstraints(old), next === null ? [] : domainConstraints(next), deletes, moves);
}

type Constraint = { readonly name: string; readonly oid: number };

/** A commented constraint keeps its comment under its new oid, or loses it when it is gone. */
function matchConstraints(before: CatalogSnapshot, old: readonly Constraint[], next: readonly Constraint[], deletes: CommentTarget[], moves: { from: CommentTarget; to: CommentTarget; description: string }[]): void {
  const oldNames = new Set(old.map((c) => c.name));
  for (const constraint of old) {
    const description = before.comments.get(CommentClass.constraint, constraint.oid, 0);
    if (description === null) continue;
    const from = { classOid: CommentClass.constraint, objectOid: constraint.oid, subId: 0 };
    // By name; else a rename (same oid, a name that was not there before).
    const now = next.find((c) => c.name === constraint.name) ?? next.find((c) => c.oid === constraint.oid && !oldNames.has(c.name));
    if (!now) deletes.push(from);
    else if (now.oid !== constraint.oid) moves.push({ from, to: { ...from, objectOid: now.oid }, description });
  }
}
