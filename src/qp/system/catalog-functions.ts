import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import type { TypeName } from '../sql/ast.js';
import type { CompiledExpr, Evaluator, ExecContext } from '../sql/compiled.js';
import { hasSchemaPrivilege, hasSequencePrivilege, hasTablePrivilege } from '../roles/role-system-views.js';
import * as types from '../sql/typesystem.js';
import { C_COLLATION_OID, constraintDefinition, DEFAULT_COLLATION_OID, expressionText, indexDefinition, isVisible, quoteIdent, relationByOid } from './catalog-objects.js';
import { serialSequenceName } from '../sequences/sequence-catalog.js';
import { constraintByOid, rowTypeRelationById, virtualTable, virtualTableByOid } from './virtual-tables.js';
import { rowTypeName, rowTypeRelation } from './row-type-catalog.js';
import { foreignKeyByOid, foreignKeyDefinition } from './foreign-key-catalog.js';
import { functionArgDefault, functionArgumentsText, functionById, functionDefinitionText, functionIsVisible, functionResultText, sqlBodyText } from './function-catalog.js';
import { ruleDefinition, sizeBytes, sizePretty, sizePrettyNumeric, viewById, viewDefinitionText } from './relation-text.js';
import { regtypeInput } from './regtype-input.js';
import { pgOpclassRows } from './opclass-catalog.js';
import { hasDatabasePrivilege } from './database-privileges.js';
import { anyObjDescription, colDescription, objDescription, shobjDescription } from '../comments/comment-system-views.js';
import { hasFunctionPrivilege } from '../roles/function-privilege-inquiry.js';
import { hasAnyColumnPrivilege, hasColumnPrivilege } from '../roles/column-privilege-inquiry.js';
import { tablespaceLocation } from './dump-catalog.js';
import { checkConstraintDefinition, domainTypeName, generatedExpressionText, typeIsVisible } from './check-catalog.js';

/**
 * The catalog functions psql's describe commands and drivers call (pg_get_userbyid,
 * pg_table_is_visible, format_type, pg_get_expr, pg_get_indexdef, …) and the reg* casts.
 * They read the catalog snapshot the statement was planned against, as the virtual tables do.
 */
export interface CatalogScope {
  readonly catalog: CatalogSnapshot;
  readonly searchPath: readonly string[];
}

export interface CatalogFunction {
  /** Declared argument types; the caller coerces arguments to them. */
  readonly args: readonly number[];
  readonly result: number;
  /** Strict functions return NULL for any NULL argument without being called. */
  readonly strict: boolean;
  readonly fn: (values: SqlValue[], ctx?: ExecContext) => SqlValue;
}

type Builder = (scope: CatalogScope) => (values: SqlValue[], ctx?: ExecContext) => SqlValue;
interface Definition { readonly args: readonly number[]; readonly result: number; readonly strict: boolean; readonly build: Builder }

const { oid: OID, text: TEXT, int4: INT4, bool: BOOL, name: NAME } = TypeOid;
/** Marks an argument that accepts any array type. */
const ANYARRAY = -1;
const DEFINITIONS = new Map<string, Definition[]>();

function define(name: string, args: number[], result: number, build: Builder, strict = true): void {
  const list = DEFINITIONS.get(name) ?? [];
  list.push({ args, result, strict, build });
  DEFINITIONS.set(name, list);
}

function relation(scope: CatalogScope, oid: number) {
  return relationByOid(scope.catalog, oid, (o) => virtualTableByOid(o));
}

/** A relation's name as regclass prints it: qualified when not visible on the search path. */
function regclassText(scope: CatalogScope, oid: number): string {
  const found = relation(scope, oid);
  if (!found) return String(oid);
  const visible = isVisible(scope.catalog, scope.searchPath, found.schema, found.name);
  return visible ? quoteIdent(found.name) : `${quoteIdent(found.schema)}.${quoteIdent(found.name)}`;
}

/** regprocout: the function's name, qualified unless the name alone finds exactly it on the search path. */
function regprocText(scope: CatalogScope, oid: number): string {
  const fn = functionById(scope.catalog, oid);
  if (!fn) return String(oid);
  const candidates = scope.searchPath.flatMap((schema) => scope.catalog.functions(schema, fn.name));
  const unique = candidates.length === 1 && candidates[0]!.id === fn.id;
  return unique ? quoteIdent(fn.name) : `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}`;
}

/** The name of a type the catalog defines (a domain, a relation's row type or its array), as format_type prints it; undefined for a built-in type. */
function catalogTypeName(scope: CatalogScope, oid: number): string | undefined {
  return domainTypeName(scope.catalog, oid, scope.searchPath)
    ?? rowTypeName(oid, (relid) => rowTypeRelationById(scope.catalog, relid), (schema, name) => rowTypeIsVisible(scope, schema, name));
}

