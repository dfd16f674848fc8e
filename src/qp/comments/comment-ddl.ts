import { SqlError } from '../../contracts/errors.js';
import { CatalogChange, type CatalogSnapshot, type FunctionInfo, type TableInfo } from '../catalog/catalog.js';
import { ADMIN_ROLE_OID } from '../roles/access-catalog.js';
import { isOwner, mustBeOwner } from '../roles/object-privileges.js';
import { schemaHolding, type DdlContext, type DdlResult } from '../sql/ddl.js';
import { attributeNumbers } from '../sql/tuple-layout.js';
import * as types from '../sql/typesystem.js';
import type { CommentStatement } from './comment-ast.js';
import { CommentClass, commentWrite, type CommentTarget } from './comment-catalog.js';
import { domainConstraints, tableConstraints } from './comment-objects.js';
import { DATABASE } from '../system/database-privileges.js';

/**
 * COMMENT ON (reference/dsql.md §2.2: DSQL takes it on tables, columns and routines; Strata
 * takes it on every object kind it has that PostgreSQL 15 does). The description is one catalog
 * row (comment-catalog.ts) written by an ordinary DDL commit, so DSQL's one-DDL-per-transaction
 * rule applies to it as to any DDL. Lookups, privilege checks and errors are PostgreSQL's
 * (comment.c, objectaddress.c): the caller must own the object.
 */
export function executeComment(statement: CommentStatement, ctx: DdlContext): DdlResult {
  const roleOid = ctx.catalog.access.role(ctx.sessionUser)?.oid ?? -1;
  // comment.c: a dump may name a database by its old name, so a missing one is only warned about.
  if (statement.objectType === 'database' && statement.names[0] !== DATABASE.name) {
    return { tag: 'COMMENT', writes: [], notice: `database "${statement.names[0]}" does not exist` };
  }
  const target = commentTarget(statement, ctx, roleOid);
  const change = new CatalogChange(ctx.catalog);
  const write = commentWrite(target, statement.description);
  change.putRow(write.key, write.value);
  return { tag: 'COMMENT', writes: change.finish() };
}

type Relation =
  | { readonly kind: 'table'; readonly oid: number; readonly name: string; readonly table: TableInfo }
  | { readonly kind: 'view' | 'sequence' | 'index'; readonly oid: number; readonly name: string; readonly ownerOid: number };

function commentTarget(statement: CommentStatement, ctx: DdlContext, roleOid: number): CommentTarget {
  const names = statement.names;
  const last = names[names.length - 1]!;
  switch (statement.objectType) {
    case 'table': case 'view': case 'index': case 'sequence': {
      const relation = findRelation(ctx, names);
      if (relation.kind !== statement.objectType) throw new SqlError('42809', `"${relation.name}" is not ${article(statement.objectType)} ${statement.objectType}`);
      checkRelationOwner(ctx.catalog, roleOid, relation);
      return { classOid: CommentClass.relation, objectOid: relation.oid, subId: 0 };
    }
    case 'column': return columnTarget(ctx, names, roleOid);
    case 'table-constraint': {
      if (names.length < 2) throw new SqlError('42601', 'constraint name must be qualified');
      const relation = findRelation(ctx, names.slice(0, -1));
      const found = relation.kind === 'table' ? tableConstraints(relation.table).find((c) => c.name === last) : undefined;
      if (!found) throw new SqlError('42704', `constraint "${last}" for table "${relation.name}" does not exist`);
      checkRelationOwner(ctx.catalog, roleOid, relation, 'relation');
      return { classOid: CommentClass.constraint, objectOid: found.oid, subId: 0 };
    }
    case 'domain-constraint': {
      const domain = findDomain(ctx, names.slice(0, -1), true);
      const found = domainConstraints(domain).find((c) => c.name === last);
      if (!found) throw new SqlError('42704', `constraint "${last}" for domain ${domain.name} does not exist`);
      if (!isOwner(ctx.catalog, roleOid, domain.id)) throw mustBeOwner('type', domain.name);
      return { classOid: CommentClass.constraint, objectOid: found.oid, subId: 0 };
    }
    case 'domain': case 'type': {
      const domain = findDomain(ctx, names, statement.objectType === 'domain');
      if (!isOwner(ctx.catalog, roleOid, domain.id)) throw mustBeOwner('type', domain.name);
      return { classOid: CommentClass.type, objectOid: domain.id, subId: 0 };
    }
    case 'schema': {
      const schema = ctx.catalog.schema(last);
      if (!schema) throw new SqlError('3F000', `schema "${last}" does not exist`);
      if (!isOwner(ctx.catalog, roleOid, schema.oid)) throw mustBeOwner('schema', schema.name);
      return { classOid: CommentClass.namespace, objectOid: schema.oid, subId: 0 };
    }
    case 'function': case 'procedure': case 'routine': {
      const fn = findRoutine(statement, ctx);
      if (!isOwner(ctx.catalog, roleOid, fn.id)) throw new SqlError('42501', `must be owner of ${statement.objectType} ${fn.name}`);
      return { classOid: CommentClass.proc, objectOid: fn.id, subId: 0 };
    }
    case 'role': {
      const role = ctx.catalog.access.role(last);
      if (!role) throw new SqlError('42704', `role "${last}" does not exist`);
      // PostgreSQL: roles are "owned" by those with CREATEROLE, which only admin has here.
      if (roleOid !== ADMIN_ROLE_OID) throw new SqlError('42501', 'must have CREATEROLE privilege');
      return { classOid: CommentClass.role, objectOid: role.oid, subId: 0 };
    }
    case 'database': {
      if (roleOid !== ADMIN_ROLE_OID) throw new SqlError('42501', 'must be owner of database postgres');
      return { classOid: CommentClass.database, objectOid: DATABASE.oid, subId: 0 };
    }
  }
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}

