import { SqlError } from '../../contracts/errors.js';
import type { WriteEntry } from '../../contracts/kv.js';
import { BUILTIN_SCHEMAS, CatalogChange, type CatalogSnapshot, type ColumnInfo, type FunctionInfo, type IndexInfo, type TableInfo, type ViewInfo } from '../catalog/catalog.js';
import { renameSchema } from './ddl-rename-schema.js';
import { SYSTEM_COLUMN_NAMES } from './system-columns.js';
import type { AlterTableAction, CreateIndexStatement, CreateTableStatement, SelectStatement, Statement, TypeName } from './ast.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { Timestamp } from '../../contracts/time.js';
import type { SessionZone } from '../types/session-zone.js';
import { parseTextInZone, readsClock, readsZone } from '../types/zoned-datetime.js';
import { mayNameRelativeTime } from '../types/datetime.js';
import { quoteLiteral } from '../types/format.js';
import { compileExpr } from './compile.js';
import { parseSql } from './parse.js';
import { mapTree } from './ast-map.js';
import { columnsOfTables, functionBody } from './sql-functions.js';
import { addForeignKey, checkIndexNotReferenced, createTableForeignKeys, dropForeignKey, ForeignKeyDrops, renameForeignKey } from './foreign-key-ddl.js';
import { Scope } from './scope.js';
import * as types from './typesystem.js';
import { refuseCheckOption } from './view-modify.js';
import { checkTypeSchema, domainForTypeName, executeDomainDdl, refuseArrayColumnTypes, resolveColumnOrDomainType } from './ddl-domains.js';
import { alterTableConstraint, assignedDefault, checkGeneratedColumns, newTableChecks, renameColumnReferences, renameTableReferences } from './ddl-constraints.js';
import { positionedIn, type ExpressionHost } from './table-expressions.js';
import { defaultCheckScope } from '../sequences/sequence-catalog.js';
import { checkedParameters, checkReplacedDefaults } from './parameter-defaults.js';
import type { AfterCommitJob } from '../jobs/job-requests.js';
import { validateConstraintAsync } from './ddl-validate.js';
import { dropColumn } from './ddl-drop-column.js';
import { setStorage } from './ddl-set-storage.js';
import { changeTableOwner } from './ddl-owner.js';
import { executeAlterObject } from './ddl-alter-object.js';
import { executeComment } from '../comments/comment-ddl.js';
import { addUniqueUsingIndex } from './ddl-unique-using-index.js';
import { recordIndexDrop, recordTableDrop, withoutIndex } from '../jobs/drop-job.js';
import { addIdentityColumns, addIdentityToColumn, dropOwnedSequences, isSequenceDdl, removeSequence } from '../sequences/sequence-ddl.js';
import { followTableRename, renameView, viewsNaming, type ViewHost } from './view-references.js';
import { COVERING_ENTRY_FORMAT } from './index-entry.js';
import { cascadedObjects, cascadeNotice, dependencyDetail, type DroppedObject } from './ddl-cascade.js';

/**
 * DDL: each statement becomes catalog writes committed like any other transaction
 * (DESIGN.md §2 Schema), within DSQL's schema limits (reference/dsql.md §3.2).
 */
const MAX_COLUMNS = 255;
const MAX_KEY_COLUMNS = 8;
const MAX_INDEXES = 24;
const MAX_SCHEMAS = 10;
const MAX_TABLES = 1000;
const MAX_IDENTIFIER = 63;

export interface DdlContext {
  readonly catalog: CatalogSnapshot;
  readonly currentSchema: string;
  readonly sessionUser: string;
  /** The session's TimeZone and the transaction's timestamp, which a DEFAULT literal of timestamptz is read with. */
  readonly timeZone?: SessionZone;
  readonly now?: Timestamp;
  /** Plans a query (CREATE VIEW): its output columns and the tables it reads. */
  /** The session's search path (the existing schemas are what a new view is bound to). */
  readonly searchPath?: readonly string[];
  readonly describeQuery?: (query: SelectStatement, paramTypes?: readonly number[], catalog?: CatalogSnapshot, searchPath?: readonly string[]) =>
    { columns: readonly { name: string; oid: number; typmod: number }[]; tables: readonly number[]; searchPath: readonly string[] };
}

export interface DdlResult {
  readonly tag: string;
  readonly writes: WriteEntry[];
  /** Rows to return (CREATE INDEX ASYNC returns its job id). */
  readonly rows?: string[][];
  /** A notice to send (e.g. "relation already exists, skipping"). */
  readonly notice?: string;
  /** DROP … CASCADE: the notice about what it took with it (ddl-cascade.ts), sent after `notice`. */
  readonly cascade?: SqlError;
  /** Work to start after the DDL commits (an index build). */
  readonly afterCommit?: readonly AfterCommitJob[];
}

export function truncateIdentifier(name: string): string {
  return Buffer.byteLength(name) > MAX_IDENTIFIER ? Buffer.from(name).subarray(0, MAX_IDENTIFIER).toString() : name;
}

export function executeDdl(statement: Statement, ctx: DdlContext, newJobId: () => string): DdlResult {
  switch (statement.kind) {
    case 'create-table': return createTable(statement, ctx);
    case 'create-index': return createIndex(statement, ctx, newJobId);
    case 'create-schema': return createSchema(statement.name, statement.ifNotExists, ctx);
    case 'drop': return drop(statement, ctx, newJobId);
    case 'reindex': return reindex(statement, ctx);
    case 'create-view': return createView(statement, ctx);
    case 'alter-table': return alterTable(statement, ctx, newJobId);
    case 'create-function': return createFunction(statement, ctx);
    case 'drop-function': return dropFunction(statement, ctx);
    case 'alter-owner':
    case 'set-schema':
    case 'rename-object': return executeAlterObject(statement, ctx);
    case 'rename-schema': return renameSchema(statement.name, truncateIdentifier(statement.newName), ctx);
    case 'comment': return executeComment(statement, ctx);
    case 'create-domain':
    case 'alter-domain': return executeDomainDdl(statement, ctx.catalog, expressionHost(ctx));
    default: throw new Error(`not a DDL statement: ${statement.kind}`);
  }
}

export function isDdl(statement: Statement): boolean {
  return statement.kind === 'create-table' || statement.kind === 'create-index' || statement.kind === 'create-schema' || statement.kind === 'drop'
    || statement.kind === 'create-view' || statement.kind === 'alter-table' || statement.kind === 'create-function' || statement.kind === 'drop-function'
    || statement.kind === 'create-domain' || statement.kind === 'alter-domain' || statement.kind === 'alter-owner' || statement.kind === 'set-schema'
    || statement.kind === 'rename-object' || statement.kind === 'rename-schema' || statement.kind === 'comment' || statement.kind === 'reindex' || isSequenceDdl(statement);
}

