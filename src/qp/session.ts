import { parseTextInZone, readsClock } from './types/zoned-datetime.js';
import { SessionRandom } from './types/session-random.js';
import { parsePlainInt4Bytes } from './types/scalars.js';
import { SqlError, serverUnavailable } from '../contracts/errors.js';
import { planCopy } from './copy/copy.js';
import { ParameterUse } from './sql/parameter-use.js';
import { checkBinaryRest, checkBinaryWidth, checkParameterHints, checkUndetermined } from './parameters.js';
import { READ_WRITE, readOnlyRefusal, writingCommandName, type BlockMode } from './read-only.js';
import type { ConnectionEndpoints, ExecuteOutcome, FieldDescription, Portal, PreparedStatement, SessionEvents, SqlSession, StartupInfo, WireCell } from '../contracts/sql-session.js';
import { TypeOid, type SqlValue } from '../contracts/sql-value.js';
import type { Key } from '../contracts/kv.js';
import { tableKey, CatalogSnapshot, CATALOG_RANGE, CATALOG_VERSION_KEY, type TableInfo } from './catalog/catalog.js';
import type { QueryProcessor } from './query-processor.js';
import { SessionSettings, settingDisplayName, settingMilliseconds } from './settings.js';
import type { OutputStyle } from './types/output-style.js';
import type { CopyStatement, ParsedStatement, RowLockStrength, SelectStatement, Statement } from './sql/ast.js';
import type { ExecContext } from './sql/compiled.js';
import { executeDdl, isDdl, type DdlContext, type DdlResult } from './sql/ddl.js';
import type { AfterCommitJob } from './jobs/job-requests.js';
import type { Row, RowSource, Runtime } from './sql/operators.js';
import { planDelete, planInsert, planUpdate, type PlannedModify } from './sql/plan-modify.js';
import { FoldErrors } from './sql/fold-errors.js';
import { isPastGrammarError } from './sql/parse.js';
import { DataModifyingWith, ReturnedRows, TOP_LEVEL_ONLY, type ModifyingStatement } from './sql/data-modifying-with.js';
import { cancelError, materialize } from './sql/operators.js';
import { planExplain } from './sql/explain.js';
import { runCommitChecks, runStatementChecks } from './sql/foreign-keys.js';
import { fieldsOf, planSelect, type OutputColumn, type PlanContext, type PlannedQuery } from './sql/plan-select.js';
import { ColumnUse } from './sql/column-use.js';
import { NO_PARAMETERS } from './sql/compile.js';
import * as types from './sql/typesystem.js';
import { Transaction } from './transaction.js';
import { executeSequenceDdl, isSequenceDdl } from './sequences/sequence-ddl.js';
import { SessionSequences } from './sequences/sequence-session.js';
import { decodeState, sequenceRowKey } from './sequences/sequence-state.js';
import { AccessLog, checkAccess, type RelationUse } from './roles/access-log.js';
import { checkDdlWrites, checkNamedOwnership } from './roles/ddl-access.js';
import { isRoleStatement } from './roles/role-ast.js';
import { executeRoleDdl } from './roles/role-ddl.js';
import { commentWritesFor } from './comments/comment-cleanup.js';
import { SessionRoles } from './roles/session-roles.js';
import { needsRegNames, withRegNames } from './system/reg-output.js';
import type { CatalogScope } from './system/catalog-functions.js';
import { utf8Slice } from '../encoding/bytes.js';
import { statementLockStrength, strongestLock } from './sql/row-locks.js';
import { SessionMeter, type TransactionEnd } from './metering/session-meter.js';

type Plan =
  | { readonly kind: 'query'; readonly query: PlannedQuery }
  | { readonly kind: 'modify'; readonly modify: PlannedModify }
  | { readonly kind: 'utility' };

interface PlanEntry {
  readonly catalogVersion: number;
  /** The schemas names were resolved in: another search_path plans the statement again, as PostgreSQL's plan cache does. */
  readonly searchPath: readonly string[];
  readonly plan: Plan;
  /** The statement's data-modifying CTEs, run before it (data-modifying-with.ts); null for none. */
  readonly dataModifying: DataModifyingWith | null;
  /** The schema-version keys of the tables it uses, checked at commit (made once, not per execution). */
  readonly schemaKeys: readonly Key[];
  /** The strongest locking clause in the statement (row-locks.ts): it is DML for DSQL's transaction rules. */
  readonly rowLocks: RowLockStrength | null;
  readonly paramTypes: number[];
  /** What the statement reads and writes, checked against the role at each execution. */
  readonly uses: readonly RelationUse[];
  /** PostgreSQL's plan-time error: a constant fold that failed (fold-errors.ts), raised before the statement runs. */
  readonly foldError: SqlError | null;
  /** A parameter the statement refers to that nothing gave a type (parameter-use.ts): Parse's 42P18. */
  readonly undeterminedParameter: number | null;
  /**
   * The catalog and role `uses` last passed the check for: the check depends on nothing else,
   * so executing again under both needs no new check.
   */
  allowed: { catalog: CatalogSnapshot; roleOid: number } | null;
}

class Prepared implements PreparedStatement {
  parameterTypes: number[];
  fields: FieldDescription[] | null;
  plan: PlanEntry | null = null;
  /** Planned at bind (simple query) rather than at prepare. */
  deferred = false;
  /**
   * Described to the client when it was prepared (Parse): planned again (a catalog change,
   * another search_path), it must give the same columns, or it is refused as PostgreSQL refuses it.
   */
  fixedResult = false;
  constructor(readonly parsed: ParsedStatement | null, paramTypes: number[], fields: FieldDescription[] | null) {
    this.parameterTypes = paramTypes;
    this.fields = fields;
  }
  get isEmpty(): boolean {
    return this.parsed === null;
  }

  /** The last encoders made for `fields`: a statement executed again reuses them. */
  private lastEncoders: { fields: FieldDescription[]; formats: readonly number[]; style: OutputStyle; encoders: CellEncoder[] } | null = null;

  /** How each result column goes on the wire, for these result formats and output style. */
  encoders(formats: readonly number[], style: OutputStyle): CellEncoder[] | null {
    const fields = this.fields;
    if (!fields) return null;
    const last = this.lastEncoders;
    if (last && last.fields === fields && sameFormats(last.formats, formats)
      && last.style.byteaEscape === style.byteaEscape && last.style.extraFloatDigits === style.extraFloatDigits) return last.encoders;
    const encoders = fields.map((f, i) => types.cellEncoder(f.typeOid, formats[i] ?? 0, style));
    this.lastEncoders = { fields, formats, style, encoders };
    return encoders;
  }
}

/**
 * One simple query answered by a statement planned with its values as parameters
 * (auto-parameters.ts): the shared statement, this text's values, and the text itself, answered
 * the ordinary way if a value does not read as its parameter's type.
 */
class ParameterisedSimple implements PreparedStatement {
  readonly parameterTypes: readonly number[] = [];
  readonly isEmpty = false;
  constructor(
    readonly prepared: Prepared,
    /** Each parameter's value, and its declared type: an int4 value is a valid integer's text. */
    readonly values: readonly string[],
    readonly declared: readonly number[],
    readonly sql: string,
  ) {}
  get fields(): FieldDescription[] | null {
    return this.prepared.fields;
  }
}

type CellEncoder = (value: SqlValue) => WireCell;

function sameFormats(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What starting a statement gives its portal: rows to come, a finished tag, or a COPY. */
interface Started {
  readonly tag: string;
  readonly source: RowSource | null;
  readonly rt: Runtime | null;
  readonly columns: readonly OutputColumn[] | null;
  readonly copy?: ExecuteOutcome;
}

/** A statement that is DDL by its first word (for refusals raised before it is understood). */
const DDL_TEXT = /^\s*(create|alter|drop|comment|grant|revoke)\b/i;

/** The same search path (the settings hand out one array until a setting changes). */
function sameSchemas(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((schema, i) => schema === b[i]));
}

