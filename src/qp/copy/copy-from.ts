import { sessionZone } from '../types/output-style.js';
import { parseTextInZone } from '../types/zoned-datetime.js';
import { SqlError } from '../../contracts/errors.js';
import type { CopyInSink } from '../../contracts/sql-session.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { ColumnInfo, TableInfo } from '../catalog/catalog.js';
import type { CopyStatement } from '../sql/ast.js';
import { cancelError, type Runtime } from '../sql/operators.js';
import { parseSql } from '../sql/parse.js';
import { planInsert, type PlannedModify } from '../sql/plan-modify.js';
import type { PlanContext } from '../sql/plan-select.js';
import { resolveRelation } from '../sql/relations.js';
import * as types from '../sql/typesystem.js';
import { BinaryTupleReader } from './copy-binary.js';
import { columnContext, copyColumns, forcedColumns, lineContext, quoteIdentifier, withContext } from './copy-context.js';
import { csvFields, decodeRecord, textFields } from './copy-fields.js';
import { resolveCopyOptions, type CopyFormat } from './copy-options.js';
import { RecordSplitter } from './copy-records.js';

/**
 * COPY table [(columns)] FROM STDIN. Every row goes through the same plan as
 * `INSERT INTO table (columns) VALUES ($1, …)`: defaults for the columns not copied, NOT NULL,
 * unique checks, the transaction's row and size limits (DSQL's 3,000 rows: the COPY is one
 * statement of the current transaction). The fields are converted by the columns' type input
 * functions first, so a bad value names its line and column as in PostgreSQL.
 */
export interface PlannedCopyFrom {
  readonly sink: CopyInSink;
  readonly columns: number;
  readonly binary: boolean;
  /** Raised after CopyInResponse, where PostgreSQL raises it (its COPY checks these as it starts inserting). */
  readonly refusal: SqlError | null;
}

export function planCopyFrom(statement: CopyStatement, pc: PlanContext, rt: Runtime, params: SqlValue[]): PlannedCopyFrom {
  const relation = resolveRelation(pc.resolver, statement.schema, statement.table!, statement.location, 'schema');
  const name = statement.table!;
  const format = resolveCopyOptions(statement.options, true);
  if (relation.kind === 'virtual') throw new SqlError('42809', `cannot change relation "${name}"`);
  const binary = format.format === 'binary';
  if (relation.kind === 'view') {
    const width = copyColumns(relation.view.columns, name, statement.columns).length;
    return { sink: refusedSink(), columns: width, binary, refusal: new SqlError('42809', `cannot copy to view "${name}"`) };
  }
  const table = relation.table;
  const copied = copyColumns(table.columns, table.name, statement.columns);
  const forceNotNull = forcedColumns('FORCE_NOT_NULL', format.forceNotNull, table.columns, table.name, copied);
  const forceNull = forcedColumns('FORCE_NULL', format.forceNull, table.columns, table.name, copied);
  if (format.freeze) {
    // DSQL runs DDL in its own transaction, so a table is never created in the COPY's one.
    const refusal = new SqlError('55000', 'cannot perform COPY FREEZE because the table was not created or truncated in the current subtransaction');
    return { sink: refusedSink(), columns: copied.length, binary, refusal };
  }
  if (copied.length === 0) throw new SqlError('0A000', 'COPY of a table without columns is not supported');
  const columns = copied.map((i) => table.columns[i]!);
  const insert = planRowInsert(statement, table, columns, pc);
  const rows = new CopiedRows(table, columns, insert, rt, params);
  const sink = format.format === 'binary'
    ? binarySink(rows, columns.length)
    : textSink(rows, format, { forceNotNull, forceNull });
  return { sink, columns: columns.length, binary, refusal: null };
}

/** The sink of a COPY refused after CopyInResponse: the protocol never passes it data. */
function refusedSink(): CopyInSink {
  const never = (): never => { throw new Error('a refused COPY was given data'); };
  return { write: async () => never(), finish: async () => never(), where: () => never() };
}

