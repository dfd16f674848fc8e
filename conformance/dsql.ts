/**
 * What Aurora DSQL refuses, from ../shared/reference/dsql.md §2.1–§2.4: for a statement, the
 * SQLSTATE and (where the record has it) the exact text DSQL answers instead of PostgreSQL's.
 * Written from the reference, not from Strata's code, so the harness can catch Strata refusing
 * too much or too little. A refusal whose text is not on record carries only its SQLSTATE.
 */
import { nodeType, type Node, type StatementInfo } from './analysis.js';

export interface Refusal {
  /** A short name of the rule (grouping in the report). */
  readonly rule: string;
  readonly code: string;
  /** DSQL's message when recorded; null when only the SQLSTATE is known. */
  readonly message: string | null;
  /**
   * Other texts DSQL may answer: when a statement breaks several rules and the record does not
   * say which DSQL checks first.
   */
  readonly alternatives?: readonly string[];
}

const CACHE_TEXT = 'is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1';

const STATEMENT_NAMES: Record<string, string> = {
  TruncateStmt: 'unsupported statement: Truncate',
  CreateExtensionStmt: 'unsupported statement: CreateExtension',
  CreateTrigStmt: 'CREATE TRIGGER not supported',
  CreatedbStmt: 'unsupported statement: Createdb',
  CreateTableAsStmt: 'unsupported statement: CreateTableAs',
  CreateEnumStmt: 'CREATE TYPE not supported',
  CompositeTypeStmt: 'unsupported statement: CompositeType',
  CreateRangeStmt: 'unsupported statement: CreateRange',
  AlterEnumStmt: 'ALTER TYPE not supported',
  CreateTableSpaceStmt: 'unsupported statement: CreateTableSpace',
  CreateForeignTableStmt: 'unsupported statement: CreateForeignTable',
  ListenStmt: 'unsupported statement: Listen',
  NotifyStmt: 'unsupported statement: Notify',
  UnlistenStmt: 'unsupported statement: Unlisten',
  AlterSystemStmt: 'unsupported statement: AlterSystem',
  MergeStmt: 'unsupported statement type: MERGE',
};

/** Statements the reference lists as refused without recording the text. */
const REFUSED_UNRECORDED: Record<string, string> = {
  DoStmt: 'DO block',
  PrepareStmt: 'PREPARE (SQL level)',
  ExecuteStmt: 'EXECUTE (SQL level)',
  DiscardStmt: 'DISCARD',
  DeclareCursorStmt: 'DECLARE CURSOR',
  LockStmt: 'LOCK TABLE',
  CreatePolicyStmt: 'row-level security',
  AlterPolicyStmt: 'row-level security',
  AlterRoleStmt: 'ALTER ROLE',
  AlterRoleSetStmt: 'ALTER ROLE SET',
  // §2.2: ALTER FUNCTION's property changes (IMMUTABLE/STRICT/COST/SET) are refused; rename,
  // owner and schema are other statements (RenameStmt, AlterOwnerStmt, AlterObjectSchemaStmt).
  AlterFunctionStmt: 'ALTER FUNCTION property change',
};

/** Column types DSQL does not store (reference §2.1, types.json), by PostgreSQL's internal name. */
const UNSUPPORTED_TYPES: Record<string, string> = {
  money: 'money', xml: 'xml', inet: 'inet', cidr: 'cidr', macaddr: 'macaddr', macaddr8: 'macaddr8',
  point: 'point', line: 'line', lseg: 'lseg', box: 'box', path: 'path', polygon: 'polygon', circle: 'circle',
  tsvector: 'tsvector', tsquery: 'tsquery', int4range: 'int4range', int8range: 'int8range', numrange: 'numrange',
  tsrange: 'tsrange', tstzrange: 'tstzrange', daterange: 'daterange', int4multirange: 'int4multirange',
  int8multirange: 'int8multirange', nummultirange: 'nummultirange', tsmultirange: 'tsmultirange',
  tstzmultirange: 'tstzmultirange', datemultirange: 'datemultirange', bit: 'bit', varbit: 'bit varying',
  pg_lsn: 'pg_lsn',
};

