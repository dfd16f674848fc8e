import { SqlError, assert } from '../../contracts/errors.js';
import type { Key, WriteEntry } from '../../contracts/kv.js';
import { AccessCatalog, isAccessIndex, type AclItem } from '../roles/access-catalog.js';
import { CommentCatalog, COMMENTS_INDEX } from '../comments/comment-catalog.js';

/**
 * The catalog lives in the same key space as user data (DESIGN.md §2 Schema) under table id 1
 * and changes by ordinary commits. Layout, every key `[u32 table id = 1][u16 index id][suffix]`:
 *   index 1, suffix u32 table id        → JSON TableInfo (also the table's schema-version key)
 *   index 2, suffix schema name + 0x00  → JSON SchemaInfo
 *   index 3                             → catalog version (decimal text); every DDL writes it
 *   index 4                             → next object id (decimal text)
 *   index 5, suffix u32 view id         → JSON ViewInfo
 *   index 6, suffix u32 function id     → JSON FunctionInfo
 *   index 7, suffix u32 sequence id     → JSON SequenceInfo (its definition; the counter is a row of
 *                                         its own, see src/qp/sequences/sequence-state.ts)
 *   index 8, suffix u32 domain id       → JSON DomainInfo
 *   index 9, suffix class, object, sub-id → a COMMENT ON description (src/qp/comments/comment-catalog.ts)
 *   indexes 20–23                       → roles, role memberships, object owners and ACLs, IAM
 *                                         mappings (src/qp/roles/access-catalog.ts)
 *   index 30, suffix job id             → JSON PendingDrop: rows a DROP job still has to delete
 *                                         (src/qp/jobs/drop-job.ts)
 *   index 31, suffix job id             → JSON PendingValidation: a VALIDATE_CONSTRAINT job not yet
 *                                         finished (src/qp/jobs/validate-constraint-job.ts)
 * A QP keeps the catalog it loaded for a version and reloads when a transaction's snapshot
 * shows a different version.
 */
export const CATALOG_TABLE_ID = 1;
const TABLES_INDEX = 1;
const SCHEMAS_INDEX = 2;
const VERSION_INDEX = 3;
const NEXT_ID_INDEX = 4;
const VIEWS_INDEX = 5;
const FUNCTIONS_INDEX = 6;
const SEQUENCES_INDEX = 7;
const DOMAINS_INDEX = 8;
/** User object ids start where PostgreSQL's do, so they never clash with built-in oids. */
export const FIRST_USER_OID = 16384;

export interface ColumnInfo {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  readonly notNull: boolean;
  /** The DEFAULT expression's source text, re-parsed when used. */
  readonly defaultText: string | null;
  /**
   * The schemas of the search path the DEFAULT was set under (those that existed): its names
   * (nextval('s'), functions) resolve there, as PostgreSQL binds them when the default is made.
   * Absent for defaults set before this was kept: they resolve with the inserting session's path.
   */
  readonly defaultSearchPath?: readonly string[];
  /** GENERATED ALWAYS AS (…) STORED: the expression's source text (absent in records written before generated columns). */
  readonly generatedText?: string | null;
  /** The domain the column was declared with; typeOid/typmod are then the domain's base type (absent: none). */
  readonly domainOid?: number;
  /** GENERATED ALWAYS ('a') / BY DEFAULT ('d') AS IDENTITY: values come from the owned sequence. */
  readonly identity?: { readonly generation: 'a' | 'd'; readonly sequenceId: number };
  /** ALTER COLUMN … SET STORAGE: pg_attribute.attstorage only (absent: the type's default); rows are stored alike. */
  readonly storage?: 'p' | 'e' | 'm' | 'x';
  /** Column privileges (GRANT SELECT (c) …), pg_attribute.attacl: kept with the column so they follow RENAME and DROP COLUMN. */
  readonly acl?: readonly AclItem[];
}

/** A CHECK constraint of a table or a domain: its expression's source text, compiled where rows are written. */
export interface CheckInfo {
  readonly name: string;
  readonly text: string;
  /** False for ADD CONSTRAINT … NOT VALID: existing rows were not checked (new ones are). */
  readonly validated: boolean;
  readonly noInherit: boolean;
}

