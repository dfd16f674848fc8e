import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, FunctionInfo } from '../catalog/catalog.js';
import * as types from '../sql/typesystem.js';
import { aclColumn, ownerColumn } from '../roles/role-system-views.js';
import { deparsedDefault, expressionText, quoteIdent } from './catalog-objects.js';
import { parseExpression } from '../sql/table-expressions.js';
import { Scope } from '../sql/scope.js';
import { expressionText as storedExpressionText } from './expression-text.js';

/**
 * SQL-language functions as PostgreSQL's catalogs show them: pg_proc rows, pg_language, and the
 * text pg_get_function_result / pg_get_function_arguments print (psql's \df, pg_dump, ORMs).
 * Only the user's functions have pg_proc rows: Strata's built-in functions are compiled into
 * the query processor and have no catalog entries (docs/sql.md says so).
 */

/** pg_language oids as PostgreSQL assigns them. */
export const SQL_LANGUAGE_OID = 14;

export const PG_LANGUAGE_SPEC = 'oid oid, lanname name, lanowner oid, lanispl bool, lanpltrusted bool, lanplcallfoid oid, laninline oid, lanvalidator oid, lanacl text[]';

/** internal and c exist in every PostgreSQL; sql is the one language DSQL runs user functions in. */
export function pgLanguageRows(adminOid: number): SqlValue[][] {
  return [[12, 'internal', adminOid, false, false, 0, 0, 2246, null], [13, 'c', adminOid, false, false, 0, 0, 2247, null], [SQL_LANGUAGE_OID, 'sql', adminOid, false, true, 0, 0, 2248, null]];
}

export const PG_PROC_SPEC = `oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, prorows float4, provariadic oid,
  prosupport text, prokind char, prosecdef bool, proleakproof bool, proisstrict bool, proretset bool, provolatile char, proparallel char,
  pronargs int2, pronargdefaults int2, prorettype oid, proargtypes text, proallargtypes oid[], proargmodes text[], proargnames text[],
  proargdefaults text, protrftypes oid[], prosrc text, probin text, prosqlbody text, proconfig text[], proacl text[]`;

/** pg_proc rows of the user's SQL functions, in PG_PROC_SPEC's column order. */
export function pgProcRows(catalog: CatalogSnapshot): SqlValue[][] {
  return catalog.allFunctions().map((fn) => {
    const named = fn.args.some((a) => a.name !== null);
    const argNames = named ? `{${fn.args.map((a) => arrayElement(a.name ?? '')).join(',')}}` : null;
    // A RETURN-form body is kept parsed in prosqlbody, and prosrc is empty (PostgreSQL's split).
    const prosrc = fn.returnForm ? '' : fn.body;
    const sqlBody = fn.returnForm ? sqlBodyText(fn) : null;
    // proargdefaults is PostgreSQL's node tree of the defaults; ours is their text, which is
    // what pg_get_expr prints for that list.
    const defaultTexts = fn.args.flatMap((a) => (a.default === undefined ? [] : [parameterDefaultText(a.default, a.typeOid)]));
    return [fn.id, fn.name, catalog.schema(fn.schema)?.oid ?? 0, ownerColumn(catalog, fn.id), SQL_LANGUAGE_OID, 100, fn.returnsSet ? 1000 : 0, 0, '-', 'f', false, false,
      fn.strict, fn.returnsSet === true, fn.volatility ?? 'v', 'u', fn.args.length, defaultTexts.length, fn.returnType.oid, fn.args.map((a) => a.typeOid).join(' '), null, null, argNames,
      defaultTexts.length > 0 ? defaultTexts.join(', ') : null, null, prosrc, null, sqlBody, null, aclColumn(catalog, fn.id)];
  });
}