/** format_type's spelling of the internal names (for `datatype integer[] not supported`). */
const DISPLAY: Record<string, string> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision',
  varchar: 'character varying', bpchar: 'character', bool: 'boolean', timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone', timetz: 'time with time zone', time: 'time without time zone',
  numeric: 'numeric', text: 'text', date: 'date', interval: 'interval', uuid: 'uuid', bytea: 'bytea',
  json: 'json', jsonb: 'jsonb', varbit: 'bit varying',
};

const SERIALS = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

function refuse(rule: string, message: string | null, code = '0A000'): Refusal {
  return { rule, code, message };
}

function typeBaseName(typeName: Node): string {
  const names = (typeName.names as Node[]) ?? [];
  const last = names[names.length - 1];
  return last ? String((last.String as Node).sval).toLowerCase() : '';
}

function display(name: string): string {
  return DISPLAY[name] ?? name;
}

function defOption(options: unknown, name: string): Node | undefined {
  for (const option of (options as Node[] | undefined) ?? []) {
    const def = option.DefElem as Node | undefined;
    if (def && def.defname === name) return def;
  }
  return undefined;
}

function numericArg(def: Node | undefined): number | null {
  if (!def || !def.arg) return null;
  const arg = def.arg as Node;
  if (arg.Integer) return Number((arg.Integer as Node).ival ?? 0);
  if (arg.Float) return Number((arg.Float as Node).fval);
  return null;
}

function cacheOk(options: unknown): boolean {
  const cache = numericArg(defOption(options, 'cache'));
  return cache !== null && (cache === 1 || cache >= 65536);
}

/** Refusals a column definition draws (in CREATE TABLE or ALTER TABLE ADD COLUMN). */
function columnRefusal(column: Node, inAlter: boolean): Refusal | null {
  const typeName = column.typeName as Node | undefined;
  const constraints = ((column.constraints as Node[]) ?? []).map((c) => c.Constraint as Node);
  if (typeName) {
    const base = typeBaseName(typeName);
    if (SERIALS.has(base)) return refuse('serial column', `type "${base}" does not exist`, '42704');
    if (typeName.arrayBounds) return refuse('array column type', `datatype ${display(base)}[] not supported`);
    if (UNSUPPORTED_TYPES[base]) return refuse('unsupported column type', `datatype ${UNSUPPORTED_TYPES[base]} not supported`);
  }
  if (inAlter && constraints.length > 0) return refuse('ALTER TABLE ADD COLUMN with constraint', 'ALTER TABLE ADD COLUMN with constraint not supported');
  if (column.collClause) return refuse('COLLATE in CREATE TABLE', null);
  for (const constraint of constraints) {
    if (constraint.contype === 'CONSTR_IDENTITY') {
      const base = typeName ? typeBaseName(typeName) : '';
      const notBigint = base !== 'int8';
      const noCache = !cacheOk(constraint.options);
      if (notBigint && noCache) return refuse('identity column', null);
      if (notBigint) return refuse('identity column not bigint', `datatype ${display(base)} not supported, identity column type must be bigint`);
      if (noCache) return refuse('identity column without CACHE', `identity column ${CACHE_TEXT}`);
    }
  }
  return null;
}

function createTableRefusal(body: Node): Refusal | null {
  const relation = body.relation as Node;
  if (relation.relpersistence === 't') return refuse('temporary table', 'TEMPORARY or TEMP table not supported for CREATE TABLE');
  if (relation.relpersistence === 'u') return refuse('unlogged table', 'UNLOGGED table not supported for CREATE TABLE');
  if (body.partspec || body.partbound) return refuse('partitioning', null);
  if (body.inhRelations) return refuse('INHERITS', null);
  if (body.ofTypename) return refuse('typed table', null);
  for (const element of (body.tableElts as Node[]) ?? []) {
    if (element.ColumnDef) {
      const refusal = columnRefusal(element.ColumnDef as Node, false);
      if (refusal) return refusal;
    } else if (element.Constraint && (element.Constraint as Node).contype === 'CONSTR_EXCLUSION') {
      return refuse('exclusion constraint', null);
    }
  }
  return null;
}

