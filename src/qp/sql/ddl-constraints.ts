import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, CheckInfo, TableInfo } from '../catalog/catalog.js';
import type { AlterTableAction, CheckDefinition } from './ast.js';
import { mapTree } from './ast-map.js';
import { coerce } from './compile.js';
import type { CompiledExpr } from './compiled.js';
import { chooseConstraintName, constraintNamesInSchema } from './ddl-domains.js';
import { compileCheck, compileGenerated, isImmutable, parseExpression, referencedColumns, renameColumnInExpression, renameTableInExpression, tableColumnsScope, type ExpressionHost } from './table-expressions.js';

/**
 * CHECK constraints and generated columns in CREATE TABLE and ALTER TABLE: expressions are
 * checked as PostgreSQL checks them when the table is defined, unnamed CHECKs get PostgreSQL's
 * names (`t_a_check` for one column, `t_check` otherwise, then `…1`, `…2`), and the table's
 * record carries them (catalog.ts: `checks`, `generatedText`).
 */

/** The CHECK constraints of a new table, named and validated. */
export function newTableChecks(table: TableInfo, definitions: readonly CheckDefinition[], catalog: CatalogSnapshot, host: ExpressionHost): CheckInfo[] {
  const taken = constraintNamesInSchema(catalog, table.schema);
  for (const i of table.indexes) if (i.constraintName) taken.add(i.constraintName);
  const checks: CheckInfo[] = [];
  const scope = tableColumnsScope(table);
  for (const definition of definitions) {
    compileCheck(definition.text, scope, host, definition.textOffset);
    if (definition.name !== null && checks.some((c) => c.name === definition.name)) throw new SqlError('42710', `check constraint "${definition.name}" already exists`);
    const name = definition.name ?? defaultCheckName(table, definition.text, taken);
    taken.add(name);
    // CREATE TABLE has no rows to check, so a NOT VALID CHECK there is valid (PostgreSQL marks it so).
    checks.push({ name, text: definition.text, validated: true, noInherit: definition.noInherit });
  }
  return checks;
}

function defaultCheckName(table: TableInfo, text: string, taken: Set<string>): string {
  const columns = referencedColumns(text, table.columns);
  return chooseConstraintName(columns.length === 1 ? `${table.name}_${table.columns[columns[0]!]!.name}_check` : `${table.name}_check`, taken);
}

/**
 * Generation expressions: compiled over the other columns, never over a generated one, immutable,
 * assignable to the column. `origins`: where each column's expression stands in a CREATE TABLE.
 */
export function checkGeneratedColumns(table: TableInfo, host: ExpressionHost, origins: ReadonlyMap<string, number> = new Map()): void {
  table.columns.forEach((column) => {
    if (!column.generatedText) return;
    const origin = origins.get(column.name);
    mapTree(parseExpression(column.generatedText), (node) => {
      if (node.kind !== 'column') return undefined;
      const target = table.columns.find((c) => c.name === node.name);
      if (target?.generatedText) {
        const at = origin === undefined ? {} : { position: origin + (node.location as number) - 'SELECT '.length + 1 };
        throw new SqlError('42P17', `cannot use generated column "${target.name}" in column generation expression`, { detail: 'A generated column cannot reference another generated column.', ...at });
      }
      return undefined;
    });
    const value = compileGenerated(column.generatedText, table, host, origin);
    if (!isImmutable(column.generatedText, table, host)) throw new SqlError('42P17', 'generation expression is not immutable');
    assignedDefault(value, column.typeOid, column.typmod, column.name);
  });
}

/** A DEFAULT's or generation expression's value assigned to its column: PostgreSQL calls either a "default expression". */
export function assignedDefault(value: CompiledExpr, oid: number, typmod: number, column: string): void {
  try {
    coerce(value, oid, typmod, 'assignment', -1, column);
  } catch (error) {
    if (error instanceof SqlError && error.code === '42804') error.message = error.message.replace(' but expression is of type ', ' but default expression is of type ');
    throw error;
  }
}

