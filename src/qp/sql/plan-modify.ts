import { SqlError } from '../../contracts/errors.js';
import { latin1Key } from '../../encoding/bytes.js';
import { TypeOid, type RecordField, type RecordValue, type SqlValue } from '../../contracts/sql-value.js';
import type { IndexInfo, TableInfo, ViewInfo } from '../catalog/catalog.js';
import { attributeNumbers } from './tuple-layout.js';
import type { Assignment, DeleteStatement, Expr, FromItem, InsertStatement, SelectStatement, SelectTarget, UpdateStatement } from './ast.js';
import { chooseAccessPath, extractBounds, undecidedWhere } from './access-path.js';
import { coerce, coerceToBoolean, compileExpr } from './compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from './compiled.js';
import { Filter, materialize, Truncate, type Row, type RowSource, type Runtime } from './operators.js';
import { compileContext, planSelect, valuesLengthError, withSubqueries, type OutputColumn, type PlanContext, type PlannedQuery } from './plan-select.js';
import { ApplySubplans, applySubplansToRow, SubplanCollector } from './subplans.js';
import { bindCtes } from './plan-cte.js';
import { checkIdentityAssignment, compileColumnDefaults, defaultExpression, evaluateDefault, ignoredIdentityTargets, synchronousDefault } from '../sequences/insert-defaults.js';
import { conjuncts, resolveRelation } from './relations.js';
import { Scope, type ScopeColumn } from './scope.js';
import { rowKeyLockKey, type TableCodec } from './table-codec.js';
import { refuseGeneratedInsert, refuseGeneratedUpdate, RowRules } from './row-rules.js';
import { ForeignKeyEnforcement, type ForeignKeyContext } from './foreign-keys.js';
import * as types from './typesystem.js';
import { planDeleteThroughView, planInsertThroughView, planUpdateThroughView } from './view-modify.js';

/**
 * INSERT, UPDATE and DELETE. Writes go to the transaction's buffer only; uniqueness is checked
 * against the snapshot (23505 at once) and concurrent duplicates become write conflicts at
 * commit, because both transactions write the same unique key (DESIGN.md §3).
 */
export interface PlannedModify {
  readonly columns: readonly OutputColumn[] | null;
  readonly tag: 'INSERT' | 'UPDATE' | 'DELETE';
  run(rt: Runtime, emit: (row: Row) => void): Promise<number>;
  /** How an UPDATE or DELETE finds its target rows (EXPLAIN prints it under the statement). */
  readonly targets?: () => RowSource;
}

/** The view a statement changes rows through (view-modify.ts), or null for a table. */
function targetView(pc: PlanContext, statement: InsertStatement | UpdateStatement | DeleteStatement): ViewInfo | null {
  const relation = resolveRelation(pc.resolver, statement.schema, statement.table, statement.location);
  return relation.kind === 'view' ? relation.view : null;
}

function targetTable(pc: PlanContext, schema: string | null, name: string, location: number): TableInfo {
  const relation = resolveRelation(pc.resolver, schema, name, location);
  if (relation.kind === 'virtual') throw new SqlError('42809', `cannot change relation "${name}"`);
  if (relation.kind === 'view') throw new Error(`view "${name}" reached targetTable`);
  pc.usedTables.add(relation.table);
  pc.access?.target(relation.table, schema !== null);
  return relation.table;
}

export function tableScope(table: TableInfo, relation: string): ScopeColumn[] {
  const numbers = attributeNumbers(table);
  const aliasOf = relation !== table.name ? { aliasOf: table.name } : {};
  const columns: ScopeColumn[] = table.columns.map((c, i) => ({ relation, name: c.name, oid: c.typeOid, typmod: c.typmod, position: i, tableOid: table.id, columnNumber: numbers[i]!, ...aliasOf }));
  columns.push({ relation, name: '__row_key', oid: TypeOid.bytea, typmod: -1, position: table.columns.length, tableOid: table.id, columnNumber: 0, hidden: true, ...aliasOf });
  return columns;
}

/**
 * `INSERT … SELECT $1, $2`: a parameter alone in the SELECT's list takes its column's type, as
 * PostgreSQL infers it there (transformInsertStmt leaves the list's unknowns to the assignment);
 * planned as a SELECT of its own, the parameter would be text. The column's typmod (varchar(2))
 * is left to the assignment, which refuses a value too long instead of cutting it.
 */
function parametersAsColumns(query: SelectStatement, table: TableInfo, targetColumns: readonly number[]): SelectStatement {
  if (query.setOperation || query.values || query.distinct) return query;
  let changed = false;
  const targets = query.targets.map((target, i): SelectTarget => {
    const column = table.columns[targetColumns[i] ?? -1];
    if (target.expr.kind !== 'param' || column === undefined) return target;
    changed = true;
    const type = { names: ['pg_catalog', types.outputName(column.typeOid)], typmods: [], arrayBounds: 0, location: -1 };
    return { ...target, expr: { kind: 'cast', arg: target.expr, type, location: target.expr.location } };
  });
  return changed ? { ...query, targets } : query;
}

/**
 * A statement's RETURNING list. Its subqueries over tables run per returned row and read the
 * transaction as the statement began, as PostgreSQL's do: the statement that carries them runs
 * under a statement snapshot (readingAsBegun).
 */
