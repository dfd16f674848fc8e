import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import { CatalogChange, tableKey, type CatalogSnapshot, type ForeignKeyInfo, type TableInfo } from '../catalog/catalog.js';
import type { ExecContext } from '../sql/compiled.js';
import { compileCheck, tableColumnsScope } from '../sql/table-expressions.js';
import type { Transaction } from '../transaction.js';
import * as types from '../sql/typesystem.js';
import type { BackgroundJobs, JobHost, RunningJob } from './background-jobs.js';
import type { StorageNode } from '../../contracts/storage.js';
import type { WriteEntry } from '../../contracts/kv.js';
import { jobRecordKey, putJobRecord, readJobRecords } from './job-records.js';

/**
 * ALTER TABLE ASYNC … VALIDATE CONSTRAINT's job (reference/dsql.md §2.2, §2.4): checks every row
 * the table holds at one snapshot against a CHECK or FOREIGN KEY constraint added NOT VALID, and
 * in the same transaction marks the constraint validated. Rows written after the snapshot need
 * no look: a NOT VALID constraint is enforced on every write from its ADD on (row-rules.ts,
 * foreign-keys.ts), and a referenced row deleted after the snapshot is refused while a
 * referencing row exists. The commit depends on the schema versions of the table (and of the
 * referenced table), so a concurrent change of either retries the whole scan. A violating row
 * fails the job with PostgreSQL's error text and leaves the constraint NOT VALID.
 *
 * The DDL records the request (catalog index 31, job-records.ts) in its commit; the job deletes
 * the record when it has finished, whatever the outcome, so a restart in between finds it and
 * runs the job again under its id (a constraint validated meanwhile makes that a no-op).
 */
export interface ValidateConstraintRequest {
  readonly jobId: string;
  readonly tableId: number;
  readonly constraint: string;
}

const VALIDATE_JOBS_INDEX = 31;

/** The pending record of a request, written in the commit of ALTER TABLE ASYNC … VALIDATE CONSTRAINT. */
export function recordValidation(request: ValidateConstraintRequest): WriteEntry {
  return putJobRecord(VALIDATE_JOBS_INDEX, request);
}

/** The validations a restart interrupted, as of `timestamp`. */
export function pendingValidations(storage: StorageNode, timestamp: number): Promise<ValidateConstraintRequest[]> {
  return readJobRecords<ValidateConstraintRequest>(storage, VALIDATE_JOBS_INDEX, timestamp);
}

/** Rows per storage read while scanning. */
const SCAN_ROWS = 1000;

export function startValidateConstraint(jobs: BackgroundJobs, host: JobHost, request: ValidateConstraintRequest): void {
  const table = host.catalog.tableById(request.tableId);
  const oid = table?.foreignKeys?.find((f) => f.name === request.constraint)?.oid ?? table?.id ?? 0;
  jobs.start({ jobId: request.jobId, jobType: 'VALIDATE_CONSTRAINT', objectId: oid, objectName: table ? `${table.schema}.${request.constraint}` : request.constraint },
    async (job) => {
      try {
        await jobs.withRetries(() => validateOnce(jobs, host, request, job));
      } finally {
        await jobs.withRetries(() => forgetValidation(jobs, request.jobId));
      }
    });
}

async function forgetValidation(jobs: BackgroundJobs, jobId: string): Promise<void> {
  const txn = jobs.newTransaction('validate');
  txn.put(jobRecordKey(VALIDATE_JOBS_INDEX, jobId), null, null);
  await jobs.commit(txn);
}

