import { TypeOid } from '../../contracts/sql-value.js';
import type { Statement } from './ast.js';
import type { ExplainInfo, Row, RowSource, Runtime } from './operators.js';
import { planDelete, planInsert, planUpdate, type PlannedModify } from './plan-modify.js';
import { runStatementChecks } from './foreign-keys.js';
import { planSelect, type PlanContext, type PlannedQuery } from './plan-select.js';
import { ColumnUse } from './column-use.js';
import { statementEstimateLines } from '../metering/dpu.js';

/**
 * EXPLAIN [ANALYZE]: the operator tree a statement runs as, one line per node in PostgreSQL's
 * layout (`->` children, indented details), with Strata's own node names — DSQL's plans also
 * differ from PostgreSQL's (Storage Scan, B-Tree Scan, filters pushed down to storage). There
 * are no cost estimates. ANALYZE runs the statement (its writes happen, as in PostgreSQL) and
 * adds the rows each node produced and how many times it ran; ANALYZE with VERBOSE then appends
 * DSQL's `Statement DPU Estimate` for the statement (src/qp/metering/dpu.ts).
 */
type ExplainStatement = Extract<Statement, { kind: 'explain' }>;

/** A data-modifying WITH query of the explained statement (data-modifying-with.ts): printed after the main plan. */
export interface ExplainedCte {
  readonly name: string;
  readonly label: string;
  readonly targets: (() => RowSource) | undefined;
}

export function planExplain(statement: ExplainStatement, pc: PlanContext, ctes: () => readonly ExplainedCte[] = () => []): PlannedQuery {
  const inner = statement.statement;
  const target: { query: PlannedQuery } | { modify: PlannedModify; label: string } = inner.kind === 'select'
    ? { query: planSelect(inner, { ...pc, columnUse: ColumnUse.of(inner) }) }
    : {
      modify: inner.kind === 'insert' ? planInsert(inner, pc) : inner.kind === 'update' ? planUpdate(inner, pc) : planDelete(inner, pc),
      label: `${inner.kind[0]!.toUpperCase()}${inner.kind.slice(1)} on ${inner.table}`,
    };
  return {
    columns: [{ name: 'QUERY PLAN', oid: TypeOid.text, typmod: -1, tableOid: 0, columnNumber: 0 }],
    build: () => new ExplainSource(target, statement.analyze, statement.analyze && statement.verbose, ctes()),
    accessPaths: 'query' in target ? target.query.accessPaths : [],
  };
}

interface Counts { rows: number; loops: number }

class ExplainSource implements RowSource {
  private done = false;
  constructor(private readonly target: { query: PlannedQuery } | { modify: PlannedModify; label: string }, private readonly analyze: boolean,
    private readonly estimate: boolean, private readonly ctes: readonly ExplainedCte[]) {}

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    // The statement's share of the transaction's billed bytes: what it adds while it runs here.
    const bytesReadBefore = rt.txn.bytesRead;
    const bytesWrittenBefore = rt.txn.bytesWritten;
    const lines: string[] = [];
    if ('modify' in this.target) {
      let label = this.target.label;
      if (this.analyze) {
        label += ` (actual rows=${await this.target.modify.run(rt, () => {})} loops=1)`;
        await runStatementChecks(rt.txn);
      }
      lines.push(label);
      // The target rows' plan as it would run (not instrumented: ANALYZE counts only the statement).
      const targets = this.target.modify.targets;
      if (targets) describe(targets(), 1, 2, lines, null);
    } else {
      const root = this.target.query.build();
      const counts = new Map<RowSource, Counts>();
      if (this.analyze) {
        instrument(root, counts);
        for (let batch = await root.next(rt); batch; batch = await root.next(rt)) { /* counted */ }
      }
      describe(root, 0, -1, lines, this.analyze ? counts : null);
    }
    for (const cte of this.ctes) {
      lines.push(`  CTE ${cte.name}`, `    ->  ${cte.label}`);
      if (cte.targets) describe(cte.targets(), 2, 10, lines, null);
    }
    if (this.estimate) {
      lines.push(...statementEstimateLines({
        computeSeconds: (rt.ctx.statementMicros?.() ?? 0) / 1e6,
        bytesRead: rt.txn.bytesRead - bytesReadBefore,
        bytesWritten: rt.txn.bytesWritten - bytesWrittenBefore,
      }));
    }
    return lines.map((line) => [line]);
  }
}

function infoOf(node: RowSource): ExplainInfo {
  if (node.explain) return node.explain();
  // Nodes without their own description: the class name, and whatever inputs they hold.
  const children = Object.values(node as unknown as Record<string, unknown>)
    .filter((v): v is RowSource => typeof v === 'object' && v !== null && typeof (v as RowSource).next === 'function');
  return { label: node.constructor.name, children };
}

/** Wraps every node's next() to count the rows it returns and the calls that start it. */
function instrument(node: RowSource, counts: Map<RowSource, Counts>): void {
  if (counts.has(node)) return;
  const count: Counts = { rows: 0, loops: 0 };
  counts.set(node, count);
  const next = node.next.bind(node);
  let started = false;
  node.next = async (rt) => {
    if (!started) { started = true; count.loops++; }
    const batch = await next(rt);
    if (batch) count.rows += batch.length;
    return batch;
  };
  for (const child of infoOf(node).children) instrument(child, counts);
}

function describe(node: RowSource, depth: number, indent: number, lines: string[], counts: Map<RowSource, Counts> | null): void {
  const info = infoOf(node);
  if (info.transparent && info.children.length === 1) return describe(info.children[0]!, depth, indent, lines, counts);
  const count = counts?.get(node);
  const actual = count ? ` (actual rows=${count.rows} loops=${count.loops})` : counts ? ' (never executed)' : '';
  lines.push(`${depth === 0 ? '' : `${' '.repeat(indent)}->  `}${info.label}${actual}`);
  const inner = depth === 0 ? 2 : indent + 6;
  for (const detail of info.details ?? []) lines.push(`${' '.repeat(inner)}${detail}`);
  for (const child of info.children) describe(child, depth + 1, depth === 0 ? 2 : indent + 6, lines, counts);
}