export interface IndexInfo {
  /** Index id within the table: 1 is the primary index (the table itself). */
  readonly id: number;
  readonly oid: number;
  readonly name: string;
  /** Positions (0-based) of the key columns. */
  readonly columns: readonly number[];
  readonly include: readonly number[];
  readonly unique: boolean;
  readonly primary: boolean;
  /** False while CREATE INDEX ASYNC is still building it (writes maintain it, reads don't use it). */
  readonly valid: boolean;
  readonly nullsNotDistinct: boolean;
  /** Set when the index backs a UNIQUE/PRIMARY KEY constraint. */
  readonly constraintName: string | null;
  /** The CREATE INDEX ASYNC job that builds it, kept so a restart resumes the same job. */
  readonly buildJobId?: string;
  /**
   * 2: covering entries (index-entry.ts), which an index-only read can use; absent in indexes
   * created before that format, whose entries hold the key alone and are always followed to the row.
   */
  readonly entryFormat?: number;
}

export interface TableInfo {
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  /** Column positions of the primary key; empty when the table has none (hidden row id). */
  readonly primaryKey: readonly number[];
  readonly indexes: readonly IndexInfo[];
  /** FOREIGN KEY constraints of this (referencing) table; absent in catalogs written before them. */
  readonly foreignKeys?: readonly ForeignKeyInfo[];
  /** CHECK constraints in creation order (absent in records written before CHECK constraints). */
  readonly checks?: readonly CheckInfo[];
  /** The highest index id the table ever had (absent: its indexes' highest): ids of dropped indexes are not reused (jobs/drop-job.ts). */
  readonly highestIndexId?: number;
  /** The row-tuple slots of dropped columns, which rows written before the drop still fill (sql/tuple-layout.ts). */
  readonly droppedColumns?: readonly { readonly slot: number; readonly typeOid: number }[];
}

/** ON DELETE / ON UPDATE, as pg_constraint's confdeltype/confupdtype letters. */
export type ReferentialAction = 'a' | 'r' | 'c' | 'n' | 'd';

/** A FOREIGN KEY constraint, stored with its referencing table (foreign-keys.ts enforces it). */
export interface ForeignKeyInfo {
  readonly oid: number;
  readonly name: string;
  /** Referencing column positions, in constraint order. */
  readonly columns: readonly number[];
  readonly referencedTableId: number;
  /** Referenced column positions, pairwise with `columns`. */
  readonly referencedColumns: readonly number[];
  /** The referenced table's index (1 = primary key) whose columns are the referenced ones. */
  readonly referencedIndexId: number;
  readonly match: 'simple' | 'full';
  readonly onUpdate: ReferentialAction;
  readonly onDelete: ReferentialAction;
  /** ON DELETE SET NULL/SET DEFAULT (cols): the referencing positions set; null = all. */
  readonly deleteSetColumns: readonly number[] | null;
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
  /** False after ADD CONSTRAINT … NOT VALID: existing rows were not checked. */
  readonly validated: boolean;
}


/** CREATE DOMAIN: a base type with an optional default, NOT NULL and CHECK constraints. */
export interface DomainInfo {
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly baseOid: number;
  readonly baseTypmod: number;
  readonly notNull: boolean;
  readonly defaultText: string | null;
  readonly checks: readonly CheckInfo[];
}

/** A view: its query's text (planned where the view is read) and the columns it had when created. */
export interface ViewInfo {
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly typeOid: number; readonly typmod: number }[];
  /** The SELECT as written after AS. */
  readonly definition: string;
  /** Tables the query reads: DROP TABLE refuses while a view depends on them (unless CASCADE). */
  readonly dependsOn: readonly number[];
  /**
   * The schemas the query's names were resolved in when the view was made (the existing schemas
   * of the creator's search path); the view is always read with them, as PostgreSQL binds a view
   * when it is made. Views made before this was kept have none and resolve with the reader's path.
   */
  readonly searchPath?: readonly string[];
  /** WITH [LOCAL | CASCADED] CHECK OPTION: rows written through the view must satisfy its WHERE. */
  readonly checkOption?: 'local' | 'cascaded' | null;
}

/** A SQL-language function: its body is one SELECT, inlined where the function is called. */
export interface FunctionInfo {
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  /**
   * `default`: the parameter's DEFAULT as written (checked at CREATE, parsed again at each call
   * that leaves the parameter out); absent for a parameter without one, and in catalogs written
   * before defaults existed — those read as functions without defaults.
   */
  readonly args: readonly { readonly name: string | null; readonly typeOid: number; readonly typmod: number; readonly default?: string }[];
  readonly returnType: { readonly oid: number; readonly typmod: number };
  /** The body as a SELECT's text (`RETURN expr` is kept as `SELECT expr`). */
  readonly body: string;
  readonly strict: boolean;
  /** RETURNS SETOF: callable in FROM only (src/qp/sql/set-sql-functions.ts). */
  readonly returnsSet?: boolean;
  /** IMMUTABLE 'i' / STABLE 's' / VOLATILE 'v' as declared (pg_proc.provolatile); absent = 'v'. */
  readonly volatility?: 'i' | 's' | 'v';
  /** Written as `RETURN expr` (body holds `SELECT expr`): pg_proc shows it as prosqlbody, not prosrc. */
  readonly returnForm?: boolean;
}

