import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import { CatalogChange, type CatalogSnapshot, type ColumnInfo, type SequenceInfo, type TableInfo } from '../catalog/catalog.js';
import type { ColumnDefinition, SequenceOption, Statement } from '../sql/ast.js';
import { schemaFor, schemaHolding, truncateIdentifier, uniqueRelationName, type DdlContext, type DdlResult } from '../sql/ddl.js';
import * as types from '../sql/typesystem.js';
import { ownedSequences } from './sequence-catalog.js';
import {
  applyOptions, checkDsqlCache, checkRestart, checkSequenceType, IDENTITY_CACHE_REFUSAL, readOptions, SEQUENCE_CACHE_REFUSAL, type GivenOptions,
} from './sequence-options.js';
import { encodeState, initialState, sequenceRowKey, type SequenceState } from './sequence-state.js';
import { cascadeNotice } from '../sql/ddl-cascade.js';

/**
 * CREATE/ALTER/DROP SEQUENCE and the sequences behind identity columns. A sequence is a catalog
 * entry (its definition) plus its counter row (sequence-state.ts), written in the same DDL
 * commit; DSQL's limit is 5,000 sequences (reference/dsql.md §3.2).
 */
const MAX_SEQUENCES = 5000;

type SequenceStatement = Extract<Statement, { kind: 'create-sequence' | 'alter-sequence' | 'drop-sequence' }>;

export function isSequenceDdl(statement: Statement): statement is SequenceStatement {
  return statement.kind === 'create-sequence' || statement.kind === 'alter-sequence' || statement.kind === 'drop-sequence';
}

/** Reads a sequence's counter row in the DDL's transaction (ALTER checks the current value). */
export type ReadSequenceState = (sequenceId: number) => Promise<SequenceState | null>;

export async function executeSequenceDdl(statement: SequenceStatement, ctx: DdlContext, readState: ReadSequenceState): Promise<DdlResult> {
  switch (statement.kind) {
    case 'create-sequence': return createSequence(statement, ctx);
    case 'alter-sequence': return alterSequence(statement, ctx, readState);
    case 'drop-sequence': return dropSequence(statement, ctx);
  }
}

function checkSequenceCount(catalog: CatalogSnapshot, adding: number): void {
  if ([...catalog.allSequences()].length + adding > MAX_SEQUENCES) throw new SqlError('54000', `creating more than ${MAX_SEQUENCES} sequences is not allowed`);
}

function createSequence(statement: Extract<Statement, { kind: 'create-sequence' }>, ctx: DdlContext): DdlResult {
  const schema = schemaFor(statement.schema, ctx);
  const name = truncateIdentifier(statement.name);
  if (ctx.catalog.relationExists(schema, name)) {
    if (statement.ifNotExists) return { tag: 'CREATE SEQUENCE', writes: [], notice: `relation "${name}" already exists, skipping` };
    throw new SqlError('42P07', `relation "${name}" already exists`);
  }
  const given = readOptions(statement.options, false);
  checkSequenceType(given);
  checkDsqlCache(given.cache, SEQUENCE_CACHE_REFUSAL);
  checkSequenceCount(ctx.catalog, 1);
  const definition = applyOptions(null, given);
  const first = given.restart ?? BigInt(definition.start);
  checkRestart(definition, first);
  const change = new CatalogChange(ctx.catalog);
  const id = change.allocateId();
  const ownedBy = given.ownedBy ? resolveOwner(ctx.catalog, schema, given.ownedBy, ctx.currentSchema) : null;
  change.putSequence({ id, schema, name, ...definition, generation: 0, ownedBy });
  change.putRow(sequenceRowKey(id), encodeState(initialState(first)));
  return { tag: 'CREATE SEQUENCE', writes: change.finish() };
}