async function validateOnce(jobs: BackgroundJobs, host: JobHost, request: ValidateConstraintRequest, job: RunningJob): Promise<void> {
  const txn = jobs.newTransaction('validate');
  const catalog = await host.catalogAt(txn.startTimestamp);
  const table = catalog.tableById(request.tableId);
  if (!table) {
    job.details = 'Skipped job for nonexistent table.';
    return;
  }
  const check = table.checks?.find((c) => c.name === request.constraint);
  const foreignKey = table.foreignKeys?.find((f) => f.name === request.constraint);
  if (!check && !foreignKey) throw new SqlError('42704', `constraint "${request.constraint}" of relation "${table.name}" does not exist`);
  if ((check ?? foreignKey)!.validated) return;
  txn.useSchema(tableKey(table.id));
  const test = check ? checkTest(table, check.name, check.text, catalog, host, txn) : foreignKeyTest(table, foreignKey!, catalog, host, txn);
  const codec = host.codec(table);
  let resume: Uint8Array | null = null;
  do {
    const batch = await txn.scan(resume ?? codec.rowsStart, codec.rowsEnd, SCAN_ROWS, false);
    for (let i = 0; i < batch.keys.length; i++) await test(codec.decodeRow(batch.values[i]!, batch.keys[i]!));
    resume = batch.resume;
  } while (resume !== null);
  const change = new CatalogChange(catalog);
  change.putTable(check
    ? { ...table, checks: table.checks!.map((c) => (c === check ? { ...c, validated: true } : c)) }
    : { ...table, foreignKeys: table.foreignKeys!.map((f) => (f === foreignKey ? { ...f, validated: true } : f)) });
  for (const write of change.finish()) txn.put(write.key, write.value, null);
  await jobs.commit(txn);
}

type RowTest = (row: SqlValue[]) => Promise<void>;

/** A CHECK holds unless it is false (NULL passes), as PostgreSQL's validateCheckConstraint. */
function checkTest(table: TableInfo, name: string, text: string, catalog: CatalogSnapshot, host: JobHost, txn: Transaction): RowTest {
  const compiled = compileCheck(text, tableColumnsScope(table), { catalog, currentSchema: table.schema, sessionUser: 'admin', searchPath: [table.schema] });
  const ctx: ExecContext = { params: [], statementTimestamp: txn.startTimestamp, user: 'admin', random: host.options.random, excluded: null };
  return async (row) => {
    if (compiled.eval(row, ctx) === false) throw new SqlError('23514', `check constraint "${name}" of relation "${table.name}" is violated by some row`);
  };
}

/** Each referencing row's key must be in the referenced table (MATCH SIMPLE skips rows with a NULL, MATCH FULL refuses a mix). */
function foreignKeyTest(table: TableInfo, foreignKey: ForeignKeyInfo, catalog: CatalogSnapshot, host: JobHost, txn: Transaction): RowTest {
  const referenced = catalog.tableById(foreignKey.referencedTableId);
  if (!referenced) throw new SqlError('XX000', `the table referenced by constraint "${foreignKey.name}" no longer exists`);
  txn.useSchema(tableKey(referenced.id));
  const codec = host.codec(referenced);
  const index = referenced.indexes.find((i) => i.id === foreignKey.referencedIndexId)!;
  const casts = foreignKey.columns.map((p, i) => {
    const from = table.columns[p]!.typeOid;
    const to = referenced.columns[foreignKey.referencedColumns[i]!]!.typeOid;
    return from === to ? (v: SqlValue) => v : types.castFunction(from, to, -1, false);
  });
  const violation = (detail: string) => new SqlError('23503', `insert or update on table "${table.name}" violates foreign key constraint "${foreignKey.name}"`, { detail });
  return async (row) => {
    const values = foreignKey.columns.map((p) => row[p]!);
    const nulls = values.filter((v) => v === null).length;
    if (nulls === values.length || (nulls > 0 && foreignKey.match === 'simple')) return;
    if (nulls > 0) throw violation('MATCH FULL does not allow mixing of null and nonnull key values.');
    const target = values.map((v, i) => casts[i]!(v));
    const ordered = index.columns.map((p) => target[foreignKey.referencedColumns.indexOf(p)]!);
    const key = index.primary ? codec.primaryKeyFromValues(ordered) : codec.keyFromValues(index.id, index.columns, ordered);
    if ((await txn.get(key)) !== null) return;
    const names = foreignKey.columns.map((p) => table.columns[p]!.name).join(', ');
    const shown = foreignKey.columns.map((p) => types.formatTextValue(table.columns[p]!.typeOid, row[p]!)).join(', ');
    throw violation(`Key (${names})=(${shown}) is not present in table "${referenced.name}".`);
  };
}