/**
 * A sequence's definition (CREATE/ALTER SEQUENCE). Its bigint options are decimal text: JSON
 * numbers cannot hold every int8. The counter itself is not here: it changes without DDL.
 */
export interface SequenceInfo {
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly increment: string;
  readonly minValue: string;
  readonly maxValue: string;
  readonly start: string;
  readonly cache: string;
  readonly cycle: boolean;
  /** Bumped by every ALTER SEQUENCE: a QP drops values it cached under an older generation. */
  readonly generation: number;
  /** OWNED BY table.column (column position, 0-based): dropped with the table. */
  readonly ownedBy: { readonly tableId: number; readonly column: number } | null;
}

export interface SchemaInfo {
  readonly name: string;
  readonly oid: number;
}

export const BUILTIN_SCHEMAS: readonly SchemaInfo[] = [
  { name: 'pg_catalog', oid: 11 },
  { name: 'pg_toast', oid: 99 },
  { name: 'public', oid: 2200 },
  { name: 'information_schema', oid: 13000 },
  { name: 'sys', oid: 13100 },
];

export function catalogKey(index: number, suffix: Uint8Array | null): Key {
  const key = Buffer.alloc(6 + (suffix ? suffix.length : 0));
  key.writeUInt32BE(CATALOG_TABLE_ID, 0);
  key.writeUInt16BE(index, 4);
  if (suffix) key.set(suffix, 6);
  return key;
}

export function tableKey(tableId: number): Key {
  const suffix = Buffer.alloc(4);
  suffix.writeUInt32BE(tableId, 0);
  return catalogKey(TABLES_INDEX, suffix);
}

export function viewKey(viewId: number): Key {
  const suffix = Buffer.alloc(4);
  suffix.writeUInt32BE(viewId, 0);
  return catalogKey(VIEWS_INDEX, suffix);
}

export function sequenceKey(sequenceId: number): Key {
  const suffix = Buffer.alloc(4);
  suffix.writeUInt32BE(sequenceId, 0);
  return catalogKey(SEQUENCES_INDEX, suffix);
}

export function functionKey(functionId: number): Key {
  const suffix = Buffer.alloc(4);
  suffix.writeUInt32BE(functionId, 0);
  return catalogKey(FUNCTIONS_INDEX, suffix);
}

export function domainKey(domainId: number): Key {
  const suffix = Buffer.alloc(4);
  suffix.writeUInt32BE(domainId, 0);
  return catalogKey(DOMAINS_INDEX, suffix);
}

function schemaKey(name: string): Key {
  return catalogKey(SCHEMAS_INDEX, Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0])]));
}

export const CATALOG_VERSION_KEY: Key = catalogKey(VERSION_INDEX, null);
export const NEXT_ID_KEY: Key = catalogKey(NEXT_ID_INDEX, null);
export const CATALOG_RANGE = { start: catalogKey(0, null), end: catalogKey(0xffff, null) };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** An immutable view of the catalog at one version. */
export class CatalogSnapshot {
  private readonly byName = new Map<string, TableInfo>();
  private readonly byId = new Map<number, TableInfo>();
  private readonly schemas = new Map<string, SchemaInfo>();
  private readonly views = new Map<string, ViewInfo>();
  private readonly functionsByName = new Map<string, FunctionInfo[]>();
  /** Referenced table id → the foreign keys (with their referencing table) that point at it. */
  private readonly referencing = new Map<number, { table: TableInfo; foreignKey: ForeignKeyInfo }[]>();
  private readonly domainsByName = new Map<string, DomainInfo>();
  private readonly domainsById = new Map<number, DomainInfo>();
  private readonly sequencesByName = new Map<string, SequenceInfo>();
  private readonly sequencesById = new Map<number, SequenceInfo>();

