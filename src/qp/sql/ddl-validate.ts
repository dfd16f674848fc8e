import { SqlError } from '../../contracts/errors.js';
import type { TableInfo } from '../catalog/catalog.js';
import type { AlterTableAction } from './ast.js';
import type { DdlResult } from './ddl.js';
import { recordValidation } from '../jobs/validate-constraint-job.js';

/**
 * ALTER TABLE ASYNC t VALIDATE CONSTRAINT c (reference/dsql.md §2.2, §2.4): returns a job id at
 * once, as CREATE INDEX ASYNC does; the VALIDATE_CONSTRAINT job (jobs/validate-constraint-job.ts)
 * scans the rows after the statement commits. The statement itself changes no catalog entry: it
 * writes only the job's pending record, so a restart resumes the job.
 * An already validated constraint still gets a job, which finds nothing to do (PostgreSQL's
 * VALIDATE is then a no-op).
 */
export function validateConstraintAsync(table: TableInfo, actions: readonly AlterTableAction[], newJobId: () => string): DdlResult {
  if (!actions.every((a) => a.kind === 'validate-constraint')) throw new SqlError('0A000', 'ALTER TABLE ASYNC is only supported for VALIDATE CONSTRAINT');
  if (actions.length !== 1) throw new SqlError('0A000', 'ALTER TABLE ASYNC with more than one VALIDATE CONSTRAINT is not supported');
  const name = actions[0]!.name;
  const isCheck = table.checks?.some((c) => c.name === name);
  const isForeignKey = table.foreignKeys?.some((f) => f.name === name);
  if (!isCheck && !isForeignKey) {
    if (table.indexes.some((i) => i.constraintName === name)) {
      throw new SqlError('42809', `constraint "${name}" of relation "${table.name}" is not a foreign key or check constraint`);
    }
    throw new SqlError('42704', `constraint "${name}" of relation "${table.name}" does not exist`);
  }
  const request = { jobId: newJobId(), tableId: table.id, constraint: name };
  return { tag: 'ALTER TABLE', writes: [recordValidation(request)], rows: [[request.jobId]], afterCommit: [{ kind: 'validate-constraint', ...request }] };
}