/** A row type is visible as its relation is, unless a built-in type (pg_catalog, searched first) has its name. */
function rowTypeIsVisible(scope: CatalogScope, schema: string, name: string): boolean {
  return schema === 'pg_catalog' || (types.typeByTypname(name) === null && isVisible(scope.catalog, scope.searchPath, schema, name));
}

/** regtypeout of a built-in type: format_type_be's name, which calls bpchar `character`; an unknown oid prints as its number. */
function regtypeText(oid: number): string {
  if (oid === TypeOid.bpchar) return 'character';
  const text = formatTypeText(oid, -1);
  return text === '???' ? String(oid) : text;
}

function formatTypeText(oid: number, typmod: number): string {
  try {
    return types.formatType(oid, typmod);
  } catch {
    return '???';
  }
}

define('pg_get_userbyid', [OID], NAME, (s) => (v) => s.catalog.access.roleName(v[0] as number));
// Privilege inquiries (src/qp/roles): the user is current_user unless named; a table or schema by name or oid.
define('has_table_privilege', [TEXT, TEXT], BOOL, (s) => (v, c) => hasTablePrivilege(s.catalog, s.searchPath, c!.user, v[0] as string, v[1] as string));
define('has_table_privilege', [OID, TEXT], BOOL, (s) => (v, c) => hasTablePrivilege(s.catalog, s.searchPath, c!.user, v[0] as number, v[1] as string));
define('has_table_privilege', [NAME, TEXT, TEXT], BOOL, (s) => (v) => hasTablePrivilege(s.catalog, s.searchPath, v[0] as string, v[1] as string, v[2] as string));
define('has_table_privilege', [NAME, OID, TEXT], BOOL, (s) => (v) => hasTablePrivilege(s.catalog, s.searchPath, v[0] as string, v[1] as number, v[2] as string));
define('has_table_privilege', [OID, OID, TEXT], BOOL, (s) => (v) => hasTablePrivilege(s.catalog, s.searchPath, v[0] as number, v[1] as number, v[2] as string));
define('has_sequence_privilege', [TEXT, TEXT], BOOL, (s) => (v, c) => hasSequencePrivilege(s.catalog, s.searchPath, c!.user, v[0] as string, v[1] as string));
define('has_sequence_privilege', [OID, TEXT], BOOL, (s) => (v, c) => hasSequencePrivilege(s.catalog, s.searchPath, c!.user, v[0] as number, v[1] as string));
define('has_sequence_privilege', [NAME, TEXT, TEXT], BOOL, (s) => (v) => hasSequencePrivilege(s.catalog, s.searchPath, v[0] as string, v[1] as string, v[2] as string));
define('has_sequence_privilege', [NAME, OID, TEXT], BOOL, (s) => (v) => hasSequencePrivilege(s.catalog, s.searchPath, v[0] as string, v[1] as number, v[2] as string));
define('has_schema_privilege', [TEXT, TEXT], BOOL, (s) => (v, c) => hasSchemaPrivilege(s.catalog, c!.user, v[0] as string, v[1] as string));
define('has_schema_privilege', [OID, TEXT], BOOL, (s) => (v, c) => hasSchemaPrivilege(s.catalog, c!.user, v[0] as number, v[1] as string));
define('has_schema_privilege', [NAME, TEXT, TEXT], BOOL, (s) => (v) => hasSchemaPrivilege(s.catalog, v[0] as string, v[1] as string, v[2] as string));
define('has_schema_privilege', [NAME, OID, TEXT], BOOL, (s) => (v) => hasSchemaPrivilege(s.catalog, v[0] as string, v[1] as number, v[2] as string));
define('has_function_privilege', [TEXT, TEXT], BOOL, (s) => (v, c) => hasFunctionPrivilege(s.catalog, s.searchPath, c!.user, c!.user, v[0] as string, v[1] as string));
define('has_function_privilege', [OID, TEXT], BOOL, (s) => (v, c) => hasFunctionPrivilege(s.catalog, s.searchPath, c!.user, c!.user, v[0] as number, v[1] as string));
define('has_function_privilege', [NAME, TEXT, TEXT], BOOL, (s) => (v, c) => hasFunctionPrivilege(s.catalog, s.searchPath, c!.user, v[0] as string, v[1] as string, v[2] as string));
define('has_function_privilege', [NAME, OID, TEXT], BOOL, (s) => (v, c) => hasFunctionPrivilege(s.catalog, s.searchPath, c!.user, v[0] as string, v[1] as number, v[2] as string));
define('has_function_privilege', [OID, TEXT, TEXT], BOOL, (s) => (v, c) => hasFunctionPrivilege(s.catalog, s.searchPath, c!.user, v[0] as number, v[1] as string, v[2] as string));
define('has_function_privilege', [OID, OID, TEXT], BOOL, (s) => (v, c) => hasFunctionPrivilege(s.catalog, s.searchPath, c!.user, v[0] as number, v[1] as number, v[2] as string));
// has_column_privilege([user,] table, column, privilege): every combination of name/oid user, text/oid table, text/attnum column.
for (const table of [TEXT, OID]) {
  for (const column of [TEXT, TypeOid.int2]) {
    define('has_column_privilege', [table, column, TEXT], BOOL, (s) => (v, c) => hasColumnPrivilege(s.catalog, s.searchPath, c!.user, v[0] as string | number, v[1] as string | number, v[2] as string));
    for (const user of [NAME, OID]) {
      define('has_column_privilege', [user, table, column, TEXT], BOOL, (s) => (v) => hasColumnPrivilege(s.catalog, s.searchPath, v[0] as string | number, v[1] as string | number, v[2] as string | number, v[3] as string));
    }
  }
  define('has_any_column_privilege', [table, TEXT], BOOL, (s) => (v, c) => hasAnyColumnPrivilege(s.catalog, s.searchPath, c!.user, v[0] as string | number, v[1] as string));
  for (const user of [NAME, OID]) {
    define('has_any_column_privilege', [user, table, TEXT], BOOL, (s) => (v) => hasAnyColumnPrivilege(s.catalog, s.searchPath, v[0] as string | number, v[1] as string | number, v[2] as string));
  }
}
define('has_database_privilege', [TEXT, TEXT], BOOL, (s) => (v, c) => hasDatabasePrivilege(s.catalog, c!.user, v[0] as string, v[1] as string));
define('has_database_privilege', [OID, TEXT], BOOL, (s) => (v, c) => hasDatabasePrivilege(s.catalog, c!.user, v[0] as number, v[1] as string));
define('has_database_privilege', [NAME, TEXT, TEXT], BOOL, (s) => (v) => hasDatabasePrivilege(s.catalog, v[0] as string, v[1] as string, v[2] as string));
define('pg_table_is_visible', [OID], BOOL, (s) => (v) => {
  const found = relation(s, v[0] as number);
  return found ? rowTypeIsVisible(s, found.schema, found.name) : null;
});
define('pg_type_is_visible', [OID], BOOL, (s) => (v) => {
  const row = rowTypeRelation(v[0] as number);
  if (!row) return typeIsVisible(s.catalog, v[0] as number, s.searchPath);
  const found = rowTypeRelationById(s.catalog, row.relid);
  return found ? rowTypeIsVisible(s, found.schema, found.name) : null;
});
// Operator classes are all built in, in pg_catalog, which is always searched; there are no operator families (\dd reads both).
define('pg_opclass_is_visible', [OID], BOOL, () => (v) => (pgOpclassRows().some((row) => row[0] === v[0]) ? true : null));
define('pg_opfamily_is_visible', [OID], BOOL, () => () => null);
// Catalogs Strata keeps empty (pg_operator, pg_conversion, the text search ones, extended
// statistics): no oid names one of their objects, so visibility is NULL, as PostgreSQL answers
// for an oid that names nothing (psql's \do, \dc, \dF… then list nothing). Collations are the
// built-in three, in pg_catalog.
for (const name of ['pg_operator_is_visible', 'pg_conversion_is_visible', 'pg_ts_config_is_visible', 'pg_ts_dict_is_visible',
  'pg_ts_parser_is_visible', 'pg_ts_template_is_visible', 'pg_statistics_obj_is_visible']) {
  define(name, [OID], BOOL, () => () => null);
}
const BUILT_IN_COLLATIONS: ReadonlySet<number> = new Set([DEFAULT_COLLATION_OID, C_COLLATION_OID, 951]);
define('pg_collation_is_visible', [OID], BOOL, () => (v) => (BUILT_IN_COLLATIONS.has(v[0] as number) ? true : null));
define('format_type', [OID, INT4], TEXT, (s) => (v) => (v[0] === null ? null : catalogTypeName(s, v[0] as number) ?? formatTypeText(v[0] as number, (v[1] as number | null) ?? -1)), false);
define('pg_get_expr', [TEXT, OID], TEXT, (s) => (v) => generatedExpressionText(s.catalog, v[0] as string, false) ?? expressionText(v[0] as string));
define('pg_get_expr', [TEXT, OID, BOOL], TEXT, (s) => (v) => generatedExpressionText(s.catalog, v[0] as string, v[2] === true) ?? expressionText(v[0] as string));
define('pg_get_indexdef', [OID], TEXT, (s) => (v) => indexDef(s, v[0] as number, 0, false));
define('pg_get_indexdef', [OID, INT4, BOOL], TEXT, (s) => (v) => indexDef(s, v[0] as number, v[1] as number, v[2] as boolean));
define('pg_get_constraintdef', [OID], TEXT, (s) => (v) => checkConstraintDefinition(s.catalog, v[0] as number, false) ?? constraintDef(s, v[0] as number));
define('pg_get_constraintdef', [OID, BOOL], TEXT, (s) => (v) => checkConstraintDefinition(s.catalog, v[0] as number, v[1] === true) ?? constraintDef(s, v[0] as number));
define('pg_get_serial_sequence', [TEXT, TEXT], TEXT, (s) => (v) => serialSequence(s, v[0] as string, v[1] as string));
// PostgreSQL's encodings by number (pg_wchar.h's pg_enc): catalogs and tools name them so,
// though the server speaks UTF8 only. Names compare as pg_char_to_encoding compares them, case
// and punctuation aside ('utf-8', 'Latin1'); 'unicode' is UTF8's alias.
const ENCODINGS = ['SQL_ASCII', 'EUC_JP', 'EUC_CN', 'EUC_KR', 'EUC_TW', 'EUC_JIS_2004', 'UTF8', 'MULE_INTERNAL', 'LATIN1', 'LATIN2', 'LATIN3',
  'LATIN4', 'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10', 'WIN1256', 'WIN1258', 'WIN866', 'WIN874', 'KOI8R', 'WIN1251', 'WIN1252',
  'ISO_8859_5', 'ISO_8859_6', 'ISO_8859_7', 'ISO_8859_8', 'WIN1250', 'WIN1253', 'WIN1254', 'WIN1255', 'WIN1257', 'KOI8U', 'SJIS', 'BIG5', 'GBK',
  'UHC', 'GB18030', 'JOHAB', 'SHIFT_JIS_2004'];