/** The same columns (names, types, type modifiers), as PostgreSQL's plan cache compares a re-planned statement's result. */
function sameResult(a: readonly FieldDescription[] | null, b: readonly FieldDescription[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((field, i) => field.name === b[i]!.name && field.typeOid === b[i]!.typeOid && field.typeModifier === b[i]!.typeModifier);
}

/** Statements a session keeps planned for a Parse of the same text (Session.prepare), least recently used out first. */
const PREPARED_CACHE_LIMIT = 32;

/** Statements that act on the session, not in a transaction (startSessionStatement). */
const SESSION_STATEMENTS: ReadonlySet<Statement['kind']> = new Set(['transaction', 'set', 'reset', 'show', 'deallocate-all', 'call']);

const OC000 = 'change conflicts with another transaction (OC000)';
const OC001 = 'schema has been updated by another transaction (OC001)';

function isDml(statement: Statement): boolean {
  return statement.kind === 'insert' || statement.kind === 'update' || statement.kind === 'delete' || (statement.kind === 'select' && statementLockStrength(statement) !== null);
}

function abortedBlock(): SqlError {
  return new SqlError('25P02', 'current transaction is aborted, commands ignored until end of transaction block');
}

/** Statements that may run in a failed transaction block. */
function endsBlock(statement: Statement): boolean {
  return statement.kind === 'transaction' && statement.action !== 'begin';
}

/**
 * One client session: statement lifecycle (prepare, bind, execute), transaction blocks with
 * DSQL's rules, and the commit through the adjudicator.
 */
export class Session implements SqlSession {
  private readonly settings: SessionSettings;
  private block: 'none' | 'open' | 'failed' = 'none';
  /** The open block's READ ONLY / DEFERRABLE (read-only.ts); read-write outside a block. */
  private blockMode: BlockMode = READ_WRITE;
  private txn: Transaction | null = null;
  private txnCatalog: CatalogSnapshot | null = null;
  private implicitFailed = false;
  private current: Runtime | null = null;
  /**
   * From the start of a request (a simple query, a Parse, an Execute) until its statement runs
   * with a Runtime (or the request ends): a CancelRequest that comes then, while the statement
   * waits for the catalog or its snapshot at storage, cancels it as soon as it can. One that
   * comes while the session is idle is ignored, as in PostgreSQL.
   */
  private busy = false;
  private cancelPending = false;
  private cancelPendingReason = 'user request';
  private transactionCounter = 0;
  /** A set_config(…, true) outside a block opened the settings' undo for the implicit transaction. */
  private implicitSettingsBlock = false;
  /** The start of the transaction the next statement begins, when Bind read input at it (transactionTime). */
  private boundTimestamp: number | null = null;
  private readonly roles: SessionRoles;
  /** Recently prepared statements by text, hints, settings revision and role (Session.prepare). */
  private readonly preparedCache = new Map<string, Prepared>();
  /**
   * Keys of texts parsed once lately, not kept yet (the second Parse keeps the statement); and
   * of simple queries' plan keys seen once (parameterisedSimple).
   */
  private readonly parsedOnce = new Set<string>();
  /**
   * Simple queries' statements planned with their values as parameters, by settings revision,
   * role and plan key (auto-parameters.ts); null for a key whose parameterised form does not plan.
   */
  private readonly parameterisedCache = new Map<string, Prepared | null>();
  private readonly sequences: SessionSequences;
  /** random() and setseed(). */
  private readonly random: SessionRandom;
  /** Times this session's processing and bills its transactions (src/qp/metering). */
  readonly meter: SessionMeter;
  /** The connection's TCP ends (inet_client_addr() and friends); null when not known. */
  private readonly endpoints: ConnectionEndpoints | null;

  constructor(
    private readonly host: QueryProcessor,
    startup: StartupInfo,
    private readonly events: SessionEvents,
    readonly processId: number,
    readonly secretKey: number,
  ) {
    this.roles = new SessionRoles(startup.user);
    this.settings = new SessionSettings(startup.user, startup.parameters);
    this.sequences = new SessionSequences(host.sequences);
    this.random = new SessionRandom(host.options.random);
    this.meter = new SessionMeter(host.stopwatch, host.options.usage);
    this.endpoints = startup.endpoints ?? null;
  }

  initialParameters(): ReadonlyArray<readonly [string, string]> {
    return this.settings.reported();
  }

  transactionStatus(): 'I' | 'T' | 'E' {
    return this.block === 'none' ? 'I' : this.block === 'open' ? 'T' : 'E';
  }

  async refreshCatalog(): Promise<void> {
    this.beginRequest();
    // Inside a transaction, statements see the transaction's snapshot of the catalog.
    if (this.txnCatalog === null) await this.host.catalogAt(this.host.snapshotTime());
  }

  private beginRequest(): void {
    if (this.busy) return;
    this.busy = true;
    this.cancelPending = false;
  }

  private checkCancelPending(): void {
    if (this.cancelPending) {
      this.cancelPending = false;
      throw cancelError({ cancelReason: this.cancelPendingReason });
    }
  }

  /** set_config(name, value, is_local): SET or SET LOCAL from an expression; the new value. */
  private setConfig(name: string, value: string | null, local: boolean): string {
    if (local && !this.settings.inBlock) {
      // Outside a block it lasts until the implicit transaction ends, as PostgreSQL's does.
      this.settings.beginBlock();
      this.implicitSettingsBlock = true;
    }
    const status = this.settings.set(name, value, local);
    if (status) this.events.parameterStatus(status.name, status.value);
    return this.settings.get(name);
  }

  outputStyle(): OutputStyle {
    return this.settings.outputStyle();
  }

  private standardConformingStrings(): boolean {
    return this.settings.get('standard_conforming_strings') === 'on';
  }

  /**
   * Parses, answering DSQL's two-DDL rule first: inside a transaction that already ran a DDL, a
   * DDL statement Strata refuses gets `multiple ddl statements …`, as DSQL answers it, rather
   * than its own refusal.
   */
  private parse(sql: string): ParsedStatement[] {
    try {
      return this.host.parse(sql, this.standardConformingStrings());
    } catch (error) {
      // PostgreSQL checks for a failed block right after its grammar, before it looks further.
      if (this.block === 'failed' && isPastGrammarError(error)) throw abortedBlock();
      if (this.txn?.ddl && error instanceof SqlError && error.code === '0A000' && DDL_TEXT.test(sql)) {
        throw new SqlError('0A000', 'multiple ddl statements not supported in a transaction');
      }
      throw error;
    }
  }

  prepare(sql: string, paramTypeOids: readonly number[]): PreparedStatement {
    this.meter.begin();
    try {
      // A driver's parameterised query is an unnamed statement parsed again for every execution
      // (node-postgres, pgJDBC's first uses): the same text, parameter hints, settings, role and
      // catalog make the same statement, so its plan is taken again rather than made again.
      const key = `${this.settings.revision}\0${this.roles.currentUser}\0${paramTypeOids.join(',')}\0${sql}`;
      const known = this.preparedCache.get(key);
      if (known !== undefined && this.block !== 'failed' && !this.txn?.ddl && known.plan?.catalogVersion === (this.txnCatalog ?? this.host.catalog).version) {
        this.preparedCache.delete(key);
        this.preparedCache.set(key, known);
        return known;
      }
      const statements = this.parse(sql);
      if (statements.length > 1) throw new SqlError('42601', 'cannot insert multiple commands into a prepared statement');
      const prepared = this.prepareParsed(statements[0] ?? null, paramTypeOids);
      // Kept from a text's second Parse on: a plan kept outlives the young generation, and
      // keeping every text of a stream of distinct ones (values written into the text) made the
      // collector copy each plan to the old one for nothing.
      if (prepared.plan !== null && (prepared.plan.plan.kind === 'query' || prepared.plan.plan.kind === 'modify')) {
        if (this.parsedOnce.delete(key)) {
          if (this.preparedCache.size >= PREPARED_CACHE_LIMIT) this.preparedCache.delete(this.preparedCache.keys().next().value!);
          this.preparedCache.set(key, prepared);
        } else {
          if (this.parsedOnce.size >= PREPARED_CACHE_LIMIT * 4) this.parsedOnce.delete(this.parsedOnce.keys().next().value!);
          this.parsedOnce.add(key);
        }
      }
      return prepared;
    } finally {
      this.meter.end();
    }
  }

  prepareSimple(sql: string): PreparedStatement[] {
    this.meter.begin();
    try {
      return this.parseSimple(sql);
    } finally {
      this.meter.end();
    }
  }

  private parseSimple(sql: string): PreparedStatement[] {
    // A kept shape's strings were read with standard_conforming_strings on.
    if (this.block !== 'failed' && !this.txn?.ddl && this.standardConformingStrings() && this.settings.get('plan_cache_mode') !== 'force_custom_plan') {
      const parameterised = this.parameterisedSimple(sql);
      if (parameterised !== null) return [parameterised];
    }
    return this.literalSimple(sql);
  }

  /**
   * A one-statement simple query whose literal shape is kept, as its statement planned with the
   * values as parameters (planned once per key and kept, as prepare's cache keeps statements).
   */
  private parameterisedSimple(sql: string): ParameterisedSimple | null {
    const found = this.host.parameterised(sql);
    if (found === null) return null;
    const key = `${this.settings.revision}\0${this.roles.currentUser}\0simple\0${found.parameterised.key}`;
    let prepared = this.parameterisedCache.get(key);
    if (prepared === null) return null;
    // A key's first text in this session takes the ordinary path: a stream of keys seen once
    // (a value that stays a literal, such as a LIMIT, is part of the key) keeps no plans.
    if (prepared === undefined && !this.parsedOnce.delete(key)) {
      if (this.parsedOnce.size >= PREPARED_CACHE_LIMIT * 4) this.parsedOnce.delete(this.parsedOnce.keys().next().value!);
      this.parsedOnce.add(key);
      return null;
    }
    if (prepared === undefined || prepared.plan?.catalogVersion !== (this.txnCatalog ?? this.host.catalog).version) {
      try {
        prepared = this.prepareParsed(found.statement(), found.parameterised.types);
      } catch {
        // The literal form answers (its error, with the literal's position, if it has one).
        this.keepParameterised(key, null);
        return null;
      }
      // Planned again when the catalog changes, as a simple query's statement is.
      prepared.fixedResult = false;
      this.keepParameterised(key, prepared);
    } else {
      this.parameterisedCache.delete(key);
      this.parameterisedCache.set(key, prepared);
    }
    return new ParameterisedSimple(prepared, found.parameterised.values, found.parameterised.types, sql);
  }

  private keepParameterised(key: string, prepared: Prepared | null): void {
    if (this.parameterisedCache.size >= PREPARED_CACHE_LIMIT) this.parameterisedCache.delete(this.parameterisedCache.keys().next().value!);
    this.parameterisedCache.set(key, prepared);
  }

  private literalSimple(sql: string): PreparedStatement[] {
    const statements = this.parse(sql);
    if (statements.length === 0) return [new Prepared(null, [], null)];
    // Simple-query statements are planned when they run: an earlier one (CREATE TABLE) may
    // change what a later one means.
    return statements.map((s) => {
      const prepared = new Prepared(s, [], null);
      prepared.deferred = true;
      return prepared;
    });
  }

  private prepareParsed(parsed: ParsedStatement | null, hints: readonly number[]): Prepared {
    if (!parsed) return new Prepared(null, [], null);
    const paramTypes = hints.slice();
    const prepared = new Prepared(parsed, paramTypes, null);
    // PostgreSQL refuses a Parse (and a Bind) in a failed block, but for the statements that end it.
    if (this.block === 'failed' && !endsBlock(parsed.statement)) throw abortedBlock();
    checkParameterHints(hints);
    const entry = this.plan(prepared, this.txnCatalog ?? this.host.catalog);
    checkUndetermined(entry.paramTypes, hints, parsed.statement);
    if (entry.undeterminedParameter !== null) throw new SqlError('42P18', `could not determine data type of parameter $${entry.undeterminedParameter}`);
    prepared.parameterTypes = entry.paramTypes.map((t) => (t === 0 ? TypeOid.text : t));
    prepared.fields = this.fieldsOf(entry.plan, parsed.statement);
    prepared.fixedResult = true;
    return prepared;
  }

  private fieldsOf(plan: Plan, statement: Statement): FieldDescription[] | null {
    if (plan.kind === 'query') return fieldsOf(plan.query.columns);
    if (plan.kind === 'modify') return plan.modify.columns ? fieldsOf(plan.modify.columns) : null;
    if (statement.kind === 'show') {
      const column = (name: string) => ({ name, oid: TypeOid.text, typmod: -1, tableOid: 0, columnNumber: 0 });
      return fieldsOf(statement.name === 'all' ? [column('name'), column('setting'), column('description')] : [column(settingDisplayName(statement.name))]);
    }
    if ((statement.kind === 'create-index' || statement.kind === 'alter-table') && statement.async) return fieldsOf([{ name: 'job_id', oid: TypeOid.text, typmod: -1, tableOid: 0, columnNumber: 0 }]);
    return null;
  }

  private plan(prepared: Prepared, catalog: CatalogSnapshot, simpleQuery = false): PlanEntry {
    const searchPath = this.settings.searchPath(this.roles.currentUser);
    const previous = prepared.plan;
    if (previous && previous.catalogVersion === catalog.version && sameSchemas(previous.searchPath, searchPath)) return previous;
    const statement = prepared.parsed!.statement;
    // DSQL refuses DML after DDL in a transaction before looking at the statement (the DDL's
    // catalog change is not visible to planning until it commits).
    if (this.txn?.ddl && isDml(statement)) throw new SqlError('0A000', 'ddl and dml are not supported in the same transaction');
    const paramTypes = simpleQuery ? NO_PARAMETERS : prepared.plan ? prepared.plan.paramTypes.slice() : prepared.parameterTypes.slice();
    const access = new AccessLog(statement);
    const dataModifying = statement.kind === 'select' || statement.kind === 'insert' || statement.kind === 'update' || statement.kind === 'delete'
      ? DataModifyingWith.of(statement, planModifying) : null;
    // Plain EXPLAIN plans the sub-statements without running them; EXPLAIN ANALYZE of them is refused.
    const explained = statement.kind === 'explain' && !statement.analyze ? DataModifyingWith.of(statement.statement, planModifying) : null;
    const foldErrors = new FoldErrors();
    const parameterUse = simpleQuery ? undefined : new ParameterUse();
    // One object, made once: spreading a planning context is a slow copy (its shapes vary).
    const pc: PlanContext = this.planContext(catalog, paramTypes, {
      access, dataModifying: dataModifying ?? explained ?? TOP_LEVEL_ONLY, foldErrors, parameterUse,
      // A SELECT's table reads decode the columns it can use (none pruned under data-modifying WITH); other statements' are not analysed.
      columnUse: statement.kind !== 'select' ? undefined : dataModifying === null ? ColumnUse.of(statement) : null,
    });
    const usedTables = pc.usedTables;
    // Error positions need no adjustment: the parser's locations are offsets into the whole
    // query string, which is what the P field of ErrorResponse counts from.
    let plan: Plan;
    switch (statement.kind) {
      case 'select': plan = { kind: 'query', query: planSelect(statement, pc) }; break;
      case 'insert': plan = { kind: 'modify', modify: planInsert(statement, pc) }; break;
      case 'update': plan = { kind: 'modify', modify: planUpdate(statement, pc) }; break;
      case 'delete': plan = { kind: 'modify', modify: planDelete(statement, pc) }; break;
      case 'explain': plan = { kind: 'query', query: planExplain(statement, statement.analyze ? { ...pc, dataModifying: NO_EXPLAIN_ANALYZE } : pc, () => explained?.explainSteps() ?? []) }; break;
      default: plan = { kind: 'utility' };
    }
    // A plain EXPLAIN locks nothing (PostgreSQL exempts it from the read-only check too).
    const rowLocks = statement.kind === 'explain' && !statement.analyze ? null : strongestLock(statementLockStrength(statement), pc.plannedLocks);
    if (previous !== null && prepared.fixedResult && !sameResult(prepared.fields, this.fieldsOf(plan, statement))) {
      throw new SqlError('0A000', 'cached plan must not change result type');
    }
    const entry: PlanEntry = {
      catalogVersion: catalog.version, searchPath, plan, dataModifying, schemaKeys: [...usedTables].map((t) => tableKey(t.id)), rowLocks,
      paramTypes, uses: access.uses, allowed: null, foldError: foldErrors.first,
      undeterminedParameter: plan.kind === 'utility' ? null : parameterUse?.undetermined(paramTypes) ?? null,
    };
    prepared.plan = entry;
    return entry;
  }

  /**
   * A statement's planning context, every property of PlanContext present (undefined where
   * unset) in the interface's order: the planner copies contexts with one property changed at
   * every level (`{ ...pc, … }`), and while all of them share one shape each copy is V8's fast
   * clone; contexts of varying shapes made each a runtime copy of microseconds.
   */
  private planContext(catalog: CatalogSnapshot, paramTypes: number[], extra: Pick<PlanContext, 'access' | 'dataModifying' | 'foldErrors' | 'columnUse' | 'parameterUse'> | null = null): PlanContext {
    return {
      resolver: { catalog, searchPath: this.settings.searchPath(this.roles.currentUser), virtual: (s, n) => this.host.virtual(s, n) },
      paramTypes,
      sessionUser: this.roles.currentUser,
      currentSchema: this.currentSchema(catalog),
      usedTables: new Set<TableInfo>(),
      codecs: (t) => this.host.codec(t),
      session: {
        processId: this.processId, endpoints: this.endpoints, setting: (name) => this.settings.get(name),
        setConfig: (name, value, local) => this.setConfig(name, value, local),
      },
      outer: undefined,
      ctes: undefined,
      dataModifying: extra?.dataModifying,
      viewDepth: undefined,
      localRelations: undefined,
      access: extra?.access,
      columnUse: extra?.columnUse,
      foldErrors: extra?.foldErrors,
      parameterUse: extra?.parameterUse,
      pushedLock: undefined,
      deferOuterJoinCheck: undefined,
      pulledLockChecks: undefined,
      fromLocks: undefined,
      plannedLocks: new Set<RowLockStrength>(),
    };
  }

  private currentSchema(catalog: CatalogSnapshot): string {
    for (const schema of this.settings.searchPath(this.roles.currentUser)) if (catalog.schema(schema)) return schema;
    return 'public';
  }

  bind(statement: PreparedStatement, paramFormats: readonly number[], params: readonly (Uint8Array | null)[], resultFormats: readonly number[]): Portal {
    if (statement instanceof ParameterisedSimple) return this.bindParameterised(statement, resultFormats);
    const prepared = statement as Prepared;
    if (prepared.deferred) {
      // A simple-query statement is planned when its turn comes: statements before it in the
      // same string may have changed the catalog.
      prepared.deferred = false;
      if (this.block !== 'failed' || endsBlock(prepared.parsed!.statement)) {
        this.meter.begin();
        try {
          const entry = this.plan(prepared, this.txnCatalog ?? this.host.catalog, true);
          prepared.fields = this.fieldsOf(entry.plan, prepared.parsed!.statement);
        } finally {
          this.meter.end();
        }
      }
    }
    if (this.block === 'failed' && !prepared.isEmpty && !endsBlock(prepared.parsed!.statement)) throw abortedBlock();
    const expected = prepared.parameterTypes.length;
    if (params.length !== expected) {
      throw new SqlError('08P01', `bind message supplies ${params.length} parameters, but prepared statement "" requires ${expected}`);
    }
    const values: SqlValue[] = new Array(params.length);
    for (let i = 0; i < params.length; i++) {
      const raw = params[i]!;
      const oid = prepared.parameterTypes[i]!;
      if (raw === null) { values[i] = null; continue; }
      if (paramFormats[i] === 1) checkBinaryWidth(oid, raw, i + 1);
      if (paramFormats[i] === 1) { values[i] = types.parseBinaryValue(oid, raw); checkBinaryRest(oid, raw, i + 1); continue; }
      const plain = oid === TypeOid.int4 ? parsePlainInt4Bytes(raw) : undefined;
      values[i] = plain ?? parseTextInZone(oid, -1, utf8Slice(raw, 0, raw.length), this.settings.outputStyle().timeZone, readsClock(oid) ? this.transactionTime() : 0);
    }
    return new SessionPortal(this, prepared, values, resultFormats);
  }

  /**
   * The transaction's timestamp for input read at Bind ('now', 'today', a timetz without an
   * offset): the open transaction's, else the one the next Execute begins, taken here — as
   * PostgreSQL's implicit transaction starts at Bind — so that 'now' is now() there too.
   */
  private transactionTime(): number {
    if (this.txn !== null) return this.txn.startTimestamp;
    this.boundTimestamp ??= this.host.snapshotTime();
    return this.boundTimestamp;
  }

  /**
   * A simple query's values read as its parameters' types; one that does not read (`'abc'` for
   * an integer) sends the text the ordinary way, to fail as the literal does.
   */
  private bindParameterised(statement: ParameterisedSimple, resultFormats: readonly number[]): Portal {
    const { prepared } = statement;
    const types = prepared.parameterTypes;
    const values: SqlValue[] = new Array(types.length);
    try {
      for (let i = 0; i < types.length; i++) {
        const text = statement.values[i]!;
        const oid = types[i]!;
        values[i] = statement.declared[i] === TypeOid.int4 ? Number(text) : parseTextInZone(oid, -1, text, this.settings.outputStyle().timeZone, readsClock(oid) ? this.transactionTime() : 0);
      }
    } catch {
      return this.bind(this.literalSimple(statement.sql)[0]!, [], [], []);
    }
    return new SessionPortal(this, prepared, values, resultFormats);
  }

  /** Runs one statement of a portal (called by SessionPortal on its first Execute). */
  /** Synchronous when the statement needs no wait (a query whose catalog is loaded); else a promise. */
  start(prepared: Prepared, params: readonly SqlValue[], emit: (row: Row) => void): Started | Promise<Started> {
    this.beginRequest();
    let started: Started | Promise<Started>;
    try {
      started = this.startStatement(prepared, params, emit);
    } catch (error) {
      this.endRequest();
      throw error;
    }
    // From the end of the start on, a cancel reaches the statement through its Runtime (or
    // finds nothing to stop). Registered before the caller's await, so it runs first.
    if (started instanceof Promise) started.then(this.endRequest, this.endRequest);
    else this.endRequest();
    return started;
  }

  /** The catalog and search path the running statement's reg* results print names with (reg-output.ts). */
  regOutputScope(): CatalogScope {
    return { catalog: this.txnCatalog ?? this.host.catalog, searchPath: this.settings.searchPath(this.roles.currentUser) };
  }

  private readonly endRequest = (): void => {
    this.busy = false;
    this.cancelPending = false;
  };

  /**
   * Session statements (transaction control, SET, SHOW, CALL) run here; the rest in a transaction,
   * begun without a promise when the catalog at its snapshot is loaded and storage answers now.
   */
  private startStatement(prepared: Prepared, params: readonly SqlValue[], emit: (row: Row) => void): Started | Promise<Started> {
    const statement = prepared.parsed!.statement;
    this.checkCancelPending();
    if (this.block === 'failed' && !endsBlock(statement)) {
      throw abortedBlock();
    }
    if (SESSION_STATEMENTS.has(statement.kind)) return this.startSessionStatement(statement, emit);
    if (this.txn) return this.startInTransaction(prepared, params, emit, this.continueTransaction(this.txn));
    const txn = this.beginTransaction();
    if (txn instanceof Promise) return txn.then((begun) => this.startInTransaction(prepared, params, emit, begun));
    return this.startInTransaction(prepared, params, emit, txn);
  }

  private async startSessionStatement(statement: Statement, emit: (row: Row) => void): Promise<Started> {
    switch (statement.kind) {
      case 'transaction': return { tag: await this.transactionControl(statement), source: null, rt: null, columns: null };
      case 'set': {
        if (statement.name === 'role' || statement.name === 'session_authorization') {
          await this.setRole(statement.name, statement.values?.[0] ?? null, statement.local);
          return { tag: 'SET', source: null, rt: null, columns: null };
        }
        if (statement.name === 'transaction' || statement.name === 'session characteristics') {
          throw new SqlError('0A000', 'setting configuration parameter "TRANSACTION" not supported');
        }
        if (statement.local && !this.settings.inBlock) {
          this.events.notice(new SqlError('25P01', 'SET LOCAL can only be used in transaction blocks'));
          return { tag: 'SET', source: null, rt: null, columns: null };
        }
        const status = this.settings.set(statement.name, statement.values ? statement.values.join(', ') : null, statement.local);
        if (status) this.events.parameterStatus(status.name, status.value);
        return { tag: 'SET', source: null, rt: null, columns: null };
      }
      case 'reset': {
        if (statement.name === 'role' || statement.name === 'session_authorization') {
          await this.setRole(statement.name, null, false);
          return { tag: 'RESET', source: null, rt: null, columns: null };
        }
        for (const status of this.settings.reset(statement.name)) this.events.parameterStatus(status.name, status.value);
        return { tag: 'RESET', source: null, rt: null, columns: null };
      }
      case 'show': {
        if (statement.name === 'all') {
          for (const [name, value] of this.settings.all()) emit([name, value, '']);
          return { tag: 'SHOW', source: null, rt: null, columns: null };
        }
        if (statement.name === 'role') emit([this.roles.shownRole]);
        else if (statement.name === 'session_authorization') emit([this.roles.sessionUser]);
        else if (statement.name === 'transaction_read_only') emit([this.blockMode.readOnly ? 'on' : 'off']);
        else if (statement.name === 'transaction_deferrable') emit([this.blockMode.deferrable ? 'on' : 'off']);
        else emit([this.settings.get(statement.name)]);
        return { tag: 'SHOW', source: null, rt: null, columns: null };
      }
      case 'deallocate-all': return { tag: 'DEALLOCATE ALL', source: null, rt: null, columns: null };
      case 'call': return { tag: await this.call(statement), source: null, rt: null, columns: null };
      default: throw new Error(`${statement.kind} is not a session statement`);
    }
  }

  private startInTransaction(prepared: Prepared, params: readonly SqlValue[], emit: (row: Row) => void, txn: Transaction): Started | Promise<Started> {
    const statement = prepared.parsed!.statement;
    this.checkCancelPending();
    const catalog = this.txnCatalog!;
    if (isDdl(statement) || isRoleStatement(statement)) {
      if (this.blockMode.readOnly) throw readOnlyRefusal(writingCommandName(statement));
      return this.runDdl(statement, catalog, txn, emit);
    }
    if (statement.kind === 'copy') {
      if (this.blockMode.readOnly && statement.from) throw readOnlyRefusal('COPY FROM');
      return this.startCopy(statement, catalog, txn);
    }
    const entry = this.plan(prepared, catalog);
    if (entry.foldError) throw entry.foldError;
    this.checkAllowed(entry, catalog);
    txn.useSchemas(entry.schemaKeys);
    const rt: Runtime = {
      ctx: this.execContext(params), txn,
      cancelled: false, batches: 0, pause: this.pause,
    };
    this.current = rt;
    if (entry.dataModifying) return this.runDataModifying(entry.dataModifying, entry.plan, rt, emit);
    if (entry.plan.kind === 'query') {
      // EXPLAIN ANALYZE of a DML statement runs it: it is DML for DSQL's transaction rules.
      if (entry.rowLocks && this.blockMode.readOnly) throw readOnlyRefusal(entry.rowLocks === 'update' ? 'SELECT FOR UPDATE' : 'SELECT FOR KEY SHARE');
      if (entry.rowLocks || (statement.kind === 'explain' && statement.analyze && statement.statement.kind !== 'select')) this.checkDml(txn);
      return { tag: statement.kind === 'explain' ? 'EXPLAIN' : 'SELECT', source: entry.plan.query.build(), rt, columns: entry.plan.query.columns };
    }
    if (entry.plan.kind === 'modify') {
      if (this.blockMode.readOnly) throw readOnlyRefusal(entry.plan.modify.tag);
      this.checkDml(txn);
      return runModify(entry.plan.modify, rt, txn, emit);
    }
    throw new SqlError('0A000', `statement ${statement.kind} is not supported`);
  }

  /**
   * A statement with data-modifying CTEs: DML for the transaction's rules; the main query's rows
   * are computed before they are sent, so that the statement's foreign-key checks run after it.
   */
  private async runDataModifying(dataModifying: DataModifyingWith, plan: Plan, rt: Runtime, emit: (row: Row) => void): Promise<Started> {
    if (plan.kind === 'utility') throw new Error('a data-modifying WITH on a utility statement');
    if (this.blockMode.readOnly) throw readOnlyRefusal(plan.kind === 'query' ? 'SELECT' : plan.modify.tag);
    this.checkDml(rt.txn);
    if (plan.kind === 'query') {
      const rows = await dataModifying.execute(rt, () => materialize(plan.query.build(), rt));
      await runStatementChecks(rt.txn);
      return { tag: 'SELECT', source: new ReturnedRows('statement', () => rows), rt, columns: plan.query.columns };
    }
    const count = await dataModifying.execute(rt, () => plan.modify.run(rt, emit));
    await runStatementChecks(rt.txn);
    return { tag: plan.modify.tag === 'INSERT' ? `INSERT 0 ${count}` : `${plan.modify.tag} ${count}`, source: null, rt, columns: plan.modify.columns };
  }

  /** COPY: planned here, at execution; its rows flow after the protocol's Copy*Response. */
  private checkAllowed(entry: PlanEntry, catalog: CatalogSnapshot): void {
    const roleOid = this.roleOid(catalog);
    if (entry.allowed !== null && entry.allowed.catalog === catalog && entry.allowed.roleOid === roleOid) return;
    checkAccess(entry.uses, catalog, roleOid);
    entry.allowed = { catalog, roleOid };
  }

  private startCopy(statement: CopyStatement, catalog: CatalogSnapshot, txn: Transaction): Started {
    if (statement.from) this.checkDml(txn);
    const rowParams: SqlValue[] = [];
    const rt: Runtime = { ctx: this.execContext(rowParams), txn, cancelled: false, batches: 0, pause: this.pause };
    this.current = rt;
    const pc = this.planContext(catalog, []);
    const copy = planCopy(statement, pc, rt, rowParams);
    const uses: RelationUse[] = [...pc.usedTables].map((t) => ({ oid: t.id, kind: 'table', schema: t.schema, name: t.name, qualified: statement.schema !== null, letters: statement.from ? 'a' : 'r', via: null }));
    checkAccess(uses, catalog, this.roleOid(catalog));
    for (const table of pc.usedTables) txn.useSchema(tableKey(table.id));
    return { tag: 'COPY', source: null, rt, columns: null, copy };
  }

  private checkDml(txn: Transaction): void {
    if (txn.ddl) throw new SqlError('0A000', 'ddl and dml are not supported in the same transaction');
    txn.dml = true;
  }

  /** pg_sleep's wait, on the query processor's timers. */
  private readonly sleep = (ms: number): Promise<void> => this.meter.waitFor(new Promise((resolve) => this.host.options.timers.setTimeout(resolve, ms)));

  /** pg_sleep_until's clock: the query processor's (virtual time in the simulator). */
  private readonly wallClock = (): number => this.host.options.clock.now().latest;

  /** A turn of the event loop for a long statement: waiting, not processing (metering). */
  private readonly pause = (): Promise<void> => this.meter.waitFor(this.host.pause());

  private execContext(params: readonly SqlValue[]): ExecContext {
    return {
      params, statementTimestamp: this.txn!.startTimestamp, user: this.roles.currentUser, sessionUser: this.roles.sessionUser,
      random: this.host.options.random, sessionRandom: this.random, excluded: null, sequences: this.sequences, outputStyle: this.settings.outputStyle(), sleep: this.sleep, wallClock: this.wallClock,
      statementMicros: this.meter.spanMicros,
    };
  }

  private async runDdl(statement: Statement, catalog: CatalogSnapshot, txn: Transaction, emit: (row: Row) => void): Promise<{ tag: string; source: null; rt: null; columns: null }> {
    // PostgreSQL's PreventInTransactionBlock, before anything else is looked at.
    if (statement.kind === 'drop' && statement.concurrently && this.block !== 'none') throw new SqlError('25001', 'DROP INDEX CONCURRENTLY cannot run inside a transaction block');
    if (statement.kind === 'reindex' && this.block !== 'none' && (statement.concurrently || ['schema', 'system', 'database'].includes(statement.target))) {
      throw new SqlError('25001', `REINDEX ${statement.concurrently ? 'CONCURRENTLY' : statement.target.toUpperCase()} cannot run inside a transaction block`);
    }
    if (txn.ddl) throw new SqlError('0A000', 'multiple ddl statements not supported in a transaction');
    if (txn.dml) throw new SqlError('0A000', 'ddl and dml are not supported in the same transaction');
    txn.ddl = true;
    const describeQuery = (query: SelectStatement, paramTypes: readonly number[] = [], against: CatalogSnapshot = catalog, searchPath?: readonly string[]) => {
      const base = this.planContext(against, paramTypes.slice());
      const pc = searchPath ? { ...base, resolver: { ...base.resolver, searchPath } } : base;
      const planned = planSelect(query, pc);
      if (pc.paramTypes.length > paramTypes.length) throw new SqlError('42P02', `there is no parameter $${paramTypes.length + 1}`);
      // The schemas of the search path that exist: what the query's names were resolved in.
      return { columns: planned.columns, tables: [...pc.usedTables].map((t) => t.id), searchPath: pc.resolver.searchPath.filter((s) => against.schema(s) !== undefined) };
    };
    if (isRoleStatement(statement)) return this.runRoleDdl(statement, catalog, txn);
    const searchPath = this.settings.searchPath(this.roles.currentUser);
    const started = await this.applyDdl(statement, catalog, txn, emit, describeQuery, searchPath, this.currentSchema(catalog));
    if (statement.kind === 'create-schema' && statement.elements) {
      // The elements run in this DDL's transaction, each over the catalog as the ones before left
      // it, with the new schema first on the search path (as PostgreSQL runs them).
      const elementPath = [statement.name, ...searchPath];
      for (const element of statement.elements) {
        const current = CatalogSnapshot.fromEntries(await catalogEntries(txn));
        if (isRoleStatement(element)) this.runRoleDdl(element, current, txn, elementPath);
        else await this.applyDdl(element, current, txn, emit, (query, types = [], against = current, path = elementPath) => describeQuery(query, types, against, path), elementPath, statement.name);
      }
    }
    return started;
  }

  /** One DDL statement's catalog writes, made over `catalog` with `searchPath` and `currentSchema`. */
  private async applyDdl(statement: Statement, catalog: CatalogSnapshot, txn: Transaction, emit: (row: Row) => void,
    describeQuery: DdlContext['describeQuery'], searchPath: readonly string[], currentSchema: string): Promise<{ tag: string; source: null; rt: null; columns: null }> {
    checkNamedOwnership(statement, catalog, this.roleOid(catalog), searchPath);
    const ddlContext = { catalog, currentSchema, sessionUser: this.roles.currentUser, describeQuery, searchPath, timeZone: this.settings.outputStyle().timeZone, now: this.transactionTime() };
    const result: DdlResult = isSequenceDdl(statement)
      ? await executeSequenceDdl(statement, ddlContext, async (id) => {
        const raw = await txn.get(sequenceRowKey(id));
        return raw === null ? null : decodeState(raw);
      })
      : executeDdl(statement, ddlContext, () => this.newJobId());
    const ownership = checkDdlWrites(result.writes, catalog, this.roleOid(catalog));
    for (const write of [...result.writes, ...ownership, ...commentWritesFor(result.writes, catalog)]) txn.put(write.key, write.value, null);
    if (result.writes.length > 0) txn.useSchema(CATALOG_VERSION_KEY);
    if (result.notice) this.events.notice(new SqlError('00000', result.notice));
    if (result.cascade) this.events.notice(result.cascade);
    for (const row of result.rows ?? []) emit(row);
    if (result.afterCommit) this.afterCommit.push(...result.afterCommit);
    return { tag: result.tag, source: null, rt: null, columns: null };
  }

  private afterCommit: AfterCommitJob[] = [];

  /** CREATE/ALTER/DROP ROLE, GRANT, REVOKE, AWS IAM GRANT: catalog writes like any DDL. */
  private runRoleDdl(statement: Parameters<typeof executeRoleDdl>[0], catalog: CatalogSnapshot, txn: Transaction,
    searchPath: readonly string[] = this.settings.searchPath(this.roles.currentUser)): { tag: string; source: null; rt: null; columns: null } {
    const access = catalog.access;
    const result = executeRoleDdl(statement, {
      catalog, currentRole: this.roleOid(catalog), sessionRole: access.role(this.roles.sessionUser)?.oid ?? -1, searchPath,
    });
    for (const write of [...result.writes, ...commentWritesFor(result.writes, catalog)]) txn.put(write.key, write.value, null);
    if (result.writes.length > 0) txn.useSchema(CATALOG_VERSION_KEY);
    for (const notice of result.notices) this.events.notice(notice);
    return { tag: result.tag, source: null, rt: null, columns: null };
  }

  /** current_user's oid in this catalog; -1 (no privileges) once the role has been dropped. */
  private roleOid(catalog: CatalogSnapshot): number {
    return catalog.access.role(this.roles.currentUser)?.oid ?? -1;
  }

  /** SET/RESET ROLE and SESSION AUTHORIZATION, checked against the newest catalog (or the transaction's). */
  private async setRole(name: 'role' | 'session_authorization' | string, value: string | null, local: boolean): Promise<void> {
    const inBlock = this.block !== 'none';
    if (local && !inBlock) this.events.notice(new SqlError('25P01', 'SET LOCAL can only be used in transaction blocks'));
    if (name === 'role') {
      const catalog = this.txnCatalog ?? await this.host.catalogAt(this.host.snapshotTime());
      this.roles.setRole(value, local, inBlock, catalog);
      return;
    }
    const before = this.roles.sessionUser;
    this.roles.setSessionAuthorization(value, local, inBlock);
    if (this.roles.sessionUser !== before) this.events.parameterStatus('session_authorization', this.roles.sessionUser);
  }

  private newJobId(): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    const bytes = this.host.options.random.bytes(26);
    let id = '';
    for (const b of bytes) id += alphabet[b & 31];
    return id;
  }

  private async call(statement: Extract<Statement, { kind: 'call' }>): Promise<string> {
    const name = statement.name.join('.');
    if (name !== 'sys.wait_for_job') throw new SqlError('42883', `procedure ${name}() does not exist`);
    if (statement.args.length !== 1 || statement.args[0]!.kind !== 'const') throw new SqlError('42883', 'procedure sys.wait_for_job requires a job id');
    const arg = statement.args[0]! as Extract<Statement, { kind: 'call' }>['args'][number] & { text: string };
    await this.host.waitForJob(arg.text);
    return 'CALL';
  }

  private continueTransaction(txn: Transaction): Transaction {
    txn.checkAge(this.host.options.clock.now().latest);
    return txn;
  }

  /** Starts the transaction a statement runs in (each statement's own, in autocommit). */
  private beginTransaction(): Transaction | Promise<Transaction> {
    const startTimestamp = this.boundTimestamp ?? this.host.snapshotTime();
    this.boundTimestamp = null;
    const counter = ++this.transactionCounter;
    // Named only if it commits: printing the timestamp (a double) costs more than the read.
    const txn = new Transaction(() => `${this.processId}-${counter}-${startTimestamp}`, startTimestamp, this.host.options.storage);
    this.txn = txn;
    const ready = this.host.catalogReady(startTimestamp);
    if (ready !== undefined) {
      this.txnCatalog = ready;
      return txn;
    }
    return this.host.catalogAt(startTimestamp).then((catalog) => {
      this.txnCatalog = catalog;
      return txn;
    });
  }

  private async transactionControl(statement: Extract<Statement, { kind: 'transaction' }>): Promise<string> {
    switch (statement.action) {
      case 'begin': {
        if (statement.isolation && !/^repeatable read$/i.test(statement.isolation)) {
          throw new SqlError('0A000', `Unsupported isolation level: ${statement.isolation.toUpperCase()}`);
        }
        const tag = statement.start ? 'START TRANSACTION' : 'BEGIN';
        if (this.block !== 'none') {
          this.events.notice(new SqlError('25001', 'there is already a transaction in progress'));
          return tag;
        }
        this.beginBlock();
        this.blockMode = { readOnly: statement.readOnly === true, deferrable: statement.deferrable === true };
        return tag;
      }
      case 'commit': {
        if (statement.chain) return this.endChained(statement.action);
        if (this.block === 'none') {
          this.events.notice(new SqlError('25P01', 'there is no transaction in progress'));
          return 'COMMIT';
        }
        if (this.block === 'failed') {
          this.endTransaction();
          this.roles.transactionEnded(false);
          this.endSettingsBlock(false);
          return 'ROLLBACK';
        }
        this.block = 'none';
        try {
          await this.commitTransaction();
        } catch (error) {
          this.roles.transactionEnded(false);
          this.endSettingsBlock(false);
          throw error;
        }
        this.roles.transactionEnded(true);
        this.endSettingsBlock(true);
        return 'COMMIT';
      }
      case 'rollback': {
        if (statement.chain) return this.endChained(statement.action);
        if (this.block === 'none') this.events.notice(new SqlError('25P01', 'there is no transaction in progress'));
        this.endTransaction();
        this.roles.transactionEnded(false);
        this.endSettingsBlock(false);
        return 'ROLLBACK';
      }
    }
  }

  private beginBlock(): void {
    this.block = 'open';
    this.roles.blockBegan();
    // A set_config(…, true) before BEGIN in the same implicit transaction lasts into the block.
    if (this.implicitSettingsBlock) this.implicitSettingsBlock = false;
    else this.settings.beginBlock();
  }

  /** The implicit transaction a set_config(…, true) ran in ended: its local settings are undone (all of them if it failed). */
  private endImplicitSettings(committed: boolean): void {
    if (!this.implicitSettingsBlock) return;
    this.implicitSettingsBlock = false;
    this.endSettingsBlock(committed);
  }

  /**
   * COMMIT / ROLLBACK AND CHAIN: ends the block as without it, then opens the next one at once
   * (the only characteristic a block keeps here is its isolation, always REPEATABLE READ).
   * Outside a block PostgreSQL refuses it rather than warning.
   */
  private async endChained(action: 'commit' | 'rollback'): Promise<string> {
    if (this.block === 'none') throw new SqlError('25P01', `${action.toUpperCase()} AND CHAIN can only be used in transaction blocks`);
    const mode = this.blockMode;
    const tag = await this.transactionControl({ kind: 'transaction', action, isolation: null, readOnly: null });
    this.beginBlock();
    this.blockMode = mode;
    return tag;
  }

  /** SET inside the block that just ended: undone on rollback, SET LOCAL undone either way. */
  private endSettingsBlock(committed: boolean): void {
    if (!this.settings.inBlock) return;
    for (const status of this.settings.endBlock(committed)) this.events.parameterStatus(status.name, status.value);
  }

  /** Ends the transaction and bills it as not committed, unless `commitTransaction` bills it itself. */
  private endTransaction(bill = true): void {
    if (this.txn !== null && bill) this.meter.ended(this.txn, 'ended', null);
    this.blockMode = READ_WRITE;
    this.txn = null;
    this.txnCatalog = null;
    this.block = 'none';
    this.implicitFailed = false;
    this.current = null;
    this.afterCommit = [];
  }

  /** Sends the commit bundle to the adjudicator; read-only transactions never reach it. */
  private async commitTransaction(): Promise<void> {
    const txn = this.txn;
    const jobs = this.afterCommit;
    this.endTransaction(false);
    if (!txn || !txn.needsAdjudication) {
      if (txn) this.meter.ended(txn, 'ended', null);
      // Nothing to commit: the jobs can start at once.
      for (const job of jobs) this.host.startJob(job);
      return;
    }
    let end: TransactionEnd = 'ended';
    let commitLatencyUs: number | null = null;
    try {
      // Most transactions queue no foreign-key work: skip the three async frames that find none.
      if (txn.statementChecks.length > 0 || txn.commitChecks.length > 0) await runCommitChecks(txn);
      txn.checkAge(this.host.options.clock.now().latest);
      txn.checkSize();
      const bundle = txn.commitBundle();
      const began = this.meter.stopwatch();
      const outcome = await this.host.options.adjudicator.commit({ transactionId: txn.id, startTimestamp: txn.startTimestamp, ...bundle });
      commitLatencyUs = this.meter.stopwatch() - began;
      // A COMMIT statement's span waited for the adjudicator: that is not processing.
      this.meter.waited(commitLatencyUs);
      switch (outcome.kind) {
        case 'committed':
          end = 'committed';
          // Sessions prepare statements against the host's newest catalog: make the change
          // visible to them before the client hears of it.
          if (txn.ddl) await this.host.catalogAt(outcome.commitTimestamp);
          for (const job of jobs) this.host.startJob(job);
          return;
        case 'data-conflict':
          end = 'conflict';
          throw new SqlError('40001', OC000);
        case 'schema-conflict': throw new SqlError('40001', OC001);
        case 'too-old':
          txn.ageLimitReached = true;
          throw new SqlError('54000', 'transaction age limit of 300s exceeded');
        case 'unavailable': throw serverUnavailable(outcome.reason);
      }
    } finally {
      this.meter.ended(txn, end, commitLatencyUs);
    }
  }

  finishImplicit(): Promise<void> | undefined {
    // The request ends here (ReadyForQuery follows): a cancel from now on finds the session idle.
    this.busy = false;
    this.cancelPending = false;
    // A time read at Bind belongs to this request's transaction, never to a later one.
    this.boundTimestamp = null;
    if (this.block !== 'none') return undefined;
    // A failed or read-only implicit transaction just ends: only writes need the adjudicator.
    if (this.implicitFailed || this.txn === null || !this.txn.needsAdjudication) {
      const committed = !this.implicitFailed;
      this.endTransaction();
      this.endImplicitSettings(committed);
      return undefined;
    }
    const commit = this.commitTransaction();
    if (!this.implicitSettingsBlock) return commit;
    return commit.then(() => this.endImplicitSettings(true), (error: unknown) => {
      this.endImplicitSettings(false);
      throw error;
    });
  }

  markFailed(): void {
    if (this.block === 'open') this.block = 'failed';
    else if (this.block === 'none') this.implicitFailed = true;
  }

  cancel(): void {
    this.cancelFor('user request');
  }

  idleTimeoutMs(): number {
    const shown = this.settings.get(this.block === 'none' ? 'idle_session_timeout' : 'idle_in_transaction_session_timeout');
    return shown === '0' ? 0 : settingMilliseconds(shown);
  }

  private cancelFor(reason: string): void {
    if (this.current) {
      this.current.cancelled = true;
      this.current.cancelReason = reason;
    }
    if (this.busy) {
      this.cancelPending = true;
      this.cancelPendingReason = reason;
    }
  }

  /**
   * statement_timeout: an Execute running longer than it is cancelled with 57014 (PostgreSQL
   * times each Execute of the extended protocol, and each statement of a simple query). Returns
   * the disarm to call when the Execute ends, or null when no timeout is set.
   */
  armStatementTimeout(): (() => void) | null {
    const shown = this.settings.get('statement_timeout');
    if (shown === '0') return null;
    const timers = this.host.options.timers;
    const handle = timers.setTimeout(() => this.cancelFor('statement timeout'), settingMilliseconds(shown));
    return () => timers.clearTimeout(handle);
  }

  close(): void {
    this.endTransaction();
    this.host.sessionClosed(this.processId);
  }
}

