import type { ExecuteOutcome } from '../../contracts/sql-session.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { CopyStatement } from '../sql/ast.js';
import type { Runtime } from '../sql/operators.js';
import type { PlanContext } from '../sql/plan-select.js';
import { planCopyFrom } from './copy-from.js';
import { planCopyTo } from './copy-to.js';

/**
 * A COPY statement, planned when it runs (as PostgreSQL checks COPY's options and columns at
 * execution): what the protocol layer does next, CopyInResponse or CopyOutResponse. `params`
 * is the array `rt.ctx.params` refers to: COPY FROM puts each row's values there.
 */
export function planCopy(statement: CopyStatement, pc: PlanContext, rt: Runtime, params: SqlValue[]): ExecuteOutcome {
  if (statement.from) {
    const { sink, columns, binary, refusal } = planCopyFrom(statement, pc, rt, params);
    return { kind: 'copy-in', binary, columns, sink, refusal };
  }
  const out = planCopyTo(statement, pc, rt);
  return { kind: 'copy-out', binary: out.binary, columns: out.columns, run: (onData) => out.run(onData) };
}
