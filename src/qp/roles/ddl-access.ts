import { SqlError } from '../../contracts/errors.js';
import type { WriteEntry } from '../../contracts/kv.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import type { Statement } from '../sql/ast.js';
import { accessWrites, ADMIN_ROLE_OID } from './access-catalog.js';
import type { ObjectKind } from './acl.js';
import { columnsAllow } from './column-privileges.js';
import { creationAcl, schemaDefaultAcls } from './default-privileges.js';
import { hasPrivilege, isOwner, mustBeOwner, permissionDenied } from './object-privileges.js';

/**
 * Who may run a DDL statement, decided from the catalog writes it produced, so every DDL path
 * (tables, indexes, views, functions, sequences, domains, schemas — and ones added later) is
 * covered without each knowing about roles: creating an object needs CREATE on its schema (a
 * schema: the database owner, `admin`); changing or dropping one needs its ownership, except
 * objects that go with a schema being dropped (PostgreSQL asks only for the schema's). The
 * returned writes record a new object's owner when it is not `admin`, and forget the owner and
 * ACL of a dropped object.
 */
const CATALOG_OBJECT_INDEXES: Record<number, ObjectKind | 'type' | undefined> = { 1: 'table', 2: 'schema', 5: 'view', 6: 'function', 7: 'sequence', 8: 'type' };

interface ObjectWrite {
  readonly kind: ObjectKind | 'type';
  readonly oid: number;
  readonly name: string;
  readonly schema: string | null;
  readonly existed: boolean;
  readonly deleted: boolean;
  /**
   * Written again unchanged: a referenced table's record is, when a foreign key to it is added
   * or dropped, to bump its schema version. That changes nothing its owner decides.
   */
  readonly touched: boolean;
  /** The oids of the tables the written record's foreign keys reference, each with the key's oid. */
  readonly foreignKeys: readonly { readonly oid: number; readonly referencedTableId: number; readonly referencedColumns: readonly number[] }[];
}

const decoder = new TextDecoder();

function decodeWrite(write: WriteEntry, before: CatalogSnapshot): ObjectWrite | null {
  const key = write.key;
  if (key.length < 6 || key[0] !== 0 || key[1] !== 0 || key[2] !== 0 || key[3] !== 1) return null;
  const kind = CATALOG_OBJECT_INDEXES[(key[4]! << 8) | key[5]!];
  if (kind === undefined) return null;
  if (kind === 'schema') {
    const name = decoder.decode(key.subarray(6, key.length - 1));
    const existing = before.schema(name);
    const oid = existing?.oid ?? (JSON.parse(decoder.decode(write.value!)) as { oid: number }).oid;
    return { kind, oid, name, schema: null, existed: existing !== undefined, deleted: write.value === null, touched: false, foreignKeys: [] };
  }
  const oid = Buffer.from(key.buffer, key.byteOffset, key.byteLength).readUInt32BE(6);
  const text = write.value !== null ? decoder.decode(write.value) : null;
  const record = text !== null ? JSON.parse(text) as { name: string; schema: string; foreignKeys?: ObjectWrite['foreignKeys'] } : null;
  const old = existingObject(before, kind, oid);
  const described = record ?? old;
  if (!described) return null;
  const touched = kind === 'table' && old !== null && text === JSON.stringify(old);
  return { kind, oid, name: described.name, schema: described.schema, existed: old !== null, deleted: write.value === null, touched, foreignKeys: record?.foreignKeys ?? [] };
}

function existingObject(catalog: CatalogSnapshot, kind: ObjectKind | 'type', oid: number): { name: string; schema: string } | null {
  switch (kind) {
    case 'table': return catalog.tableById(oid) ?? null;
    case 'view': return [...catalog.allViews()].find((v) => v.id === oid) ?? null;
    case 'sequence': return catalog.sequenceById(oid) ?? null;
    case 'type': return catalog.domainById(oid) ?? null;
    case 'function': return catalog.allFunctions().find((f) => f.id === oid) ?? null;
    default: return null;
  }
}