/** Runs an INSERT, UPDATE or DELETE and its statement-end checks; its tag counts the rows. */
async function runModify(modify: PlannedModify, rt: Runtime, txn: Transaction, emit: (row: Row) => void): Promise<Started> {
  const count = await modify.run(rt, emit);
  // Most statements queue no foreign-key work: skip the async frames that would find none.
  if (txn.statementChecks.length > 0) await runStatementChecks(txn);
  const tag = modify.tag === 'INSERT' ? `INSERT 0 ${count}` : `${modify.tag} ${count}`;
  return { tag, source: null, rt, columns: modify.columns };
}

/** Rows a statement produced while it ran (RETURNING, SHOW): handed out like a query's. */
function heldRows(rows: Row[]): RowSource {
  let given = false;
  return {
    async next() {
      if (given) return null;
      given = true;
      return rows;
    },
  };
}

/** A DML tag with another row count: "INSERT 0 3" → "INSERT 0 1". */
function withCount(tag: string, count: number): string {
  return /^(INSERT 0|UPDATE|DELETE) \d+$/.test(tag) ? tag.replace(/\d+$/, String(count)) : tag;
}

/** A started portal: its rows' source, the batch being sent and how far, and its tag. */
interface RunningPortal { source: RowSource; rt: Runtime | null; pending: Row[]; next: number; tag: string }