export class Returning {
  constructor(readonly columns: OutputColumn[], private readonly exprs: Evaluator[], private readonly subplans: SubplanCollector | null) {}

  get readsTables(): boolean {
    return this.subplans !== null;
  }

  /** The values returned for `row` (the target's row and key, then the other FROM items' columns). */
  async project(row: Row, rt: Runtime): Promise<SqlValue[]> {
    const input = this.subplans ? await applySubplansToRow(this.subplans, row, rt) : row;
    return this.exprs.map((e) => e(input, rt.ctx));
  }
}

export function compileReturning(targets: readonly SelectTarget[], scope: Scope, pc: PlanContext): Returning | null {
  if (targets.length === 0) return null;
  const subplans = new SubplanCollector();
  subplans.base = scope.columns.reduce((width, c) => Math.max(width, c.position + 1), 0);
  const ctx = withSubqueries(compileContext(pc, scope, 'RETURNING'), subplans, pc);
  const exprs: Evaluator[] = [];
  const columns: OutputColumn[] = [];
  for (const target of targets) {
    if (target.expr.kind === 'star') {
      for (const column of scope.star(target.expr.table, target.expr.location)) {
        const p = column.position;
        exprs.push((row) => row[p]!);
        columns.push({ name: column.name, oid: column.oid, typmod: column.typmod, tableOid: column.tableOid, columnNumber: column.columnNumber });
      }
      continue;
    }
    let e = compileExpr(target.expr, ctx);
    if (e.oid === TypeOid.unknown) e = coerce(e, TypeOid.text, -1, 'implicit', e.location);
    exprs.push(e.eval);
    // A plain column keeps its origin on the wire (table oid and attnum), as in PostgreSQL.
    const source = target.expr.kind === 'column' && e.column !== undefined && e.oid !== TypeOid.record ? scope.resolve(target.expr.table, target.expr.name, target.expr.location) : null;
    columns.push({ name: target.alias ?? e.name, oid: e.oid, typmod: e.typmod, tableOid: source?.tableOid ?? 0, columnNumber: source?.columnNumber ?? 0 });
  }
  return new Returning(columns, exprs, subplans.empty ? null : subplans);
}

/**
 * `plan`, run under a statement snapshot when subqueries that run as it writes (RETURNING's, ON
 * CONFLICT's) read tables: they see the tables as the statement began, as in PostgreSQL.
 */
export function readingAsBegun(plan: PlannedModify, readsTables: boolean): PlannedModify {
  if (!readsTables) return plan;
  return { ...plan, run: (rt, emit) => rt.txn.asBegun(() => plan.run(rt, emit)) };
}

/** Compiles each column's DEFAULT (or NULL) once per plan, for UPDATE … SET c = DEFAULT. */
/** `assignments`: the SET list, whose `= DEFAULT` columns are the ones whose functions need EXECUTE (none when absent). */
function defaultEvaluators(table: TableInfo, pc: PlanContext, assignments: readonly Assignment[] = []): Evaluator[] {
  const defaulted = new Set(assignments.filter((a) => a.value === null).map((a) => a.column));
  return compileColumnDefaults(table, pc, (position) => defaulted.has(table.columns[position]!.name)).map((d, i) => synchronousDefault(d, table.columns[i]!));
}

/** The table's generated columns, domains and CHECK constraints, compiled for one statement. */
function rowRules(table: TableInfo, pc: PlanContext): RowRules {
  return new RowRules(table, { catalog: pc.resolver.catalog, currentSchema: pc.currentSchema, sessionUser: pc.sessionUser, searchPath: pc.resolver.searchPath, access: pc.access });
}

/** A row that a new row's primary key or unique index entry would duplicate. */
interface Conflict {
  readonly index: IndexInfo;
  readonly existingKey: Uint8Array;
}

export class RowWriter {
  constructor(private readonly codec: TableCodec, private readonly table: TableInfo, private readonly rules: RowRules | null = null,
    private readonly foreignKeys: ForeignKeyEnforcement | null = null) {}

  /** Everything a new row version must satisfy: domains, generated columns, NOT NULL, CHECK. */
  checkRow(row: SqlValue[], ctx: ExecContext): void {
    this.rules?.prepare(row, ctx);
    this.checkNotNull(row);
    this.rules?.check(row, ctx);
  }

  checkNotNull(row: readonly SqlValue[]): void {
    const columns = this.table.columns;
    for (let i = 0; i < columns.length; i++) {
      if (row[i] === null && columns[i]!.notNull) {
        throw new SqlError('23502', `null value in column "${columns[i]!.name}" of relation "${this.table.name}" violates not-null constraint`, {
          detail: `Failing row contains (${row.slice(0, columns.length).map((v, j) => (v === null ? 'null' : types.formatTextValue(columns[j]!.typeOid, v))).join(', ')}).`,
        });
      }
    }
  }

  /**
   * Finds a conflicting row for a new row: by primary key, then by each unique index. Without a
   * promise when the primary key is the only key to check and storage can read it now (an
   * INSERT checks every new row: a promise and a suspended frame each were a tenth of a bulk
   * load's allocations).
   */
  findConflict(rt: Runtime, row: readonly SqlValue[], key: Uint8Array, only: IndexInfo | null): Conflict | null | Promise<Conflict | null> {
    const checksPrimary = this.table.primaryKey.length > 0 && (!only || only.primary);
    if (!checksPrimary || this.checksUniqueIndexes(only)) return this.findConflictAwaited(rt, row, key, only);
    const current = rt.txn.getCurrentReady(key);
    if (current === undefined) return this.findConflictAwaited(rt, row, key, only);
    return current === null ? null : { index: this.codec.primaryIndex, existingKey: key };
  }

