import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import type { Expr, TypeName } from '../sql/ast.js';
import { checkTypeSchema } from '../sql/ddl-domains.js';
import { parseSql } from '../sql/parse.js';
import * as types from '../sql/typesystem.js';
import { resolveRelation } from '../sql/relations.js';
import { rowArrayTypeOid, rowTypeOid } from './row-type-catalog.js';
import { virtualTable } from './virtual-tables.js';

/**
 * regtypein: the text is a type name as a cast writes it (`int4[]`, `varchar(10)`,
 * `pg_catalog.int4`, `double precision`, a domain), its typmod ignored. As PostgreSQL's
 * parseTypeString does, the name is read by the SQL parser in `SELECT NULL::<text>`; anything
 * but a lone type name there is not a type name.
 */
export function regtypeInput(catalog: CatalogSnapshot, searchPath: readonly string[], text: string, at: { position?: number }): number {
  const type = parsedTypeName(text);
  if (!type) throw new SqlError('42601', `invalid type name "${text}"`, at);
  try {
    checkTypeSchema(catalog, type);
    const domain = builtIn(type) ? undefined : domainNamed(catalog, searchPath, type);
    if (domain === undefined) return builtInOrRowType(catalog, searchPath, type);
    if (type.arrayBounds > 0) throw new SqlError('0A000', `arrays of domain ${domain.name} are not supported`);
    return domain.id;
  } catch (error) {
    // The parser's positions are in the made-up statement; the error belongs to the literal.
    if (error instanceof SqlError) error.position = at.position;
    throw error;
  }
}

function parsedTypeName(text: string): TypeName | null {
  let statements;
  try {
    statements = parseSql(`SELECT NULL::${text}`);
  } catch {
    return null;
  }
  const statement = statements.length === 1 ? statements[0]!.statement : null;
  if (statement?.kind !== 'select' || statement.targets.length !== 1 || statement.from.length !== 0 || statement.where !== null
    || statement.groupBy.length !== 0 || statement.orderBy.length !== 0 || statement.limit !== null || statement.offset !== null
    || statement.targets[0]!.alias !== null || statement.setOperation) return null;
  const expr: Expr = statement.targets[0]!.expr;
  return expr.kind === 'cast' && expr.arg.kind === 'const' && expr.arg.literal === 'null' ? expr.type : null;
}

function builtIn(type: TypeName): boolean {
  if (type.names.length > 1) return type.names[type.names.length - 2] === 'pg_catalog';
  try {
    types.resolveTypeName(type);
    return true;
  } catch {
    return false;
  }
}

/** A built-in type, else a relation's row type (pg_catalog's types come first, as on PostgreSQL's search path); 42704 when neither. */
function builtInOrRowType(catalog: CatalogSnapshot, searchPath: readonly string[], type: TypeName): number {
  try {
    return types.resolveTypeName(type).oid;
  } catch (error) {
    const row = rowTypeNamed(catalog, searchPath, type);
    if (row === undefined) throw error;
    return row;
  }
}

/** A relation's row type (or its array, for `t[]`) by the relation's name, as PostgreSQL finds it among the types. */
function rowTypeNamed(catalog: CatalogSnapshot, searchPath: readonly string[], type: TypeName): number | undefined {
  const name = type.names[type.names.length - 1]!;
  const schema = type.names.length > 1 ? type.names[type.names.length - 2]! : null;
  let relid: number;
  try {
    const found = resolveRelation({ catalog, searchPath, virtual: virtualTable }, schema, name, -1);
    relid = found.kind === 'table' ? found.table.id : found.kind === 'view' ? found.view.id : found.table.oid;
  } catch {
    return undefined;
  }
  return type.arrayBounds > 0 ? rowArrayTypeOid(relid) : rowTypeOid(relid);
}

function domainNamed(catalog: CatalogSnapshot, searchPath: readonly string[], type: TypeName) {
  const name = type.names[type.names.length - 1]!;
  const schemas = type.names.length > 1 ? [type.names[type.names.length - 2]!] : searchPath;
  for (const schema of schemas) {
    const domain = catalog.domain(schema, name);
    if (domain) return domain;
  }
  return undefined;
}