function alterTableRefusal(body: Node): Refusal | null {
  if (body.objtype !== 'OBJECT_TABLE') return null;
  for (const item of (body.cmds as Node[]) ?? []) {
    const cmd = item.AlterTableCmd as Node;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const refusal = columnRefusal(cmd.def ? ((cmd.def as Node).ColumnDef as Node) : {}, true);
        if (refusal) return refusal;
        break;
      }
      case 'AT_AlterColumnType':
        return refuse('ALTER COLUMN TYPE', 'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement');
      case 'AT_SetStatistics':
        return refuse('ALTER COLUMN SET STATISTICS', 'unsupported ALTER TABLE ALTER COLUMN ... SET STATISTICS statement');
      case 'AT_SetNotNull':
        return refuse('ALTER COLUMN SET NOT NULL', null);
      case 'AT_AddConstraint': {
        const constraint = ((cmd.def as Node).Constraint as Node) ?? {};
        const type = constraint.contype;
        if ((type === 'CONSTR_PRIMARY' || type === 'CONSTR_UNIQUE') && !constraint.indexname) {
          return refuse('ALTER TABLE ADD CONSTRAINT', 'unsupported ALTER TABLE ADD CONSTRAINT statement');
        }
        if ((type === 'CONSTR_CHECK' || type === 'CONSTR_FOREIGN') && !constraint.skip_validation) {
          return refuse('ALTER TABLE ADD CONSTRAINT', 'unsupported ALTER TABLE ADD CONSTRAINT statement');
        }
        if (type === 'CONSTR_EXCLUSION') return refuse('exclusion constraint', null);
        break;
      }
      case 'AT_ValidateConstraint':
        return refuse('VALIDATE CONSTRAINT', 'unsupported ALTER TABLE VALIDATE CONSTRAINT statement');
      case 'AT_EnableRowSecurity': case 'AT_ForceRowSecurity':
        return refuse('row-level security', null);
      case 'AT_AddInherit': case 'AT_AttachPartition': case 'AT_DetachPartition':
        return refuse('partitioning', null);
      default:
        break;
    }
  }
  return null;
}

function indexRefusal(body: Node, text: string): Refusal | null {
  // Every rule the statement breaks, in the order we guess DSQL checks them; the record does
  // not say which DSQL reports first, so any of their texts is accepted.
  const broken: [string, string | null][] = [];
  if (body.concurrent) broken.push(['CREATE INDEX CONCURRENTLY', 'CONCURRENTLY not supported for CREATE INDEX']);
  if (!/\bcreate\s+(?:unique\s+)?index\s+async\b/i.test(text)) broken.push(['CREATE INDEX without ASYNC', 'unsupported mode. please use CREATE INDEX ASYNC.']);
  const params = ((body.indexParams as Node[]) ?? []).map((param) => param.IndexElem as Node);
  if (params.some((elem) => elem.ordering && elem.ordering !== 'SORTBY_DEFAULT')) broken.push(['index key sort order', 'specifying sort order not supported for index keys']);
  if (params.some((elem) => elem.opclass)) broken.push(['index opclass', 'opclass not supported for index keys']);
  if (body.accessMethod && body.accessMethod !== 'btree') broken.push(['index access method', null]);
  if (broken.length === 0) return null;
  const [rule, message] = broken[0]!;
  const alternatives = broken.slice(1).map(([, m]) => m).filter((m): m is string => m !== null);
  // With a rule whose text is not on record among them, only the SQLSTATE can be checked.
  const unknownText = broken.some(([, m]) => m === null);
  return { rule, code: '0A000', message: unknownText ? null : message, ...(alternatives.length ? { alternatives } : {}) };
}

function functionRefusal(body: Node): Refusal | null {
  if (body.is_procedure) return refuse('CREATE PROCEDURE', 'PROCEDURE is not supported');
  const language = defOption(body.options, 'language');
  const name = language ? String(((language.arg as Node).String as Node).sval).toLowerCase() : 'sql';
  if (name !== 'sql') return refuse('CREATE FUNCTION non-SQL language', `CREATE FUNCTION with language ${name} not supported`);
  return null;
}