/**
 * A bound statement; keeps its operator tree between Executes when a row limit suspends it. As
 * in PostgreSQL, a statement with rows (a query, RETURNING, SHOW) hands them out in maxRows
 * pieces, its tag counting the rows of each Execute, and may be executed again at its end (no
 * rows); one without rows runs once, and is then done.
 */
class SessionPortal implements Portal {
  readonly fields: FieldDescription[] | null;
  private running: RunningPortal | null = null;
  private finished: ExecuteOutcome | null = null;
  private encoders: CellEncoder[] | null;

  constructor(
    private readonly session: Session,
    private readonly prepared: Prepared,
    private readonly params: readonly SqlValue[],
    readonly resultFormats: readonly number[],
  ) {
    this.fields = prepared.fields;
    this.encoders = prepared.encoders(resultFormats, session.outputStyle());
  }

  get done(): boolean {
    return this.finished !== null && this.fields === null && !this.prepared.isEmpty;
  }

  /**
   * Synchronous when the statement starts and its rows come without a wait (a warm point read).
   * One span of the session's processing (metering) from the call until the outcome is ready.
   */
  execute(maxRows: number, onRow: (cells: readonly WireCell[]) => void): ExecuteOutcome | Promise<ExecuteOutcome> {
    const meter = this.session.meter;
    meter.begin();
    const disarm = this.session.armStatementTimeout();
    let outcome: ExecuteOutcome | Promise<ExecuteOutcome>;
    try {
      outcome = this.executeStatement(maxRows, onRow);
    } catch (error) {
      disarm?.();
      meter.end();
      throw error;
    }
    if (outcome instanceof Promise) {
      const timed = disarm === null ? outcome : outcome.finally(disarm);
      return timed.then(meter.endWith, meter.endThrowing);
    }
    disarm?.();
    meter.end();
    return outcome;
  }