const encodingKey = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const ENCODING_NUMBERS = new Map<string, number>([...ENCODINGS.map((name, i): [string, number] => [encodingKey(name), i]), ['unicode', 6]]);
define('pg_encoding_to_char', [INT4], NAME, () => (v) => ENCODINGS[v[0] as number] ?? '');
define('pg_char_to_encoding', [NAME], INT4, () => (v) => ENCODING_NUMBERS.get(encodingKey(v[0] as string)) ?? -1);
define('getdatabaseencoding', [], NAME, () => () => 'UTF8');
define('pg_relation_is_publishable', [OID], BOOL, (s) => (v) => s.catalog.tableById(v[0] as number) !== undefined);
// The user's SQL functions (function-catalog.ts); NULL for an oid that is none, as PostgreSQL answers.
define('pg_get_function_result', [OID], TEXT, (s) => (v) => { const fn = functionById(s.catalog, v[0] as number); return fn ? functionResultText(fn) : null; });
define('pg_get_function_arguments', [OID], TEXT, (s) => (v) => { const fn = functionById(s.catalog, v[0] as number); return fn ? functionArgumentsText(fn) : null; });
define('pg_get_function_identity_arguments', [OID], TEXT, (s) => (v) => { const fn = functionById(s.catalog, v[0] as number); return fn ? functionArgumentsText(fn, true) : null; });
define('pg_get_function_arg_default', [OID, INT4], TEXT, (s) => (v) => { const fn = functionById(s.catalog, v[0] as number); return fn ? functionArgDefault(fn, v[1] as number) : null; });
define('pg_get_functiondef', [OID], TEXT, (s) => (v) => { const fn = functionById(s.catalog, v[0] as number); return fn ? functionDefinitionText(fn) : null; });
define('pg_get_function_sqlbody', [OID], TEXT, (s) => (v) => { const fn = functionById(s.catalog, v[0] as number); return fn ? sqlBodyText(fn) : null; });
define('pg_function_is_visible', [OID], BOOL, (s) => (v) => { const fn = functionById(s.catalog, v[0] as number); return fn ? functionIsVisible(s.catalog, s.searchPath, fn) : null; });
define('pg_get_viewdef', [OID], TEXT, (s) => (v) => { const view = viewById(s.catalog, v[0] as number); return view ? viewDefinitionText(view) : null; });
define('pg_get_viewdef', [OID, BOOL], TEXT, (s) => (v) => { const view = viewById(s.catalog, v[0] as number); return view ? viewDefinitionText(view) : null; });
define('pg_get_ruledef', [OID], TEXT, (s) => (v) => ruleDefinition(s.catalog, v[0] as number));
define('pg_get_ruledef', [OID, BOOL], TEXT, (s) => (v) => ruleDefinition(s.catalog, v[0] as number));
define('pg_size_pretty', [TypeOid.int8], TEXT, () => (v) => sizePretty(BigInt(v[0] as bigint)));
define('pg_size_pretty', [TypeOid.numeric], TEXT, () => (v) => sizePrettyNumeric(v[0] as NumericValue));
define('pg_size_bytes', [TEXT], TypeOid.int8, () => (v) => sizeBytes(v[0] as string));
// A DSQL cluster has no standby a client could be connected to.
define('pg_is_in_recovery', [], BOOL, () => () => false);
// PostgreSQL's isolationtester polls this to learn whether a session waits on another's lock.
// Strata's concurrency control is optimistic: nothing ever waits on a lock, so no session is blocked.
define('pg_isolation_test_session_is_blocked', [INT4, TypeOid.int4Array], BOOL, () => () => false);
define('acldefault', [TypeOid.char, OID], TypeOid.textArray, (s) => (v) => defaultAcl(v[0] as string, s.catalog.access.roleName(v[1] as number)));
define('current_schemas', [BOOL], TypeOid.nameArray, (s) => (v) => currentSchemas(s, v[0] === true));
// Strata has no triggers (foreign keys are enforced without them); PostgreSQL answers NULL for an oid that is none.
define('pg_get_triggerdef', [OID], TEXT, () => () => null);
define('pg_get_triggerdef', [OID, BOOL], TEXT, () => () => null);
// No extended statistics exist, so there is no object whose columns could be asked for.
define('pg_get_statisticsobjdef_columns', [OID], TEXT, () => () => null);
// COMMENT ON's descriptions (src/qp/comments).
define('obj_description', [OID], TEXT, (s) => (v) => anyObjDescription(s.catalog, v[0] as number));
define('obj_description', [OID, NAME], TEXT, (s) => (v) => objDescription(s.catalog, v[0] as number, v[1] as string));
define('col_description', [OID, INT4], TEXT, (s) => (v) => colDescription(s.catalog, v[0] as number, v[1] as number));
define('shobj_description', [OID, NAME], TEXT, (s) => (v) => shobjDescription(s.catalog, v[0] as number, v[1] as string));
define('pg_tablespace_location', [OID], TEXT, () => (v) => tablespaceLocation(v[0] as number));