/** ALTER VIEW / ALTER TABLE … RENAME on a view. */
export function renameViewStatement(view: ViewInfo, rename: { readonly newName: string } | { readonly column: string; readonly newColumn: string }, ctx: DdlContext, tag: string): DdlResult {
  const change = new CatalogChange(ctx.catalog);
  renameView(viewHost(ctx), view, rename, change);
  return { tag, writes: change.finish() };
}

/**
 * The schema an unqualified name in DROP or ALTER finds, as PostgreSQL's RangeVarGetRelid does:
 * the first existing schema of the search path that holds it (`holds`); with none, the current
 * schema, which the "does not exist" error then names. A qualified name is its own schema.
 */
export function schemaHolding(ctx: DdlContext, qualifier: string | null, holds: (schema: string) => boolean): string {
  if (qualifier !== null) return qualifier;
  return boundSearchPath(ctx).find(holds) ?? ctx.currentSchema;
}

/** Where an unqualified name in DDL is looked up: the search path's existing schemas, or the current schema. */
function lookupPath(ctx: DdlContext): readonly string[] {
  const path = boundSearchPath(ctx);
  return path.length > 0 ? path : [ctx.currentSchema];
}

/** The existing schemas of the session's search path: what a stored expression's names bind to. */
function boundSearchPath(ctx: DdlContext): readonly string[] {
  return (ctx.searchPath ?? [ctx.currentSchema]).filter((schema) => ctx.catalog.schema(schema) !== undefined);
}

/** What following a rename through the views needs (view-references.ts). */
export function viewHost(ctx: DdlContext): ViewHost {
  const describe = ctx.describeQuery;
  return {
    catalog: ctx.catalog, searchPath: ctx.searchPath ?? [ctx.currentSchema],
    describe: describe ? (query, catalog, searchPath) => describe(query, [], catalog, searchPath) : undefined,
  };
}

/** What stored expressions (CHECK, generation, domain constraints) are compiled with during DDL. */
function expressionHost(ctx: DdlContext): ExpressionHost {
  return { catalog: ctx.catalog, currentSchema: ctx.currentSchema, sessionUser: ctx.sessionUser, searchPath: [ctx.currentSchema] };
}

export function schemaFor(name: string | null, ctx: DdlContext): string {
  const schema = name ?? ctx.currentSchema;
  if (!ctx.catalog.schema(schema)) throw new SqlError('3F000', `schema "${schema}" does not exist`);
  if (schema === 'pg_catalog' || schema === 'pg_toast' || schema === 'information_schema' || schema === 'sys') {
    throw new SqlError('42501', `permission denied for schema ${schema}`);
  }
  return schema;
}

function createTable(statement: CreateTableStatement, ctx: DdlContext): DdlResult {
  const schema = schemaFor(statement.schema, ctx);
  const name = truncateIdentifier(statement.table);
  if (ctx.catalog.relationExists(schema, name)) {
    if (statement.ifNotExists) return { tag: 'CREATE TABLE', writes: [], notice: `relation "${name}" already exists, skipping` };
    throw new SqlError('42P07', `relation "${name}" already exists`);
  }
  if ([...ctx.catalog.allTables()].length >= MAX_TABLES) throw new SqlError('54000', `creating more than ${MAX_TABLES} tables not allowed`);
  if (statement.columns.length > MAX_COLUMNS) throw new SqlError('54011', `tables can have at most ${MAX_COLUMNS} columns`);
  refuseArrayColumnTypes(ctx.catalog, statement.columns.map((c) => c.type), [ctx.currentSchema]);
  const columns: ColumnInfo[] = [];
  for (const definition of statement.columns) {
    const columnName = truncateIdentifier(definition.name);
    refuseSystemColumnName(columnName);
    if (columns.some((c) => c.name === columnName)) throw new SqlError('42701', `column "${columnName}" specified more than once`);
    const type = resolveColumnOrDomainType(ctx.catalog, definition.type, [ctx.currentSchema]);
    if (definition.defaultExpr) checkDefault(definition.defaultText!, type.oid, type.typmod, columnName, ctx, definition.defaultOffset);
    const defaultText = definition.defaultText === null ? null : frozenDefault(definition.defaultText, type.oid, type.typmod, ctx);
    columns.push({ name: columnName, typeOid: type.oid, typmod: type.typmod, notNull: definition.notNull, defaultText,
      ...(definition.defaultText !== null ? { defaultSearchPath: boundSearchPath(ctx) } : {}),
      ...(definition.generatedText ? { generatedText: definition.generatedText } : {}), ...(type.domainOid !== undefined ? { domainOid: type.domainOid } : {}) });
  }
  const position = (column: string): number => {
    const i = columns.findIndex((c) => c.name === column);
    if (i < 0) throw new SqlError('42703', `column "${column}" named in key does not exist`);
    return i;
  };
  const change = new CatalogChange(ctx.catalog);
  const id = change.allocateId();
  addIdentityColumns(ctx.catalog, change, { id, schema, name }, statement.columns, columns);
  const indexes: IndexInfo[] = [];
  let primaryKey: number[] = [];
  if (statement.primaryKey) {
    primaryKey = statement.primaryKey.map(position);
    if (primaryKey.length > MAX_KEY_COLUMNS) throw new SqlError('54011', `more than ${MAX_KEY_COLUMNS} column keys in an index are not supported`);
    for (const p of primaryKey) columns[p] = { ...columns[p]!, notNull: true };
    const pkName = uniqueRelationName(ctx.catalog, schema, `${name}_pkey`, []);
    indexes.push({ id: 1, oid: change.allocateId(), name: pkName, columns: primaryKey, include: [], unique: true, primary: true, valid: true, nullsNotDistinct: false, constraintName: pkName });
  }
  let nextIndexId = 2;
  for (const unique of statement.uniques) {
    const keyColumns = unique.columns.map(position);
    if (keyColumns.length > MAX_KEY_COLUMNS) throw new SqlError('54011', `more than ${MAX_KEY_COLUMNS} column keys in an index are not supported`);
    const indexName = unique.name ?? uniqueRelationName(ctx.catalog, schema, `${name}_${unique.columns.join('_')}_key`, indexes.map((i) => i.name));
    indexes.push({ id: nextIndexId++, oid: change.allocateId(), name: indexName, columns: keyColumns, include: [], unique: true, primary: false, valid: true, nullsNotDistinct: unique.nullsNotDistinct, constraintName: indexName, entryFormat: COVERING_ENTRY_FORMAT });
  }
  if (indexes.length > MAX_INDEXES) throw new SqlError('54000', `more than ${MAX_INDEXES} indexes per table are not allowed`);
  // A primary key or a UNIQUE constraint is an index: its columns must be indexable.
  for (const index of indexes) for (const p of index.columns) types.checkIndexable(columns[p]!.typeOid, columns[p]!.name);
  let table: TableInfo = { id, schema, name, columns, primaryKey, indexes };
  const generatedOrigins = new Map(statement.columns.flatMap((c) => (c.generatedOffset !== undefined && c.generatedOffset >= 0 ? [[truncateIdentifier(c.name), c.generatedOffset] as const] : [])));
  checkGeneratedColumns(table, expressionHost(ctx), generatedOrigins);
  if (statement.checks && statement.checks.length > 0) table = { ...table, checks: newTableChecks(table, statement.checks, ctx.catalog, expressionHost(ctx)) };
  table = createTableForeignKeys(statement.foreignKeys, table, ctx.catalog, change, lookupPath(ctx));
  change.putTable(table);
  return { tag: 'CREATE TABLE', writes: change.finish() };
}

