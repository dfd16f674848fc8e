import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, IndexInfo, TableInfo } from '../catalog/catalog.js';
import type { Expr } from '../sql/ast.js';
import { parseSql } from '../sql/parse.js';
import * as types from '../sql/typesystem.js';

/**
 * How catalog objects that Strata keeps inside TableInfo (defaults, constraints, indexes) look
 * through PostgreSQL's catalog functions: synthetic oids, pg_get_expr's text of a DEFAULT,
 * pg_get_indexdef and pg_get_constraintdef, quote_ident.
 */
export const DEFAULT_COLLATION_OID = 100;
export const C_COLLATION_OID = 950;

/**
 * Constraints and defaults have no oid of their own in our catalog. They get oids above the
 * range object ids are allocated from (which counts up from 16384), derived from the index oid
 * or the table oid and column number, so they are stable and never collide with real objects.
 */
export function constraintOid(index: IndexInfo): number {
  return 0x80000000 + index.oid;
}

export function attrdefOid(tableId: number, attnum: number): number {
  return 0x40000000 + ((tableId * 1600 + attnum) % 0x40000000);
}

/** A pg_attrdef.adbin that pg_get_expr must refuse: the default's form is one we cannot print as PostgreSQL does. */
const UNPRINTABLE = '\u0000unprintable:';

/** pg_attrdef.adbin: the default already in pg_get_expr's form (our "node tree" is its text). */
export function deparsedDefault(defaultText: string, typeOid: number, typmod: number): string {
  try {
    const statement = parseSql(`SELECT ${defaultText}`)[0]!.statement;
    if (statement.kind !== 'select' || statement.targets.length !== 1) return UNPRINTABLE + defaultText;
    return deparseDefault(statement.targets[0]!.expr, typeOid, typmod) ?? UNPRINTABLE + defaultText;
  } catch {
    return UNPRINTABLE + defaultText;
  }
}

/** pg_get_expr over an adbin we produced. */
export function expressionText(adbin: string): string {
  if (adbin.startsWith(UNPRINTABLE)) {
    throw new SqlError('0A000', `pg_get_expr cannot yet display the expression ${adbin.slice(UNPRINTABLE.length)} as PostgreSQL does`);
  }
  return adbin;
}

/**
 * Prints a DEFAULT as PostgreSQL's ruleutils does for the forms it covers; null for any other
 * form (the caller then refuses rather than print something PostgreSQL would not).
 * A string literal becomes a constant of the column's type (`'x'::text`); numeric and boolean
 * literals keep their own type and the implicit cast to the column type is not shown.
 */
export function deparseDefault(expr: Expr, typeOid: number, typmod: number): string | null {
  switch (expr.kind) {
    case 'const': return deparseConst(expr, typeOid, typmod);
    case 'sql-value': {
      const text = SQL_VALUE_TEXT[expr.name];
      return text === undefined ? null : expr.typmod >= 0 ? `${text}(${expr.typmod})` : text;
    }
    case 'func':
      if (expr.name === 'nextval' && expr.args.length === 1) return deparseNextval(expr.args[0]!);
      if (expr.args.length > 0 || expr.star || expr.distinct || expr.filter) return null;
      return `${expr.schema && expr.schema !== 'pg_catalog' ? `${quoteIdent(expr.schema)}.` : ''}${expr.name}()`;
    case 'op': {
      if (!expr.left || !['+', '-', '*', '/'].includes(expr.op)) return null;
      if (expr.left.kind !== 'const' || expr.right.kind !== 'const') return null;
      if (!isPlainNumber(expr.left) || !isPlainNumber(expr.right)) return null;
      return `${expr.left.text} ${expr.op} ${expr.right.text}`;
    }
    default: return null;
  }
}

/** nextval('s') as PostgreSQL prints it, `nextval('s'::regclass)`, for an unqualified name. */
function deparseNextval(arg: Expr): string | null {
  const literal = arg.kind === 'cast' ? arg.arg : arg;
  if (literal.kind !== 'const' || literal.literal !== 'string' || !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(literal.text)) return null;
  return `nextval(${quoteLiteral(quoteIdent(literal.text.toLowerCase()))}::regclass)`;
}

const SQL_VALUE_TEXT: Partial<Record<Extract<Expr, { kind: 'sql-value' }>['name'], string>> = {
  current_timestamp: 'CURRENT_TIMESTAMP', current_date: 'CURRENT_DATE', current_time: 'CURRENT_TIME', localtimestamp: 'LOCALTIMESTAMP', localtime: 'LOCALTIME',
  current_user: 'CURRENT_USER', session_user: 'SESSION_USER',
};

function isPlainNumber(expr: Extract<Expr, { kind: 'const' }>): boolean {
  return (expr.literal === 'integer' || expr.literal === 'numeric') && /^\d+(\.\d+)?$/.test(expr.text) && Number(expr.text) <= 2147483647;
}