/** pg_get_serial_sequence(table, column): the table name is parsed as SQL, the column taken as written. */
function serialSequence(scope: CatalogScope, tableText: string, column: string): string | null {
  const parts = splitQualifiedName(tableText);
  const name = parts[parts.length - 1] ?? '';
  const schemas = parts.length > 1 ? [parts[parts.length - 2]!] : scope.searchPath;
  // A qualified name's schema is looked up first (RangeVarGetRelid).
  if (parts.length > 1 && !scope.catalog.schema(schemas[0]!)) throw new SqlError('3F000', `schema "${schemas[0]}" does not exist`);
  for (const schema of schemas) {
    const table = scope.catalog.table(schema, name);
    if (table) return serialSequenceName(scope.catalog, table, column);
    // A view's (or a system view's) columns own no sequence: PostgreSQL answers NULL for them.
    if (scope.catalog.view(schema, name) || virtualTable(schema, name)) return null;
  }
  throw new SqlError('42P01', `relation "${tableText}" does not exist`);
}

function indexDef(scope: CatalogScope, oid: number, column: number, pretty: boolean): string | null {
  const found = relation(scope, oid);
  if (!found?.index || !found.table) return null;
  const { table, index } = found;
  if (column > 0) {
    const position = [...index.columns, ...index.include][column - 1];
    return position === undefined ? '' : quoteIdent(table.columns[position]!.name);
  }
  // The pretty form leaves out the schema when the table is visible; the plain form always has it.
  const visible = pretty && isVisible(scope.catalog, scope.searchPath, table.schema, table.name);
  const qualified = visible ? quoteIdent(table.name) : `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  return indexDefinition(table, index, qualified);
}

function constraintDef(scope: CatalogScope, oid: number): string {
  const foreignKey = foreignKeyByOid(scope.catalog, oid);
  if (foreignKey) return foreignKeyDefinition(scope.catalog, scope.searchPath, foreignKey.table, foreignKey.foreignKey);
  const found = constraintByOid(scope.catalog, oid);
  if (!found) throw new SqlError('XX000', `cache lookup failed for constraint ${oid}`);
  return constraintDefinition(found.table, found.index);
}

function isArrayType(oid: number): boolean {
  return types.allTypes().some((t) => t.oid === oid && t.category === 'A');
}

function accepts(declared: number, actual: number): boolean {
  if (declared === ANYARRAY) return isArrayType(actual);
  return actual === declared || actual === TypeOid.unknown || types.castContext(actual, declared) === 'i';
}

/**
 * Overloads PostgreSQL finds equally good for an argument that fits neither exactly:
 * pg_size_pretty(bigint) and (numeric) for an integer or unknown argument.
 */
const AMBIGUOUS_UNLESS_EXACT = new Set(['pg_size_pretty']);

/** Resolves a catalog function by name and argument types; null when none matches. */
export function resolveCatalogFunction(name: string, argOids: readonly number[], scope: CatalogScope): CatalogFunction | null {
  if (AMBIGUOUS_UNLESS_EXACT.has(name)) refuseAmbiguous(name, argOids);
  for (const definition of DEFINITIONS.get(name) ?? []) {
    if (definition.args.length !== argOids.length) continue;
    if (!definition.args.every((declared, i) => accepts(declared, argOids[i]!))) continue;
    const args = definition.args.map((declared, i) => (declared === ANYARRAY ? argOids[i]! : declared));
    return { args, result: definition.result, strict: definition.strict, fn: definition.build(scope) };
  }
  return null;
}

function refuseAmbiguous(name: string, argOids: readonly number[]): void {
  const definitions = (DEFINITIONS.get(name) ?? []).filter((d) => d.args.length === argOids.length);
  const fitting = definitions.filter((d) => d.args.every((declared, i) => accepts(declared, argOids[i]!)));
  if (fitting.length < 2 || fitting.some((d) => d.args.every((declared, i) => declared === argOids[i]))) return;
  const shown = argOids.map((oid) => (oid === TypeOid.unknown ? 'unknown' : formatTypeText(oid, -1))).join(', ');
  throw new SqlError('42725', `function ${name}(${shown}) is not unique`, { hint: 'Could not choose a best candidate function. You might need to add explicit type casts.' });
}

const REG_TYPES = new Set(['regclass', 'regtype', 'regnamespace', 'regrole', 'regproc']);

/** The reg* type a cast names, or null when it is another type. */
export function regCastTarget(type: TypeName): string | null {
  const parts = type.names;
  const base = parts[parts.length - 1]!.toLowerCase();
  if (parts.length > 1 && parts[parts.length - 2] !== 'pg_catalog') return null;
  return REG_TYPES.has(base) && type.arrayBounds === 0 ? base : null;
}

/**
 * `x::regclass` and friends: the result is an oid of the reg* type (reg-types.ts). A name
 * constant is looked up now (`WHERE oid = 't'::regclass`); a text value per row, when it is
 * read; an integer or oid is the oid itself; another reg* type's value is refused, as
 * PostgreSQL has no such cast.
 */
export function compileRegCast(arg: CompiledExpr, target: string, scope: CatalogScope, location: number): CompiledExpr {
  const at = location >= 0 ? { position: location + 1 } : {};
  const oid = types.regTypeOid(target)!;
  if (arg.unknownLiteral !== undefined || ((arg.oid === TEXT || arg.oid === TypeOid.unknown) && arg.rowIndependent && arg.eval.length === 0)) {
    const text = arg.unknownLiteral ?? (arg.eval([], null as never) as string | null);
    const value = text === null ? null : lookupRegName(scope, target, text, at);
    return { oid, typmod: -1, eval: () => value, rowIndependent: true, name: target, location };
  }
  if (arg.oid === oid) return { ...arg, name: target };
  const f = arg.eval;
  if (types.isStringType(arg.oid)) {
    const evaluator: Evaluator = (row, c) => { const v = f(row, c); return v === null ? null : lookupRegName(scope, target, v as string, at); };
    return { oid, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent, name: target, location };
  }
  if (![OID, INT4, TypeOid.int2, TypeOid.int8].includes(arg.oid as never)) {
    throw new SqlError('42846', `cannot cast type ${types.formatType(arg.oid, -1)} to ${target}`, at);
  }
  const toOid = types.castFunction(arg.oid, oid, -1, true);
  const evaluator: Evaluator = (row, c) => { const v = f(row, c); return v === null ? null : toOid(v); };
  return { oid, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent, name: target, location };
}

/**
 * A reg* value read as text (`'t'::regclass::text`, `c.oid::regclass::varchar`): the name it
 * prints as, as PostgreSQL's output function gives it, from the statement's catalog.
 */
export function regCastAsText(value: CompiledExpr, scope: CatalogScope): CompiledExpr {
  const f = value.eval;
  const show = regOidText(scope, types.regTypeName(value.oid)!);
  return { ...value, oid: TEXT, typmod: -1, eval: (row, c) => { const v = f(row, c); return v === null ? null : show(v as number); } };
}

/** How a value of the reg* type `target` prints: its object's name; 0 is '-', an oid that names nothing its number. */
export function regOidText(scope: CatalogScope, target: string): (oid: number) => string {
  const show = regObjectText(scope, target);
  return (oid) => (oid === 0 ? '-' : show(oid));
}

function regObjectText(scope: CatalogScope, target: string): (oid: number) => string {
  switch (target) {
    case 'regclass': return (oid) => regclassText(scope, oid);
    case 'regtype': return (oid) => catalogTypeName(scope, oid) ?? regtypeText(oid);
    case 'regnamespace': return (oid) => {
      const schema = [...scope.catalog.allSchemas()].find((s) => s.oid === oid);
      return schema ? quoteIdent(schema.name) : String(oid);
    };
    // regproc prints 0 as '-' (regOidText), as PostgreSQL's regprocout does (pg_trigger.tgfoid, pg_am.amhandler).
    case 'regproc': return (oid) => regprocText(scope, oid);
    default: return (oid) => {
      const role = scope.catalog.access.roleByOid(oid);
      return role ? quoteIdent(role.name) : String(oid);
    };
  }
}

/**
 * acldefault(kind, owner): the privileges an object has before any GRANT, in aclitem's text
 * form (Strata's ACLs are text[]): PostgreSQL 15's defaults, PUBLIC's entry first.
 */
const DEFAULT_PRIVILEGES: Record<string, { owner: string; everyone: string }> = {
  r: { owner: 'arwdDxt', everyone: '' }, s: { owner: 'rwU', everyone: '' }, n: { owner: 'UC', everyone: '' },
  f: { owner: 'X', everyone: 'X' }, l: { owner: 'U', everyone: 'U' }, T: { owner: 'U', everyone: 'U' },
  d: { owner: 'CTc', everyone: 'Tc' }, F: { owner: 'U', everyone: '' }, S: { owner: 'U', everyone: '' },
};

function defaultAcl(kind: string, owner: string): string {
  const privileges = DEFAULT_PRIVILEGES[kind];
  if (!privileges) throw new SqlError('XX000', `unrecognized object type abbreviation: ${kind}`);
  const grantee = quoteAclName(owner);
  const items = privileges.everyone ? [`=${privileges.everyone}/${grantee}`] : [];
  items.push(`${grantee}=${privileges.owner}/${grantee}`);
  return `{${items.map(arrayElement).join(',')}}`;
}

function quoteAclName(name: string): string {
  return /^[a-z0-9_]+$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function arrayElement(text: string): string {
  return /^[^",{}\\\s]+$/.test(text) && text.toUpperCase() !== 'NULL' ? text : `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** current_schemas(include_implicit): the search path's schemas that exist, pg_catalog first when implicit ones count. */
function currentSchemas(scope: CatalogScope, includeImplicit: boolean): string {
  const schemas = scope.searchPath.filter((name) => scope.catalog.schema(name) !== undefined);
  if (includeImplicit && !schemas.includes('pg_catalog')) schemas.unshift('pg_catalog');
  return `{${schemas.map(arrayElement).join(',')}}`;
}

/** Splits `schema.name` with optional double quotes, lower-casing unquoted parts as the parser does. */
export function splitQualifiedName(text: string): string[] {
  const parts: string[] = [];
  const pattern = /\s*(?:"((?:[^"]|"")*)"|([^."\s]+))\s*(\.|$)/y;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text)) !== null) {
    parts.push(match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]!.toLowerCase());
    if (match[3] === '') break;
  }
  return parts;
}