  private executeStatement(maxRows: number, onRow: (cells: readonly WireCell[]) => void): ExecuteOutcome | Promise<ExecuteOutcome> {
    if (this.prepared.isEmpty) return { kind: 'empty' };
    if (this.finished) return this.finished;
    if (this.running) return this.pump(this.running, maxRows, onRow, 0);
    const held: Row[] = [];
    const started = this.session.start(this.prepared, this.params, (row) => held.push(row));
    if (started instanceof Promise) return started.then((s) => this.begin(s, held, maxRows, onRow));
    return this.begin(started, held, maxRows, onRow);
  }

  private begin(started: Started, held: Row[], maxRows: number, onRow: (cells: readonly WireCell[]) => void): ExecuteOutcome | Promise<ExecuteOutcome> {
    if (this.encoders && needsRegNames(this.fields!, this.resultFormats)) {
      this.encoders = withRegNames(this.fields!, this.resultFormats, this.encoders, this.session.regOutputScope());
    }
    // A COPY runs once: the protocol layer moves its data and reports its tag.
    if (started.copy) {
      this.finished = { kind: 'complete', commandTag: 'COPY 0' };
      return started.copy;
    }
    if (!started.source && held.length === 0) {
      this.finished = { kind: 'complete', commandTag: started.tag };
      return this.finished;
    }
    this.running = { source: started.source ?? heldRows(held), rt: started.rt, pending: [], next: 0, tag: started.tag };
    return this.pump(this.running, maxRows, onRow, 0);
  }