  /** Whether findConflict checks a unique index besides the primary key. */
  private checksUniqueIndexes(only: IndexInfo | null): boolean {
    for (const index of this.table.indexes) {
      if (!index.primary && index.unique && (!only || only === index)) return true;
    }
    return false;
  }

  private async findConflictAwaited(rt: Runtime, row: readonly SqlValue[], key: Uint8Array, only: IndexInfo | null): Promise<Conflict | null> {
    if (this.table.primaryKey.length > 0 && (!only || only.primary)) {
      if ((await rt.txn.getCurrent(key)) !== null) return { index: this.codec.primaryIndex, existingKey: key };
    }
    for (const index of this.table.indexes) {
      if (index.primary || !index.unique || (only && only !== index)) continue;
      const entry = this.codec.indexEntry(index, row, key);
      if (!entry.uniqueChecked) continue;
      const existing = await rt.txn.getCurrent(entry.key);
      if (existing !== null) return { index, existingKey: this.codec.primaryKeyFromIndexEntry(index, entry.key, existing) };
    }
    return null;
  }

  uniqueViolation(index: IndexInfo, row: readonly SqlValue[]): SqlError {
    return new SqlError('23505', `duplicate key value violates unique constraint "${index.name}"`, { detail: `${this.codec.describeKey(index, row)} already exists.` });
  }

  insert(rt: Runtime, row: readonly SqlValue[], key: Uint8Array): void {
    rt.txn.put(key, this.codec.encodeRow(row), key);
    for (const index of this.table.indexes) {
      if (index.primary) continue;
      const entry = this.codec.indexEntry(index, row, key);
      rt.txn.put(entry.key, entry.value, null);
    }
    this.foreignKeys?.inserted(rt, row, key);
  }

  /**
   * A delete locks the row's key-lock key: it conflicts with a concurrent FOR KEY SHARE of the
   * row (a SELECT's or a foreign-key check's; reference/dsql.md §4.2).
   */
  delete(rt: Runtime, row: readonly SqlValue[], key: Uint8Array): void {
    rt.txn.put(key, null, key);
    rt.txn.lock(rowKeyLockKey(key));
    for (const index of this.table.indexes) {
      if (index.primary) continue;
      rt.txn.put(this.codec.indexEntry(index, row, key).key, null, null);
    }
    this.foreignKeys?.deleted(rt, row, key);
  }

  /**
   * Replaces a row; index entries whose key changed move, and a changed unique key is checked.
   * A change of a key column (DSQL: a column of a unique index, the primary key included; every
   * Strata index is non-partial and on columns) locks the row's key-lock key, so it conflicts
   * with a concurrent FOR KEY SHARE of the row; a non-key update does not. A key column changed
   * when its encoded key changed: a value that sorts equal but is spelled otherwise (numeric
   * 1.0 to 1.00) is no key change here, where PostgreSQL compares the stored bytes.
   */
  async update(rt: Runtime, oldRow: readonly SqlValue[], oldKey: Uint8Array, newRow: readonly SqlValue[]): Promise<Uint8Array> {
    const newKey = this.table.primaryKey.length > 0 ? this.codec.primaryKey(newRow, null) : oldKey;
    const keyMoved = Buffer.compare(newKey, oldKey) !== 0;
    let keyChanged = keyMoved;
    if (keyMoved) {
      if ((await rt.txn.getCurrent(newKey)) !== null) throw this.uniqueViolation(this.codec.primaryIndex, newRow);
      rt.txn.put(oldKey, null, oldKey);
    }
    for (const index of this.table.indexes) {
      if (index.primary) continue;
      const before = this.codec.indexEntry(index, oldRow, oldKey);
      const after = this.codec.indexEntry(index, newRow, newKey);
      const entryMoved = Buffer.compare(before.key, after.key) !== 0;
      if (!entryMoved && Buffer.compare(before.value, after.value) === 0) continue;
      if (index.unique && entryMoved) keyChanged = true;
      if (after.uniqueChecked && entryMoved && (await rt.txn.getCurrent(after.key)) !== null) {
        throw this.uniqueViolation(index, newRow);
      }
      rt.txn.put(before.key, null, null);
      rt.txn.put(after.key, after.value, null);
    }
    rt.txn.put(newKey, this.codec.encodeRow(newRow), newKey);
    if (keyChanged) rt.txn.lock(rowKeyLockKey(oldKey));
    this.foreignKeys?.updated(rt, oldRow, oldKey, newRow, newKey);
    return newKey;
  }
}

/**
 * The row writers of one plan, by table: the target's, and those of the tables its foreign
 * keys' actions change (made when first needed). Every table a foreign key chain can reach is
 * used by the plan, so a concurrent schema change of any of them is a schema conflict.
 */
