import { SqlError } from '../../contracts/errors.js';
import { AccessLog } from '../roles/access-log.js';
import type { CommonTableExpr, DeleteStatement, InsertStatement, SelectStatement, UpdateStatement } from './ast.js';
import type { CteBinding, DataModifyingCtes } from './plan-cte.js';
import type { PlannedModify } from './plan-modify.js';
import type { OutputColumn, PlanContext } from './plan-select.js';
import type { ExplainInfo, Row, RowSource, Runtime } from './operators.js';

/**
 * Data-modifying statements in WITH: `WITH moved AS (DELETE … RETURNING …) INSERT … SELECT …
 * FROM moved`, with PostgreSQL's semantics:
 *
 * - every sub-statement runs exactly once, referenced or not, in the order written, before the
 *   main query; its RETURNING rows are what the CTE's name reads (kept in memory, bounded by
 *   the transaction's 3,000-row limit on the writes that produce them);
 * - the sub-statements and the main query all read one snapshot, the transaction as it was
 *   when the statement began: none sees another's changes except through RETURNING. The
 *   session takes that statement snapshot on the transaction (Transaction.beginStatementSnapshot);
 *   uniqueness checks still see every write, so two sub-statements inserting one key collide;
 * - only the top-level statement's WITH may hold them (PostgreSQL's 0A000 elsewhere).
 */
export type ModifyingStatement = InsertStatement | UpdateStatement | DeleteStatement;
export type ModifyPlanner = (statement: ModifyingStatement, pc: PlanContext) => PlannedModify;

interface Step {
  readonly cte: CommonTableExpr & { readonly query: ModifyingStatement };
  planned: PlannedModify | null;
  planning: boolean;
  /** The RETURNING rows of the current execution; null before the step has run. */
  rows: Row[] | null;
}

export class DataModifyingWith implements DataModifyingCtes {
  private readonly steps: Step[];

  private constructor(steps: Step[], private readonly planModify: ModifyPlanner) {
    this.steps = steps;
  }

  /** The top-level statement's data-modifying CTEs, or null when it has none (the usual case). */
  static of(statement: { readonly with?: SelectStatement['with'] }, planModify: ModifyPlanner): DataModifyingWith | null {
    const steps: Step[] = [];
    for (const cte of statement.with?.ctes ?? []) {
      if (cte.query.kind !== 'select') steps.push({ cte: cte as Step['cte'], planned: null, planning: false, rows: null });
    }
    return steps.length > 0 ? new DataModifyingWith(steps, planModify) : null;
  }

  /**
   * The binding of `cte` where it is in scope (`pc` holds the CTEs it may read). Planned once,
   * however many times the statement's planning binds its WITH; its own privileges are
   * checked as its statement's (INSERT, UPDATE or DELETE on its target).
   */
  binding(cte: CommonTableExpr, pc: PlanContext): CteBinding {
    const step = this.steps.find((s) => s.cte === cte);
    if (!step) throw notTopLevel(cte);
    const plan = (): PlannedModify => {
      if (step.planned) return step.planned;
      if (step.planning) throw new SqlError('42P19', `recursive query "${cte.name}" must not contain data-modifying statements`, at(cte.location));
      step.planning = true;
      const access = pc.access ? new AccessLog(step.cte.query, null, pc.access.uses) : undefined;
      step.planned = this.planModify(step.cte.query, { ...pc, access, columnUse: null });
      step.planning = false;
      return step.planned;
    };
    return { kind: 'modify', name: cte.name, columns: () => returningColumns(plan(), cte), rows: () => step.rows, plan };
  }

  /** EXPLAIN's view of the sub-statements (planned by then): name, `Delete on t`, how they find their rows. */
  explainSteps(): { readonly name: string; readonly label: string; readonly targets: (() => RowSource) | undefined }[] {
    return this.steps.map(({ cte, planned }) => {
      const kind = cte.query.kind;
      return { name: cte.name, label: `${kind[0]!.toUpperCase()}${kind.slice(1)} on ${cte.query.table}`, targets: planned?.targets };
    });
  }

  /**
   * Runs every sub-statement once, in order (keeping its RETURNING rows for the CTE's readers),
   * then `main`, all reading the transaction as it was when the statement began.
   */
  async execute<T>(rt: Runtime, main: () => Promise<T>): Promise<T> {
    for (const step of this.steps) step.rows = null;
    rt.txn.beginStatementSnapshot();
    try {
      for (const step of this.steps) {
        const rows: Row[] = [];
        await step.planned!.run(rt, (row) => { rows.push(row); });
        step.rows = rows;
      }
      return await main();
    } finally {
      rt.txn.endStatementSnapshot();
    }
  }
}

/** Where a data-modifying CTE is refused: every statement but a top-level one with them (pc.dataModifying). */
export const TOP_LEVEL_ONLY: DataModifyingCtes = { binding: (cte) => { throw notTopLevel(cte); } };

function returningColumns(planned: PlannedModify, cte: CommonTableExpr): readonly OutputColumn[] {
  if (!planned.columns) throw new SqlError('0A000', `WITH query "${cte.name}" does not have a RETURNING clause`, at(cte.location));
  if (cte.columnAliases.length > planned.columns.length) {
    throw new SqlError('42P10', `WITH query "${cte.name}" has ${planned.columns.length} columns available but ${cte.columnAliases.length} columns specified`, at(cte.location));
  }
  return planned.columns.map((c, i) => ({ ...c, name: cte.columnAliases[i] ?? c.name }));
}

/** PostgreSQL's refusal of a data-modifying CTE anywhere but the top-level statement's WITH. */
export function notTopLevel(cte: CommonTableExpr): SqlError {
  return new SqlError('0A000', 'WITH clause containing a data-modifying statement must be at the top level', at(cte.location));
}

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

/** Rows already computed: a data-modifying CTE's RETURNING rows, or a statement's materialized answer. */
export class ReturnedRows implements RowSource {
  private done = false;
  constructor(private readonly name: string, private readonly rows: () => Row[] | null) {}

  explain(): ExplainInfo {
    return { label: `CTE Scan on ${this.name}`, children: [] };
  }

  async next(_rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    const rows = this.rows();
    // Sub-statements run in the order written; only a RECURSIVE list can read a later one.
    if (rows === null) throw new SqlError('0A000', `reading data-modifying WITH query "${this.name}" before it has run is not supported`);
    return rows.slice();
  }
}
