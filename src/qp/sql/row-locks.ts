import { SqlError } from '../../contracts/errors.js';
import type { Expr, FromItem, RowLockClause, RowLockStrength, SelectStatement, Statement } from './ast.js';
import { isAggregate } from './aggregates.js';
import { containsAggregate, containsCall } from './relations.js';

/**
 * Which rows a SELECT … FOR UPDATE / FOR KEY SHARE locks, and the shapes PostgreSQL refuses to
 * lock (reference/dsql.md §4.2; PostgreSQL's transformLockingClause and CheckSelectLocking).
 *
 * Rows are locked where PostgreSQL locks them: a clause covers the base tables of its own
 * SELECT's FROM (every one, or those OF names), and through a subquery or view in FROM that it
 * covers, every table that query reads (pushed down, as PostgreSQL does). WITH queries, functions
 * and expression subqueries are not covered: an expression subquery locks only by a clause of
 * its own. The planner asks `FromLocks.of` per FROM item and tells that item's read to lock
 * the rows it reads (`lockingRead`, operators.ts); nothing else in the statement locks.
 *
 * FOR UPDATE adjudicates the rows as if written; FOR KEY SHARE carries their key-lock keys as key
 * shares, which conflict only with a concurrent delete, key change or FOR UPDATE. A row covered
 * by two clauses takes the stronger, as PostgreSQL's applyLockingClause does.
 */

/** PostgreSQL's names of the strengths, for its messages. */
export const LOCKING_NAMES: Record<RowLockStrength, string> = { update: 'FOR UPDATE', 'key-share': 'FOR KEY SHARE' };

function stronger(a: RowLockStrength | null, b: RowLockStrength | null | undefined): RowLockStrength | null {
  return a === 'update' || b === 'update' ? 'update' : (a ?? b ?? null);
}

/**
 * The strongest locking clause anywhere in a statement (the AST is a tree of plain objects), or
 * null: such a statement is DML for DSQL's transaction rules and refused in a READ ONLY
 * transaction, whichever rows it turns out to lock.
 */
export function statementLockStrength(statement: Statement): RowLockStrength | null {
  if (statement.kind !== 'select' && statement.kind !== 'insert' && statement.kind !== 'update' && statement.kind !== 'delete') return null;
  let strongest: RowLockStrength | null = null;
  const pending: unknown[] = [statement];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if ((node as { kind?: unknown }).kind === 'select') {
      for (const clause of (node as SelectStatement).locking ?? []) strongest = stronger(strongest, clause.strength);
      if (strongest === 'update') return strongest;
    }
    // One push per child: a long VALUES list would overflow a spread's argument limit.
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push(child);
  }
  return strongest;
}

/** The stronger of a statement's own clauses and the locks its plan took (a view's clauses). */
export function strongestLock(clauses: RowLockStrength | null, planned: ReadonlySet<RowLockStrength> | undefined): RowLockStrength | null {
  let strongest = clauses;
  for (const strength of planned ?? []) strongest = stronger(strongest, strength);
  return strongest;
}

/** What FromLocks needs to know of names the SELECT uses. */
export interface LockNames {
  /** A WITH query of that name is visible (it shadows a table of the same name). */
  isCte(name: string): boolean;
  /** A set-returning function of that name exists. */
  isSetFunction(name: string): boolean;
}

/** The locks one SELECT's clauses (and an enclosing query's clause pushed down to it) put on its FROM items. */
export class FromLocks {
  private constructor(private readonly every: RowLockStrength | null, private readonly named: ReadonlyMap<string, RowLockStrength>, private readonly names: LockNames) {}