/** `origin`: where the default's text stands in a CREATE TABLE, for its errors' positions (ALTER has none, as in PostgreSQL). */
function checkDefault(text: string, oid: number, typmod: number, column: string, ctx: DdlContext, origin?: number): void {
  const parsed = parseSql(`SELECT ${text}`)[0]!.statement;
  if (parsed.kind !== 'select' || parsed.targets.length !== 1) throw new SqlError('42601', `invalid DEFAULT for column "${column}"`);
  try {
    mapTree(parsed.targets[0]!.expr, (node) => {
      if (node.kind === 'subquery') throw new SqlError('0A000', 'cannot use subquery in DEFAULT expression', { position: (node.location as number) + 1 });
      return undefined;
    });
    const value = compileExpr(parsed.targets[0]!.expr, {
      scope: new NoColumnsScope(), paramTypes: [], aggregates: null, aggregateBase: 0, clause: 'DEFAULT expressions', sessionUser: 'admin', currentSchema: 'public',
      // The catalog, so that nextval('s') finds its sequence now; a subquery is refused as PostgreSQL does.
      ...defaultCheckScope(ctx.catalog, ctx.currentSchema),
    });
    assignedDefault(value, oid, typmod, column);
  } catch (error) {
    positionedIn(error, origin);
  }
}

/** A DEFAULT's scope: no column may be named there (transformColumnRef's EXPR_KIND_COLUMN_DEFAULT). */
class NoColumnsScope extends Scope {
  constructor() {
    super([]);
  }

  override resolve(_relation: string | null, _name: string, location: number): never {
    throw new SqlError('0A000', 'cannot use column reference in DEFAULT expression', { position: location + 1 });
  }
}

/**
 * A DEFAULT that is a string literal of a type read in the session's zone (timestamptz, timetz,
 * their arrays), or of any date/time type naming the transaction's time ('now', 'today'), keeps
 * the value it names where the DDL runs, as PostgreSQL folds it into a constant: a later INSERT
 * in another zone writes the same instant, and DEFAULT 'now' is the table's creation time. Stored as a literal with its
 * offset, so reading it again in any zone gives that value; any other default is kept as written.
 */
function frozenDefault(text: string, oid: number, typmod: number, ctx: DdlContext): string {
  if (!readsClock(oid) || !ctx.timeZone || ctx.now === undefined) return text;
  const parsed = parseSql(`SELECT ${text}`)[0]!.statement;
  if (parsed.kind !== 'select' || parsed.targets.length !== 1) return text;
  let expr = parsed.targets[0]!.expr;
  if (expr.kind === 'cast' && types.resolveTypeName(expr.type).oid === oid) expr = expr.arg;
  if (expr.kind !== 'const' || expr.literal !== 'string') return text;
  if (!readsZone(oid) && !mayNameRelativeTime(expr.text)) return text;
  const value = parseTextInZone(oid, typmod, expr.text, ctx.timeZone, ctx.now);
  return quoteLiteral(types.formatTextValue(oid, value));
}

/** PostgreSQL picks `name`, then `name1`, `name2`… when a generated name is taken. */
export function uniqueRelationName(catalog: CatalogSnapshot, schema: string, base: string, taken: readonly string[]): string {
  let candidate = truncateIdentifier(base);
  for (let n = 1; catalog.relationExists(schema, candidate) || taken.includes(candidate); n++) candidate = truncateIdentifier(`${base}${n}`);
  return candidate;
}

function createIndex(statement: CreateIndexStatement, ctx: DdlContext, newJobId: () => string): DdlResult {
  if (!statement.async) throw new SqlError('0A000', 'unsupported mode. please use CREATE INDEX ASYNC.');
  if (statement.refusal !== null) throw new SqlError('0A000', statement.refusal);
  const schema = statement.schema !== null ? schemaFor(statement.schema, ctx) : schemaHolding(ctx, null, (s) => ctx.catalog.relationExists(s, statement.table));
  const table = ctx.catalog.table(schema, statement.table);
  if (!table) throw new SqlError('42P01', `relation "${statement.table}" does not exist`);
  const position = (column: string): number => {
    const i = table.columns.findIndex((c) => c.name === column);
    if (i < 0) throw new SqlError('42703', `column "${column}" does not exist`);
    return i;
  };
  const columns = statement.columns.map(position);
  if (columns.length > MAX_KEY_COLUMNS) throw new SqlError('54011', `more than ${MAX_KEY_COLUMNS} column keys in an index are not supported`);
  for (const c of columns) types.checkIndexable(table.columns[c]!.typeOid, table.columns[c]!.name);
  const base = `${table.name}_${statement.columns.join('_')}_idx`;
  const name = statement.name ? truncateIdentifier(statement.name) : uniqueRelationName(ctx.catalog, schema, base, []);
  if (ctx.catalog.relationExists(schema, name)) {
    if (statement.ifNotExists) return { tag: 'CREATE INDEX', writes: [], notice: `relation "${name}" already exists, skipping` };
    throw new SqlError('42P07', `relation "${name}" already exists`);
  }
  if (table.indexes.length >= MAX_INDEXES) throw new SqlError('54000', `more than ${MAX_INDEXES} indexes per table are not allowed`);
  const change = new CatalogChange(ctx.catalog);
  const indexId = Math.max(1, table.highestIndexId ?? 1, ...table.indexes.map((i) => i.id)) + 1;
  const jobId = newJobId();
  const index: IndexInfo = {
    id: indexId, oid: change.allocateId(), name, columns, include: statement.include.map(position), unique: statement.unique,
    primary: false, valid: false, nullsNotDistinct: statement.nullsNotDistinct, constraintName: null, buildJobId: jobId, entryFormat: COVERING_ENTRY_FORMAT,
  };
  change.putTable({ ...table, indexes: [...table.indexes, index] });
  return { tag: 'CREATE INDEX', writes: change.finish(), rows: [[jobId]], afterCommit: [{ kind: 'build-index', tableId: table.id, indexId, jobId }] };
}

function createSchema(name: string, ifNotExists: boolean, ctx: DdlContext): DdlResult {
  if (ctx.catalog.schema(name)) {
    if (ifNotExists) return { tag: 'CREATE SCHEMA', writes: [], notice: `schema "${name}" already exists, skipping` };
    throw new SqlError('42P06', `schema "${name}" already exists`);
  }
  if (name.startsWith('pg_')) throw new SqlError('42939', `unacceptable schema name "${name}"`, { detail: 'The prefix "pg_" is reserved for system schemas.' });
  if (ctx.catalog.userSchemaCount() >= MAX_SCHEMAS) throw new SqlError('54000', `more than ${MAX_SCHEMAS} schemas not allowed`);
  const change = new CatalogChange(ctx.catalog);
  change.putSchema({ name, oid: change.allocateId() });
  return { tag: 'CREATE SCHEMA', writes: change.finish() };
}

