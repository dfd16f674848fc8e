import { SqlError } from '../../contracts/errors.js';
import type { FromItem } from './ast.js';

/**
 * A function FROM item's column aliases name its columns in order; more aliases than columns is
 * buildRelationAliases's 42P10, which names the alias and both counts (and has no position).
 */
export function applyColumnAliases(item: Extract<FromItem, { kind: 'function' }>, columns: { name: string }[]): void {
  if (item.columnAliases.length > columns.length) {
    throw new SqlError('42P10', `table "${item.alias ?? item.name}" has ${columns.length} columns available but ${item.columnAliases.length} columns specified`);
  }
  item.columnAliases.forEach((alias, i) => { columns[i]!.name = alias; });
}
