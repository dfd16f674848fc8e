import { convertTypeName, unsupported } from '../sql/convert.js';
import type { CommentObjectType, CommentStatement } from './comment-ast.js';

// libpg-query nodes are `{ NodeName: { ...fields } }` with every field optional.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const OBJECT_TYPES: Record<string, CommentObjectType | undefined> = {
  OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_INDEX: 'index', OBJECT_SEQUENCE: 'sequence', OBJECT_COLUMN: 'column',
  OBJECT_SCHEMA: 'schema', OBJECT_FUNCTION: 'function', OBJECT_PROCEDURE: 'procedure', OBJECT_ROUTINE: 'routine',
  OBJECT_TABCONSTRAINT: 'table-constraint', OBJECT_DOMCONSTRAINT: 'domain-constraint', OBJECT_DOMAIN: 'domain', OBJECT_TYPE: 'type',
  OBJECT_ROLE: 'role', OBJECT_DATABASE: 'database',
};

/** A CommentStmt; kinds of object Strata does not have (triggers, extensions, casts, …) are refused. */
export function convertComment(n: Json): CommentStatement {
  const objtype = String(n.objtype);
  const objectType = OBJECT_TYPES[objtype];
  if (!objectType) throw unsupported(`COMMENT ON ${objtype.replace('OBJECT_', '').replace(/_/g, ' ')} is not supported`);
  const description = typeof n.comment === 'string' ? n.comment : null;
  const object = n.object as Json;
  if (object.ObjectWithArgs) {
    const withArgs = object.ObjectWithArgs;
    const argTypes = withArgs.args_unspecified ? null : ((withArgs.objargs ?? []) as Json[]).map((t) => convertTypeName(t.TypeName ?? t));
    return { kind: 'comment', objectType, names: (withArgs.objname as Json[]).map(text), argTypes, description };
  }
  return { kind: 'comment', objectType, names: objectNames(object), argTypes: null, description };
}

function objectNames(object: Json): string[] {
  if (object.String) return [text(object)];
  if (object.TypeName) return typeNames(object.TypeName);
  // A list: a qualified name, or (domain constraint) the domain's type name then the constraint's.
  return (object.List.items as Json[]).flatMap((item) => (item.TypeName ? typeNames(item.TypeName) : [text(item)]));
}

function typeNames(typeName: Json): string[] {
  return (typeName.names as Json[]).map(text);
}

function text(node: Json): string {
  return String(node.String.sval);
}