export function rowWriters(pc: PlanContext, target: TableInfo): (table: TableInfo) => RowWriter {
  const catalog = pc.resolver.catalog;
  const made = new Map<number, RowWriter>();
  // Tables a referential action writes are compiled when the action runs, after the privilege
  // check, and PostgreSQL runs those actions as the tables' owner: no EXECUTE is recorded for them.
  const unrecorded: PlanContext = { ...pc, access: undefined };
  const context: ForeignKeyContext = {
    catalog, codecs: pc.codecs, writerFor: (t) => writerFor(t),
    defaultsOf: (t) => defaultEvaluators(t, unrecorded).map((e) => (rt: Runtime) => e([], rt.ctx)),
  };
  const writerFor = (table: TableInfo): RowWriter => {
    let writer = made.get(table.id);
    if (!writer) {
      const enforcement = new ForeignKeyEnforcement(table, context);
      writer = new RowWriter(pc.codecs(table), table, rowRules(table, table.id === target.id ? pc : unrecorded), enforcement.active ? enforcement : null);
      made.set(table.id, writer);
    }
    return writer;
  };
  const pending = [target];
  const seen = new Set<number>([target.id]);
  for (let table = pending.pop(); table; table = pending.pop()) {
    pc.usedTables.add(table);
    const related = [...(table.foreignKeys ?? []).map((fk) => catalog.tableById(fk.referencedTableId)), ...catalog.referencedBy(table.id).map((r) => r.table)];
    for (const other of related) {
      if (other && !seen.has(other.id)) { seen.add(other.id); pending.push(other); }
    }
  }
  return writerFor;
}