function deparseConst(expr: Extract<Expr, { kind: 'const' }>, typeOid: number, typmod: number): string | null {
  switch (expr.literal) {
    case 'boolean': return expr.text === 't' ? 'true' : 'false';
    case 'integer':
    case 'numeric': {
      const isInt4 = /^-?\d+$/.test(expr.text) && Math.abs(Number(expr.text)) <= 2147483647;
      if (!isInt4 && /^-?\d+$/.test(expr.text)) return expr.text.startsWith('-') ? null : `'${expr.text}'::bigint`;
      if (expr.text.startsWith('-')) return isInt4 ? `'${expr.text}'::integer` : null;
      return expr.text;
    }
    case 'string': {
      // The literal is read by the column type's input function and printed back. As in
      // PostgreSQL's coerce_type, the typmod is not applied to the stored constant (interval's
      // aside): `numeric(8,2) DEFAULT '0'` shows '0'::numeric, `char(5) DEFAULT 'ab'` 'ab'::bpchar.
      const value = types.parseTextValue(typeOid, typeOid === TypeOid.interval ? typmod : -1, expr.text);
      const text = types.formatTextValue(typeOid, value);
      if (typeOid === TypeOid.bool) return text === 't' ? 'true' : 'false';
      if (typeOid === TypeOid.int4) return text.startsWith('-') ? `'${text}'::integer` : text;
      // A numeric that reads back as a numeric literal (a decimal point, no sign) prints bare.
      if (typeOid === TypeOid.numeric && /^\d+\.\d+$/.test(text)) return text;
      return `${quoteLiteral(text)}::${types.formatType(typeOid, -1)}`;
    }
    default: return null;
  }
}

export function quoteLiteral(text: string): string {
  if (text.includes('\\')) return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return `'${text.replace(/'/g, "''")}'`;
}

/** PostgreSQL's reserved and type-function-name keywords: these need quotes as identifiers. */
const RESERVED = new Set(`all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
  column concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp
  current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in
  initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset
  on only or order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table
  tablesample then to trailing true union unique user using variadic verbose when where window with
  between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int integer interval least
  national nchar none normalize nullif numeric out overlay position precision real row setof smallint substring time timestamp treat trim
  values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`.split(/\s+/));

/** quote_ident: quotes unless the name is a lower-case identifier that is not a keyword that needs it. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** The schema a relation name resolves to first on the search path (pg_table_is_visible's rule). */
export function isVisible(catalog: CatalogSnapshot, searchPath: readonly string[], schema: string, name: string): boolean {
  if (schema === 'pg_catalog') return true;
  for (const candidate of ['pg_catalog', ...searchPath]) {
    if (candidate === schema) return true;
    if (catalog.relationExists(candidate, name)) return false;
  }
  return false;
}

/** CREATE INDEX text as pg_get_indexdef prints it. */
export function indexDefinition(table: TableInfo, index: IndexInfo, qualifiedTable: string): string {
  const keys = index.columns.map((p) => quoteIdent(table.columns[p]!.name)).join(', ');
  const include = index.include.length > 0 ? ` INCLUDE (${index.include.map((p) => quoteIdent(table.columns[p]!.name)).join(', ')})` : '';
  const nulls = index.nullsNotDistinct ? ' NULLS NOT DISTINCT' : '';
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(index.name)} ON ${qualifiedTable} USING btree (${keys})${include}${nulls}`;
}

/** pg_get_constraintdef for a PRIMARY KEY or UNIQUE constraint. */
export function constraintDefinition(table: TableInfo, index: IndexInfo): string {
  const keys = index.columns.map((p) => quoteIdent(table.columns[p]!.name)).join(', ');
  const include = index.include.length > 0 ? ` INCLUDE (${index.include.map((p) => quoteIdent(table.columns[p]!.name)).join(', ')})` : '';
  const kind = index.primary ? 'PRIMARY KEY' : `UNIQUE${index.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''}`;
  return `${kind} (${keys})${include}`;
}

/** Any relation (table, index, sequence, view, system view) by oid, with its schema and name. */
export function relationByOid(catalog: CatalogSnapshot, oid: number, virtual: (oid: number) => { schema: string; name: string } | undefined):
  { schema: string; name: string; table?: TableInfo; index?: IndexInfo } | undefined {
  const table = catalog.tableById(oid);
  if (table) return { schema: table.schema, name: table.name, table };
  for (const t of catalog.allTables()) {
    const index = t.indexes.find((i) => i.oid === oid);
    if (index) return { schema: t.schema, name: index.name, table: t, index };
  }
  const other = catalog.sequenceById(oid);
  if (other) return { schema: other.schema, name: other.name };
  const view = [...catalog.allViews()].find((v) => v.id === oid);
  if (view) return { schema: view.schema, name: view.name };
  return virtual(oid);
}
