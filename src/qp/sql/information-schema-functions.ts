import type { FromItem } from './ast.js';

/**
 * Built-in functions PostgreSQL defines in information_schema rather than pg_catalog: the
 * helpers of its views, which drivers call by their qualified names (pgJDBC's getPrimaryKeys
 * and getIndexInfo call information_schema._pg_expandarray). They live in the built-in
 * registries under their bare names; these checks keep them where PostgreSQL has them —
 * reachable qualified by information_schema, or unqualified only when information_schema is
 * on the search path — and let pg_catalog's functions not be reached through information_schema.
 */
const INFORMATION_SCHEMA_FUNCTIONS = new Set(['_pg_expandarray']);

export function isInformationSchemaFunction(name: string): boolean {
  return INFORMATION_SCHEMA_FUNCTIONS.has(name.toLowerCase());
}

/** Whether a call of an information_schema function, qualified by `schema` (absent: unqualified), reaches it. */
export function reachesInformationSchemaFunction(schema: string | null | undefined, searchPath: readonly string[]): boolean {
  return schema === 'information_schema' || ((schema === null || schema === undefined) && searchPath.includes('information_schema'));
}

type FunctionItem = Extract<FromItem, { kind: 'function' }>;

/**
 * A FROM item's calls with the information_schema qualifier dropped from the calls it reaches
 * (the planner then finds them among the built-ins); the call that names one it does not reach,
 * if any, for the caller's 42883.
 */
export function withInformationSchemaCalls(item: FunctionItem, searchPath: readonly string[]): { item: FunctionItem; unreachable: FunctionItem['calls'][number] | null } {
  let unreachable: FunctionItem['calls'][number] | null = null;
  const calls = item.calls.map((call) => {
    if (!isInformationSchemaFunction(call.name)) return call;
    if (!reachesInformationSchemaFunction(call.schema, searchPath)) {
      unreachable ??= call;
      return call;
    }
    const { schema: _schema, ...bare } = call;
    return bare;
  });
  return { item: { ...item, calls }, unreachable };
}