export function planInsert(statement: InsertStatement, pc: PlanContext): PlannedModify {
  if (statement.with) pc = bindCtes(statement, pc);
  const view = targetView(pc, statement);
  if (view) return planInsertThroughView(statement, view, pc);
  const table = targetTable(pc, statement.schema, statement.table, statement.location);
  const codec = pc.codecs(table);
  const relation = statement.alias ?? statement.table;
  const seen = new Set<number>();
  const targetColumns = statement.columns
    ? statement.columns.map((c) => {
      const i = table.columns.findIndex((col) => col.name === c.name);
      if (i < 0) throw new SqlError('42703', `column "${c.name}" of relation "${table.name}" does not exist`, { position: c.location + 1 });
      if (seen.has(i)) throw new SqlError('42701', `column "${c.name}" specified more than once`, { position: c.location + 1 });
      seen.add(i);
      return i;
    })
    : table.columns.map((_, i) => i);
  const mismatched = statement.rows?.find((row) => row.length !== statement.rows![0]!.length);
  if (mismatched) throw valuesLengthError(mismatched);
  if (statement.rows) refuseGeneratedInsert(table, targetColumns, statement.rows);
  const ignored = ignoredIdentityTargets(table, targetColumns, statement);
  // A column takes its default when the statement gives it no value, says DEFAULT, or ignores its value.
  const given = new Map(targetColumns.map((position, i) => [position, i]));
  const defaults = compileColumnDefaults(table, pc, (position) => {
    const i = given.get(position);
    if (i === undefined || ignored.has(i)) return true;
    return statement.rows !== null && statement.rows.some((row) => i >= row.length || row[i] === null);
  });
  const ctx = compileContext(pc, new Scope([]), 'VALUES');
  let rowSource: (rt: Runtime) => Promise<(SqlValue | undefined)[][]>;
  if (statement.rows) {
    const compiled = statement.rows.map((row) => {
      if (row.length > targetColumns.length) {
        const extra = row[targetColumns.length];
        throw new SqlError('42601', 'INSERT has more expressions than target columns', extra && extra.location >= 0 ? { position: extra.location + 1 } : {});
      }
      if (statement.columns && row.length < targetColumns.length) {
        const extra = statement.columns[row.length]!;
        throw new SqlError('42601', 'INSERT has more target columns than expressions', { position: extra.location + 1 });
      }
      // Each row's subqueries and sequence calls run for that row only, all before the first row
      // is written: a subquery reads the table as the statement found it, as in PostgreSQL.
      const subplans = new SubplanCollector();
      const rowCtx = withSubqueries(ctx, subplans, pc);
      const values = row.map((e, i) => {
        if (e === null) return null;
        const column = table.columns[targetColumns[i]!]!;
        // A parameter given as a column's value takes the column's type (PostgreSQL infers it so).
        const value = compileExpr(e, rowCtx);
        return coerce(value, column.typeOid, column.typmod, 'assignment', e.location, column.name).eval;
      });
      return { values, subplans };
    });
    rowSource = async (rt) => {
      const rows: (SqlValue | undefined)[][] = [];
      for (const { values, subplans } of compiled) {
        const input = subplans.empty ? [] : await applySubplansToRow(subplans, [], rt);
        rows.push(values.map((e) => (e === null ? undefined : e(input, rt.ctx))));
      }
      return rows;
    };
  } else {
    const query = planSelect(parametersAsColumns(statement.query!, table, targetColumns), pc);
    refuseGeneratedInsert(table, targetColumns.slice(0, query.columns.length), null);
    if (query.columns.length > targetColumns.length) throw new SqlError('42601', 'INSERT has more expressions than target columns');
    if (statement.columns && query.columns.length < targetColumns.length) {
      throw new SqlError('42601', 'INSERT has more target columns than expressions', { position: statement.columns[query.columns.length]!.location + 1 });
    }
    const casts = query.columns.map((c, i) => {
      const column = table.columns[targetColumns[i]!]!;
      const probe: CompiledExpr = { oid: c.oid, typmod: c.typmod, eval: (row) => row[i]!, rowIndependent: false, name: c.name, location: c.location ?? -1 };
      // The SELECT's untyped literals (and NULLs) stay untyped and are read as the column's type,
      // as PostgreSQL's transformInsertStmt leaves them (p_resolve_unknowns off): '2024-01-01'
      // into a timestamptz column is not a text value.
      const untyped = c.untyped;
      if (untyped !== undefined) {
        const literal: CompiledExpr = { ...probe, oid: TypeOid.unknown, location: untyped.location, ...(untyped.text === null ? {} : { unknownLiteral: untyped.text }) };
        return coerce(literal, column.typeOid, column.typmod, 'assignment', untyped.location, column.name).eval;
      }
      return coerce(probe, column.typeOid, column.typmod, 'assignment', probe.location, column.name).eval;
    });
    rowSource = async (rt) => (await materialize(query.build(), rt)).map((row) => casts.map((cast) => cast(row, rt.ctx)));
  }
  // ON CONFLICT DO UPDATE's `excluded` is a FROM item RETURNING cannot reach (PostgreSQL's own 42P01).
  const excluded = statement.onConflict?.action === 'update'
    ? table.columns.map((c): ScopeColumn => ({ relation: 'excluded', name: c.name, oid: c.typeOid, typmod: c.typmod, position: 0, tableOid: 0, columnNumber: 0, unreachable: true, hidden: true, qualifiedOnly: true }))
    : [];
  const scope = new Scope([...tableScope(table, relation), ...excluded]);
  const returning = compileReturning(statement.returning, scope, pc);
  const onConflict = statement.onConflict ? planOnConflict(statement, table, relation, pc) : null;
  const writer = rowWriters(pc, table)(table);
  return readingAsBegun({
    columns: returning?.columns ?? null,
    tag: 'INSERT',
    async run(rt, emit) {
      const inputs = await rowSource(rt);
      let count = 0;
      // Rows this command inserted or updated: DO UPDATE may not reach one of them again.
      const touched = new Set<string>();
      // The columns the current input row gives (1) rather than leaves to their defaults.
      const given = new Uint8Array(table.columns.length);
      for (const input of inputs) {
        const row: SqlValue[] = new Array(table.columns.length);
        for (let i = 0; i < table.columns.length; i++) row[i] = null;
        given.fill(0);
        for (let i = 0; i < input.length; i++) {
          const v = input[i];
          if (v !== undefined && !ignored.has(i)) { row[targetColumns[i]!] = v; given[targetColumns[i]!] = 1; }
        }
        for (let i = 0; i < table.columns.length; i++) {
          if (given[i] === 1) continue;
          const d = defaults[i]!;
          row[i] = d.subplans ? await evaluateDefault(d, rt) : d.eval([], rt.ctx);
        }
        writer.checkRow(row, rt.ctx);
        const key = codec.primaryKey(row, rt.ctx.random);
        let written: { row: SqlValue[]; key: Uint8Array } | null = { row, key };
        const found = writer.findConflict(rt, row, key, onConflict?.index ?? null);
        const conflict = found instanceof Promise ? await found : found;
        if (conflict) {
          if (!onConflict) throw writer.uniqueViolation(conflict.index, row);
          if (onConflict.updates && touched.has(latin1Key(conflict.existingKey))) throw affectedTwice();
          written = await onConflict.resolve(rt, writer, conflict.existingKey, row);
        } else {
          // The arbiter has no conflict, but every other unique index (the primary key too) must
          // still hold: PostgreSQL's insert raises 23505 for them, ON CONFLICT or not.
          const other = onConflict?.index ? await writer.findConflict(rt, row, key, null) : null;
          if (other) throw writer.uniqueViolation(other.index, row);
          writer.insert(rt, row, key);
        }
        if (written && onConflict?.updates) touched.add(latin1Key(written.key));
        if (!written) continue;
        count++;
        if (returning) {
          emit(await returning.project([...written.row, written.key], rt));
        }
      }
      return count;
    },
  }, (returning?.readsTables ?? false) || (onConflict?.readsTables ?? false));
}

function affectedTwice(): SqlError {
  return new SqlError('21000', 'ON CONFLICT DO UPDATE command cannot affect row a second time', {
    hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.',
  });
}

interface OnConflictPlan {
  readonly index: IndexInfo | null;
  /** DO UPDATE (not DO NOTHING). */
  readonly updates: boolean;
  /** Whether its SET or WHERE has subqueries over tables. */
  readonly readsTables: boolean;
  resolve(rt: Runtime, writer: RowWriter, existingKey: Uint8Array, proposed: SqlValue[]): Promise<{ row: SqlValue[]; key: Uint8Array } | null>;
}