  /**
   * Sends rows until maxRows or the end, without a promise while the source answers `nextReady`;
   * the first batch that must wait continues in `pumpAwaiting`.
   */
  private pump(run: RunningPortal, maxRows: number, onRow: (cells: readonly WireCell[]) => void, sent: number): ExecuteOutcome | Promise<ExecuteOutcome> {
    let sentNow = sent;
    for (;;) {
      sentNow = this.sendPending(run, maxRows, onRow, sentNow);
      // PostgreSQL does not look ahead: after exactly maxRows rows the portal is suspended.
      if (maxRows > 0 && sentNow >= maxRows) return { kind: 'suspended' };
      const batch = run.source.nextReady ? run.source.nextReady(run.rt!) : undefined;
      if (batch === undefined) return this.pumpAwaiting(run, maxRows, onRow, sentNow);
      if (!batch) return this.complete(run, sentNow);
      run.pending = batch;
      run.next = 0;
    }
  }

  private async pumpAwaiting(run: RunningPortal, maxRows: number, onRow: (cells: readonly WireCell[]) => void, sent: number): Promise<ExecuteOutcome> {
    let sentNow = sent;
    for (;;) {
      let batch = run.source.nextReady ? run.source.nextReady(run.rt!) : undefined;
      if (batch === undefined) batch = await run.source.next(run.rt!);
      if (!batch) return this.complete(run, sentNow);
      run.pending = batch;
      run.next = 0;
      sentNow = this.sendPending(run, maxRows, onRow, sentNow);
      if (maxRows > 0 && sentNow >= maxRows) return { kind: 'suspended' };
    }
  }