function drop(statement: Extract<Statement, { kind: 'drop' }>, ctx: DdlContext, newJobId: () => string): DdlResult {
  const change = new CatalogChange(ctx.catalog);
  const notices: string[] = [];
  const afterCommit: AfterCommitJob[] = [];
  const dropRows = (table: TableInfo) => afterCommit.push({ kind: 'drop-rows', drop: recordTableDrop(change, newJobId(), table) });
  const tag = `DROP ${statement.objectType.toUpperCase()}`;
  const droppedTables = droppedTableIds(statement, ctx);
  const foreignKeys = new ForeignKeyDrops(ctx.catalog, droppedTables);
  const namedViews = droppedViewIds(statement, ctx);
  const reach = new DropReach(ctx, foreignKeys);
  const roots: DroppedObject[] = [];
  // PostgreSQL's RemoveRelations: the weaker lock CONCURRENTLY takes allows one index, alone.
  if (statement.concurrently && statement.names.length !== 1) throw new SqlError('0A000', 'DROP INDEX CONCURRENTLY does not support dropping multiple objects');
  if (statement.concurrently && statement.cascade) throw new SqlError('0A000', 'DROP INDEX CONCURRENTLY does not support CASCADE');
  for (const parts of statement.names) {
    const name = parts[parts.length - 1]!;
    const schemaName = parts.length > 1 ? parts[parts.length - 2]! : null;
    if (statement.objectType === 'domain') return executeDomainDdl(statement, ctx.catalog, expressionHost(ctx));
    if (statement.objectType === 'schema') {
      if (!ctx.catalog.schema(name)) {
        if (statement.ifExists) { notices.push(`schema "${name}" does not exist, skipping`); continue; }
        throw new SqlError('3F000', `schema "${name}" does not exist`);
      }
      // The catalog schemas are pinned, as PostgreSQL's are (public is not).
      if (name !== 'public' && BUILTIN_SCHEMAS.some((b) => b.name === name)) {
        throw new SqlError('2BP01', `cannot drop schema ${name} because it is required by the database system`);
      }
      const tables = [...ctx.catalog.allTables()].filter((t) => t.schema === name);
      const views = [...ctx.catalog.allViews()].filter((v) => v.schema === name);
      const domains = [...ctx.catalog.allDomains()].filter((d) => d.schema === name);
      const sequences = [...ctx.catalog.allSequences()].filter((s) => s.schema === name);
      const functions = ctx.catalog.allFunctions().filter((f) => f.schema === name);
      const columns = domainColumnsKept(ctx, domains.map((d) => d.id), droppedTables);
      const dropped: DroppedObject = {
        id: ctx.catalog.schema(name)!.oid, description: `schema ${name}`, dependents: [
          ...tables.map((t) => reach.table(t)), ...views.map((v) => reach.view(v)),
          ...functions.map((f) => ({ id: f.id, description: `function ${functionDescription(ctx, f)}`, dependents: [] })),
          ...domains.map((d) => ({ id: d.id, description: `type ${visibleName(ctx, d.schema, d.name, (s) => ctx.catalog.domain(s, d.name) !== undefined)}`,
            dependents: columns.filter((c) => c.domainOid === d.id) })),
          ...sequences.map((q) => ({ id: q.id, description: `sequence ${visibleName(ctx, q.schema, q.name)}`, dependents: [] })),
        ],
      };
      refuseWithoutCascade(statement, dropped, `schema ${name}`);
      roots.push(dropped);
      for (const t of tables) {
        change.deleteTable(t.id);
        dropRows(t);
      }
      dropDomainColumns(ctx, columns, change, afterCommit, newJobId);
      for (const d of domains) change.deleteDomain(d.id);
      for (const s of sequences) removeSequence(s.id, change);
      for (const f of functions) change.deleteFunction(f.id);
      change.deleteSchema(name);
      continue;
    }
    const schema = schemaHolding(ctx, schemaName, (s) => ctx.catalog.relationExists(s, name));
    // A qualified name in a missing schema: PostgreSQL's lookup of the schema fails first.
    if (schemaName !== null && !ctx.catalog.schema(schemaName)) {
      if (statement.ifExists) { notices.push(`schema "${schemaName}" does not exist, skipping`); continue; }
      throw new SqlError('3F000', `schema "${schemaName}" does not exist`);
    }
    if (statement.objectType === 'view') {
      const view = ctx.catalog.view(schema, name);
      if (!view) {
        if (ctx.catalog.table(schema, name)) throw new SqlError('42809', `"${name}" is not a view`, { hint: 'Use DROP TABLE to remove a table.' });
        if (statement.ifExists) { notices.push(`view "${name}" does not exist, skipping`); continue; }
        throw new SqlError('42P01', `view "${name}" does not exist`);
      }
      const dropped = reach.view(view);
      // Views the statement drops too need no CASCADE (`DROP VIEW v, reader_of_v`).
      refuseWithoutCascade(statement, dropped, `view ${visibleName(ctx, view.schema, view.name)}`, namedViews);
      roots.push(dropped);
    } else if (statement.objectType === 'table') {
      const table = ctx.catalog.table(schema, name);
      if (!table) {
        if (ctx.catalog.view(schema, name)) throw new SqlError('42809', `"${name}" is not a table`, { hint: 'Use DROP VIEW to remove a view.' });
        if (statement.ifExists) { notices.push(`table "${name}" does not exist, skipping`); continue; }
        throw new SqlError('42P01', `table "${name}" does not exist`);
      }
      const dropped = reach.table(table);
      refuseWithoutCascade(statement, dropped, `table ${visibleName(ctx, table.schema, table.name)}`);
      roots.push(dropped);
      change.deleteTable(table.id);
      dropRows(table);
      dropOwnedSequences(ctx.catalog, table.id, change);
    } else {
      const found = ctx.catalog.index(schema, name);
      if (!found) {
        if (statement.ifExists) { notices.push(`index "${name}" does not exist, skipping`); continue; }
        throw new SqlError('42704', `index "${name}" does not exist`);
      }
      if (found.index.primary || found.index.constraintName) {
        throw new SqlError('2BP01', `cannot drop index ${name} because constraint ${found.index.constraintName ?? name} on table ${found.table.name} requires it`, {
          hint: `You can drop constraint ${found.index.constraintName ?? name} on table ${found.table.name} instead.`,
        });
      }
      checkIndexNotReferenced(ctx.catalog, found.table, found.index, `index ${name}`);
      change.putTable(withoutIndex(found.table, found.index));
      afterCommit.push({ kind: 'drop-rows', drop: recordIndexDrop(change, newJobId(), found.table, found.index) });
    }
  }
  for (const id of reach.views) change.deleteView(id);
  foreignKeys.finish(change);
  const cascade = cascadeNotice(cascadedObjects(roots).map((c) => c.object.description)) ?? undefined;
  if (change.writes.length === 0) return { tag, writes: [], notice: notices.join('\n') || undefined };
  return { tag, writes: change.finish(), notice: notices.join('\n') || undefined, cascade, afterCommit };
}

