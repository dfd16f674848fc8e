import type { StatementResult } from './database-connection.js';

/**
 * The Cluster Explorer (DSQL's console has one): schemas, tables and views with their columns,
 * primary keys and indexes, with the build status of ASYNC indexes from sys.jobs. Read with
 * ordinary catalog queries on the signed-in user's own connection, so it shows what that user
 * may see and nothing more.
 */
export interface ExplorerColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
}

export interface ExplorerIndex {
  readonly name: string;
  readonly definition: string;
  /** The ASYNC build's status from sys.jobs (e.g. "completed", "processing"); null: no job. */
  readonly buildStatus: string | null;
}

export interface ExplorerRelation {
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly columns: ExplorerColumn[];
  readonly indexes: ExplorerIndex[];
}

export interface ExplorerSchema {
  readonly name: string;
  readonly relations: ExplorerRelation[];
}

export interface ExplorerTree {
  readonly schemas: ExplorerSchema[];
  /** A part the catalog could not answer (sys.jobs, say), and why; the rest is still shown. */
  readonly warnings: string[];
  /** A catalog query had more rows than the cap, so the tree is incomplete. */
  readonly truncated: boolean;
}

const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'sys')";

const SCHEMAS = `SELECT nspname FROM pg_catalog.pg_namespace
 WHERE nspname NOT IN ${SYSTEM_SCHEMAS} AND nspname NOT LIKE 'pg\\_%' ORDER BY 1`;

const COLUMNS = `SELECT n.nspname, c.relname, c.relkind, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull
 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('r', 'v') AND n.nspname NOT IN ${SYSTEM_SCHEMAS}
 ORDER BY 1, 2, a.attnum`;

const PRIMARY_KEYS = `SELECT kcu.table_schema, kcu.table_name, kcu.column_name
 FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu
   ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name
 WHERE tc.constraint_type = 'PRIMARY KEY'`;

const INDEXES = `SELECT schemaname, tablename, indexname, indexdef FROM pg_catalog.pg_indexes
 WHERE schemaname NOT IN ${SYSTEM_SCHEMAS} ORDER BY 1, 2, 3`;

/** Newest job last, so the newest build of a re-created index name wins. */
const INDEX_JOBS = `SELECT object_name, status FROM sys.jobs WHERE job_type = 'INDEX_BUILD' ORDER BY start_time`;

export type CatalogQuery = (sql: string) => Promise<StatementResult>;

export async function readClusterTree(query: CatalogQuery): Promise<ExplorerTree> {
  const warnings: string[] = [];
  let truncated = false;
  const rowsOf = async (sql: string, what: string, required: boolean): Promise<(string | null)[][]> => {
    const result = await query(sql);
    if (result.error !== null) {
      if (required) throw new ExplorerError(`${what}: ${result.error.message} (SQLSTATE ${result.error.code})`);
      warnings.push(`${what} not shown: ${result.error.message}`);
      return [];
    }
    truncated ||= result.truncated;
    return result.rows;
  };
  const schemaRows = await rowsOf(SCHEMAS, 'schemas', true);
  const columnRows = await rowsOf(COLUMNS, 'tables and columns', true);
  const keyRows = await rowsOf(PRIMARY_KEYS, 'primary keys', false);
  const indexRows = await rowsOf(INDEXES, 'indexes', false);
  const jobRows = await rowsOf(INDEX_JOBS, 'index build status (sys.jobs)', false);
  return { schemas: assemble(schemaRows, columnRows, keyRows, indexRows, jobRows), warnings, truncated };
}

export class ExplorerError extends Error {}

type Rows = readonly (readonly (string | null)[])[];

/** Builds the tree from the catalog rows; pure. */
export function assemble(schemaRows: Rows, columnRows: Rows, keyRows: Rows, indexRows: Rows, jobRows: Rows): ExplorerSchema[] {
  const schemas = new Map<string, ExplorerSchema>();
  for (const [name] of schemaRows) schemas.set(name!, { name: name!, relations: [] });
  const relations = new Map<string, ExplorerRelation>();
  const keys = new Set(keyRows.map(([schema, table, column]) => qualified(schema, table, column)));
  for (const [schema, table, kind, column, type, notNull] of columnRows) {
    const id = qualified(schema, table);
    let relation = relations.get(id);
    if (relation === undefined) {
      relation = { name: table!, kind: kind === 'v' ? 'view' : 'table', columns: [], indexes: [] };
      relations.set(id, relation);
      let home = schemas.get(schema!);
      if (home === undefined) schemas.set(schema!, home = { name: schema!, relations: [] });
      home.relations.push(relation);
    }
    if (column !== null) {
      relation.columns.push({ name: column!, type: type ?? '', nullable: notNull !== 't', primaryKey: keys.has(qualified(schema, table, column)) });
    }
  }
  const status = new Map(jobRows.map(([object, state]) => [object ?? '', state]));
  for (const [schema, table, index, definition] of indexRows) {
    relations.get(qualified(schema, table))?.indexes.push({ name: index!, definition: definition ?? '', buildStatus: status.get(`${schema}.${index}`) ?? null });
  }
  return [...schemas.values()];
}

/** A key no name can forge: the parts joined by a character identifiers cannot hold. */
function qualified(...parts: (string | null | undefined)[]): string {
  return parts.join('\u0000');
}