function transactionRefusal(body: Node): Refusal | null {
  switch (body.kind) {
    case 'TRANS_STMT_SAVEPOINT': return refuse('SAVEPOINT', 'unsupported transaction statement: SAVEPOINT');
    case 'TRANS_STMT_RELEASE': return refuse('SAVEPOINT', 'unsupported transaction statement: RELEASE');
    case 'TRANS_STMT_ROLLBACK_TO': return refuse('SAVEPOINT', 'unsupported transaction statement: ROLLBACK TO');
    case 'TRANS_STMT_BEGIN': case 'TRANS_STMT_START': {
      const level = defOption(body.options, 'transaction_isolation');
      const value = level ? String((((level.arg as Node).A_Const as Node)?.sval as Node)?.sval ?? '') : '';
      if (value.toLowerCase() === 'serializable') return refuse('SERIALIZABLE', 'Unsupported isolation level: SERIALIZABLE');
      return null;
    }
    default: return null;
  }
}

function setRefusal(body: Node): Refusal | null {
  const name = String(body.name ?? '').toLowerCase();
  if (body.kind === 'VAR_SET_MULTI' && name === 'transaction') return refuse('SET TRANSACTION', 'setting configuration parameter "TRANSACTION" not supported');
  if (body.kind === 'VAR_SET_MULTI' && name === 'session characteristics') return refuse('SET TRANSACTION', null);
  // §5.2: "default_transaction_read_only can't be set" (no text on record).
  if (name === 'default_transaction_read_only' && body.kind === 'VAR_SET_VALUE') return refuse('SET default_transaction_read_only', null);
  if (name === 'default_transaction_isolation' || name === 'transaction_isolation') {
    return refuse('SET transaction isolation', `setting configuration parameter "${name}" not supported`);
  }
  return null;
}

const TEXT_SEARCH = new Set(['to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery']);

/** Refusals that can sit anywhere in a query: TABLESAMPLE, FOR SHARE, text search. */
function expressionRefusal(value: unknown): Refusal | null {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = expressionRefusal(item);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value as Node)) {
    if (key === 'RangeTableSample') return refuse('TABLESAMPLE', 'TABLESAMPLE clause not supported');
    if (key === 'LockingClause') {
      const strength = (child as Node).strength;
      if (strength === 'LCS_FORSHARE' || strength === 'LCS_FORNOKEYUPDATE') {
        return refuse('FOR SHARE / FOR NO KEY UPDATE', 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported');
      }
    }
    if (key === 'FuncCall') {
      const names = ((child as Node).funcname as Node[]) ?? [];
      const last = names[names.length - 1];
      if (last && TEXT_SEARCH.has(String((last.String as Node)?.sval).toLowerCase())) return refuse('text search', null, '42704');
    }
    const found = expressionRefusal(child);
    if (found) return found;
  }
  return null;
}

/**
 * Settings DSQL reports differently from PostgreSQL 15 by design (reference §1, §6: EMU):
 * `SHOW` of these is expected to give DSQL's value.
 */
const DSQL_SETTINGS: Record<string, string> = {
  transaction_isolation: 'repeatable read',
  server_version: '16.15',
  server_version_num: '160015',
};

/** DSQL's own answer to the statement when it differs from PostgreSQL's by design (one value). */
export function dsqlValue(info: Pick<StatementInfo, 'type' | 'node'>): { setting: string; value: string } | null {
  if (info.type !== 'VariableShowStmt') return null;
  const name = String(info.node.name ?? '').toLowerCase();
  const value = DSQL_SETTINGS[name];
  return value === undefined ? null : { setting: name, value };
}