  /**
   * Null when nothing locks this SELECT's rows. Raises PostgreSQL's errors: a shape whose rows
   * cannot be locked (checkSelectLocking), an OF name that is qualified, not in FROM, or names
   * a function or WITH query. Its own clauses first, then the pushed-down one.
   */
  static of(select: SelectStatement, pushed: RowLockStrength | null, names: LockNames): FromLocks | null {
    if (select.locking === null && pushed === null) return null;
    let every: RowLockStrength | null = null;
    const named = new Map<string, RowLockStrength>();
    const entries = fromEntries(select.from, names);
    for (const clause of select.locking ?? []) {
      checkSelectLocking(select, clause.strength, names);
      if (clause.of === null) every = stronger(every, clause.strength);
      else for (const rel of clause.of) named.set(rel.name, stronger(named.get(rel.name) ?? null, lockableEntry(clause, rel, entries))!);
    }
    if (pushed !== null) {
      checkSelectLocking(select, pushed, names);
      every = stronger(every, pushed);
    }
    return new FromLocks(every, named, names);
  }

  /** The lock on a FROM item's rows, by its relation name (alias, else table name); null: none. */
  of(relation: string): RowLockStrength | null {
    return stronger(this.every, this.named.get(relation));
  }

  /** Whether a FROM item's name is a WITH query's: a clause without OF leaves WITH queries unlocked. */
  isCte(name: string): boolean {
    return this.names.isCte(name);
  }
}

/**
 * PostgreSQL's CheckSelectLocking: a row of these queries' output is not a row of a table, so
 * there is nothing to lock. In PostgreSQL's order.
 */
function checkSelectLocking(select: SelectStatement, strength: RowLockStrength, names: LockNames): void {
  const refuse = (what: string) => new SqlError('0A000', `${LOCKING_NAMES[strength]} is not allowed with ${what}`);
  if (select.setOperation) throw refuse('UNION/INTERSECT/EXCEPT');
  if (select.distinct || select.distinctOn) throw refuse('DISTINCT clause');
  if (select.groupBy.length > 0 || select.groupingSets) throw refuse('GROUP BY clause');
  if (select.having) throw refuse('HAVING clause');
  const exprs = [...select.targets.map((t) => t.expr), ...select.orderBy.map((s) => s.expr)];
  if (exprs.some((e) => containsAggregate(e, isAggregate))) throw refuse('aggregate functions');
  if (containsCall(exprs, (f) => !!f.over)) throw refuse('window functions');
  if (containsCall(select.targets, (f) => names.isSetFunction(f.name))) throw refuse('set-returning functions in the target list');
}

type FromEntryKind = 'relation' | 'subquery' | 'function' | 'cte' | 'join';

/**
 * Every FROM item of a SELECT by the name OF would use, joins looked through (as PostgreSQL's
 * range table): the tables behind a join's alias can be named too, the alias itself cannot.
 */
function fromEntries(items: readonly FromItem[], names: LockNames, out = new Map<string, FromEntryKind>()): Map<string, FromEntryKind> {
  for (const item of items) {
    if (item.kind === 'join') {
      if (item.alias) out.set(item.alias.name, 'join');
      fromEntries([item.left, item.right], names, out);
    }
    else if (item.kind === 'table') out.set(item.alias ?? item.name, item.schema === null && names.isCte(item.name) ? 'cte' : 'relation');
    else if (item.kind === 'subquery') out.set(item.alias, 'subquery');
    else out.set(item.alias ?? item.name, 'function');
  }
  return out;
}

/** The strength an OF name locks its FROM item with, or PostgreSQL's error for it. */
function lockableEntry(clause: RowLockClause, rel: NonNullable<RowLockClause['of']>[number], entries: ReadonlyMap<string, FromEntryKind>): RowLockStrength {
  const name = LOCKING_NAMES[clause.strength];
  const at = rel.location >= 0 ? { position: rel.location + 1 } : {};
  if (rel.qualified) throw new SqlError('42601', `${name} must specify unqualified relation names`, at);
  const kind = entries.get(rel.name);
  if (kind === undefined) throw new SqlError('42P01', `relation "${rel.name}" in ${name} clause not found in FROM clause`, at);
  if (kind === 'function') throw new SqlError('0A000', `${name} cannot be applied to a function`, at);
  if (kind === 'cte') throw new SqlError('0A000', `${name} cannot be applied to a WITH query`, at);
  if (kind === 'join') throw new SqlError('0A000', `${name} cannot be applied to a join`, at);
  return clause.strength;
}

