import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, FunctionInfo } from '../catalog/catalog.js';
import { hasPrivilege } from '../roles/object-privileges.js';
import { formatType, typeByOid } from '../types/index.js';
import { truncateName } from '../types/strings.js';
import { parameterDefaultText } from './function-catalog.js';

/**
 * information_schema.routines and information_schema.parameters over the user's SQL functions
 * (the rows pg_proc has; Strata's built-in functions are code, not pg_proc rows, so neither view
 * lists them). Each row follows PostgreSQL 15's view definition column for column; the columns
 * it fills with constants (the SQL standard's features PostgreSQL lacks) hold those constants.
 */

/** PostgreSQL 15's columns, in its order (information_schema's domains shown as their base types, as the other views here do). */
export const ROUTINES_SPEC = `specific_catalog name, specific_schema name, specific_name name, routine_catalog name, routine_schema name, routine_name name,
  routine_type varchar, module_catalog name, module_schema name, module_name name, udt_catalog name, udt_schema name, udt_name name, data_type varchar,
  character_maximum_length int4, character_octet_length int4, character_set_catalog name, character_set_schema name, character_set_name name,
  collation_catalog name, collation_schema name, collation_name name, numeric_precision int4, numeric_precision_radix int4, numeric_scale int4,
  datetime_precision int4, interval_type varchar, interval_precision int4, type_udt_catalog name, type_udt_schema name, type_udt_name name,
  scope_catalog name, scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name, routine_body varchar, routine_definition varchar,
  external_name varchar, external_language varchar, parameter_style varchar, is_deterministic varchar, sql_data_access varchar, is_null_call varchar,
  sql_path varchar, schema_level_routine varchar, max_dynamic_result_sets int4, is_user_defined_cast varchar, is_implicitly_invocable varchar,
  security_type varchar, to_sql_specific_catalog name, to_sql_specific_schema name, to_sql_specific_name name, as_locator varchar, created timestamptz,
  last_altered timestamptz, new_savepoint_level varchar, is_udt_dependent varchar, result_cast_from_data_type varchar, result_cast_as_locator varchar,
  result_cast_char_max_length int4, result_cast_char_octet_length int4, result_cast_char_set_catalog name, result_cast_char_set_schema name,
  result_cast_char_set_name name, result_cast_collation_catalog name, result_cast_collation_schema name, result_cast_collation_name name,
  result_cast_numeric_precision int4, result_cast_numeric_precision_radix int4, result_cast_numeric_scale int4, result_cast_datetime_precision int4,
  result_cast_interval_type varchar, result_cast_interval_precision int4, result_cast_type_udt_catalog name, result_cast_type_udt_schema name,
  result_cast_type_udt_name name, result_cast_scope_catalog name, result_cast_scope_schema name, result_cast_scope_name name,
  result_cast_maximum_cardinality int4, result_cast_dtd_identifier name`;

export const PARAMETERS_SPEC = `specific_catalog name, specific_schema name, specific_name name, ordinal_position int4, parameter_mode varchar, is_result varchar,
  as_locator varchar, parameter_name name, data_type varchar, character_maximum_length int4, character_octet_length int4, character_set_catalog name,
  character_set_schema name, character_set_name name, collation_catalog name, collation_schema name, collation_name name, numeric_precision int4,
  numeric_precision_radix int4, numeric_scale int4, datetime_precision int4, interval_type varchar, interval_precision int4, udt_catalog name,
  udt_schema name, udt_name name, scope_catalog name, scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name,
  parameter_default varchar`;

/** nameconcatoid(proname, oid): `name_oid`, the name cut so the whole fits in a name (63 bytes). */
export function specificName(fn: FunctionInfo): string {
  const suffix = `_${fn.id}`;
  let name = fn.name;
  while (Buffer.byteLength(name + suffix) > 63) name = name.slice(0, -1);
  return truncateName(name + suffix);
}

/**
 * Who sees a routine: its owner's members and whoever may EXECUTE it (PostgreSQL's
 * `pg_has_role(proowner, 'USAGE') OR has_function_privilege(oid, 'EXECUTE')`).
 */
function visibleFunctions(catalog: CatalogSnapshot, user: string): { fn: FunctionInfo; ownsIt: boolean }[] {
  const me = catalog.access.role(user)?.oid ?? -1;
  return catalog.allFunctions().flatMap((fn) => {
    const ownsIt = catalog.access.hasPrivilegesOf(me, catalog.access.ownerOf(fn.id));
    return ownsIt || hasPrivilege(catalog, me, fn.id, 'function', 'X') ? [{ fn, ownsIt }] : [];
  });
}

/** data_type, udt schema and udt name of a type as the views print them (format_type with no typmod). */
function typeColumns(catalog: CatalogSnapshot, oid: number): [string, string, string] {
  const domain = catalog.domainById(oid);
  if (domain) return ['USER-DEFINED', domain.schema, domain.name];
  const type = typeByOid(oid);
  if (!type) return ['USER-DEFINED', 'pg_catalog', String(oid)];
  const isArray = type.element !== 0 && type.length === -1;
  return [isArray ? 'ARRAY' : formatType(oid, -1), 'pg_catalog', type.typname];
}

const nulls = (n: number): null[] => new Array<null>(n).fill(null);

/** information_schema.routines: one row per function the session's user may see, in ROUTINES_SPEC's order. */
export function routineRows(catalog: CatalogSnapshot, user: string): SqlValue[][] {
  return visibleFunctions(catalog, user).map(({ fn, ownsIt }) => {
    const [dataType, udtSchema, udtName] = typeColumns(catalog, fn.returnType.oid);
    // pg_proc.prosrc: a RETURN-form body lives in prosqlbody, and prosrc is empty.
    const prosrc = fn.returnForm ? '' : fn.body;
    return [
      'postgres', fn.schema, specificName(fn), 'postgres', fn.schema, fn.name, 'FUNCTION', ...nulls(6), dataType,
      ...nulls(14), 'postgres', udtSchema, udtName, ...nulls(4), '0',
      'SQL', ownsIt ? prosrc : null, null, 'SQL', 'GENERAL', fn.volatility === 'i' ? 'YES' : 'NO', 'MODIFIES', fn.strict ? 'YES' : 'NO',
      // Strata's functions are never SECURITY DEFINER (pg_proc.prosecdef is false).
      null, 'YES', 0, null, null, 'INVOKER', ...nulls(3), 'NO', null, null, null, 'NO', ...nulls(24),
    ];
  });
}

/** information_schema.parameters: one row per argument of each visible function (Strata's are all IN). */
export function parameterRows(catalog: CatalogSnapshot, user: string): SqlValue[][] {
  return visibleFunctions(catalog, user).flatMap(({ fn }) => fn.args.map((arg, i) => {
    const [dataType, udtSchema, udtName] = typeColumns(catalog, arg.typeOid);
    return ['postgres', fn.schema, specificName(fn), i + 1, 'IN', 'NO', 'NO', arg.name || null, dataType, ...nulls(14),
      'postgres', udtSchema, udtName, ...nulls(4), String(i + 1), arg.default === undefined ? null : parameterDefaultText(arg.default, arg.typeOid)];
  }));
}