/** DSQL's refusal of one statement on its own (transaction rules are in DsqlTransaction). */
export function refusalOf(info: Pick<StatementInfo, 'type' | 'node'>, text: string): Refusal | null {
  const body = info.node;
  const recorded = STATEMENT_NAMES[info.type];
  if (recorded) return refuse(info.type.replace(/Stmt$/, ''), recorded);
  const unrecorded = REFUSED_UNRECORDED[info.type];
  if (unrecorded) return refuse(unrecorded, null);
  switch (info.type) {
    case 'CreateSchemaStmt': {
      // CREATE SCHEMA s CREATE TABLE …: each element answers to the rules of its own statement.
      for (const element of (body.schemaElts as Node[]) ?? []) {
        const [type, node] = nodeType(element);
        const refusal = refusalOf({ type, node }, type === 'IndexStmt' ? '' : text);
        if (refusal) return refusal;
      }
      return null;
    }
    case 'CreateStmt': return createTableRefusal(body);
    case 'AlterTableStmt': return alterTableRefusal(body);
    case 'IndexStmt': return indexRefusal(body, text);
    case 'CreateFunctionStmt': return functionRefusal(body);
    case 'TransactionStmt': return transactionRefusal(body);
    case 'VariableSetStmt': return setRefusal(body);
    case 'VariableShowStmt':
      return String(body.name ?? '').toLowerCase() === 'lc_collate' ? refuse('SHOW lc_collate', 'unrecognized configuration parameter "lc_collate"', '42704') : null;
    case 'VacuumStmt': return body.is_vacuumcmd ? refuse('VACUUM', 'unsupported VACUUM statement') : null;
    case 'DeallocateStmt': return body.isall ? null : refuse('DEALLOCATE name', null);
    case 'CopyStmt': return body.filename || body.is_program ? refuse('COPY with a server file', null) : null;
    case 'ViewStmt':
      if ((body.view as Node).relpersistence === 't') return refuse('temporary view', null);
      return expressionRefusal(body.query);
    case 'CreateTableAsStmt': return refuse('CREATE TABLE AS', 'unsupported statement: CreateTableAs');
    case 'SelectStmt':
      if (body.intoClause) return refuse('SELECT INTO', null);
      return expressionRefusal(body);
    case 'CreateSeqStmt': {
      if (!cacheOk(body.options)) return refuse('sequence without CACHE', `CREATE SEQUENCE ${CACHE_TEXT}`);
      const as = defOption(body.options, 'as');
      if (as && typeBaseName(as.arg ? ((as.arg as Node).TypeName as Node) : {}) !== 'int8') return refuse('sequence type not bigint', null);
      return null;
    }
    case 'DropStmt':
      if (body.removeType === 'OBJECT_TYPE') return refuse('DROP TYPE', 'unsupported object in DROP statement');
      if (body.removeType === 'OBJECT_DOMAIN' && body.behavior === 'DROP_CASCADE') return refuse('DROP DOMAIN CASCADE', 'DROP DOMAIN with CASCADE unsupported');
      // Row-level security is refused as a whole (§2.1), DROP POLICY with CREATE/ALTER POLICY.
      if (body.removeType === 'OBJECT_POLICY') return refuse('row-level security', null);
      return null;
    case 'RenameStmt':
      return body.renameType === 'OBJECT_TYPE' ? refuse('RENAME TYPE', 'unsupported object in RENAME statement') : null;
    case 'AlterDomainStmt':
      return body.subtype === 'O' || body.subtype === 'C' ? refuse('ALTER DOMAIN SET NOT NULL / ADD CONSTRAINT', null) : null;
    case 'AlterTypeStmt':
      return refuse('ALTER TYPE', 'ALTER TYPE not supported');
    case 'DefineStmt':
      return body.kind === 'OBJECT_TYPE' ? refuse('CREATE TYPE', 'CREATE TYPE not supported') : null;
    case 'InsertStmt': case 'UpdateStmt': case 'DeleteStmt': case 'ExplainStmt':
      return expressionRefusal(body);
    default:
      return null;
  }
}

/**
 * DSQL's transaction rules (§2.4): one DDL per transaction, no DDL and DML together; a refusal
 * inside a transaction block aborts it. Follows what DSQL would do with the statements so far.
 */
