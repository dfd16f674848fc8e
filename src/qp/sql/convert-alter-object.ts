import { SqlError } from '../../contracts/errors.js';
import { alterTableForm, objectTypeWords } from './statement-forms.js';
import type { AlteredObject, AlterObjectStatement } from './ast.js';
import { convertTypeName, unsupported } from './convert.js';

/**
 * Conversion of OWNER TO and SET SCHEMA on views, sequences, functions and schemas (and SET
 * SCHEMA on tables), which DSQL accepts (reference/dsql.md §2.2, §2.4). ALTER TABLE … OWNER TO
 * stays an ALTER TABLE action (convert.ts).
 */

// libpg-query nodes are `{ NodeName: { ...fields } }` with every field optional.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const OBJECT_TYPES: Record<string, AlteredObject['objectType'] | undefined> = {
  OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_SEQUENCE: 'sequence', OBJECT_FUNCTION: 'function', OBJECT_ROUTINE: 'function', OBJECT_SCHEMA: 'schema',
};

/** The new owner: a role name, or null for CURRENT_USER / SESSION_USER (resolved where it runs). */
export function ownerRole(newowner: Json): string | null {
  const spec = newowner.RoleSpec ?? newowner;
  if (spec.roletype === 'ROLESPEC_PUBLIC') throw new SqlError('42704', 'role "public" does not exist');
  return spec.roletype === 'ROLESPEC_CSTRING' ? String(spec.rolename) : null;
}

function relationNames(relation: Json): string[] {
  return relation.schemaname ? [relation.schemaname, relation.relname] : [relation.relname];
}

/** The named object of an AlterOwnerStmt / AlterObjectSchemaStmt: a relation, a function with arguments, or a schema. */
function alteredObject(n: Json, objectType: string, what: string): AlteredObject {
  const kind = OBJECT_TYPES[objectType];
  if (!kind) throw unsupported(`ALTER ${objectType.replace('OBJECT_', '')} … ${what} is not supported`);
  const ifExists = !!n.missing_ok;
  if (n.relation) return { objectType: kind, names: relationNames(n.relation), argTypes: null, ifExists };
  const withArgs = n.object?.ObjectWithArgs;
  if (withArgs) {
    const argTypes = withArgs.args_unspecified ? null : ((withArgs.objargs ?? []) as Json[]).map((t) => convertTypeName(t.TypeName ?? t));
    return { objectType: kind, names: (withArgs.objname as Json[]).map((s) => String(s.String.sval)), argTypes, ifExists };
  }
  return { objectType: kind, names: [String(n.object.String.sval)], argTypes: null, ifExists };
}

/** ALTER FUNCTION/ROUTINE/SCHEMA … OWNER TO. */
export function convertAlterOwner(n: Json): AlterObjectStatement {
  return { kind: 'alter-owner', object: alteredObject(n, String(n.objectType), 'OWNER TO'), role: ownerRole(n.newowner) };
}

/** ALTER TABLE/VIEW/SEQUENCE/FUNCTION … SET SCHEMA. */
export function convertSetSchema(n: Json): AlterObjectStatement {
  return { kind: 'set-schema', object: alteredObject(n, String(n.objectType), 'SET SCHEMA'), newSchema: String(n.newschema) };
}

/** ALTER VIEW / ALTER SEQUENCE … OWNER TO arrive as an AlterTableStmt; other forms of those are not built. */
export function convertAlterRelationOwner(n: Json): AlterObjectStatement {
  const cmds = (n.cmds ?? []) as Json[];
  const objectType = String(n.objtype);
  const only = cmds.length === 1 ? cmds[0].AlterTableCmd : null;
  if (!only || only.subtype !== 'AT_ChangeOwner') {
    const other = cmds.map((c) => String(c.AlterTableCmd.subtype)).find((subtype) => subtype !== 'AT_ChangeOwner') ?? 'AT_ChangeOwner';
    throw unsupported(`ALTER ${objectTypeWords(objectType)} … ${other === 'AT_ChangeOwner' ? 'OWNER TO with other actions' : alterTableForm(other)} is not supported`);
  }
  return { kind: 'alter-owner', object: alteredObject({ relation: n.relation, missing_ok: n.missing_ok }, objectType, 'OWNER TO'), role: ownerRole(only.newowner) };
}