function planOnConflict(statement: InsertStatement, table: TableInfo, relation: string, pc: PlanContext): OnConflictPlan {
  const clause = statement.onConflict!;
  let index: IndexInfo | null = null;
  if (clause.targetColumns.length > 0) {
    const wanted = clause.targetColumns.map((name) => table.columns.findIndex((c) => c.name === name));
    index = table.indexes.find((i) => i.unique && i.valid && i.columns.length === wanted.length && wanted.every((c) => i.columns.includes(c)))
      ?? (table.primaryKey.length === wanted.length && wanted.every((c) => table.primaryKey.includes(c)) ? pc.codecs(table).primaryIndex : null);
    if (!index) throw new SqlError('42P10', 'there is no unique or exclusion constraint matching the ON CONFLICT specification');
  } else if (clause.constraint) {
    index = table.indexes.find((i) => i.name === clause.constraint || i.constraintName === clause.constraint) ?? null;
    if (!index) throw new SqlError('42704', `constraint "${clause.constraint}" for table "${table.name}" does not exist`);
  } else if (clause.action === 'update') {
    throw new SqlError('42601', 'ON CONFLICT DO UPDATE requires inference specification or constraint name', { hint: 'For example, ON CONFLICT (column_name).' });
  }
  if (clause.action === 'nothing') return { index, updates: false, readsTables: false, resolve: async () => null };
  const codec = pc.codecs(table);
  const n = table.columns.length;
  const columns = tableScope(table, relation);
  const excluded: ScopeColumn[] = columns.slice(0, n).map((c, i) => ({ ...c, relation: 'excluded', position: n + 1 + i }));
  const scope = new Scope([...columns, ...excluded]);
  // Subqueries in SET run per conflicting row, over the existing row (with its key) and the proposed one.
  const setSubplans = new SubplanCollector();
  setSubplans.base = 2 * n + 1;
  const sets = compileAssignments(clause.set, table, scope, pc, setSubplans);
  const whereSubplans = new SubplanCollector();
  whereSubplans.base = 2 * n + 1;
  const whereCtx = withSubqueries(compileContext(pc, scope, 'WHERE'), whereSubplans, pc);
  const where = clause.where ? coerceToBoolean(compileExpr(clause.where, whereCtx), 'WHERE').eval : null;
  return {
    index,
    updates: true,
    readsTables: !setSubplans.empty || !whereSubplans.empty,
    async resolve(rt, writer, existingKey, proposed) {
      const stored = await rt.txn.getCurrent(existingKey);
      if (stored === null) throw new Error('conflicting row vanished within one snapshot');
      const existing = codec.decodeRow(stored, existingKey);
      const combined = [...existing, ...proposed];
      if (where && where(whereSubplans.empty ? combined : await applySubplansToRow(whereSubplans, combined, rt), rt.ctx) !== true) return null;
      const updated = existing.slice(0, n);
      if (!setSubplans.empty && combined.length !== setSubplans.base) throw new Error(`ON CONFLICT row of ${combined.length} values where ${setSubplans.base} were planned`);
      const values = setSubplans.empty ? combined : await applySubplansToRow(setSubplans, combined, rt);
      for (const set of sets) updated[set.column] = set.value(values, rt.ctx);
      writer.checkRow(updated, rt.ctx);
      const key = await writer.update(rt, existing, existingKey, updated);
      return { row: updated, key };
    },
  };
}

function compileAssignments(assignments: readonly Assignment[], table: TableInfo, scope: Scope, pc: PlanContext,
  subplans?: SubplanCollector): { column: number; value: Evaluator }[] {
  const plain = compileContext(pc, scope, 'UPDATE');
  const ctx = subplans ? withSubqueries(plain, subplans, pc) : plain;
  const defaults = defaultEvaluators(table, pc, assignments);
  const seen = new Set<number>();
  return assignments.map((a) => {
    const column = table.columns.findIndex((c) => c.name === a.column);
    if (column < 0) throw new SqlError('42703', `column "${a.column}" of relation "${table.name}" does not exist`, { position: a.location + 1 });
    if (seen.has(column)) throw new SqlError('42601', `multiple assignments to same column "${a.column}"`);
    seen.add(column);
    const info = table.columns[column]!;
    refuseGeneratedUpdate(info, a.value);
    checkIdentityAssignment(info, a.value);
    // Where subplans run, SET c = DEFAULT compiles the default there (it may take a sequence value).
    const expr = a.value ?? (subplans ? defaultExpression(info, pc.resolver.catalog) : null);
    if (expr === null) return { column, value: defaults[column]! };
    // A default's names resolve where it was set (insert-defaults.ts), a given value's on the session's path.
    const compiled = compileExpr(expr, a.value === null && info.defaultSearchPath && !info.identity ? { ...ctx, searchPath: info.defaultSearchPath } : ctx);
    const value = coerce(compiled, info.typeOid, info.typmod, 'assignment', expr.location, info.name);
    return { column, value: value.eval };
  });
}