/**
 * PostgreSQL's planner refuses a locked relation on the nullable side of an outer join (a row
 * the join fills with NULLs has no row to lock), after it has pulled simple subqueries (and
 * views) in FROM up into the query and turned into inner joins the outer joins whose nullable
 * rows the WHERE clause (or an enclosing join's ON) throws away: a strict condition on a
 * nullable-side column (`b.w > 0`, `b.w IS NOT NULL`, `abs(b.w) = 1`) — also one the enclosing
 * query puts on a subquery's output column that is such a column (`c JOIN (SELECT b.id FROM a
 * LEFT JOIN b …) j ON c.id = j.id`).
 *
 * So a locked subquery that PostgreSQL would pull up does not check itself when planned: it
 * leaves its check to the enclosing query (`OuterJoinCheck`), which runs it with the names of
 * the subquery's output columns its own conditions hold non-null there. Relations are checked
 * per SELECT, on its own FROM and WHERE; `relationOf` names the FROM item of an unqualified column.
 */
export interface OuterJoinCheck {
  readonly statement: SelectStatement;
  readonly locks: FromLocks;
  readonly relationOf: (column: string) => string | null;
  /** Each output column as an expression over the FROM items (a `*` expanded), by position. */
  readonly outputs: readonly Expr[];
  /** Checks of the pulled-up subqueries and views in its FROM, by their relation name; each takes the names of its columns held non-null. */
  readonly pulled: ReadonlyMap<string, (forced: ReadonlySet<string>) => void>;
}

/** Whether PostgreSQL pulls this subquery up into the query that reads it (is_simple_subquery, for the shapes a lock allows). */
export function pulledUp(select: SelectStatement): boolean {
  return select.orderBy.length === 0 && !select.limit && !select.offset && !select.with && !select.locking && !select.setOperation;
}

/** Runs the check with `forced`: the positions of output columns the enclosing query holds non-null (none for a query at the top). */
export function checkOuterJoins(check: OuterJoinCheck, forced: ReadonlySet<number> = new Set()): void {
  const { statement, outputs } = check;
  const nonNullable = statement.where ? nonNullableColumns(statement.where, check.relationOf) : new Set<string>();
  for (const i of forced) {
    const expr = outputs[i];
    if (expr) for (const key of nonNullableColumns(expr, check.relationOf)) nonNullable.add(key);
  }
  const ran = new Set<string>();
  for (const item of statement.from) checkJoin(item, nonNullable, check, ran);
  // A pulled-up item no join reached still checks itself.
  for (const [name, pulled] of check.pulled) if (!ran.has(name)) pulled(new Set());
}

function checkJoin(item: FromItem, nonNullable: ReadonlySet<string>, check: OuterJoinCheck, ran: Set<string>): void {
  if (item.kind !== 'join') {
    const name = item.kind === 'subquery' ? item.alias : item.kind === 'table' ? item.alias ?? item.name : null;
    const pulled = name === null ? undefined : check.pulled.get(name);
    if (pulled && name !== null && !ran.has(name)) {
      ran.add(name);
      pulled(columnsOf(name, nonNullable));
    }
    return;
  }
  const relations = relationsOf(nonNullable);
  const leftNonNull = overlaps(relationNames(item.left), relations);
  const rightNonNull = overlaps(relationNames(item.right), relations);
  // reduce_outer_joins: an outer join whose nullable side must be non-null is an inner one.
  let type = item.joinType;
  if (type === 'left' && rightNonNull) type = 'inner';
  else if (type === 'right' && leftNonNull) type = 'inner';
  else if (type === 'full') type = leftNonNull && rightNonNull ? 'inner' : leftNonNull ? 'left' : rightNonNull ? 'right' : 'full';
  const nullable = type === 'left' ? [item.right] : type === 'right' ? [item.left] : type === 'full' ? [item.left, item.right] : [];
  for (const side of nullable) {
    const strength = lockedOn(side, check.locks);
    if (strength !== null) throw new SqlError('0A000', `${LOCKING_NAMES[strength]} cannot be applied to the nullable side of an outer join`);
  }
  const on = item.on ? nonNullableColumns(item.on, check.relationOf) : new Set<string>();
  const both = new Set([...nonNullable, ...on]);
  // An inner join's ON constrains both sides; an outer join's only its nullable side.
  checkJoin(item.left, type === 'inner' || type === 'cross' ? both : type === 'right' ? both : type === 'left' ? nonNullable : new Set(), check, ran);
  checkJoin(item.right, type === 'inner' || type === 'cross' || type === 'left' ? both : type === 'right' ? nonNullable : new Set(), check, ran);
}

