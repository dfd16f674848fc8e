import { SqlError } from '../../contracts/errors.js';
import { CatalogChange, type CatalogSnapshot } from '../catalog/catalog.js';
import { accessWrites, type AclItem } from './access-catalog.js';
import { effectivePrivileges, grantTo, privilegeLetters, revokeFrom, type ObjectKind } from './acl.js';
import { aclOf, isOwner, permissionDenied } from './object-privileges.js';
import type { GrantTarget, RelationName, RoleStatement } from './role-ast.js';
import { resolveRoleSpec, type RoleDdlContext, type RoleDdlResult } from './role-ddl.js';
import { lookupRoutine, routinesInSchema } from './routine-lookup.js';
import { columnAclChanges } from './column-privileges.js';

/**
 * GRANT and REVOKE of object privileges, with PostgreSQL's rules: the grantor is the owner when
 * the current role has the owner's privileges, else the current role with its grant options;
 * granting what one cannot grant is a WARNING, holding nothing at all is 42501; a REVOKE that
 * would orphan privileges granted onward needs CASCADE (2BP01 otherwise).
 */
interface GrantObject {
  readonly oid: number;
  readonly kind: ObjectKind;
  readonly name: string;
}

/** Bounds the CASCADE walk: each round removes at least one item, so the ACL's length bounds it too. */
const MAX_CASCADE_ROUNDS = 1000;

type GrantStatement = Extract<RoleStatement, { kind: 'grant-privileges' }>;

export function executeGrantPrivileges(statement: GrantStatement, ctx: RoleDdlContext): RoleDdlResult {
  const objects = grantObjects(statement.target, ctx);
  const grantees = statement.grantees.map((spec) => resolveRoleSpec(spec, ctx, true));
  const change = new CatalogChange(ctx.catalog);
  const notices: SqlError[] = [];
  for (const object of objects) {
    const columnsNamed = statement.columnPrivileges.length > 0;
    if (columnsNamed && object.kind !== 'table') {
      throw object.kind === 'view' ? new SqlError('0A000', 'column privileges on views are not supported') : new SqlError('0LP01', 'column privileges are only valid for relations');
    }
    // Only column privileges named (`GRANT SELECT (a) ON t`): the table's own ACL is not touched.
    const requested = columnsNamed && statement.privileges?.length === 0 ? '' : privilegeLetters(statement.privileges, object.kind);
    if (requested !== '') {
      const acl = statement.grant
        ? grantOn(object, requested, statement, grantees, ctx, notices)
        : revokeOn(object, requested, statement, grantees, ctx, notices);
      if (acl !== null) change.writes.push(accessWrites.putObjectAcl({ oid: object.oid, owner: ctx.catalog.access.ownerOf(object.oid), acl }));
    }
    const table = object.kind === 'table' ? ctx.catalog.tableById(object.oid) : undefined;
    const columns = table ? columnAclChanges(statement, table, requested, grantees, ctx, notices) : null;
    if (columns) change.putTable(columns);
  }
  return { tag: statement.grant ? 'GRANT' : 'REVOKE', writes: change.finish(), notices };
}

/** The grantor and the privileges it may pass on (select_best_grantor), or a 42501 when the role holds nothing. */
function grantorFor(object: GrantObject, requested: string, ctx: RoleDdlContext): { grantor: number; grantable: string; holdsAny: boolean } {
  const { catalog } = ctx;
  const owner = catalog.access.ownerOf(object.oid);
  if (isOwner(catalog, ctx.currentRole, object.oid)) return { grantor: owner, grantable: requested, holdsAny: true };
  const held = effectivePrivileges(aclOf(catalog, object.oid, object.kind), owner, ctx.currentRole, catalog.access, object.kind);
  const grantable = requested.split('').filter((l) => held.grantOptions.includes(l)).join('');
  return { grantor: ctx.currentRole, grantable, holdsAny: held.privileges !== '' || held.grantOptions !== '' };
}

function grantOn(object: GrantObject, requested: string, statement: GrantStatement, grantees: readonly number[], ctx: RoleDdlContext, notices: SqlError[]): AclItem[] | null {
  const { grantor, grantable, holdsAny } = grantorFor(object, requested, ctx);
  if (!holdsAny) throw permissionDenied(object.kind, object.name);
  if (grantable === '') {
    notices.push(new SqlError('01007', `no privileges were granted for "${object.name}"`));
    return null;
  }
  if (statement.privileges !== null && grantable !== requested) notices.push(new SqlError('01007', `not all privileges were granted for "${object.name}"`));
  if (statement.grantOption && grantees.includes(0)) throw new SqlError('0LP01', 'grant options can only be granted to roles');
  let acl = [...aclOf(ctx.catalog, object.oid, object.kind)];
  for (const grantee of grantees) acl = grantTo(acl, grantee, grantor, grantable, statement.grantOption);
  return acl;
}