/**
 * REINDEX is not built: an index here is written in the same transaction as its rows, so there
 * is no index to rebuild from its table. Refused in DSQL's words for a statement it lacks, after
 * the object is looked up as PostgreSQL's ExecReindex does (a missing one is its error).
 */
function reindex(statement: Extract<Statement, { kind: 'reindex' }>, ctx: DdlContext): DdlResult {
  const { target, name } = statement;
  if (target === 'schema' && name !== null && !ctx.catalog.schema(name)) throw new SqlError('3F000', `schema "${name}" does not exist`);
  if ((target === 'system' || target === 'database') && name !== null && name !== 'postgres') throw new SqlError('0A000', 'can only reindex the currently open database');
  if ((target === 'table' || target === 'index') && name !== null) {
    if (statement.schema !== null && !ctx.catalog.schema(statement.schema)) throw new SqlError('3F000', `schema "${statement.schema}" does not exist`);
    const schemas = statement.schema !== null ? [statement.schema] : ['pg_catalog', ...boundSearchPath(ctx)];
    const found = schemas.some((s) => (target === 'table' ? ctx.catalog.table(s, name) : ctx.catalog.index(s, name)) || ctx.catalog.relationExists(s, name));
    // PostgreSQL's system catalogs and their indexes and TOAST tables are not Strata's relations: no "does not exist" for them.
    const system = statement.schema === 'pg_catalog' || statement.schema === 'pg_toast' || (statement.schema === null && name.startsWith('pg_'));
    if (!found && !system) throw new SqlError('42P01', `relation "${statement.schema !== null ? `${statement.schema}.` : ''}${name}" does not exist`);
  }
  throw new SqlError('0A000', 'unsupported statement: Reindex');
}

/** A column of a kept table whose type is a domain the drop removes. */
interface DomainColumn extends DroppedObject {
  readonly domainOid: number;
  readonly table: TableInfo;
  readonly column: string;
}

/**
 * The columns of tables the statement keeps whose type is one of `domainIds`: PostgreSQL's
 * column → type dependency, so DROP SCHEMA … CASCADE drops such a column (`drop cascades to
 * column w of table u`) and refuses without CASCADE. Ids after every catalog id, in the order
 * the columns were made (a table's id, then its column's position), for the cascade's order.
 */
function domainColumnsKept(ctx: DdlContext, domainIds: readonly number[], droppedTables: ReadonlySet<number>): DomainColumn[] {
  const wanted = new Set(domainIds);
  const found: DomainColumn[] = [];
  for (const table of ctx.catalog.allTables()) {
    if (droppedTables.has(table.id)) continue;
    table.columns.forEach((c, position) => {
      if (c.domainOid === undefined || !wanted.has(c.domainOid)) return;
      const id = 2 ** 40 + table.id * 2 ** 16 + position * 2 ** 6;
      // What the column's drop would take with it (views that read it…), learnt from a drop made on a throwaway change.
      const reached: string[] = [];
      dropColumn(table, { kind: 'drop-column', column: c.name, ifExists: false, cascade: true }, { catalog: ctx.catalog, describeQuery: ctx.describeQuery }, new CatalogChange(ctx.catalog), [], reached);
      found.push({ id, description: `column ${c.name} of table ${visibleName(ctx, table.schema, table.name)}`,
        dependents: reached.map((description, i) => ({ id: id + 1 + i, description, dependents: [] })), domainOid: c.domainOid, table, column: c.name });
    });
  }
  return found;
}

/** Drops the domain columns a CASCADE reached, as ALTER TABLE … DROP COLUMN … CASCADE would (their views with them). */
function dropDomainColumns(ctx: DdlContext, columns: readonly DomainColumn[], change: CatalogChange, afterCommit: AfterCommitJob[], newJobId: () => string): void {
  for (const tableId of new Set(columns.map((c) => c.table.id))) {
    const before = columns.find((c) => c.table.id === tableId)!.table;
    let table = before;
    for (const column of columns.filter((c) => c.table.id === tableId)) {
      table = dropColumn(table, { kind: 'drop-column', column: column.column, ifExists: false, cascade: true }, { catalog: ctx.catalog, describeQuery: ctx.describeQuery }, change, [], []);
    }
    change.putTable(dropRemovedIndexes(before, table, change, afterCommit, newJobId));
  }
}

/** An index an ALTER removed (with a column or a UNIQUE constraint) leaves its entries to a DROP job. */
function dropRemovedIndexes(before: TableInfo, after: TableInfo, change: CatalogChange, afterCommit: AfterCommitJob[], newJobId: () => string): TableInfo {
  let table = after;
  for (const index of before.indexes) {
    if (table.indexes.some((i) => i.id === index.id)) continue;
    table = withoutIndex({ ...table, indexes: [...table.indexes, index] }, index);
    afterCommit.push({ kind: 'drop-rows', drop: recordIndexDrop(change, newJobId(), before, index) });
  }
  return table;
}

/** 2BP01 when a DROP without CASCADE would reach objects it does not name, listed as PostgreSQL lists them. */
function refuseWithoutCascade(statement: Extract<Statement, { kind: 'drop' }>, dropped: DroppedObject, described: string, named: ReadonlySet<number> = new Set()): void {
  if (statement.cascade) return;
  const reached = cascadedObjects([dropped]).filter((c) => !named.has(c.object.id));
  if (reached.length === 0) return;
  throw new SqlError('2BP01', `cannot drop ${described} because other objects depend on it`, {
    detail: dependencyDetail(reached), hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
  });
}

/**
 * What a DROP reaches from the objects it names, as PostgreSQL's dependency graph would have it
 * (ddl-cascade.ts): a table's views (those that read it, directly or through other views) and the
 * foreign keys that reference it from tables the statement keeps; a view's readers, by name.
 * Collects the views it reaches, each dropped once; the foreign keys register with ForeignKeyDrops.
 */
class DropReach {
  readonly views = new Set<number>();

  constructor(private readonly ctx: DdlContext, private readonly foreignKeys: ForeignKeyDrops) {}

  table(table: TableInfo): DroppedObject {
    const named = viewsNaming(this.ctx.catalog, table, lookupPath(this.ctx)).map((v) => this.view(v));
    // A view that reads the table only through a SQL function: PostgreSQL records no dependency
    // and leaves it broken; here it goes with the table, as the table is in its dependsOn.
    const other = [...this.ctx.catalog.allViews()].filter((v) => v.dependsOn.includes(table.id) && !this.views.has(v.id)).map((v) => this.view(v));
    const constraints = this.foreignKeys.cascade(table, (t) => visibleName(this.ctx, t.schema, t.name)).map((c) => ({ ...c, dependents: [] }));
    return { id: table.id, description: `table ${visibleName(this.ctx, table.schema, table.name)}`, dependents: [...named, ...other, ...constraints] };
  }

