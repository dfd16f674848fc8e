import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, CheckInfo, ColumnInfo, DomainInfo, TableInfo } from '../catalog/catalog.js';
import type { Expr } from './ast.js';
import { coerce } from './compile.js';
import type { Evaluator, ExecContext } from './compiled.js';
import { compileCheck, compileGenerated, domainValueScope, tableColumnsScope, type ExpressionHost } from './table-expressions.js';
import * as types from './typesystem.js';

/**
 * What a row must satisfy, beyond its types, before it is written: generated columns are
 * computed, domain constraints and the table's CHECK constraints are tested. Compiled once per
 * planned statement; applied to every row INSERT, UPDATE and ON CONFLICT DO UPDATE write, in
 * PostgreSQL's order (values reach the columns through their domains, then stored generated
 * columns are computed, then NOT NULL, then CHECK constraints in name order).
 */
export class RowRules {
  private readonly generated: { readonly column: number; readonly value: Evaluator }[];
  private readonly domains: { readonly column: number; readonly check: DomainCheck }[];
  private readonly checks: { readonly name: string; readonly test: Evaluator }[];

  constructor(private readonly table: TableInfo, host: ExpressionHost) {
    this.domains = [];
    table.columns.forEach((c, i) => {
      const domain = c.domainOid !== undefined ? host.catalog.domainById(c.domainOid) : undefined;
      if (domain) this.domains.push({ column: i, check: new DomainCheck(domain, host) });
    });
    this.generated = [];
    table.columns.forEach((c, i) => {
      if (!c.generatedText) return;
      const value = coerce(compileGenerated(c.generatedText, table, host), c.typeOid, c.typmod, 'assignment', -1, c.name);
      this.generated.push({ column: i, value: value.eval });
    });
    const scope = tableColumnsScope(table);
    this.checks = [...(table.checks ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((check) => ({ name: check.name, test: compileCheck(check.text, scope, host).eval }));
  }

  get empty(): boolean {
    return this.generated.length === 0 && this.domains.length === 0 && this.checks.length === 0;
  }

  /** Domain constraints on the values given, then the generated columns. */
  prepare(row: SqlValue[], ctx: ExecContext): void {
    for (const { column, check } of this.domains) check.test(row[column]!, ctx);
    for (const { column, value } of this.generated) row[column] = value(row, ctx);
  }

  /** The CHECK constraints: false fails, NULL passes (as in PostgreSQL). */
  check(row: SqlValue[], ctx: ExecContext): void {
    for (const { name, test } of this.checks) {
      if (test(row, ctx) === false) {
        throw new SqlError('23514', `new row for relation "${this.table.name}" violates check constraint "${name}"`, { detail: failingRow(this.table.columns, row) });
      }
    }
  }
}

export function failingRow(columns: readonly ColumnInfo[], row: readonly SqlValue[]): string {
  return `Failing row contains (${row.slice(0, columns.length).map((v, j) => (v === null ? 'null' : types.formatTextValue(columns[j]!.typeOid, v))).join(', ')}).`;
}

/** A domain's NOT NULL and CHECK constraints over one value (a column's, or a cast's result). */
export class DomainCheck {
  private readonly checks: { readonly name: string; readonly test: Evaluator }[];
  private readonly cell: SqlValue[] = [null];

  constructor(private readonly domain: DomainInfo, host: ExpressionHost) {
    const scope = domainValueScope(domain.baseOid, domain.baseTypmod);
    this.checks = domain.checks.map((c: CheckInfo) => ({ name: c.name, test: compileCheck(c.text, scope, host).eval }));
  }

  test(value: SqlValue, ctx: ExecContext): void {
    if (value === null) {
      if (this.domain.notNull) throw new SqlError('23502', `domain ${this.domain.name} does not allow null values`);
      return;
    }
    this.cell[0] = value;
    for (const { name, test } of this.checks) {
      if (test(this.cell, ctx) === false) throw new SqlError('23514', `value for domain ${this.domain.name} violates check constraint "${name}"`);
    }
  }
}

/** INSERT may give a generated column only DEFAULT (PostgreSQL's rewriter refuses the statement). */
export function refuseGeneratedInsert(table: TableInfo, targetColumns: readonly number[], rows: readonly (readonly (Expr | null)[])[] | null): void {
  targetColumns.forEach((column, i) => {
    const info = table.columns[column]!;
    if (!info.generatedText) return;
    if (rows !== null && rows.every((row) => row[i] === null || row[i] === undefined)) return;
    throw new SqlError('428C9', `cannot insert a non-DEFAULT value into column "${info.name}"`, { detail: `Column "${info.name}" is a generated column.` });
  });
}

/** UPDATE may set a generated column only to DEFAULT. */
export function refuseGeneratedUpdate(column: ColumnInfo, value: Expr | null): void {
  if (column.generatedText && value !== null) {
    throw new SqlError('428C9', `column "${column.name}" can only be updated to DEFAULT`, { detail: `Column "${column.name}" is a generated column.` });
  }
}

/** A column's default: its own, else its domain's (so ALTER DOMAIN SET DEFAULT reaches existing columns). */
export function columnDefaultText(catalog: CatalogSnapshot, column: ColumnInfo): string | null {
  if (column.defaultText !== null || column.domainOid === undefined) return column.defaultText;
  return catalog.domainById(column.domainOid)?.defaultText ?? null;
}