/** OWNED BY table.column: the table must be in the sequence's schema. */
function resolveOwner(catalog: CatalogSnapshot, sequenceSchema: string, names: readonly string[], currentSchema: string): { tableId: number; column: number } {
  if (names.length < 2 || names.length > 3) {
    throw new SqlError('42601', 'invalid OWNED BY option', { hint: 'Specify OWNED BY table.column or OWNED BY NONE.' });
  }
  const tableName = names[names.length - 2]!;
  const table = catalog.table(names.length === 3 ? names[0]! : currentSchema, tableName);
  if (!table) throw new SqlError('42P01', `relation "${names.slice(0, -1).join('.')}" does not exist`);
  if (table.schema !== sequenceSchema) throw new SqlError('55000', 'sequence must be in same schema as table it is linked to');
  const column = table.columns.findIndex((c) => c.name === names[names.length - 1]);
  if (column < 0) throw new SqlError('42703', `column "${names[names.length - 1]}" of relation "${table.name}" does not exist`);
  return { tableId: table.id, column };
}

function findSequence(catalog: CatalogSnapshot, schema: string, name: string): SequenceInfo | undefined {
  const sequence = catalog.sequence(schema, name);
  if (!sequence && catalog.relationExists(schema, name)) throw new SqlError('42809', `"${name}" is not a sequence`);
  return sequence;
}

/** The identity column a sequence serves, if any. */
function identityOwner(catalog: CatalogSnapshot, sequence: SequenceInfo): { table: TableInfo; column: ColumnInfo } | null {
  if (!sequence.ownedBy) return null;
  const table = catalog.tableById(sequence.ownedBy.tableId);
  const column = table?.columns[sequence.ownedBy.column];
  return table && column?.identity?.sequenceId === sequence.id ? { table, column } : null;
}

/** Column defaults that name the sequence in nextval('…') (their text is kept, so they follow the name). */
function defaultsUsing(catalog: CatalogSnapshot, sequence: SequenceInfo): { table: TableInfo; column: ColumnInfo; position: number }[] {
  const found: { table: TableInfo; column: ColumnInfo; position: number }[] = [];
  const pattern = /(?:nextval|currval|setval)\s*\(\s*'([^']*)'/gi;
  for (const table of catalog.allTables()) {
    table.columns.forEach((column, position) => {
      for (const match of column.defaultText?.matchAll(pattern) ?? []) {
        const parts = match[1]!.split('.').map((p) => p.replace(/^"(.*)"$/, '$1'));
        const schema = parts.length > 1 ? parts[0]! : table.schema;
        if (schema === sequence.schema && parts[parts.length - 1] === sequence.name) found.push({ table, column, position });
      }
    });
  }
  return found;
}

async function alterSequence(statement: Extract<Statement, { kind: 'alter-sequence' }>, ctx: DdlContext, readState: ReadSequenceState): Promise<DdlResult> {
  const schema = schemaHolding(ctx, statement.schema, (s) => ctx.catalog.relationExists(s, statement.name));
  const sequence = findSequence(ctx.catalog, schema, statement.name);
  if (!sequence) {
    if (statement.ifExists) return { tag: 'ALTER SEQUENCE', writes: [], notice: `relation "${statement.name}" does not exist, skipping` };
    if (statement.schema !== null && !ctx.catalog.schema(statement.schema)) throw new SqlError('3F000', `schema "${statement.schema}" does not exist`);
    throw new SqlError('42P01', `relation "${statement.name}" does not exist`);
  }
  const change = new CatalogChange(ctx.catalog);
  if (statement.newName !== null) {
    const newName = truncateIdentifier(statement.newName);
    if (ctx.catalog.relationExists(sequence.schema, newName)) throw new SqlError('42P07', `relation "${newName}" already exists`);
    if (defaultsUsing(ctx.catalog, sequence).length > 0) {
      throw new SqlError('0A000', `renaming sequence "${sequence.name}" while a column default names it is not supported yet`);
    }
    change.putSequence({ ...sequence, name: newName });
    return { tag: 'ALTER SEQUENCE', writes: change.finish() };
  }
  const given = readOptions(statement.options, false);
  checkSequenceType(given);
  if (given.cache !== undefined) checkDsqlCache(given.cache, SEQUENCE_CACHE_REFUSAL);
  const definition = applyOptions(sequence, given);
  let ownedBy = sequence.ownedBy;
  if (given.ownedBy !== undefined) {
    if (identityOwner(ctx.catalog, sequence)) throw new SqlError('0A000', 'cannot change ownership of identity sequence');
    ownedBy = given.ownedBy === null ? null : resolveOwner(ctx.catalog, sequence.schema, given.ownedBy, ctx.currentSchema);
  }
  if (given.restart !== undefined) {
    const value = given.restart ?? BigInt(definition.start);
    checkRestart(definition, value);
    change.putRow(sequenceRowKey(sequence.id), encodeState(initialState(value)));
  } else if (given.minValue !== undefined || given.maxValue !== undefined) {
    // PostgreSQL checks the current value against new bounds, with RESTART's message.
    const state = await readState(sequence.id);
    if (state) checkRestart(definition, state.last);
  }
  change.putSequence({ ...sequence, ...definition, ownedBy, generation: sequence.generation + 1 });
  return { tag: 'ALTER SEQUENCE', writes: change.finish() };
}