export class DsqlTransaction {
  private block = false;
  private ddl = 0;
  private dml = false;
  /** DSQL's transaction is aborted by a refusal while PostgreSQL's goes on. */
  private divergedSince: number | null = null;
  /** Names the block touched (they differ between the two when the block diverged). */
  private touched = new Set<string>();
  private touchedDdl = false;
  /** Settings the block SET for the session (not LOCAL): they outlive a COMMIT, not a ROLLBACK. */
  private settings = new Set<string>();

  /** Inside an explicit transaction block. */
  get inBlock(): boolean {
    return this.block;
  }

  /** True when DSQL's block was aborted by a refusal that PostgreSQL did not share. */
  get diverged(): boolean {
    return this.divergedSince !== null;
  }

  /**
   * The refusal DSQL's transaction rules add for this statement (before its own rules), and
   * whether it only follows an earlier refusal in the block.
   */
  before(info: StatementInfo): { refusal: Refusal | null; followsRefusal: boolean } {
    if (this.diverged) return { refusal: null, followsRefusal: true };
    if (!this.block) return { refusal: null, followsRefusal: false };
    if (info.ddl && this.ddl > 0) return { refusal: refuse('second DDL in a transaction', 'multiple ddl statements not supported in a transaction'), followsRefusal: false };
    if (info.ddl && this.dml) return { refusal: refuse('DDL and DML in a transaction', 'ddl and dml are not supported in the same transaction'), followsRefusal: false };
    if (info.dml && this.ddl > 0) return { refusal: refuse('DDL and DML in a transaction', 'ddl and dml are not supported in the same transaction'), followsRefusal: false };
    return { refusal: null, followsRefusal: false };
  }

  /**
   * Records a statement's effect; `refused` when DSQL refuses it. Returns the names a block
   * DSQL aborted (and PostgreSQL did not) touched, and whether only their rows differ.
   */
  after(info: StatementInfo, refused: boolean, index: number): { names: string[]; rows: boolean; settings?: string[] } {
    for (const name of info.writes) this.touched.add(name);
    if (this.block && info.type === 'VariableSetStmt' && !info.node.is_local) this.settings.add(String(info.node.name ?? '').toLowerCase());
    if (info.ddl && info.writes.length > 0) this.touchedDdl = true;
    if (info.type === 'TransactionStmt') {
      const kind = info.node.kind;
      if ((kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') && !this.block) {
        this.block = true;
        this.ddl = 0;
        this.dml = false;
        this.touched = new Set();
        this.touchedDdl = false;
        this.settings = new Set();
        // A refused BEGIN leaves DSQL outside the block PostgreSQL is in.
        if (refused) this.divergedSince = index;
        return { names: [], rows: true };
      }
      if (this.ends(info)) {
        // PostgreSQL commits the block's SETs where DSQL's aborted block rolls them back.
        const settings = this.diverged && info.node.kind === 'TRANS_STMT_COMMIT' ? [...this.settings] : [];
        const diverged = { names: this.diverged ? [...this.touched] : [], rows: !this.touchedDdl, settings };
        this.touched = new Set();
        this.settings = new Set();
        this.touchedDdl = false;
        this.ddl = 0;
        this.dml = false;
        // COMMIT/ROLLBACK AND CHAIN opens the next block at once, as the last one was (still
        // diverged if DSQL refused its start).
        if (info.node.chain) return diverged;
        this.block = false;
        this.divergedSince = null;
        return diverged;
      }
    }
    if (refused && this.block) this.divergedSince ??= index;
    if (!refused && this.block) {
      if (info.ddl) this.ddl++;
      if (info.dml) this.dml = true;
    }
    return { names: [], rows: true };
  }

  /** Both sides leave any open block (between files). */
  reset(): void {
    this.block = false;
    this.ddl = 0;
    this.dml = false;
    this.divergedSince = null;
    this.touched = new Set();
    this.touchedDdl = false;
    this.settings = new Set();
  }

  private ends(info: StatementInfo): boolean {
    const kind = info.node.kind;
    return info.type === 'TransactionStmt' && (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE');
  }
}

export { nodeType };