function revokeOn(object: GrantObject, requested: string, statement: GrantStatement, grantees: readonly number[], ctx: RoleDdlContext, notices: SqlError[]): AclItem[] | null {
  const { grantor, grantable, holdsAny } = grantorFor(object, requested, ctx);
  if (!holdsAny) throw permissionDenied(object.kind, object.name);
  if (grantable === '') {
    notices.push(new SqlError('01006', `no privileges could be revoked for "${object.name}"`));
    return null;
  }
  if (statement.privileges !== null && grantable !== requested) notices.push(new SqlError('01006', `not all privileges could be revoked for "${object.name}"`));
  let acl = [...aclOf(ctx.catalog, object.oid, object.kind)];
  for (const grantee of grantees) acl = revokeFrom(acl, grantee, grantor, grantable, statement.grantOption);
  return revokeDependents(acl, object, statement.cascade, ctx.catalog);
}

/**
 * Privileges granted onward by a role that no longer holds their grant option must go too:
 * with CASCADE they are revoked (and so on down the chain), without it the REVOKE fails.
 */
function revokeDependents(acl: AclItem[], object: GrantObject, cascade: boolean, catalog: CatalogSnapshot): AclItem[] {
  const owner = catalog.access.ownerOf(object.oid);
  for (let round = 0; round < MAX_CASCADE_ROUNDS; round++) {
    const orphan = acl.find((item) => {
      if (item.grantor === owner) return false;
      const held = effectivePrivileges(acl, owner, item.grantor, catalog.access, object.kind).grantOptions;
      return item.privileges.split('').some((l) => !held.includes(l));
    });
    if (!orphan) return acl;
    if (!cascade) throw new SqlError('2BP01', 'dependent privileges exist', { hint: 'Use CASCADE to revoke them too.' });
    const held = effectivePrivileges(acl, owner, orphan.grantor, catalog.access, object.kind).grantOptions;
    const lost = orphan.privileges.split('').filter((l) => !held.includes(l)).join('');
    acl = revokeFrom(acl, orphan.grantee, orphan.grantor, lost, false);
  }
  throw new Error(`assertion failed: REVOKE CASCADE on ${object.name} did not settle`);
}

function grantObjects(target: GrantTarget, ctx: RoleDdlContext): GrantObject[] {
  const { catalog } = ctx;
  switch (target.kind) {
    case 'tables': return target.relations.map((r) => relationObject(r, ctx, false));
    case 'sequences': return target.relations.map((r) => relationObject(r, ctx, true));
    case 'schemas': return target.names.map((name) => {
      const schema = catalog.schema(name);
      if (!schema) throw new SqlError('3F000', `schema "${name}" does not exist`);
      return { oid: schema.oid, kind: 'schema' as const, name };
    });
    case 'all-tables-in-schema':
    case 'all-sequences-in-schema': {
      const out: GrantObject[] = [];
      for (const name of target.schemas) {
        if (!catalog.schema(name)) throw new SqlError('3F000', `schema "${name}" does not exist`);
        if (target.kind === 'all-sequences-in-schema') {
          for (const s of catalog.allSequences()) if (s.schema === name) out.push({ oid: s.id, kind: 'sequence', name: s.name });
          continue;
        }
        for (const t of catalog.allTables()) if (t.schema === name) out.push({ oid: t.id, kind: 'table', name: t.name });
        for (const v of catalog.allViews()) if (v.schema === name) out.push({ oid: v.id, kind: 'view', name: v.name });
      }
      return out.sort((a, b) => a.oid - b.oid);
    }
    case 'routines': return target.routines.map((routine) => {
      const fn = lookupRoutine(catalog, ctx.searchPath, routine, target.word);
      return { oid: fn.id, kind: 'function' as const, name: fn.name };
    });
    case 'all-routines-in-schema':
      return target.schemas.flatMap((schema) => routinesInSchema(catalog, schema, target.word))
        .map((fn) => ({ oid: fn.id, kind: 'function' as const, name: fn.name })).sort((a, b) => a.oid - b.oid);
  }
}

/** A table or view (GRANT … ON TABLE) or a sequence (ON SEQUENCE), looked up on the search path. */
function relationObject(relation: RelationName, ctx: RoleDdlContext, sequence: boolean): GrantObject {
  const { catalog } = ctx;
  const schemas = relation.schema !== null ? [relation.schema] : ctx.searchPath;
  if (relation.schema !== null && !catalog.schema(relation.schema)) throw new SqlError('3F000', `schema "${relation.schema}" does not exist`);
  for (const schema of schemas) {
    const found = catalog.sequence(schema, relation.name);
    if (found) {
      if (!sequence) throw new SqlError('0A000', `GRANT … ON TABLE of sequence "${relation.name}" is not supported; use GRANT … ON SEQUENCE`);
      return { oid: found.id, kind: 'sequence', name: found.name };
    }
    const table = catalog.table(schema, relation.name);
    const view = catalog.view(schema, relation.name);
    if (sequence && (table || view)) throw new SqlError('42809', `"${relation.name}" is not a sequence`);
    if (table) return { oid: table.id, kind: 'table', name: table.name };
    if (view) return { oid: view.id, kind: 'view', name: view.name };
  }
  const qualified = relation.schema !== null ? `${relation.schema}.${relation.name}` : relation.name;
  throw new SqlError('42P01', `relation "${qualified}" does not exist`);
}
