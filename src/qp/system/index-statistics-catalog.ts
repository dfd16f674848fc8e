import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';

/**
 * pg_stat_user_indexes: one row per index of a user table (drizzle-kit lists a table's indexes
 * with it). PostgreSQL's usage counters (idx_scan, idx_tup_read, idx_tup_fetch, last_idx_scan)
 * are left out: Strata counts no index use, and a query that asks for them gets 42703 rather
 * than made-up numbers.
 */
export const PG_STAT_USER_INDEXES_SPEC = 'relid oid, indexrelid oid, schemaname name, relname name, indexrelname name';

/** Schemas PostgreSQL's view leaves out (pg_catalog, information_schema, pg_toast), and DSQL's own sys. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast', 'sys']);

export function pgStatUserIndexesRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const table of catalog.allTables()) {
    if (SYSTEM_SCHEMAS.has(table.schema)) continue;
    for (const index of table.indexes) rows.push([table.id, index.oid, table.schema, table.name, index.name]);
  }
  return rows;
}