  constructor(readonly version: number, readonly nextId: number, tables: Iterable<TableInfo>, schemas: Iterable<SchemaInfo>, views: Iterable<ViewInfo> = [],
    functions: Iterable<FunctionInfo> = [], domains: Iterable<DomainInfo> = [], sequences: Iterable<SequenceInfo> = [],
    /** Roles, memberships, owners and privileges (src/qp/roles). */
    readonly access: AccessCatalog = AccessCatalog.empty(),
    /** COMMENT ON descriptions (src/qp/comments). */
    readonly comments: CommentCatalog = CommentCatalog.empty()) {
    for (const sequence of sequences) {
      this.sequencesByName.set(`${sequence.schema}.${sequence.name}`, sequence);
      this.sequencesById.set(sequence.id, sequence);
    }
    for (const domain of domains) {
      this.domainsByName.set(`${domain.schema}.${domain.name}`, domain);
      this.domainsById.set(domain.id, domain);
    }
    for (const view of views) this.views.set(`${view.schema}.${view.name}`, view);
    for (const fn of functions) {
      const key = `${fn.schema}.${fn.name}`;
      this.functionsByName.set(key, [...(this.functionsByName.get(key) ?? []), fn]);
    }
    for (const schema of BUILTIN_SCHEMAS) this.schemas.set(schema.name, schema);
    for (const schema of schemas) this.schemas.set(schema.name, schema);
    for (const table of tables) {
      this.byName.set(`${table.schema}.${table.name}`, table);
      this.byId.set(table.id, table);
      for (const foreignKey of table.foreignKeys ?? []) {
        const list = this.referencing.get(foreignKey.referencedTableId) ?? [];
        list.push({ table, foreignKey });
        this.referencing.set(foreignKey.referencedTableId, list);
      }
    }
  }

  /** The foreign keys that reference a table (its rows' deletes and key updates check them). */
  referencedBy(tableId: number): readonly { readonly table: TableInfo; readonly foreignKey: ForeignKeyInfo }[] {
    return this.referencing.get(tableId) ?? [];
  }

  /** Builds the snapshot from the catalog's key range as read at one timestamp. */
  static fromEntries(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): CatalogSnapshot {
    let version = 0;
    let nextId = FIRST_USER_OID;
    const tables: TableInfo[] = [];
    const schemas: SchemaInfo[] = [];
    const views: ViewInfo[] = [];
    const functions: FunctionInfo[] = [];
    const domains: DomainInfo[] = [];
    const sequences: SequenceInfo[] = [];
    const accessEntries: { index: number; key: Uint8Array; text: string }[] = [];
    const commentEntries: { key: Uint8Array; value: Uint8Array }[] = [];
    for (const { key, value } of entries) {
      const index = (key[4]! << 8) | key[5]!;
      if (index === COMMENTS_INDEX) { commentEntries.push({ key, value }); continue; }
      const text = decoder.decode(value);
      if (isAccessIndex(index)) accessEntries.push({ index, key, text });
      if (index === TABLES_INDEX) tables.push(JSON.parse(text) as TableInfo);
      else if (index === SCHEMAS_INDEX) schemas.push(JSON.parse(text) as SchemaInfo);
      else if (index === VERSION_INDEX) version = Number(text);
      else if (index === NEXT_ID_INDEX) nextId = Number(text);
      else if (index === VIEWS_INDEX) views.push(JSON.parse(text) as ViewInfo);
      else if (index === FUNCTIONS_INDEX) functions.push(JSON.parse(text) as FunctionInfo);
      else if (index === DOMAINS_INDEX) domains.push(JSON.parse(text) as DomainInfo);
      else if (index === SEQUENCES_INDEX) sequences.push(JSON.parse(text) as SequenceInfo);
    }
    return new CatalogSnapshot(version, nextId, tables, schemas, views, functions, domains, sequences, AccessCatalog.fromEntries(accessEntries),
      CommentCatalog.fromEntries(commentEntries));
  }

  table(schema: string, name: string): TableInfo | undefined {
    return this.byName.get(`${schema}.${name}`);
  }

  view(schema: string, name: string): ViewInfo | undefined {
    return this.views.get(`${schema}.${name}`);
  }

  allViews(): Iterable<ViewInfo> {
    return this.views.values();
  }

  /** SQL functions of that name in that schema (overloads differ by argument types). */
  functions(schema: string, name: string): readonly FunctionInfo[] {
    return this.functionsByName.get(`${schema}.${name}`) ?? [];
  }

  allFunctions(): FunctionInfo[] {
    return [...this.functionsByName.values()].flat();
  }

  domain(schema: string, name: string): DomainInfo | undefined {
    return this.domainsByName.get(`${schema}.${name}`);
  }

  domainById(id: number): DomainInfo | undefined {
    return this.domainsById.get(id);
  }