function dropSequence(statement: Extract<Statement, { kind: 'drop-sequence' }>, ctx: DdlContext): DdlResult {
  const change = new CatalogChange(ctx.catalog);
  const notices: string[] = [];
  /** Column defaults CASCADE drops with the sequences (ddl-cascade.ts). */
  const cascaded: string[] = [];
  const tables = new Map<number, TableInfo>();
  for (const parts of statement.names) {
    const name = parts[parts.length - 1]!;
    const schema = schemaHolding(ctx, parts.length > 1 ? parts[parts.length - 2]! : null, (s) => ctx.catalog.relationExists(s, name));
    let sequence: SequenceInfo | undefined;
    try {
      sequence = findSequence(ctx.catalog, schema, name);
    } catch (error) {
      throw new SqlError('42809', (error as SqlError).message, { hint: 'Use DROP TABLE to remove a table.' });
    }
    if (!sequence) {
      const missingSchema = parts.length > 1 && !ctx.catalog.schema(schema);
      if (statement.ifExists) { notices.push(missingSchema ? `schema "${schema}" does not exist, skipping` : `sequence "${name}" does not exist, skipping`); continue; }
      if (missingSchema) throw new SqlError('3F000', `schema "${schema}" does not exist`);
      throw new SqlError('42P01', `sequence "${name}" does not exist`);
    }
    const identity = identityOwner(ctx.catalog, sequence);
    if (identity) {
      throw new SqlError('2BP01', `cannot drop sequence ${sequence.name} because column ${identity.column.name} of table ${identity.table.name} requires it`, {
        hint: `You can drop column ${identity.column.name} of table ${identity.table.name} instead.`,
      });
    }
    const users = defaultsUsing(ctx.catalog, sequence);
    if (users.length > 0 && !statement.cascade) {
      throw new SqlError('2BP01', `cannot drop sequence ${sequence.name} because other objects depend on it`, {
        detail: users.map((u) => `default value for column ${u.column.name} of table ${u.table.name} depends on sequence ${sequence!.name}`).join('\n'),
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      });
    }
    for (const user of users) {
      cascaded.push(`default value for column ${user.column.name} of table ${user.table.name}`);
      const table = tables.get(user.table.id) ?? user.table;
      tables.set(table.id, { ...table, columns: table.columns.map((c, i) => (i === user.position ? { ...c, defaultText: null } : c)) });
    }
    removeSequence(sequence.id, change);
  }
  for (const table of tables.values()) change.putTable(table);
  const notice = notices.join('\n') || undefined;
  if (change.writes.length === 0) return { tag: 'DROP SEQUENCE', writes: [], notice };
  return { tag: 'DROP SEQUENCE', writes: change.finish(), notice, cascade: cascadeNotice(cascaded) ?? undefined };
}

/** A sequence's catalog entry and its counter row, deleted in one commit. */
export function removeSequence(sequenceId: number, change: CatalogChange): void {
  change.deleteSequence(sequenceId);
  change.putRow(sequenceRowKey(sequenceId), null);
}

/** DROP TABLE: the sequences the table owns (its identity columns' among them) go with it. */
export function dropOwnedSequences(catalog: CatalogSnapshot, tableId: number, change: CatalogChange): void {
  for (const sequence of ownedSequences(catalog, tableId)) removeSequence(sequence.id, change);
}