  /** `seen` stops a walk that comes back to a view it is in (views made to read each other by OR REPLACE). */
  view(view: ViewInfo, seen = new Set<number>()): DroppedObject {
    this.views.add(view.id);
    seen.add(view.id);
    const readers = viewsNaming(this.ctx.catalog, view, lookupPath(this.ctx)).filter((v) => !seen.has(v.id));
    return { id: view.id, description: `view ${visibleName(this.ctx, view.schema, view.name)}`, dependents: readers.map((v) => this.view(v, seen)) };
  }
}

/** `f(integer, text)`, schema-qualified unless the search path finds it first (PostgreSQL's format_procedure). */
function functionDescription(ctx: DdlContext, f: FunctionInfo): string {
  const name = visibleName(ctx, f.schema, f.name, (s) => ctx.catalog.functions(s, f.name).length > 0);
  return `${name}(${f.args.map((a) => types.formatType(a.typeOid, -1)).join(',')})`;
}

/** `schema.name`, or the bare name when the search path finds this object first (PostgreSQL's object descriptions). */
function visibleName(ctx: DdlContext, schema: string, name: string, exists = (s: string) => ctx.catalog.relationExists(s, name)): string {
  return boundSearchPath(ctx).find(exists) === schema ? name : `${schema}.${name}`;
}

/** The tables a DROP TABLE / DROP SCHEMA statement removes (foreign keys among them need no CASCADE). */
function droppedTableIds(statement: Extract<Statement, { kind: 'drop' }>, ctx: DdlContext): Set<number> {
  const ids = new Set<number>();
  for (const parts of statement.names) {
    const name = parts[parts.length - 1]!;
    if (statement.objectType === 'schema') {
      for (const t of ctx.catalog.allTables()) if (t.schema === name) ids.add(t.id);
    } else if (statement.objectType === 'table') {
      const table = ctx.catalog.table(schemaHolding(ctx, parts.length > 1 ? parts[parts.length - 2]! : null, (s) => ctx.catalog.relationExists(s, name)), name);
      if (table) ids.add(table.id);
    }
  }
  return ids;
}

/** The views a DROP VIEW statement names. */
function droppedViewIds(statement: Extract<Statement, { kind: 'drop' }>, ctx: DdlContext): Set<number> {
  const ids = new Set<number>();
  if (statement.objectType !== 'view') return ids;
  for (const parts of statement.names) {
    const name = parts[parts.length - 1]!;
    const view = ctx.catalog.view(schemaHolding(ctx, parts.length > 1 ? parts[parts.length - 2]! : null, (s) => ctx.catalog.relationExists(s, name)), name);
    if (view) ids.add(view.id);
  }
  return ids;
}

/** CREATE [OR REPLACE] VIEW: the query is planned now for its columns, stored as text, planned again where read. */
function createView(statement: Extract<Statement, { kind: 'create-view' }>, ctx: DdlContext): DdlResult {
  const schema = schemaFor(statement.schema, ctx);
  const name = truncateIdentifier(statement.name);
  const existing = ctx.catalog.view(schema, name);
  if ((!existing && ctx.catalog.relationExists(schema, name)) || (existing && !statement.replace)) {
    throw new SqlError('42P07', `relation "${name}" already exists`);
  }
  if (statement.query.with?.ctes.some((cte) => cte.query.kind !== 'select')) throw new SqlError('0A000', 'views must not contain data-modifying statements in WITH');
  const described = ctx.describeQuery!(statement.query);
  if (statement.columnAliases.length > described.columns.length) throw new SqlError('42601', 'CREATE VIEW specifies more column names than columns');
  const columns = described.columns.map((c, i) => ({
    name: truncateIdentifier(statement.columnAliases[i] ?? c.name),
    // An untyped literal column is text, as PostgreSQL 15 makes it.
    typeOid: c.oid === TypeOid.unknown ? TypeOid.text : c.oid, typmod: c.oid === TypeOid.unknown ? -1 : c.typmod,
  }));
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name)) throw new SqlError('42701', `column "${column.name}" specified more than once`);
    seen.add(column.name);
  }
  if (existing) {
    // OR REPLACE may only add columns at the end, as PostgreSQL requires.
    if (columns.length < existing.columns.length) throw new SqlError('42P16', 'cannot drop columns from view');
    existing.columns.forEach((old, i) => {
      const now = columns[i]!;
      if (old.name !== now.name) throw new SqlError('42P16', `cannot change name of view column "${old.name}" to "${now.name}"`, { hint: 'Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.' });
      if (old.typeOid !== now.typeOid) throw new SqlError('42P16', `cannot change data type of view column "${old.name}" from ${types.formatType(old.typeOid, old.typmod)} to ${types.formatType(now.typeOid, now.typmod)}`);
    });
  }
  const change = new CatalogChange(ctx.catalog);
  if (statement.checkOption) refuseCheckOption(statement.query);
  change.putView({
    // The text runs to the statement's end: the CHECK OPTION clause is the view's, not its query's.
    id: existing?.id ?? change.allocateId(), schema, name, columns, dependsOn: [...new Set(described.tables)], searchPath: described.searchPath,
    definition: statement.checkOption ? statement.queryText.replace(/\s+WITH\s+(?:LOCAL\s+|CASCADED\s+)?CHECK\s+OPTION\s*$/i, '') : statement.queryText,
    checkOption: statement.checkOption ?? null,
  });
  return { tag: 'CREATE VIEW', writes: change.finish() };
}