/** The rows an UPDATE or DELETE touches: the table read by the best access path, filtered. */
function planTargetRows(table: TableInfo, relation: string, where: Expr | null, pc: PlanContext): { scope: Scope; build: () => RowSource } {
  const codec = pc.codecs(table);
  const scope = new Scope(tableScope(table, relation));
  const parts = conjuncts(where);
  const ctx = compileContext(pc, scope, 'WHERE');
  const bounds = extractBounds(table, relation, parts, ctx);
  const path = chooseAccessPath(codec, bounds, null);
  if (!where) return { scope, build: path.source };
  const subplans = new SubplanCollector();
  const predicate = coerceToBoolean(compileExpr(where, withSubqueries(ctx, subplans, pc)), 'WHERE').eval;
  if (subplans.empty && path.decided && path.decided.length > 0) {
    // The key read decides `aid = $2`: the rest of the clause, compiled again, filters.
    const rest = undecidedWhere(where, path.decided);
    if (!rest) return { scope, build: path.source };
    const residual = coerceToBoolean(compileExpr(rest, ctx), 'WHERE').eval;
    return { scope, build: () => new Filter(path.source(), residual) };
  }
  if (subplans.empty) return { scope, build: () => new Filter(path.source(), predicate) };
  // Target rows are the table's columns and the row's key.
  const width = table.columns.length + 1;
  subplans.base = width;
  return { scope, build: () => new Truncate(new Filter(new ApplySubplans(path.source(), subplans), predicate), width) };
}

/**
 * The target rows of UPDATE … FROM / DELETE … USING, found by a join: planned as
 * `SELECT target's columns, its row key, extra expressions FROM target, others WHERE …`, each
 * target row once (PostgreSQL too changes a row once when several rows join it).
 */
function planJoinedTargets(table: TableInfo, relation: string, statement: UpdateStatement | DeleteStatement, others: readonly FromItem[], extra: readonly Expr[], pc: PlanContext):
  { query: PlannedQuery; width: number; others: OtherRows } {
  const column = (name: string): Expr => ({ kind: 'column', schema: null, table: relation, name, location: -1 });
  // RETURNING may name the other FROM items: each one's row comes along as one record column.
  const names = statement.returning.length > 0 ? others.flatMap(relationNames) : [];
  const rows: Expr[] = names.map((name) => ({ kind: 'row', args: [{ kind: 'star', table: name, location: -1 }], named: true, location: -1 }));
  const targets = [...table.columns.map((c) => column(c.name)), column('__row_key'), ...extra, ...rows].map((expr) => ({ expr, alias: null, location: -1 }));
  const targetItem: FromItem = { kind: 'table', schema: statement.schema, name: statement.table, alias: statement.alias, location: statement.location };
  const select: SelectStatement = {
    kind: 'select', targets, from: [targetItem, ...others], where: statement.where, groupBy: [], having: null,
    orderBy: [], limit: null, offset: null, distinct: false, values: null, locking: null,
  };
  const query = planSelect(select, pc);
  const first = query.columns.length - names.length;
  return { query, width: table.columns.length + 1, others: { relations: names.map((name, i) => ({ name, position: first + i, fields: query.columns[first + i]!.record! })) } };
}

/** The other FROM items of UPDATE … FROM / DELETE … USING, as RETURNING sees them. */
interface OtherRows {
  readonly relations: readonly { readonly name: string; readonly position: number; readonly fields: readonly RecordField[] }[];
}

function relationNames(item: FromItem): string[] {
  switch (item.kind) {
    case 'table': return [item.alias ?? item.name];
    case 'subquery': return [item.alias];
    case 'function': return [item.alias ?? item.name];
    case 'join': return item.alias ? [item.alias.name] : [...relationNames(item.left), ...relationNames(item.right)];
  }
}

/** RETURNING's scope: the target's columns (and row key), then each other item's columns. */
function returningScope(table: TableInfo, relation: string, others: OtherRows): Scope {
  const columns = tableScope(table, relation);
  let position = columns.length;
  for (const other of others.relations) {
    for (const field of other.fields) columns.push({ relation: other.name, name: field.name, oid: field.oid, typmod: field.typmod, position: position++, tableOid: 0, columnNumber: 0 });
  }
  return new Scope(columns);
}

/** The row RETURNING evaluates: the target's row and key, then the other items' columns out of their records. */
function returningRow(target: Row, joined: Row, others: OtherRows): Row {
  if (others.relations.length === 0) return target;
  const out = target.slice();
  for (const other of others.relations) out.push(...(joined[other.position] as RecordValue).values);
  return out;
}

async function distinctTargets(query: PlannedQuery, width: number, rt: Runtime): Promise<Row[]> {
  const seen = new Set<string>();
  const out: Row[] = [];
  for (const row of await materialize(query.build(), rt)) {
    const key = Buffer.from(row[width - 1] as Uint8Array).toString('latin1');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(row);
  }
  return out;
}

function isUntyped(expr: Expr): boolean {
  return expr.kind === 'param' || (expr.kind === 'const' && (expr.literal === 'string' || expr.literal === 'null'));
}