  /** Sends the rows of the current batch, up to maxRows in this Execute; the count sent so far. */
  private sendPending(run: RunningPortal, maxRows: number, onRow: (cells: readonly WireCell[]) => void, sent: number): number {
    let sentNow = sent;
    while (run.next < run.pending.length && !(maxRows > 0 && sentNow >= maxRows)) {
      const row = run.pending[run.next++]!;
      if (!this.encoders) this.encoders = row.map(() => (v: SqlValue) => (v === null ? null : typeof v === 'string' ? v : String(v)));
      const cells: WireCell[] = new Array(row.length);
      for (let i = 0; i < row.length; i++) {
        const v = row[i]!;
        cells[i] = v === null ? null : this.encoders[i]!(v);
      }
      onRow(cells);
      sentNow++;
    }
    return sentNow;
  }

  /**
   * The tag counts the rows of this Execute (after a suspension, only the rest); EXPLAIN's and
   * SHOW's count none. Executing it again then completes with no rows.
   */
  private complete(run: RunningPortal, sentNow: number): ExecuteOutcome {
    const tag = (count: number) => (run.tag === 'SELECT' ? selectTag(count) : withCount(run.tag, count));
    this.finished = { kind: 'complete', commandTag: tag(0) };
    return { kind: 'complete', commandTag: tag(sentNow) };
  }
}

