import { SqlError } from '../../contracts/errors.js';
import type { Adjudicator } from '../../contracts/adjudicator.js';
import type { StorageNode } from '../../contracts/storage.js';
import type { Clock, RandomSource, Timers } from '../../contracts/time.js';
import type { CatalogSnapshot, TableInfo } from '../catalog/catalog.js';
import type { TableCodec } from '../sql/table-codec.js';
import { Transaction } from '../transaction.js';

/**
 * DSQL's background jobs other than index builds (reference/dsql.md §2.5: sys.jobs, job types
 * VALIDATE_CONSTRAINT and DROP): a registry of running and finished jobs, each an async
 * function that works in its own bounded transactions. It knows nothing of what a job does,
 * so any role that can run transactions (a query processor today, a control role later) can
 * host it.
 */
export type BackgroundJobType = 'VALIDATE_CONSTRAINT' | 'DROP';
export type BackgroundJobStatus = 'submitted' | 'processing' | 'completed' | 'failed';

export interface BackgroundJobRow {
  readonly jobId: string;
  readonly jobType: BackgroundJobType;
  readonly status: BackgroundJobStatus;
  readonly details: string | null;
  readonly objectId: number;
  readonly objectName: string;
  readonly startTime: number;
  readonly updateTime: number;
}

/** What a job runs on: the host's storage, adjudicator and catalog (QueryProcessor is one). */
export interface JobHost {
  readonly options: { readonly storage: StorageNode; readonly adjudicator: Adjudicator; readonly clock: Clock; readonly timers: Timers; readonly random: RandomSource };
  snapshotTime(): number;
  /** The newest catalog the host has seen (names for sys.jobs). */
  readonly catalog: CatalogSnapshot;
  catalogAt(timestamp: number): Promise<CatalogSnapshot>;
  codec(table: TableInfo): TableCodec;
}

/** A job's own progress: it sets its details (the reason of a failure or a skip). */
export interface RunningJob {
  readonly jobId: string;
  details: string | null;
}

interface Entry {
  row: BackgroundJobRow;
  readonly done: Promise<void>;
}

/** Finished jobs kept for sys.jobs (DSQL keeps them 30 minutes; here the newest ones). */
const JOB_LIMIT = 1000;
/** Attempts of a job step that keeps meeting write conflicts. */
const MAX_RETRIES = 100;

export class BackgroundJobs {
  private readonly jobs = new Map<string, Entry>();

  constructor(private readonly host: JobHost) {}

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  list(): BackgroundJobRow[] {
    return [...this.jobs.values()].map((e) => e.row);
  }

  /** Starts `run` on a later turn of the event loop; a thrown error fails the job with its message. */
  start(spec: { jobId: string; jobType: BackgroundJobType; objectId: number; objectName: string }, run: (job: RunningJob) => Promise<void>): void {
    const now = this.host.options.clock.now().latest;
    let row: BackgroundJobRow = { ...spec, status: 'submitted', details: null, startTime: now, updateTime: now };
    const running: RunningJob = { jobId: spec.jobId, details: null };
    const update = (status: BackgroundJobStatus) => {
      row = { ...row, status, details: running.details, updateTime: this.host.options.clock.now().latest };
      entry.row = row;
    };
    const done = new Promise<void>((resolve) => {
      this.host.options.timers.setImmediate(() => {
        update('processing');
        run(running).then(() => update('completed'), (error: unknown) => {
          running.details = failureDetails(error);
          update('failed');
        }).finally(resolve);
      });
    });
    const entry: Entry = { row, done };
    if (this.jobs.size >= JOB_LIMIT) this.jobs.delete(this.jobs.keys().next().value!);
    this.jobs.set(spec.jobId, entry);
  }

  /** CALL sys.wait_for_job: returns when the job completed, throws when it failed. */
  async waitFor(jobId: string): Promise<void> {
    const entry = this.jobs.get(jobId);
    if (!entry) throw new SqlError('42704', `job "${jobId}" does not exist`);
    await entry.done;
    if (entry.row.status === 'failed') throw new SqlError('XX000', `job ${jobId} failed: ${entry.row.details ?? 'unknown error'}`);
  }

  /** A transaction at a fresh snapshot for one step of a job. */
  newTransaction(prefix: string): Transaction {
    const id = `${prefix}-${Buffer.from(this.host.options.random.bytes(8)).toString('hex')}`;
    return new Transaction(id, this.host.snapshotTime(), this.host.options.storage);
  }

  /** Commits a job step; a conflict is 40001 (the step is retried by `withRetries`). */
  async commit(txn: Transaction): Promise<void> {
    if (!txn.needsAdjudication) return;
    const outcome = await this.host.options.adjudicator.commit({ transactionId: txn.id, startTimestamp: txn.startTimestamp, ...txn.commitBundle() });
    if (outcome.kind === 'committed') return;
    if (outcome.kind === 'data-conflict' || outcome.kind === 'schema-conflict') throw new SqlError('40001', 'background job step conflicted');
    throw new SqlError('XX000', `background job step could not commit: ${outcome.kind}`);
  }

  async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof SqlError) || error.code !== '40001' || i >= MAX_RETRIES) throw error;
      }
    }
  }
}

/** PostgreSQL's error text for the job's details: the message, then its DETAIL line if any. */
function failureDetails(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const detail = error instanceof SqlError ? error.detail : undefined;
  return detail ? `${error.message}\nDETAIL:  ${detail}` : error.message;
}