/** ALTER TABLE: a new TableInfo under the same id (rows are tuples: a column added later reads NULL in older rows). */
function alterTable(statement: Extract<Statement, { kind: 'alter-table' }>, ctx: DdlContext, newJobId: () => string): DdlResult {
  const schema = schemaHolding(ctx, statement.schema, (s) => ctx.catalog.relationExists(s, statement.table));
  let table = ctx.catalog.table(schema, statement.table);
  if (!table) {
    const view = ctx.catalog.view(schema, statement.table);
    // ALTER TABLE may rename a view (and its columns), as in PostgreSQL; nothing else.
    const only = statement.actions.length === 1 ? statement.actions[0]! : null;
    if (view && only?.kind === 'rename-table') return renameViewStatement(view, { newName: truncateIdentifier(only.newName) }, ctx, 'ALTER TABLE');
    if (view && only?.kind === 'rename-column') return renameViewStatement(view, { column: only.column, newColumn: truncateIdentifier(only.newName) }, ctx, 'ALTER TABLE');
    if (view) throw new SqlError('42809', `"${statement.table}" is not a table`);
    if (statement.ifExists) return { tag: 'ALTER TABLE', writes: [], notice: `relation "${statement.table}" does not exist, skipping` };
    if (statement.schema !== null && !ctx.catalog.schema(statement.schema)) throw new SqlError('3F000', `schema "${statement.schema}" does not exist`);
    throw new SqlError('42P01', `relation "${statement.table}" does not exist`);
  }
  const notices: string[] = [];
  /** What DROP COLUMN … CASCADE took with it (ddl-cascade.ts). */
  const cascaded: string[] = [];
  const renamedColumns: string[] = [];
  let tag = 'ALTER TABLE';
  if (statement.async) return validateConstraintAsync(table, statement.actions, newJobId);
  const columnIndex = (name: string): number => {
    const i = table!.columns.findIndex((c) => c.name === name);
    if (i < 0) throw new SqlError('42703', `column "${name}" of relation "${table!.name}" does not exist`);
    return i;
  };
  const withColumn = (i: number, column: ColumnInfo) => {
    table = { ...table!, columns: table!.columns.map((c, j) => (j === i ? column : c)) };
  };
  const change = new CatalogChange(ctx.catalog);
  for (const action of statement.actions) {
    switch (action.kind) {
      case 'add-column': {
        const name = truncateIdentifier(action.name);
        refuseSystemColumnName(name);
        if (table.columns.some((c) => c.name === name)) {
          if (action.ifNotExists) { notices.push(`column "${name}" of relation "${table.name}" already exists, skipping`); continue; }
          throw new SqlError('42701', `column "${name}" of relation "${table.name}" already exists`);
        }
        if (table.columns.length >= MAX_COLUMNS) throw new SqlError('54011', `tables can have at most ${MAX_COLUMNS} columns`);
        refuseArrayColumnTypes(ctx.catalog, [action.type], [ctx.currentSchema]);
        const type = resolveColumnOrDomainType(ctx.catalog, action.type, [ctx.currentSchema]);
        // Existing rows read NULL in an added column; PostgreSQL would fill in the domain's default or refuse its NOT NULL.
        const domain = type.domainOid !== undefined ? ctx.catalog.domainById(type.domainOid) : undefined;
        if (domain && (domain.notNull || domain.defaultText !== null)) throw new SqlError('0A000', `ALTER TABLE ADD COLUMN of domain ${domain.name} with a default or NOT NULL is not supported`);
        table = { ...table, columns: [...table.columns, { name, typeOid: type.oid, typmod: type.typmod, notNull: false, defaultText: null,
          ...(type.domainOid !== undefined ? { domainOid: type.domainOid } : {}) }] };
        break;
      }
      case 'set-default': {
        const i = columnIndex(action.column);
        const column = table.columns[i]!;
        if (action.defaultText !== null) checkDefault(action.defaultText, column.typeOid, column.typmod, column.name, ctx);
        const defaultText = action.defaultText === null ? null : frozenDefault(action.defaultText, column.typeOid, column.typmod, ctx);
        withColumn(i, { ...column, defaultText, defaultSearchPath: boundSearchPath(ctx) });
        break;
      }
      case 'drop-not-null': {
        const i = columnIndex(action.column);
        if (table.primaryKey.includes(i)) throw new SqlError('42P16', `column "${action.column}" is in a primary key`);
        withColumn(i, { ...table.columns[i]!, notNull: false });
        break;
      }
      case 'rename-column': {
        // renameatt words its error without the relation, unlike ALTER COLUMN's.
        const i = table.columns.findIndex((c) => c.name === action.column);
        if (i < 0) throw new SqlError('42703', `column "${action.column}" does not exist`);
        const newName = truncateIdentifier(action.newName);
        refuseSystemColumnName(newName);
        if (table.columns.some((c) => c.name === newName)) throw new SqlError('42701', `column "${newName}" of relation "${table.name}" already exists`);
        withColumn(i, { ...table.columns[i]!, name: newName });
        table = renameColumnReferences(table, action.column, newName);
        renamedColumns.push(action.column);
        tag = 'ALTER TABLE';
        break;
      }
      case 'rename-table': {
        const newName = truncateIdentifier(action.newName);
        if (ctx.catalog.relationExists(table.schema, newName)) throw new SqlError('42P07', `relation "${newName}" already exists`);
        table = renameTableReferences({ ...table, name: newName }, table.name, newName);
        break;
      }
      case 'add-foreign-key':
        table = addForeignKey(action.foreignKey, table, ctx.catalog, change, lookupPath(ctx));
        break;
      case 'validate-constraint':
        throw new SqlError('0A000', 'unsupported ALTER TABLE VALIDATE CONSTRAINT statement');
      case 'owner-to': changeTableOwner(table, action.role ?? ctx.sessionUser, ctx, change); break;
      case 'set-storage': table = setStorage(table, action.column, action.storage); break;
      case 'add-unique-using-index': table = addUniqueUsingIndex(table, action.name, action.index, ctx.catalog, notices); break;
      case 'drop-column': table = dropColumn(table, action, { catalog: ctx.catalog, describeQuery: ctx.describeQuery }, change, notices, cascaded); break;
      case 'add-identity': table = addIdentityToColumn(ctx.catalog, change, table, columnIndex(action.column), action); break;
      default: {
        const changed: TableInfo | null = keyConstraintAction(action, table, ctx) ?? alterTableConstraint(table, action, ctx.catalog, expressionHost(ctx), notices);
        if (changed === null) throw new SqlError('0A000', 'altering PRIMARY KEY and UNIQUE constraints is not supported yet');
        table = changed;
      }
    }
  }
  const before = ctx.catalog.table(schema, statement.table)!;
  if (table.name !== before.name || renamedColumns.length > 0) followTableRename(viewHost(ctx), before, table, renamedColumns, change);
  if (table === before && change.writes.length === 0) return { tag, writes: [], notice: notices.join('\n') || undefined };
  const afterCommit: AfterCommitJob[] = [];
  change.putTable(dropRemovedIndexes(before, table, change, afterCommit, newJobId));
  return { tag, writes: change.finish(), notice: notices.join('\n') || undefined, cascade: cascadeNotice(cascaded) ?? undefined, afterCommit };
}

/**
 * DROP / RENAME CONSTRAINT of a foreign key, and DROP CONSTRAINT of a UNIQUE constraint (refused
 * with 2BP01 while a foreign key uses its index); null leaves the action to the CHECK code.
 */
function keyConstraintAction(action: AlterTableAction, table: TableInfo, ctx: DdlContext): TableInfo | null {
  if (action.kind === 'rename-constraint') return renameForeignKey(action.name, action.newName, table);
  if (action.kind !== 'drop-constraint') return null;
  const withoutForeignKey = dropForeignKey(action.name, table);
  if (withoutForeignKey) return withoutForeignKey;
  const index = table.indexes.find((i) => i.constraintName === action.name);
  if (!index) return null;
  checkIndexNotReferenced(ctx.catalog, table, index, `constraint ${action.name} on table ${table.name}`);
  if (index.primary) return null;
  return { ...table, indexes: table.indexes.filter((i) => i !== index) };
}