function arrayElement(text: string): string {
  return /^[A-Za-z0-9_]+$/.test(text) ? text : `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** The function with this oid, if the user created it. */
export function functionById(catalog: CatalogSnapshot, oid: number): FunctionInfo | undefined {
  return catalog.allFunctions().find((fn) => fn.id === oid);
}

/** pg_get_function_result: the return type as CREATE FUNCTION's RETURNS clause spells it. */
export function functionResultText(fn: FunctionInfo): string {
  return `${fn.returnsSet ? 'SETOF ' : ''}${types.formatType(fn.returnType.oid, -1)}`;
}

/** pg_get_function_arguments, or with `identity` pg_get_function_identity_arguments (no defaults). */
export function functionArgumentsText(fn: FunctionInfo, identity = false): string {
  return fn.args.map((a) => {
    const declared = `${a.name === null ? '' : `${quoteIdent(a.name)} `}${types.formatType(a.typeOid, -1)}`;
    return identity || a.default === undefined ? declared : `${declared} DEFAULT ${parameterDefaultText(a.default, a.typeOid)}`;
  }).join(', ');
}

/**
 * A parameter's default as PostgreSQL's deparse_expression prints the coerced expression: a
 * literal as a constant of the parameter's type (`'q'::text`, `NULL::text`), any other form by
 * the stored-expression printer, not pretty (`(2 + (3 * 4))`, `upper('a'::text)`) — the
 * assignment cast to the parameter's type is implicit and not shown. A form neither printer
 * covers shows as written (docs/sql.md).
 */
export function parameterDefaultText(text: string, typeOid: number): string {
  try {
    const expr = parseExpression(text);
    if (expr.kind === 'const' && expr.literal === 'null') return `NULL::${types.formatType(typeOid, -1)}`;
    const printed = expr.kind === 'const' || expr.kind === 'sql-value' || expr.kind === 'func' && expr.args.length === 0
      ? null : storedExpressionText(text, new Scope([]), false);
    return printed ?? expressionText(deparsedDefault(text, typeOid, -1));
  } catch {
    return text;
  }
}

/** pg_get_function_arg_default: the default of the argno'th parameter (1-based), NULL when it has none. */
export function functionArgDefault(fn: FunctionInfo, argno: number): string | null {
  const arg = fn.args[argno - 1];
  return arg?.default === undefined ? null : parameterDefaultText(arg.default, arg.typeOid);
}

/** pg_get_function_sqlbody: `RETURN expr` for a RETURN-form body, NULL for a string body. */
export function sqlBodyText(fn: FunctionInfo): string | null {
  return fn.returnForm ? `RETURN ${fn.body.replace(/^SELECT /, '')}` : null;
}

/**
 * pg_get_functiondef: the CREATE OR REPLACE FUNCTION statement as PostgreSQL's ruleutils prints
 * it — the name always schema-qualified, one line of options only when one differs from the
 * default, a string body dollar-quoted with `$function$` (an `x` added while the body contains it).
 */
export function functionDefinitionText(fn: FunctionInfo): string {
  let text = `CREATE OR REPLACE FUNCTION ${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}(${functionArgumentsText(fn)})\n`;
  text += ` RETURNS ${functionResultText(fn)}\n LANGUAGE sql\n`;
  let options = fn.volatility === 'i' ? ' IMMUTABLE' : fn.volatility === 's' ? ' STABLE' : '';
  if (fn.strict) options += ' STRICT';
  if (options !== '') text += `${options}\n`;
  const sqlBody = sqlBodyText(fn);
  if (sqlBody !== null) return `${text}${sqlBody}\n`;
  let quote = '$function';
  while (fn.body.includes(quote)) quote += 'x';
  quote += '$';
  return `${text}AS ${quote}${fn.body}${quote}\n`;
}

/** pg_function_is_visible: the first function of that name on the search path. */
export function functionIsVisible(catalog: CatalogSnapshot, searchPath: readonly string[], fn: FunctionInfo): boolean {
  for (const schema of searchPath) {
    if (schema === fn.schema) return true;
    const sameArgs = (f: FunctionInfo) => f.args.length === fn.args.length && f.args.every((a, i) => a.typeOid === fn.args[i]!.typeOid);
    if (catalog.functions(schema, fn.name).some(sameArgs)) return false;
  }
  return false;
}