/** The strength of the first locked FROM item in a join tree; a subquery counts when it reads a table, a WITH query never. */
function lockedOn(item: FromItem, locks: FromLocks): RowLockStrength | null {
  if (item.kind === 'join') return lockedOn(item.left, locks) ?? lockedOn(item.right, locks);
  if (item.kind === 'table') return item.schema === null && locks.isCte(item.name) ? null : locks.of(item.alias ?? item.name);
  if (item.kind === 'subquery' && (item.query.from.length > 0 || item.query.setOperation)) return locks.of(item.alias);
  return null;
}

/** A non-null column's key: its FROM item's name and its own. */
const KEY_SEPARATOR = '\u0000';

function relationsOf(keys: ReadonlySet<string>): Set<string> {
  return new Set([...keys].map((k) => k.slice(0, k.indexOf(KEY_SEPARATOR))));
}

function columnsOf(relation: string, keys: ReadonlySet<string>): Set<string> {
  const prefix = relation + KEY_SEPARATOR;
  return new Set([...keys].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
}

function relationNames(item: FromItem, out = new Set<string>()): Set<string> {
  if (item.kind === 'join') {
    if (item.alias) out.add(item.alias.name);
    relationNames(item.left, out);
    relationNames(item.right, out);
  } else if (item.kind === 'table') out.add(item.alias ?? item.name);
  else out.add(item.alias ?? (item.kind === 'function' ? item.name : ''));
  return out;
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

/**
 * The columns (FROM item and name, KEY_SEPARATOR between) a condition is never true without
 * (PostgreSQL's find_nonnullable_rels and find_nonnullable_vars): operators and function calls
 * are taken as strict, as nearly all are; OR needs the column in every arm; COALESCE, CASE, IS
 * [NOT] DISTINCT FROM, IS NULL and subqueries give none.
 */
function nonNullableColumns(expr: Expr, relationOf: (column: string) => string | null): Set<string> {
  const of = (e: Expr) => nonNullableColumns(e, relationOf);
  const union = (parts: readonly Expr[]) => new Set(parts.flatMap((p) => [...of(p)]));
  switch (expr.kind) {
    case 'column': {
      const relation = expr.table ?? relationOf(expr.name);
      return new Set(relation === null ? [] : [relation + KEY_SEPARATOR + expr.name]);
    }
    case 'op': return union(expr.left ? [expr.left, expr.right] : [expr.right]);
    case 'and': return union(expr.args);
    case 'or': {
      const [first, ...rest] = expr.args.map(of);
      return new Set([...(first ?? [])].filter((r) => rest.every((s) => s.has(r))));
    }
    case 'not': case 'cast': return of(expr.arg);
    case 'null-test': return expr.isNull ? new Set() : of(expr.arg);
    case 'bool-test': return expr.test === 'true' || expr.test === 'false' || expr.test === 'not-unknown' ? of(expr.arg) : new Set();
    case 'func': return expr.over || isAggregate(expr.name) ? new Set() : union(expr.args);
    case 'in': return of(expr.arg);
    case 'between': return union([expr.arg, expr.low, expr.high]);
    case 'like': return union([expr.arg, expr.pattern]);
    default: return new Set();
  }
}