/** "SELECT n"; the counts of point reads and empty results are made once, not per Execute. */
function selectTag(count: number): string {
  return count < SELECT_TAGS.length ? SELECT_TAGS[count]! : `SELECT ${count}`;
}

const SELECT_TAGS = Array.from({ length: 16 }, (_, count) => `SELECT ${count}`);

/** EXPLAIN ANALYZE would have to run the sub-statements inside the explained one's execution. */
const NO_EXPLAIN_ANALYZE = {
  binding: (): never => { throw new SqlError('0A000', 'EXPLAIN ANALYZE of a statement with data-modifying WITH queries is not supported yet'); },
};

function planModifying(statement: ModifyingStatement, pc: PlanContext): PlannedModify {
  switch (statement.kind) {
    case 'insert': return planInsert(statement, pc);
    case 'update': return planUpdate(statement, pc);
    case 'delete': return planDelete(statement, pc);
  }
}

/** The catalog's entries as the transaction sees them (its own DDL writes included), bounded batches. */
async function catalogEntries(txn: Transaction): Promise<{ key: Uint8Array; value: Uint8Array }[]> {
  const entries: { key: Uint8Array; value: Uint8Array }[] = [];
  let start: Uint8Array = CATALOG_RANGE.start;
  for (;;) {
    const batch = await txn.scan(start, CATALOG_RANGE.end, 1000, false);
    for (let i = 0; i < batch.keys.length; i++) entries.push({ key: batch.keys[i]!, value: batch.values[i]! });
    if (!batch.resume) return entries;
    start = batch.resume;
  }
}