/** Whether a name is identifiers joined by dots, as PostgreSQL's SplitIdentifierString takes it (else "invalid name syntax"). */
function wellFormedName(text: string): boolean {
  return /^\s*(?:"(?:[^"]|"")+"|[^."\s]+)\s*(?:\.\s*(?:"(?:[^"]|"")+"|[^."\s]+)\s*)*$/.test(text);
}

/**
 * A relation's, function's or type's name as [schema,] name: PostgreSQL takes a third part in
 * front as the database, which must be this one ('postgres', the only database), and refuses a
 * fourth (makeRangeVarFromNameList, DeconstructQualifiedName) — even in to_regclass, whose NULL
 * is only for what does not exist. A schema or role name is left whole (one identifier).
 */
function qualifiedNameParts(parts: string[], target: string, at: { position?: number }): string[] {
  if (target !== 'regclass' && target !== 'regproc' && target !== 'regtype') return parts;
  const relation = target === 'regclass';
  if (parts.length > 3) throw new SqlError('42601', `improper ${relation ? 'relation' : 'qualified'} name (too many dotted names): ${parts.join('.')}`, at);
  if (parts.length === 3 && parts[0] !== 'postgres') {
    const name = parts.join('.');
    throw new SqlError('0A000', `cross-database references are not implemented: ${relation ? `"${name}"` : name}`, at);
  }
  return parts.length === 3 ? parts.slice(1) : parts;
}

