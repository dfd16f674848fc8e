import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, FunctionInfo } from '../catalog/catalog.js';
import * as types from '../sql/typesystem.js';
import type { RoutineName, RoutineWord } from './role-ast.js';

/**
 * Finding the routines GRANT/REVOKE … ON FUNCTION | PROCEDURE | ROUTINE names, with
 * PostgreSQL's LookupFuncWithArgs errors. Strata's routines are all SQL-language functions
 * (CREATE PROCEDURE is refused), so ON PROCEDURE never finds one and ALL PROCEDURES is empty.
 */

function signature(name: string, argOids: readonly number[]): string {
  return `${name}(${argOids.map((o) => types.formatType(o, -1)).join(', ')})`;
}

function sameArguments(fn: FunctionInfo, argOids: readonly number[]): boolean {
  return fn.args.length === argOids.length && fn.args.every((a, i) => a.typeOid === argOids[i]);
}

/** The routine `routine` names on the search path (or in its schema). */
export function lookupRoutine(catalog: CatalogSnapshot, searchPath: readonly string[], routine: RoutineName, word: RoutineWord): FunctionInfo {
  const name = routine.names[routine.names.length - 1]!;
  const schemaName = routine.names.length > 1 ? routine.names[routine.names.length - 2]! : null;
  if (schemaName !== null && !catalog.schema(schemaName)) throw new SqlError('3F000', `schema "${schemaName}" does not exist`);
  const argOids = routine.argTypes?.map((t) => types.resolveTypeName(t).oid) ?? null;
  const candidates: FunctionInfo[] = [];
  for (const schema of schemaName !== null ? [schemaName] : searchPath) {
    const here = catalog.functions(schema, name).filter((f) => argOids === null || sameArguments(f, argOids));
    // The first schema of the path that has a match decides, as the search path does.
    if (here.length > 0) { candidates.push(...here); break; }
  }
  if (candidates.length === 0) {
    if (argOids === null) throw new SqlError('42883', `could not find a ${word} named "${name}"`);
    throw new SqlError('42883', `${word} ${signature(name, argOids)} does not exist`);
  }
  if (candidates.length > 1) throw new SqlError('42725', `${word} name "${name}" is not unique`, { hint: 'Specify the argument list to select the function unambiguously.' });
  const fn = candidates[0]!;
  if (word === 'procedure') throw new SqlError('42809', `${signature(fn.name, fn.args.map((a) => a.typeOid))} is not a procedure`);
  return fn;
}

/** ALL FUNCTIONS | PROCEDURES | ROUTINES IN SCHEMA s, by oid. */
export function routinesInSchema(catalog: CatalogSnapshot, schema: string, word: RoutineWord): FunctionInfo[] {
  if (!catalog.schema(schema)) throw new SqlError('3F000', `schema "${schema}" does not exist`);
  if (word === 'procedure') return [];
  return catalog.allFunctions().filter((f) => f.schema === schema);
}