function planUpdateFrom(statement: UpdateStatement, table: TableInfo, relation: string, pc: PlanContext): PlannedModify {
  const n = table.columns.length;
  const defaults = defaultEvaluators(table, pc, statement.set);
  const assigned = statement.set.map((a) => {
    const column = table.columns.findIndex((c) => c.name === a.column);
    if (column < 0) throw new SqlError('42703', `column "${a.column}" of relation "${table.name}" does not exist`, { position: a.location + 1 });
    refuseGeneratedUpdate(table.columns[column]!, a.value);
    checkIdentityAssignment(table.columns[column]!, a.value);
    return { column, value: a.value };
  });
  // An untyped literal or parameter is read as the column's type, as UPDATE without FROM reads
  // it: carried through the join's select list it would have become text (SET b = NULL, 42804).
  const untyped = assigned.filter((a) => a.value !== null && isUntyped(a.value));
  const direct = compileAssignments(untyped.map((a) => statement.set[assigned.indexOf(a)]!), table, new Scope([]), pc);
  const valued = assigned.filter((a) => a.value !== null && !untyped.includes(a));
  const { query, width, others } = planJoinedTargets(table, relation, statement, statement.from, valued.map((a) => a.value!), pc);
  // The SET values arrive as columns after the row key, converted to the column types.
  const sets = assigned.map((a) => {
    if (a.value === null) return { column: a.column, value: defaults[a.column]! };
    if (untyped.includes(a)) return direct[untyped.indexOf(a)]!;
    const position = width + valued.indexOf(a);
    const out = query.columns[position]!;
    const info = table.columns[a.column]!;
    const source: CompiledExpr = { oid: out.oid, typmod: out.typmod, eval: (row) => row[position]!, rowIndependent: false, name: out.name, location: -1 };
    return { column: a.column, value: coerce(source, info.typeOid, info.typmod, 'assignment', -1, info.name).eval };
  });
  const returning = compileReturning(statement.returning, returningScope(table, relation, others), pc);
  const writer = rowWriters(pc, table)(table);
  return readingAsBegun({
    columns: returning?.columns ?? null,
    tag: 'UPDATE',
    targets: query.build,
    async run(rt, emit) {
      const rows = await distinctTargets(query, width, rt);
      for (const row of rows) {
        const updated = row.slice(0, n);
        for (const set of sets) updated[set.column] = set.value(row, rt.ctx);
        writer.checkRow(updated, rt.ctx);
        const key = await writer.update(rt, row.slice(0, width), row[n] as Uint8Array, updated);
        if (returning) {
          emit(await returning.project(returningRow([...updated, key], row, others), rt));
        }
      }
      return rows.length;
    },
  }, returning?.readsTables ?? false);
}

export function planUpdate(statement: UpdateStatement, pc: PlanContext): PlannedModify {
  if (statement.with) pc = bindCtes(statement, pc);
  const view = targetView(pc, statement);
  if (view) return planUpdateThroughView(statement, view, pc);
  const table = targetTable(pc, statement.schema, statement.table, statement.location);
  if (statement.from.length > 0) return planUpdateFrom(statement, table, statement.alias ?? statement.table, pc);
  const relation = statement.alias ?? statement.table;
  const target = planTargetRows(table, relation, statement.where, pc);
  const setSubplans = new SubplanCollector();
  const sets = compileAssignments(statement.set, table, target.scope, pc, setSubplans);
  const returning = compileReturning(statement.returning, target.scope, pc);
  const writer = rowWriters(pc, table)(table);
  const n = table.columns.length;
  setSubplans.base = n + 1;
  const targetRows = setSubplans.empty ? target.build : () => new ApplySubplans(target.build(), setSubplans);
  return readingAsBegun({
    columns: returning?.columns ?? null,
    tag: 'UPDATE',
    targets: targetRows,
    async run(rt, emit) {
      // Read every target row first: the statement sees the snapshot, not its own writes.
      const rows = await materialize(targetRows(), rt);
      for (const old of rows) {
        const updated = old.slice(0, n);
        for (const set of sets) updated[set.column] = set.value(old, rt.ctx);
        writer.checkRow(updated, rt.ctx);
        const key = await writer.update(rt, old, old[n] as Uint8Array, updated);
        if (returning) emit(await returning.project([...updated, key], rt));
      }
      return rows.length;
    },
  }, returning?.readsTables ?? false);
}

export function planDelete(statement: DeleteStatement, pc: PlanContext): PlannedModify {
  if (statement.with) pc = bindCtes(statement, pc);
  const view = targetView(pc, statement);
  if (view) return planDeleteThroughView(statement, view, pc);
  const table = targetTable(pc, statement.schema, statement.table, statement.location);
  const relation = statement.alias ?? statement.table;
  if (statement.using.length > 0) {
    const { query, width, others } = planJoinedTargets(table, relation, statement, statement.using, [], pc);
    const returning = compileReturning(statement.returning, returningScope(table, relation, others), pc);
    const writer = rowWriters(pc, table)(table);
    const n = table.columns.length;
    return readingAsBegun({
      columns: returning?.columns ?? null,
      tag: 'DELETE',
      targets: query.build,
      async run(rt, emit) {
        const rows = await distinctTargets(query, width, rt);
        for (const row of rows) {
          writer.delete(rt, row.slice(0, width), row[n] as Uint8Array);
          if (returning) emit(await returning.project(returningRow(row.slice(0, width), row, others), rt));
        }
        return rows.length;
      },
    }, returning?.readsTables ?? false);
  }
  const target = planTargetRows(table, relation, statement.where, pc);
  const returning = compileReturning(statement.returning, target.scope, pc);
  const writer = rowWriters(pc, table)(table);
  const n = table.columns.length;
  return readingAsBegun({
    columns: returning?.columns ?? null,
    tag: 'DELETE',
    targets: target.build,
    async run(rt, emit) {
      const rows = await materialize(target.build(), rt);
      for (const row of rows) {
        writer.delete(rt, row, row[n] as Uint8Array);
        if (returning) emit(await returning.project(row, rt));
      }
      return rows.length;
    },
  }, returning?.readsTables ?? false);
}

export type { ExecContext };