/** Throws 42501 when `roleOid` may not make these writes; else returns the owner/ACL writes to add. */
export function checkDdlWrites(writes: readonly WriteEntry[], before: CatalogSnapshot, roleOid: number): WriteEntry[] {
  const objects = writes.map((w) => decodeWrite(w, before)).filter((o): o is ObjectWrite => o !== null);
  // ALTER SCHEMA … RENAME TO writes the schema again under its new name with its oid, and the
  // objects in it: RenameSchema checked the owner and CREATE on the database (ddl-rename-schema.ts);
  // the schema keeps its grants and default privileges, the objects their owners and grants.
  if (isSchemaRename(objects)) return [];
  const droppedSchemas = new Set(objects.filter((o) => o.kind === 'schema' && o.deleted).map((o) => o.name));
  const extra: WriteEntry[] = [];
  for (const object of objects) {
    if (!object.existed) {
      if (object.deleted) continue;
      checkCreate(object, before, roleOid);
      // ALTER DEFAULT PRIVILEGES of the creating role decide the new object's ACL (domains have none here).
      const acl = object.kind === 'type' ? null : creationAcl(before, roleOid, object.kind === 'schema' ? 0 : before.schema(object.schema ?? '')?.oid ?? 0, object.kind);
      if (roleOid !== ADMIN_ROLE_OID || acl !== null) extra.push(accessWrites.putObjectAcl({ oid: object.oid, owner: roleOid, acl }));
      continue;
    }
    if (object.kind === 'schema' && object.deleted) for (const d of schemaDefaultAcls(before, object.oid)) extra.push(accessWrites.deleteDefaultAcl(d));
    if (object.touched) continue;
    if (object.schema !== null && droppedSchemas.has(object.schema)) {
      if (before.access.objectAcl(object.oid)) extra.push(accessWrites.deleteObjectAcl(object.oid));
      continue;
    }
    if (!isOwner(before, roleOid, object.oid) && !(object.deleted && ownsSchema(before, roleOid, object.schema))) throw mustBeOwner(object.kind, object.name);
    if (object.deleted && before.access.objectAcl(object.oid)) extra.push(accessWrites.deleteObjectAcl(object.oid));
  }
  for (const object of objects) checkReferences(object, before, roleOid);
  return extra;
}

function isSchemaRename(objects: readonly ObjectWrite[]): boolean {
  const deleted = new Set(objects.filter((o) => o.kind === 'schema' && o.deleted).map((o) => o.oid));
  return objects.some((o) => o.kind === 'schema' && !o.deleted && !o.existed && deleted.has(o.oid));
}

/** A foreign key added to a table needs REFERENCES on the table it references, or on the columns it references (PostgreSQL's checkFkeyPermissions). */
function checkReferences(object: ObjectWrite, before: CatalogSnapshot, roleOid: number): void {
  if (object.kind !== 'table' || object.deleted || object.touched) return;
  const existing = new Set((before.tableById(object.oid)?.foreignKeys ?? []).map((fk) => fk.oid));
  for (const fk of object.foreignKeys) {
    if (existing.has(fk.oid) || fk.referencedTableId === object.oid) continue;
    const referenced = before.tableById(fk.referencedTableId);
    if (!referenced || hasPrivilege(before, roleOid, referenced.id, 'table', 'x')) continue;
    if (!columnsAllow(before, roleOid, referenced, 'x', fk.referencedColumns.map((p) => referenced.columns[p]!.name))) throw permissionDenied('table', referenced.name);
  }
}

/** The owner of a schema may drop what is in it (PostgreSQL's rule for DROP). */
function ownsSchema(catalog: CatalogSnapshot, roleOid: number, schemaName: string | null): boolean {
  const schema = schemaName !== null ? catalog.schema(schemaName) : undefined;
  return schema !== undefined && isOwner(catalog, roleOid, schema.oid);
}

/**
 * DROP and ALTER TABLE name existing objects: their ownership is checked before the statement
 * runs, as PostgreSQL does, so a non-owner hears "must be owner", not about dependencies.
 */
export function checkNamedOwnership(statement: Statement, catalog: CatalogSnapshot, roleOid: number, searchPath: readonly string[]): void {
  const find = (names: readonly string[]): { oid: number; schema: string; name: string } | undefined => {
    const name = names[names.length - 1]!;
    for (const schema of names.length > 1 ? [names[names.length - 2]!] : searchPath) {
      const found = catalog.table(schema, name) ?? catalog.view(schema, name);
      if (found) return { oid: found.id, schema, name };
    }
    return undefined;
  };
  if (statement.kind === 'drop' && (statement.objectType === 'table' || statement.objectType === 'view')) {
    for (const names of statement.names) {
      const found = find(names);
      if (found && !isOwner(catalog, roleOid, found.oid) && !ownsSchema(catalog, roleOid, found.schema)) throw mustBeOwner(statement.objectType, found.name);
    }
  }
  if (statement.kind === 'alter-table') {
    const found = find(statement.schema !== null ? [statement.schema, statement.table] : [statement.table]);
    if (found && !isOwner(catalog, roleOid, found.oid)) throw mustBeOwner('table', found.name);
  }
}

function checkCreate(object: ObjectWrite, before: CatalogSnapshot, roleOid: number): void {
  if (object.kind === 'schema') {
    // CREATE on the database: its owner, admin, has it, and it cannot be granted here.
    if (!before.access.hasPrivilegesOf(roleOid, ADMIN_ROLE_OID)) throw new SqlError('42501', 'permission denied for database postgres');
    return;
  }
  const schema = object.schema !== null ? before.schema(object.schema) : undefined;
  if (schema && !hasPrivilege(before, roleOid, schema.oid, 'schema', 'C')) throw permissionDenied('schema', schema.name);
}
