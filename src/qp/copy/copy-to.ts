import { SqlError } from '../../contracts/errors.js';
import { styledOutput, type OutputStyle } from '../types/output-style.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { CopyStatement } from '../sql/ast.js';
import type { Runtime } from '../sql/operators.js';
import { parseSql } from '../sql/parse.js';
import { planSelect, type PlanContext, type PlannedQuery } from '../sql/plan-select.js';
import { resolveRelation } from '../sql/relations.js';
import * as types from '../sql/typesystem.js';
import { regOidText, type CatalogScope } from '../system/catalog-functions.js';
import { binaryHeader, binaryTuple, BINARY_TRAILER } from './copy-binary.js';
import { copyColumns, forcedColumns, quoteIdentifier } from './copy-context.js';
import { csvLine, textLine } from './copy-fields.js';
import { resolveCopyOptions, type CopyFormat } from './copy-options.js';

/**
 * COPY table [(columns)] | (query) TO STDOUT: the rows of a query, one CopyData message per row
 * as PostgreSQL sends them (a text header its own message; the binary header goes with the first
 * row and the trailer alone).
 */
export interface CopyOut {
  readonly columns: number;
  readonly binary: boolean;
  run(onData: (data: Uint8Array) => void): Promise<string>;
}

export function planCopyTo(statement: CopyStatement, pc: PlanContext, rt: Runtime): CopyOut {
  let query: PlannedQuery;
  let relationName = '';
  let names: readonly { readonly name: string }[];
  let format: CopyFormat;
  let copied: number[];
  if (statement.query) {
    format = resolveCopyOptions(statement.options, false);
    query = planSelect(statement.query, pc);
    names = query.columns;
    copied = query.columns.map((_, i) => i);
  } else {
    const relation = resolveRelation(pc.resolver, statement.schema, statement.table!, statement.location, 'schema');
    if (relation.kind === 'view') {
      throw new SqlError('42809', `cannot copy from view "${statement.table}"`, { hint: 'Try the COPY (SELECT ...) TO variant.' });
    }
    format = resolveCopyOptions(statement.options, false);
    const all = relation.kind === 'table' ? relation.table.columns : relation.table.columns;
    relationName = statement.table!;
    copied = copyColumns(all, relationName, statement.columns);
    const target = (statement.schema !== null ? `${quoteIdentifier(statement.schema)}.` : '') + quoteIdentifier(statement.table!);
    const select = parseSql(`SELECT ${copied.map((i) => quoteIdentifier(all[i]!.name)).join(', ')} FROM ${target}`)[0]!.statement;
    if (select.kind !== 'select') throw new Error('COPY TO query did not parse as SELECT');
    query = planSelect(select, pc);
    names = all;
  }
  const force = format.format === 'csv' ? forcedColumns('FORCE_QUOTE', format.forceQuote, names, relationName, copied) : [];
  const columns = query.columns;
  const header = format.header ? columns.map((c) => c.name) : null;
  return {
    columns: columns.length,
    binary: format.format === 'binary',
    async run(onData) {
      const encode = format.format === 'binary' ? binaryRows(columns.map((c) => c.oid)) : textRows(columns.map((c) => c.oid), format, force, rt.ctx.outputStyle, pc.resolver);
      if (header) onData(Buffer.from(format.format === 'csv' ? csvLine(header, [], format) : textLine(header, format)));
      const source = query.build();
      let count = 0;
      for (;;) {
        const batch = await source.next(rt);
        if (!batch) break;
        for (const row of batch) {
          onData(encode.row(row));
          count++;
        }
      }
      const last = encode.end();
      if (last) onData(last);
      return `COPY ${count}`;
    },
  };
}

interface RowEncoder {
  row(values: readonly SqlValue[]): Uint8Array;
  /** What ends the data (the binary trailer), or null. */
  end(): Uint8Array | null;
}

function textRows(oids: readonly number[], format: CopyFormat, force: readonly boolean[], style: OutputStyle | undefined, scope: CatalogScope): RowEncoder {
  const csv = format.format === 'csv';
  const texts: (string | null)[] = new Array(oids.length);
  // bytea and floats print as bytea_output and extra_float_digits say, as COPY's output functions do;
  // reg* values as their objects' names, from the statement's catalog.
  const printers = oids.map((oid): ((v: SqlValue) => string) => {
    const reg = types.regTypeName(oid);
    if (reg === undefined) return styledOutput(oid, style);
    const show = regOidText(scope, reg);
    return (v) => show(v as number);
  });
  return {
    row(values) {
      for (let i = 0; i < oids.length; i++) {
        const v = values[i]!;
        texts[i] = v === null ? null : printers[i]!(v);
      }
      return Buffer.from(csv ? csvLine(texts, force, format) : textLine(texts, format));
    },
    end: () => null,
  };
}

function binaryRows(oids: readonly number[]): RowEncoder {
  const encoders = oids.map((oid) => types.cellEncoder(oid, 1));
  let first = true;
  const cells: (Uint8Array | null)[] = new Array(oids.length);
  return {
    row(values) {
      for (let i = 0; i < oids.length; i++) {
        const v = values[i]!;
        const cell = v === null ? null : encoders[i]!(v);
        cells[i] = typeof cell === 'string' ? Buffer.from(cell) : cell;
      }
      const tuple = binaryTuple(cells);
      if (!first) return tuple;
      first = false;
      return Buffer.concat([binaryHeader(), tuple]);
    },
    end: () => (first ? Buffer.concat([binaryHeader(), BINARY_TRAILER]) : BINARY_TRAILER),
  };
}