/** CREATE [OR REPLACE] FUNCTION … LANGUAGE sql: the body is checked (planned with typed parameters) and stored as text. */
function createFunction(statement: Extract<Statement, { kind: 'create-function' }>, ctx: DdlContext): DdlResult {
  const schema = schemaFor(statement.schema, ctx);
  const name = truncateIdentifier(statement.name);
  const args = checkedParameters(statement.args.map((a) => {
    const type = functionType(a.type, 'with an argument of', ctx);
    return { name: a.name, typeOid: type.oid, typmod: type.typmod, ...(a.defaultText !== undefined ? { defaultText: a.defaultText, defaultOffset: a.defaultOffset } : {}) };
  }), ctx);
  const returned = resolveReturnType(statement, schema, ctx);
  const signature = `${name}(${args.map((a) => types.formatType(a.typeOid, -1)).join(', ')})`;
  const body = functionBody({ name, args, body: statement.body }, columnsOfTables(ctx.catalog, [schema, ctx.currentSchema]));
  const described = ctx.describeQuery!(body, args.map((a) => a.typeOid));
  if (described.columns.length !== 1) {
    throw new SqlError('42P13', `return type mismatch in function declared to return ${types.formatType(returned.oid, returned.typmod)}`, { detail: 'Final statement must return exactly one column.' });
  }
  const result = described.columns[0]!;
  if (result.oid !== returned.oid && result.oid !== TypeOid.unknown && types.castContext(result.oid, returned.oid) === null) {
    throw new SqlError('42P13', `return type mismatch in function declared to return ${types.formatType(returned.oid, returned.typmod)}`, { detail: `Actual return type is ${types.formatType(result.oid, result.typmod)}.` });
  }
  const existing = ctx.catalog.functions(schema, name).find((f) => f.args.length === args.length && f.args.every((a, i) => a.typeOid === args[i]!.typeOid));
  if (existing && !statement.replace) throw new SqlError('42723', `function ${signature} already exists with same argument types`);
  if (existing && (existing.returnType.oid !== returned.oid || !!existing.returnsSet !== !!statement.setof)) {
    throw new SqlError('42P13', 'cannot change return type of existing function', { hint: `Use DROP FUNCTION ${signature} first.` });
  }
  if (existing) checkReplacedDefaults(existing, args);
  const change = new CatalogChange(ctx.catalog);
  change.putFunction({ id: existing?.id ?? change.allocateId(), schema, name, args, returnType: { oid: returned.oid, typmod: returned.typmod }, body: statement.body, strict: statement.strict, ...(statement.setof ? { returnsSet: true } : {}),
    ...(statement.volatility ? { volatility: statement.volatility } : {}), ...(statement.returnForm ? { returnForm: true } : {}) });
  return { tag: existing ? 'CREATE FUNCTION' : 'CREATE FUNCTION', writes: change.finish() };
}

/** The declared return type; SETOF a table's row type is not built (Strata has no composite types). */
function resolveReturnType(statement: Extract<Statement, { kind: 'create-function' }>, schema: string, ctx: DdlContext): { oid: number; typmod: number } {
  try {
    return functionType(statement.returnType, 'returning', ctx);
  } catch (error) {
    const name = statement.returnType.names[statement.returnType.names.length - 1]!;
    if (error instanceof SqlError && error.code === '42704' && (ctx.catalog.table(schema, name) || ctx.catalog.table(ctx.currentSchema, name))) {
      throw new SqlError('0A000', `functions returning the row type of table "${name}" are not supported yet`);
    }
    throw error;
  }
}

/**
 * A function's argument or return type: a built-in type. A domain is a type Strata's functions
 * do not take yet (their signatures, calls and pg_proc hold built-in type oids), so it is 0A000,
 * never "does not exist"; a name that is no type at all is PostgreSQL's 42704, whose text for
 * an argument names the type unquoted (interpret_function_parameter_list).
 */
function functionType(name: TypeName, role: 'with an argument of' | 'returning', ctx: DdlContext): { oid: number; typmod: number } {
  checkTypeSchema(ctx.catalog, name);
  try {
    return types.resolveTypeName(name);
  } catch (error) {
    if (!(error instanceof SqlError) || error.code !== '42704') throw error;
    const domain = domainForTypeName(ctx.catalog, { ...name, arrayBounds: 0 }, ctx.searchPath ?? [ctx.currentSchema]);
    if (domain) throw new SqlError('0A000', `functions ${role} domain type ${domain.name}${name.arrayBounds > 0 ? '[]' : ''} are not supported`);
    if (role === 'returning') throw error;
    throw new SqlError('42704', `type ${name.names.join('.')}${'[]'.repeat(name.arrayBounds)} does not exist`);
  }
}

function dropFunction(statement: Extract<Statement, { kind: 'drop-function' }>, ctx: DdlContext): DdlResult {
  const change = new CatalogChange(ctx.catalog);
  const notices: string[] = [];
  for (const target of statement.functions) {
    const name = target.names[target.names.length - 1]!;
    const schema = schemaHolding(ctx, target.names.length > 1 ? target.names[target.names.length - 2]! : null, (s) => ctx.catalog.functions(s, name).length > 0);
    const argOids = target.argTypes?.map((t) => types.resolveTypeName(t).oid) ?? null;
    const candidates = ctx.catalog.functions(schema, name).filter((f) => argOids === null || (f.args.length === argOids.length && f.args.every((a, i) => a.typeOid === argOids[i])));
    const signature = `${name}(${(argOids ?? []).map((o) => types.formatType(o, -1)).join(', ')})`;
    if (candidates.length === 0) {
      const missingSchema = target.names.length > 1 && !ctx.catalog.schema(schema);
      if (statement.ifExists) { notices.push(missingSchema ? `schema "${schema}" does not exist, skipping` : `function ${argOids === null ? name : signature} does not exist, skipping`); continue; }
      if (missingSchema) throw new SqlError('3F000', `schema "${schema}" does not exist`);
      throw new SqlError('42883', argOids === null ? `could not find a function named "${name}"` : `function ${signature} does not exist`);
    }
    if (candidates.length > 1) throw new SqlError('42725', `function name "${name}" is not unique`, { hint: 'Specify the argument list to select the function unambiguously.' });
    change.deleteFunction(candidates[0]!.id);
  }
  if (change.writes.length === 0) return { tag: 'DROP FUNCTION', writes: [], notice: notices.join('\n') || undefined };
  return { tag: 'DROP FUNCTION', writes: change.finish(), notice: notices.join('\n') || undefined };
}

/** A table column may not take a system column's name (system-columns.ts), as in PostgreSQL. */
function refuseSystemColumnName(name: string): void {
  if (SYSTEM_COLUMN_NAMES.has(name)) throw new SqlError('42701', `column name "${name}" conflicts with a system column name`);
}
