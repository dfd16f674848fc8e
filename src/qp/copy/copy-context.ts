import { SqlError } from '../../contracts/errors.js';

/**
 * PostgreSQL's COPY error context (CopyFromErrorCallback): which line, and which column and
 * value when a type's input function failed. Values longer than 100 bytes are cut with "..."
 * (limit_printout_length), so a huge bad line does not make a huge error.
 */
const MAX_DISPLAY_BYTES = 100;

export function limitPrintout(text: string): string {
  if (Buffer.byteLength(text) <= MAX_DISPLAY_BYTES) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const width = Buffer.byteLength(ch);
    if (bytes + width > MAX_DISPLAY_BYTES) break;
    bytes += width;
    end += ch.length;
  }
  return text.slice(0, end) + '...';
}

/** Adds the CONTEXT to a user error (internal errors stay as they are: they are bugs). */
export function withContext(error: unknown, where: string): unknown {
  if (error instanceof SqlError && error.where === undefined) error.where = where;
  return error;
}

export function lineContext(table: string, line: number, text: string | null): string {
  return text === null ? `COPY ${table}, line ${line}` : `COPY ${table}, line ${line}: "${limitPrintout(text)}"`;
}

export function columnContext(table: string, line: number, column: string, value: string | null): string {
  return value === null ? `COPY ${table}, line ${line}, column ${column}` : `COPY ${table}, line ${line}, column ${column}: "${limitPrintout(value)}"`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Positions of COPY's column list in the table's columns; all columns when there is none. */
export function copyColumns(tableColumns: readonly { readonly name: string }[], relation: string, names: readonly string[] | null): number[] {
  if (names === null) return tableColumns.map((_, i) => i);
  const seen = new Set<number>();
  return names.map((name) => {
    const i = tableColumns.findIndex((c) => c.name === name);
    if (i < 0) throw new SqlError('42703', relation ? `column "${name}" of relation "${relation}" does not exist` : `column "${name}" does not exist`);
    if (seen.has(i)) throw new SqlError('42701', `column "${name}" specified more than once`);
    seen.add(i);
    return i;
  });
}

/** FORCE_QUOTE / FORCE_NOT_NULL / FORCE_NULL: per COPY column, whether the option names it. */
export function forcedColumns(
  option: string, list: readonly string[] | '*', tableColumns: readonly { readonly name: string }[], relation: string, copied: readonly number[],
): boolean[] {
  if (list === '*') return copied.map(() => true);
  const flags = copied.map(() => false);
  for (const name of list) {
    const i = tableColumns.findIndex((c) => c.name === name);
    if (i < 0) throw new SqlError('42703', relation ? `column "${name}" of relation "${relation}" does not exist` : `column "${name}" does not exist`);
    const at = copied.indexOf(i);
    if (at < 0) throw new SqlError('42P10', `${option} column "${name}" not referenced by COPY`);
    flags[at] = true;
  }
  return flags;
}
