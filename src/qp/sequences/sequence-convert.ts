import { SqlError } from '../../contracts/errors.js';
import type { SequenceOption, Statement } from '../sql/ast.js';
import { convertTypeName, unsupported } from '../sql/convert.js';
import { checkDsqlCache, readOptions, SEQUENCE_CACHE_REFUSAL } from './sequence-options.js';

/**
 * CREATE/ALTER/DROP SEQUENCE and identity options, from libpg-query's JSON into Strata's AST.
 * Option values stay as written (numbers as decimal text): sequence-options.ts checks them
 * with PostgreSQL's rules and DSQL's.
 */

// libpg-query nodes are `{ NodeName: { ...fields } }` with every field optional.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function numberText(arg: Json, location: number): string {
  // libpg-query leaves out zero-valued fields: `{ Integer: {} }` is 0.
  if (arg.Integer) return String(arg.Integer.ival ?? 0);
  if (arg.Float) return String(arg.Float.fval);
  if (arg.TypeName) return String(arg.TypeName.names?.map((n: Json) => n.String.sval).join('.'));
  throw new SqlError('42601', 'syntax error in sequence option', { position: location + 1 });
}

export function convertSequenceOptions(list: readonly Json[] | undefined): SequenceOption[] {
  return (list ?? []).map((node): SequenceOption => {
    const element = node.DefElem;
    const name = String(element.defname);
    const location: number = element.location ?? -1;
    const arg = element.arg;
    if (arg === undefined || arg === null) return { name, value: null, location };
    if (arg.TypeName && name === 'as') return { name, value: { kind: 'type', type: convertTypeName(arg.TypeName) }, location };
    if (arg.Boolean) return { name, value: { kind: 'bool', value: !!arg.Boolean.boolval }, location };
    if (arg.List) return { name, value: { kind: 'names', names: (arg.List.items as Json[]).map((i) => String(i.String.sval)) }, location };
    return { name, value: { kind: 'number', text: numberText(arg, location) }, location };
  });
}

export function convertCreateSequence(n: Json): Statement {
  const relation = n.sequence;
  const options = convertSequenceOptions(n.options);
  if (relation.relpersistence === 't' || relation.relpersistence === 'u') {
    // DSQL asks for CACHE before it looks at anything else.
    checkDsqlCache(readOptions(options, false).cache, SEQUENCE_CACHE_REFUSAL);
    throw unsupported(`${relation.relpersistence === 't' ? 'TEMPORARY' : 'UNLOGGED'} sequences are not supported`);
  }
  return { kind: 'create-sequence', schema: relation.schemaname ?? null, name: relation.relname, ifNotExists: !!n.if_not_exists, options };
}

export function convertAlterSequence(n: Json): Statement {
  const relation = n.sequence;
  return { kind: 'alter-sequence', schema: relation.schemaname ?? null, name: relation.relname, ifExists: !!n.missing_ok, options: convertSequenceOptions(n.options), newName: null };
}

export function convertRenameSequence(n: Json): Statement {
  const relation = n.relation;
  return { kind: 'alter-sequence', schema: relation.schemaname ?? null, name: relation.relname, ifExists: !!n.missing_ok, options: [], newName: String(n.newname) };
}

export function convertDropSequence(n: Json): Statement {
  const names: string[][] = (n.objects as Json[]).map((o) => (o.List ? (o.List.items as Json[]).map((i) => String(i.String.sval)) : [String(o.String.sval)]));
  return { kind: 'drop-sequence', names, ifExists: !!n.missing_ok, cascade: n.behavior === 'DROP_CASCADE' };
}

/** A column's GENERATED … AS IDENTITY constraint. */
export function convertIdentity(constraint: Json): { generation: 'a' | 'd'; options: SequenceOption[] } {
  return { generation: constraint.generated_when === 'a' ? 'a' : 'd', options: convertSequenceOptions(constraint.options) };
}