/** The relation a (possibly qualified) name names, as RangeVarGetRelid finds it. */
function findRelation(ctx: DdlContext, names: readonly string[]): Relation {
  const name = names[names.length - 1]!;
  const schema = schemaHolding(ctx, names.length > 1 ? names[names.length - 2]! : null, (s) => ctx.catalog.relationExists(s, name));
  if (names.length > 1 && !ctx.catalog.schema(schema)) throw new SqlError('3F000', `schema "${schema}" does not exist`);
  const catalog = ctx.catalog;
  const table = catalog.table(schema, name);
  if (table) return { kind: 'table', oid: table.id, name, table };
  const view = catalog.view(schema, name);
  if (view) return { kind: 'view', oid: view.id, name, ownerOid: view.id };
  const sequence = catalog.sequence(schema, name);
  if (sequence) return { kind: 'sequence', oid: sequence.id, name, ownerOid: sequence.id };
  const index = catalog.index(schema, name);
  if (index) return { kind: 'index', oid: index.index.oid, name, ownerOid: index.table.id };
  throw new SqlError('42P01', `relation "${names.join('.')}" does not exist`);
}

/**
 * An index is its table's: PostgreSQL's index has the table's owner. The message names the
 * relation's kind, or "relation" for a column or constraint of it (aclchk.c's wording).
 */
function checkRelationOwner(catalog: CatalogSnapshot, roleOid: number, relation: Relation, word: string = relation.kind): void {
  const ownerOid = relation.kind === 'table' ? relation.table.id : relation.ownerOid;
  if (isOwner(catalog, roleOid, ownerOid)) return;
  throw new SqlError('42501', `must be owner of ${word} ${relation.name}`);
}

function columnTarget(ctx: DdlContext, names: readonly string[], roleOid: number): CommentTarget {
  if (names.length < 2) throw new SqlError('42601', 'column name must be qualified');
  const column = names[names.length - 1]!;
  const relation = findRelation(ctx, names.slice(0, -1));
  // PostgreSQL takes column comments on tables and views only (not index or sequence columns).
  if (relation.kind === 'index' || relation.kind === 'sequence') {
    throw new SqlError('42809', `cannot set comment on relation "${relation.name}"`, { detail: `This operation is not supported for ${relation.kind === 'index' ? 'indexes' : 'sequences'}.` });
  }
  let attnum = -1;
  if (relation.kind === 'table') {
    const position = relation.table.columns.findIndex((c) => c.name === column);
    if (position >= 0) attnum = attributeNumbers(relation.table)[position]!;
  } else {
    const view = [...ctx.catalog.allViews()].find((v) => v.id === relation.oid)!;
    attnum = view.columns.findIndex((c) => c.name === column) + 1;
  }
  if (attnum <= 0) throw new SqlError('42703', `column "${column}" of relation "${relation.name}" does not exist`);
  checkRelationOwner(ctx.catalog, roleOid, relation, 'relation');
  return { classOid: CommentClass.relation, objectOid: relation.oid, subId: attnum };
}

/** A domain by name; COMMENT ON TYPE of a built-in type names a type admin does not own. */
function findDomain(ctx: DdlContext, names: readonly string[], domainOnly: boolean) {
  const name = names[names.length - 1]!;
  const schemas = names.length > 1 ? [names[names.length - 2]!] : [schemaHolding(ctx, null, (s) => ctx.catalog.domain(s, name) !== undefined)];
  for (const schema of schemas) {
    const domain = ctx.catalog.domain(schema, name);
    if (domain) return domain;
  }
  let builtin: number | null = null;
  try {
    builtin = types.resolveTypeName({ names, typmods: [], arrayBounds: 0, location: -1 }).oid;
  } catch {
    builtin = null;
  }
  const shown = names.join('.');
  if (builtin === null) throw new SqlError('42704', `type "${shown}" does not exist`);
  const typeName = types.formatType(builtin, -1);
  if (domainOnly) throw new SqlError('42809', `"${typeName}" is not a domain`);
  throw mustBeOwner('type', typeName);
}

/** LookupFuncWithArgs: by name and argument types; without them the name must be unique. */
function findRoutine(statement: CommentStatement, ctx: DdlContext): FunctionInfo {
  const names = statement.names;
  const name = names[names.length - 1]!;
  const schema = schemaHolding(ctx, names.length > 1 ? names[names.length - 2]! : null, (s) => ctx.catalog.functions(s, name).length > 0);
  const word = statement.objectType;
  const argOids = statement.argTypes?.map((t) => types.resolveTypeName(t).oid) ?? null;
  const candidates = ctx.catalog.functions(schema, name).filter((f) => argOids === null || (f.args.length === argOids.length && f.args.every((a, i) => a.typeOid === argOids[i])));
  const signature = (oids: readonly number[]) => `${name}(${oids.map((o) => types.formatType(o, -1)).join(', ')})`;
  if (candidates.length === 0) {
    if (argOids === null) throw new SqlError('42883', `could not find a ${word} named "${name}"`);
    throw new SqlError('42883', `${word} ${signature(argOids)} does not exist`);
  }
  if (candidates.length > 1) throw new SqlError('42725', `${word} name "${name}" is not unique`, { hint: `Specify the argument list to select the ${word} unambiguously.` });
  const fn = candidates[0]!;
  // Strata has SQL functions only: a procedure is never found under that name.
  if (word === 'procedure') throw new SqlError('42809', `${signature(fn.args.map((a) => a.typeOid))} is not a procedure`);
  return fn;
}
