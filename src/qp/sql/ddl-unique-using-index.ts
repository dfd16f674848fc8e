import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, TableInfo } from '../catalog/catalog.js';

/**
 * ALTER TABLE … ADD CONSTRAINT c UNIQUE USING INDEX idx (reference/dsql.md §2.4): an existing
 * unique index of the table becomes the index of a UNIQUE constraint, renamed to the
 * constraint's name as PostgreSQL renames it. The index must be valid: one CREATE INDEX ASYNC
 * is still building is refused with 55000, as DSQL does. No row is read or written.
 */
export function addUniqueUsingIndex(table: TableInfo, name: string | null, indexName: string, catalog: CatalogSnapshot, notices: string[]): TableInfo {
  const found = catalog.index(table.schema, indexName);
  if (!found) throw new SqlError('42704', `index "${indexName}" does not exist`);
  const index = table.indexes.find((i) => i.oid === found.index.oid);
  if (!index) throw new SqlError('55000', `index "${indexName}" does not belong to table "${table.name}"`);
  if (index.constraintName !== null) throw new SqlError('55000', `index "${indexName}" is already associated with a constraint`);
  if (!index.unique) throw new SqlError('42809', `"${indexName}" is not a unique index`, { detail: 'Cannot create a primary key or unique constraint using such an index.' });
  if (!index.valid) throw new SqlError('55000', `index "${indexName}" is not valid`);
  const constraint = name ?? indexName;
  if (constraint !== indexName) {
    if (catalog.relationExists(table.schema, constraint)) throw new SqlError('42P07', `relation "${constraint}" already exists`);
    notices.push(`ALTER TABLE / ADD CONSTRAINT USING INDEX will rename index "${indexName}" to "${constraint}"`);
  }
  return { ...table, indexes: table.indexes.map((i) => (i === index ? { ...i, name: constraint, constraintName: constraint } : i)) };
}