  allDomains(): Iterable<DomainInfo> {
    return this.domainsById.values();
  }

  sequence(schema: string, name: string): SequenceInfo | undefined {
    return this.sequencesByName.get(`${schema}.${name}`);
  }

  sequenceById(id: number): SequenceInfo | undefined {
    return this.sequencesById.get(id);
  }

  allSequences(): Iterable<SequenceInfo> {
    return this.sequencesById.values();
  }

  tableById(id: number): TableInfo | undefined {
    return this.byId.get(id);
  }

  schema(name: string): SchemaInfo | undefined {
    return this.schemas.get(name);
  }

  allTables(): Iterable<TableInfo> {
    return this.byId.values();
  }

  allSchemas(): Iterable<SchemaInfo> {
    return this.schemas.values();
  }

  userSchemaCount(): number {
    let count = 0;
    for (const schema of this.schemas.values()) if (!BUILTIN_SCHEMAS.some((b) => b.name === schema.name)) count++;
    return count;
  }

  /** Finds an index by name in a schema (index names share the schema's namespace with tables). */
  index(schema: string, name: string): { table: TableInfo; index: IndexInfo } | undefined {
    for (const table of this.byId.values()) {
      if (table.schema !== schema) continue;
      const index = table.indexes.find((i) => i.name === name);
      if (index) return { table, index };
    }
    return undefined;
  }

  relationExists(schema: string, name: string): boolean {
    return this.table(schema, name) !== undefined || this.index(schema, name) !== undefined || this.view(schema, name) !== undefined
      || this.sequence(schema, name) !== undefined;
  }
}

/** The writes of one DDL statement; the catalog version key is bumped by every DDL. */
export class CatalogChange {
  readonly writes: WriteEntry[] = [];
  private nextId: number;

  constructor(private readonly snapshot: CatalogSnapshot) {
    this.nextId = snapshot.nextId;
  }

  allocateId(): number {
    return this.nextId++;
  }

  putTable(table: TableInfo): void {
    assert(table.id >= FIRST_USER_OID, 'user tables have user oids');
    this.writes.push({ key: tableKey(table.id), value: json(table) });
  }

  deleteTable(tableId: number): void {
    this.writes.push({ key: tableKey(tableId), value: null });
  }

  putView(view: ViewInfo): void {
    assert(view.id >= FIRST_USER_OID, 'views have user oids');
    this.writes.push({ key: viewKey(view.id), value: json(view) });
  }

  putFunction(fn: FunctionInfo): void {
    assert(fn.id >= FIRST_USER_OID, 'functions have user oids');
    this.writes.push({ key: functionKey(fn.id), value: json(fn) });
  }

  deleteFunction(functionId: number): void {
    this.writes.push({ key: functionKey(functionId), value: null });
  }

  putDomain(domain: DomainInfo): void {
    assert(domain.id >= FIRST_USER_OID, 'domains have user oids');
    this.writes.push({ key: domainKey(domain.id), value: json(domain) });
  }

  deleteDomain(domainId: number): void {
    this.writes.push({ key: domainKey(domainId), value: null });
  }

  putSequence(sequence: SequenceInfo): void {
    assert(sequence.id >= FIRST_USER_OID, 'sequences have user oids');
    this.writes.push({ key: sequenceKey(sequence.id), value: json(sequence) });
  }

  deleteSequence(sequenceId: number): void {
    this.writes.push({ key: sequenceKey(sequenceId), value: null });
  }

  /** A write outside the catalog in the same commit (a sequence's counter row). */
  putRow(key: Key, value: Uint8Array | null): void {
    this.writes.push({ key, value });
  }

  deleteView(viewId: number): void {
    this.writes.push({ key: viewKey(viewId), value: null });
  }

  putSchema(schema: SchemaInfo): void {
    this.writes.push({ key: schemaKey(schema.name), value: json(schema) });
  }

  deleteSchema(name: string): void {
    this.writes.push({ key: schemaKey(name), value: null });
  }

  /** Closes the change: bumps the version and persists the id counter. */
  finish(): WriteEntry[] {
    this.writes.push({ key: CATALOG_VERSION_KEY, value: encoder.encode(String(this.snapshot.version + 1)) });
    this.writes.push({ key: NEXT_ID_KEY, value: encoder.encode(String(this.nextId)) });
    return this.writes;
  }
}

export function undefinedTable(name: string, location = -1): SqlError {
  return new SqlError('42P01', `relation "${name}" does not exist`, location >= 0 ? { position: location + 1 } : {});
}
