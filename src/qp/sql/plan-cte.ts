import { SqlError } from '../../contracts/errors.js';
import type { CommonTableExpr, FromItem, SelectStatement } from './ast.js';
import { coerce } from './compile.js';
import type { Evaluator } from './compiled.js';
import { ReturnedRows } from './data-modifying-with.js';
import type { PlannedModify } from './plan-modify.js';
import { cancelError, MAX_MATERIALIZED_ROWS, type ExplainInfo, type Row, type RowSource, type Runtime } from './operators.js';
import type { OutputColumn, PlanContext, PlannedQuery } from './plan-select.js';
import * as types from './typesystem.js';

/**
 * WITH queries (common table expressions).
 *
 * A CTE is bound by name in the PlanContext of the statement that defines it, and a FROM item
 * naming it is planned from its query where it is referenced, as a subquery in FROM would be
 * (the answers are the same as PostgreSQL's materialized CTE for the read-only queries DSQL
 * allows). Without RECURSIVE a CTE sees the ones before it; with RECURSIVE every CTE of the
 * list sees all of them, itself included.
 *
 * A self-referencing CTE must be `non-recursive term UNION [ALL] recursive term`. It runs as
 * PostgreSQL's recursive union: the non-recursive term's rows form the first working table;
 * the recursive term is run again and again with its self-reference reading the working table,
 * its new rows (for UNION, those not seen before) forming the next one, until none come.
 */
export type CteBinding =
  | { readonly kind: 'query'; readonly cte: CommonTableExpr; readonly query: SelectStatement; readonly recursive: boolean; pc: PlanContext }
  /** The self-reference inside a recursive term: the current working table. */
  | { readonly kind: 'working'; readonly name: string; readonly columns: readonly OutputColumn[]; readonly holder: { rows: Row[] } }
  /** A self-reference in the non-recursive term, which PostgreSQL refuses. */
  | { readonly kind: 'forbidden'; readonly name: string }
  /** A data-modifying statement (data-modifying-with.ts): planned once, read as its RETURNING rows. */
  | {
    readonly kind: 'modify'; readonly name: string; plan(): PlannedModify;
    columns(): readonly OutputColumn[]; rows(): Row[] | null;
  };

/** Where a statement's data-modifying CTEs are bound (only the top-level statement's may be). */
export interface DataModifyingCtes {
  binding(cte: CommonTableExpr, pc: PlanContext): CteBinding;
}

type PlanSelect = (statement: SelectStatement, pc: PlanContext) => PlannedQuery;

/** The plan context in which `statement`'s body is planned: its CTEs bound over the outer ones. */
export function bindCtes(statement: { readonly with?: SelectStatement['with'] }, pc: PlanContext): PlanContext {
  const withClause = statement.with!;
  const names = new Set<string>();
  for (const cte of withClause.ctes) {
    if (names.has(cte.name)) throw new SqlError('42712', `WITH query name "${cte.name}" specified more than once`, at(cte.location));
    names.add(cte.name);
  }
  const ctes = new Map(pc.ctes ?? []);
  const bound: PlanContext = { ...pc, ctes };
  const modifying: Extract<CteBinding, { kind: 'modify' }>[] = [];
  for (const cte of withClause.ctes) {
    // Without RECURSIVE, a CTE's own context holds only the CTEs before it.
    const own = withClause.recursive ? bound : { ...pc, ctes: new Map(ctes) };
    let binding: CteBinding;
    if (cte.query.kind === 'select') binding = { kind: 'query', cte, query: cte.query, recursive: withClause.recursive, pc: own };
    else {
      if (!pc.dataModifying) throw new SqlError('0A000', 'data-modifying statements in WITH are not supported here', at(cte.location));
      binding = pc.dataModifying.binding(cte, own);
      if (binding.kind === 'modify') modifying.push(binding);
    }
    ctes.set(cte.name, binding);
  }
  // Every data-modifying CTE runs, referenced or not: plan them all now.
  for (const binding of modifying) binding.plan();
  return bound;
}

/** The rows and output columns of a FROM item that names a CTE. */
export function planCteQuery(binding: CteBinding, item: Extract<FromItem, { kind: 'table' }>, planSelect: PlanSelect):
  { columns: readonly OutputColumn[]; build: () => RowSource; accessPaths: PlannedQuery['accessPaths'] } {
  if (binding.kind === 'forbidden') {
    throw new SqlError('42P19', `recursive reference to query "${binding.name}" must not appear within its non-recursive term`, at(item.location));
  }
  if (binding.kind === 'working') {
    const holder = binding.holder;
    return { columns: binding.columns, build: () => new WorkingTable(holder), accessPaths: [] };
  }
  if (binding.kind === 'modify') {
    const { name, rows } = binding;
    return { columns: binding.columns(), build: () => new ReturnedRows(name, rows), accessPaths: [] };
  }
  const { cte, query } = binding;
  if (!binding.recursive || !refersTo(query, cte.name)) {
    const planned = planSelect(query, binding.pc);
    return { columns: renamed(planned.columns, cte), build: planned.build, accessPaths: planned.accessPaths };
  }
  return planRecursive(cte, query, binding.pc, planSelect);
}