/** The errors to_regclass and its kin answer NULL for: the object, or the schema naming it, does not exist (or is ambiguous). */
const NOT_FOUND = new Set(['42P01', '42704', '42883', '42725', '3F000']);

/**
 * to_regclass, to_regtype, to_regproc, to_regnamespace, to_regrole: the reg* input of a name, but
 * NULL where nothing of that name exists; a malformed name still raises. Digits are a name here
 * (PostgreSQL's to_reg* take no numeric oid).
 */
function toRegName(scope: CatalogScope, target: string, text: string): number | null {
  try {
    return lookupRegName(scope, target, text, {}, false);
  } catch (error) {
    if (error instanceof SqlError && NOT_FOUND.has(error.code)) return null;
    throw error;
  }
}
for (const target of ['regclass', 'regtype', 'regproc', 'regnamespace', 'regrole'] as const) {
  define(`to_${target}`, [TEXT], TypeOid[target], (s) => (v) => toRegName(s, target, v[0] as string));
}

export function lookupRegName(scope: CatalogScope, target: string, text: string, at: { position?: number }, numericOid = true): number {
  if (numericOid && /^\d+$/.test(text.trim())) return Number(text.trim());
  if (target === 'regtype') {
    // A type name's modifiers and array bounds are no part of its qualification.
    const bare = text.replace(/\([^)]*\)|\[\s*\d*\s*\]/g, '');
    if (/^[^()[\]]*$/.test(bare) && wellFormedName(bare)) qualifiedNameParts(splitQualifiedName(bare), target, at);
    return regtypeInput(scope.catalog, scope.searchPath, text, at);
  }
  if ((target === 'regclass' || target === 'regproc') && !wellFormedName(text)) throw new SqlError('42602', 'invalid name syntax', at);
  const parts = qualifiedNameParts(splitQualifiedName(text), target, at);
  if (target === 'regclass') {
    const name = parts[parts.length - 1] ?? '';
    const schemas = parts.length > 1 ? [parts[parts.length - 2]!] : ['pg_catalog', ...scope.searchPath];
    // A qualified name in a schema that does not exist is that error first, as RangeVarGetRelid gives it.
    if (parts.length > 1 && !scope.catalog.schema(schemas[0]!) && !virtualTable(schemas[0]!, name)) {
      throw new SqlError('3F000', `schema "${schemas[0]}" does not exist`, at);
    }
    for (const schema of schemas) {
      const table = scope.catalog.table(schema, name);
      if (table) return table.id;
      const index = scope.catalog.index(schema, name);
      if (index) return index.index.oid;
      const sequence = scope.catalog.sequence(schema, name);
      if (sequence) return sequence.id;
      const view = scope.catalog.view(schema, name);
      if (view) return view.id;
      const virtual = virtualTable(schema, name);
      if (virtual) return virtual.oid;
    }
    throw new SqlError('42P01', `relation "${text}" does not exist`, at);
  }
  // A schema or role name is one identifier: `a.b` is a syntax error, not a name looked up.
  if ((target === 'regnamespace' || target === 'regrole') && parts.length > 1) throw new SqlError('42602', 'invalid name syntax', at);
  if (target === 'regnamespace') {
    const schema = scope.catalog.schema(parts[0] ?? '');
    if (!schema) throw new SqlError('3F000', `schema "${parts[0] ?? text}" does not exist`, at);
    return schema.oid;
  }
  if (target === 'regproc') {
    const name = parts[parts.length - 1] ?? '';
    if (parts.length > 1 && !scope.catalog.schema(parts[0]!)) throw new SqlError('3F000', `schema "${parts[0]}" does not exist`, at);
    const found = [...scope.catalog.allFunctions()].filter((fn) => fn.name === name && (parts.length === 1 || fn.schema === parts[0]));
    if (found.length === 1) return found[0]!.id;
    throw new SqlError(found.length > 1 ? '42725' : '42883', found.length > 1 ? `more than one function named "${text}"` : `function "${text}" does not exist`, at);
  }
  const role = scope.catalog.access.role(parts[0] ?? '');
  if (role && parts.length === 1) return role.oid;
  throw new SqlError('42704', `role "${text}" does not exist`, at);
}