/** The ALTER TABLE actions on constraints and generation expressions; null for the other actions. */
export function alterTableConstraint(table: TableInfo, action: AlterTableAction, catalog: CatalogSnapshot, host: ExpressionHost, notices: string[]): TableInfo | null {
  const checks = table.checks ?? [];
  switch (action.kind) {
    case 'add-check': {
      const definition = action.check;
      if (definition.name !== null && (checks.some((c) => c.name === definition.name) || table.indexes.some((i) => i.constraintName === definition.name))) {
        throw new SqlError('42710', `constraint "${definition.name}" for relation "${table.name}" already exists`);
      }
      compileCheck(definition.text, tableColumnsScope(table), host);
      const taken = constraintNamesInSchema(catalog, table.schema);
      const name = definition.name ?? defaultCheckName(table, definition.text, taken);
      // DSQL adds CHECKs NOT VALID only: existing rows are not scanned, new and changed rows are checked.
      return { ...table, checks: [...checks, { name, text: definition.text, validated: false, noInherit: definition.noInherit }] };
    }
    case 'drop-constraint': {
      if (checks.some((c) => c.name === action.name)) return { ...table, checks: checks.filter((c) => c.name !== action.name) };
      if (table.indexes.some((i) => i.constraintName === action.name)) return null;
      if (!action.ifExists) throw new SqlError('42704', `constraint "${action.name}" of relation "${table.name}" does not exist`);
      notices.push(`constraint "${action.name}" of relation "${table.name}" does not exist, skipping`);
      return table;
    }
    case 'rename-constraint': {
      if (!checks.some((c) => c.name === action.name)) {
        if (table.indexes.some((i) => i.constraintName === action.name)) return null;
        throw new SqlError('42704', `constraint "${action.name}" for table "${table.name}" does not exist`);
      }
      if (constraintNamesInSchema(catalog, table.schema).has(action.newName)) {
        throw new SqlError('42710', `constraint "${action.newName}" for relation "${table.name}" already exists`);
      }
      return { ...table, checks: checks.map((c) => (c.name === action.name ? { ...c, name: action.newName } : c)) };
    }
    case 'drop-expression': {
      const i = table.columns.findIndex((c) => c.name === action.column);
      if (i < 0) throw new SqlError('42703', `column "${action.column}" of relation "${table.name}" does not exist`);
      const column = table.columns[i]!;
      if (!column.generatedText) {
        if (!action.ifExists) throw new SqlError('55000', `column "${column.name}" of relation "${table.name}" is not a stored generated column`);
        notices.push(`column "${column.name}" of relation "${table.name}" is not a stored generated column, skipping`);
        return table;
      }
      // The stored values stay; the column becomes an ordinary one.
      return { ...table, columns: table.columns.map((c, j) => (j === i ? { ...c, generatedText: null } : c)) };
    }
    default: return null;
  }
}

/** RENAME COLUMN: CHECK and generation expressions keep naming the column (PostgreSQL stores them by attribute number). */
export function renameColumnReferences(table: TableInfo, oldName: string, newName: string): TableInfo {
  return {
    ...table,
    columns: table.columns.map((c) => (c.generatedText ? { ...c, generatedText: renameColumnInExpression(c.generatedText, oldName, newName) } : c)),
    ...(table.checks ? { checks: table.checks.map((c) => ({ ...c, text: renameColumnInExpression(c.text, oldName, newName) })) } : {}),
  };
}

/** RENAME TO: expressions that qualify columns with the table's name (`t.a`) follow the new name. */
export function renameTableReferences(table: TableInfo, oldName: string, newName: string): TableInfo {
  return {
    ...table,
    columns: table.columns.map((c) => (c.generatedText ? { ...c, generatedText: renameTableInExpression(c.generatedText, oldName, newName) } : c)),
    ...(table.checks ? { checks: table.checks.map((c) => ({ ...c, text: renameTableInExpression(c.text, oldName, newName) })) } : {}),
  };
}