function planRecursive(cte: CommonTableExpr, query: SelectStatement, pc: PlanContext, planSelect: PlanSelect) {
  const op = query.setOperation;
  if (!op || op.op !== 'union') {
    throw new SqlError('42P19', `recursive query "${cte.name}" does not have the form non-recursive-term UNION [ALL] recursive-term`, at(cte.location));
  }
  if (query.orderBy.length > 0) throw new SqlError('0A000', 'ORDER BY in a recursive query is not implemented', at(cte.location));
  if (query.limit || query.offset) throw new SqlError('0A000', 'OFFSET/LIMIT in a recursive query is not implemented', at(cte.location));
  const nonRecursive = planSelect(op.left, { ...pc, ctes: new Map([...(pc.ctes ?? []), [cte.name, { kind: 'forbidden', name: cte.name }]]) });
  const columns = renamed(nonRecursive.columns, cte);
  const holder: { rows: Row[] } = { rows: [] };
  const recursive = planSelect(op.right, { ...pc, ctes: new Map([...(pc.ctes ?? []), [cte.name, { kind: 'working', name: cte.name, columns, holder }]]) });
  if (recursive.columns.length !== columns.length) throw new SqlError('42601', 'each UNION query must have the same number of columns', at(cte.location));
  const casts = recursive.columns.map((c, i) => recursiveCast(c, columns[i]!, i, cte));
  const oids = columns.map((c) => c.oid);
  const all = op.all;
  return {
    columns,
    build: (): RowSource => new RecursiveUnion(nonRecursive.build, recursive.build, casts, holder, all, oids),
    accessPaths: [...nonRecursive.accessPaths, ...recursive.accessPaths],
  };
}

/** The recursive term's column converted to the non-recursive term's type, as PostgreSQL requires. */
function recursiveCast(from: OutputColumn, to: OutputColumn, position: number, cte: CommonTableExpr): Evaluator | null {
  if (from.oid === to.oid) return null;
  try {
    return coerce({ oid: from.oid, typmod: from.typmod, eval: (row) => row[position]!, rowIndependent: false, name: from.name, location: -1 }, to.oid, to.typmod, 'implicit', -1).eval;
  } catch {
    throw new SqlError('42804', `recursive query "${cte.name}" column ${position + 1} has type ${types.formatType(to.oid, to.typmod)} in non-recursive term but type ${types.formatType(from.oid, from.typmod)} overall`, at(cte.location));
  }
}

function renamed(columns: readonly OutputColumn[], cte: CommonTableExpr): OutputColumn[] {
  if (cte.columnAliases.length > columns.length) {
    throw new SqlError('42P10', `WITH query "${cte.name}" has ${columns.length} columns available but ${cte.columnAliases.length} columns specified`, at(cte.location));
  }
  return columns.map((c, i) => ({ ...c, name: cte.columnAliases[i] ?? c.name }));
}

/** Whether a FROM item anywhere in the query (its subqueries included) names `name`. */
function refersTo(node: unknown, name: string): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some((child) => refersTo(child, name));
  const record = node as Record<string, unknown>;
  if (record['kind'] === 'table' && record['schema'] === null && record['name'] === name) return true;
  return Object.values(record).some((child) => refersTo(child, name));
}

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

class WorkingTable implements RowSource {
  private done = false;
  constructor(private readonly holder: { rows: Row[] }) {}
  explain(): ExplainInfo {
    return { label: 'WorkTable Scan', children: [] };
  }

  async next(_rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    return this.holder.rows.slice();
  }
}

class RecursiveUnion implements RowSource {
  private working: Row[] | null = null;
  private readonly seen = new Set<string>();
  private total = 0;

  constructor(private readonly nonRecursive: () => RowSource, private readonly recursive: () => RowSource,
    private readonly casts: readonly (Evaluator | null)[], private readonly holder: { rows: Row[] },
    private readonly all: boolean, private readonly oids: readonly number[]) {}

  explain(): ExplainInfo {
    return { label: 'Recursive Union', children: [this.nonRecursive(), this.recursive()] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.working === null) {
      this.working = this.fresh(await drain(this.nonRecursive(), rt), null, rt);
      if (this.working.length > 0) return this.working;
    }
    while (this.working.length > 0) {
      if (rt.cancelled) throw cancelError(rt);
      this.holder.rows = this.working;
      this.working = this.fresh(await drain(this.recursive(), rt), this.casts, rt);
      if (this.working.length > 0) return this.working;
    }
    return null;
  }

  /** The rows that go on: converted, and for UNION only those not produced before. */
  private fresh(rows: Row[], casts: readonly (Evaluator | null)[] | null, rt: Runtime): Row[] {
    const out: Row[] = [];
    for (let row of rows) {
      if (casts && casts.some((c) => c !== null)) row = row.map((v, i) => (casts[i] ? casts[i]!(row, rt.ctx) : v));
      if (!this.all) {
        const key = types.groupKey(this.oids, row, this.oids.length);
        if (this.seen.has(key)) continue;
        this.seen.add(key);
      }
      out.push(row);
    }
    this.total += out.length;
    if (this.total > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
    return out;
  }
}

async function drain(source: RowSource, rt: Runtime): Promise<Row[]> {
  const rows: Row[] = [];
  for (let batch = await source.next(rt); batch; batch = await source.next(rt)) for (const row of batch) rows.push(row);
  return rows;
}