/** PostgreSQL allows the integer types; DSQL only bigint. */
function checkIdentityType(column: ColumnInfo): void {
  if (column.typeOid === TypeOid.int8) return;
  if (column.typeOid !== TypeOid.int4 && column.typeOid !== TypeOid.int2) throw new SqlError('22023', 'identity column type must be smallint, integer, or bigint');
  throw new SqlError('0A000', `datatype ${types.formatType(column.typeOid, -1)} not supported, identity column type must be bigint`);
}

/**
 * An identity column's sequence (CREATE TABLE, ALTER TABLE … ADD GENERATED … AS IDENTITY):
 * DSQL wants the column bigint and CACHE given; the sequence is named table_column_seq and
 * owned by the column, which becomes NOT NULL.
 */
export function addIdentitySequence(
  catalog: CatalogSnapshot, change: CatalogChange, table: { id: number; schema: string; name: string }, position: number, column: ColumnInfo,
  identity: { generation: 'a' | 'd'; options: readonly SequenceOption[] }, takenNames: readonly string[],
): { column: ColumnInfo; sequenceName: string } {
  checkIdentityType(column);
  const given: GivenOptions = readOptions(identity.options, true);
  checkSequenceType(given);
  checkDsqlCache(given.cache, IDENTITY_CACHE_REFUSAL);
  checkSequenceCount(catalog, 1 + takenNames.length);
  const definition = applyOptions(null, given);
  const first = given.restart ?? BigInt(definition.start);
  checkRestart(definition, first);
  let schema = table.schema;
  let name: string;
  if (given.sequenceName && given.sequenceName.length > 0) {
    name = truncateIdentifier(given.sequenceName[given.sequenceName.length - 1]!);
    if (given.sequenceName.length > 1) schema = given.sequenceName[given.sequenceName.length - 2]!;
    if (catalog.relationExists(schema, name) || takenNames.includes(name)) throw new SqlError('42P07', `relation "${name}" already exists`);
  } else {
    name = uniqueRelationName(catalog, schema, `${table.name}_${column.name}_seq`, [table.name, ...takenNames]);
  }
  const id = change.allocateId();
  change.putSequence({ id, schema, name, ...definition, generation: 0, ownedBy: { tableId: table.id, column: position } });
  change.putRow(sequenceRowKey(id), encodeState(initialState(first)));
  return { column: { ...column, notNull: true, identity: { generation: identity.generation, sequenceId: id } }, sequenceName: name };
}

/** CREATE TABLE's identity columns, once the table has its id. */
export function addIdentityColumns(catalog: CatalogSnapshot, change: CatalogChange, table: { id: number; schema: string; name: string },
  definitions: readonly ColumnDefinition[], columns: ColumnInfo[]): void {
  const taken: string[] = [];
  definitions.forEach((definition, position) => {
    if (!definition.identity) return;
    if (definition.defaultExpr) {
      throw new SqlError('42601', `both default and identity specified for column "${definition.name}" of table "${table.name}"`, { position: definition.location + 1 });
    }
    const added = addIdentitySequence(catalog, change, table, position, columns[position]!, definition.identity, taken);
    columns[position] = added.column;
    taken.push(added.sequenceName);
  });
}

/** ALTER TABLE … ALTER COLUMN … ADD GENERATED … AS IDENTITY, with PostgreSQL's preconditions. */
export function addIdentityToColumn(catalog: CatalogSnapshot, change: CatalogChange, table: TableInfo, position: number,
  action: { generation: 'a' | 'd'; options: readonly SequenceOption[] }): TableInfo {
  const column = table.columns[position]!;
  checkIdentityType(column);
  if (!column.notNull) throw new SqlError('55000', `column "${column.name}" of relation "${table.name}" must be declared NOT NULL before identity can be added`);
  if (column.identity) throw new SqlError('55000', `column "${column.name}" of relation "${table.name}" is already an identity column`);
  if (column.defaultText !== null) throw new SqlError('55000', `column "${column.name}" of relation "${table.name}" already has a default value`);
  const added = addIdentitySequence(catalog, change, table, position, column, action, []);
  return { ...table, columns: table.columns.map((c, i) => (i === position ? added.column : c)) };
}