/** `INSERT INTO table (columns) VALUES ($1, …)` with each parameter of its column's type. */
function planRowInsert(statement: CopyStatement, table: TableInfo, columns: readonly ColumnInfo[], pc: PlanContext): PlannedModify {
  const target = (statement.schema !== null ? `${quoteIdentifier(table.schema)}.` : '') + quoteIdentifier(table.name);
  const sql = `INSERT INTO ${target} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
  const parsed = parseSql(sql)[0]!.statement;
  if (parsed.kind !== 'insert') throw new Error('COPY row insert did not parse as INSERT');
  pc.paramTypes.length = 0;
  for (const c of columns) pc.paramTypes.push(c.typeOid);
  return planInsert(parsed, pc);
}

/** The rows of one COPY FROM: values in, inserted, counted. */
class CopiedRows {
  count = 0;
  line = 0;

  constructor(
    private readonly table: TableInfo,
    readonly columns: readonly ColumnInfo[],
    private readonly insert: PlannedModify,
    readonly rt: Runtime,
    private readonly params: SqlValue[],
  ) {}

  get tableName(): string {
    return this.table.name;
  }

  /** Converts field i with its column's input function; errors name the line and column. */
  input(i: number, parse: () => SqlValue, shown: string | null): void {
    try {
      this.params[i] = parse();
    } catch (error) {
      throw withContext(error, columnContext(this.table.name, this.line, this.columns[i]!.name, shown));
    }
  }

  /** Inserts the row in `params`; `text` is the line for the error context (null: binary). */
  async insertRow(text: string | null): Promise<void> {
    if (this.rt.cancelled) throw cancelError(this.rt);
    try {
      await this.insert.run(this.rt, () => {});
    } catch (error) {
      // Unique violations show no line text in PostgreSQL (found when a batch of rows is flushed).
      const shown = error instanceof SqlError && error.code === '23505' ? null : text;
      throw withContext(error, lineContext(this.table.name, this.line, shown));
    }
    this.count++;
  }
}

interface ForcedFlags {
  readonly forceNotNull: readonly boolean[];
  readonly forceNull: readonly boolean[];
}

function textSink(rows: CopiedRows, format: CopyFormat, forced: ForcedFlags): CopyInSink {
  const splitter = new RecordSplitter(format);
  const csv = format.format === 'csv';
  const take = async (records: Buffer[]): Promise<void> => {
    for (const record of records) {
      rows.line++;
      let text: string | null = null;
      try {
        text = decodeRecord(record);
        const fields = csv ? csvRecord(text, format, forced) : textFields(text, format);
        if (rows.line === 1 && format.header) {
          if (format.headerMatch) checkHeader(fields, rows, format);
          continue;
        }
        convertFields(rows, fields);
      } catch (error) {
        throw withContext(error, lineContext(rows.tableName, rows.line, text ?? record.toString('latin1')));
      }
      await rows.insertRow(text);
    }
  };
  // An error while finding a record's end names the line it is in, without its text (as
  // PostgreSQL), after the rows before it.
  const split = async (records: Buffer[]): Promise<void> => {
    await take(records);
    if (splitter.failure) throw withContext(splitter.failure, lineContext(rows.tableName, rows.line + 1, null));
  };
  return {
    async write(data) {
      await split(splitter.push(data));
    },
    async finish() {
      await split(splitter.finish());
      return `COPY ${rows.count}`;
    },
    where: () => lineContext(rows.tableName, rows.line + 1, null),
  };
}

/** CSV fields with FORCE_NOT_NULL (the NULL string is a value) and FORCE_NULL (a quoted one is NULL). */
function csvRecord(text: string, format: CopyFormat, forced: ForcedFlags): (string | null)[] {
  const { values, quoted } = csvFields(text, format);
  for (let i = 0; i < values.length && i < forced.forceNotNull.length; i++) {
    if (values[i] === null && forced.forceNotNull[i]) values[i] = format.nullString;
    else if (values[i] !== null && quoted[i] && forced.forceNull[i] && values[i] === format.nullString) values[i] = null;
  }
  return values;
}

function convertFields(rows: CopiedRows, fields: readonly (string | null)[]): void {
  const columns = rows.columns;
  if (fields.length > columns.length) throw new SqlError('22P04', 'extra data after last expected column');
  if (fields.length < columns.length) throw new SqlError('22P04', `missing data for column "${columns[fields.length]!.name}"`);
  const zone = sessionZone(rows.rt.ctx);
  for (let i = 0; i < columns.length; i++) {
    const field = fields[i]!;
    const column = columns[i]!;
    rows.input(i, () => (field === null ? null : parseTextInZone(column.typeOid, column.typmod, field, zone, rows.rt.ctx.statementTimestamp)), field);
  }
}

/** HEADER MATCH: the header line must name the copied columns, in order. */
function checkHeader(fields: readonly (string | null)[], rows: CopiedRows, format: CopyFormat): void {
  const columns = rows.columns;
  if (fields.length !== columns.length) {
    throw new SqlError('22P04', `wrong number of fields in header line: got ${fields.length}, expected ${columns.length}`);
  }
  for (let i = 0; i < columns.length; i++) {
    const field = fields[i];
    const expected = columns[i]!.name;
    if (field === null) {
      throw new SqlError('22P04', `column name mismatch in header line field ${i + 1}: got null value ("${format.nullString}"), expected "${expected}"`);
    }
    if (field !== expected) throw new SqlError('22P04', `column name mismatch in header line field ${i + 1}: got "${field}", expected "${expected}"`);
  }
}

function binarySink(rows: CopiedRows, width: number): CopyInSink {
  const reader = new BinaryTupleReader(width);
  const take = async (tuples: (Uint8Array | null)[][]): Promise<void> => {
    for (const tuple of tuples) {
      rows.line++;
      for (let i = 0; i < width; i++) {
        const bytes = tuple[i]!;
        const column = rows.columns[i]!;
        rows.input(i, () => (bytes === null ? null : types.parseBinaryValue(column.typeOid, bytes, column.typmod)), null);
      }
      await rows.insertRow(null);
    }
  };
  // Header errors have no line: PostgreSQL reads the header before the COPY's rows start.
  const context = (error: unknown) => (reader.started ? withContext(error, lineContext(rows.tableName, rows.line + 1, null)) : error);
  return {
    async write(data) {
      let tuples: (Uint8Array | null)[][];
      try {
        tuples = reader.push(data);
      } catch (error) {
        throw context(error);
      }
      await take(tuples);
    },
    async finish() {
      const truncated = reader.truncatedField();
      if (truncated !== null) {
        const where = truncated < 0 ? lineContext(rows.tableName, rows.line + 1, null) : columnContext(rows.tableName, rows.line + 1, rows.columns[truncated]!.name, null);
        throw new SqlError('22P04', 'unexpected EOF in COPY data', { where });
      }
      try {
        reader.finish();
      } catch (error) {
        throw context(error);
      }
      return `COPY ${rows.count}`;
    },
    where: () => lineContext(rows.tableName, rows.line + 1, null),
  };
}
