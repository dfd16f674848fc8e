import { SqlError } from '../contracts/errors.js';
import { CatalogChange, tableKey } from './catalog/catalog.js';
import type { QueryProcessor } from './query-processor.js';
import { Transaction } from './transaction.js';

/**
 * CREATE INDEX ASYNC's background job (reference/dsql.md §2.5). The index is in the catalog
 * from the DDL's commit on (invalid: writers maintain it, readers ignore it); the job backfills
 * existing rows in bounded transactions, each locking the rows it indexes so a concurrent
 * change of one of them is a conflict and the batch is retried; then it marks the index valid.
 */
export type JobStatus = 'submitted' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  readonly jobId: string;
  readonly jobType: 'INDEX_BUILD';
  status: JobStatus;
  details: string | null;
  readonly objectId: number;
  readonly objectName: string;
  readonly startTime: number;
  updateTime: number;
  readonly done: Promise<void>;
}

const BATCH_ROWS = 1000;
const MAX_RETRIES = 100;
const JOB_LIMIT = 1000;
/** How often a wait for a build another processor runs looks at the catalog again. */
const CATALOG_POLL_MS = 20;

/** A row of sys.jobs: times are null for builds known only from the catalog. */
export type JobRow = Omit<Job, 'done' | 'startTime' | 'updateTime'> & { readonly startTime: number | null; readonly updateTime: number | null };

export class IndexBuilder {
  private readonly jobs = new Map<string, Job & { finish: () => void }>();

  constructor(private readonly host: QueryProcessor) {}

  /**
   * The jobs this processor runs or ran, then the builds it only knows from the catalog (run by
   * another processor sharing the store, or before a restart), whose times it does not know.
   */
  list(): JobRow[] {
    const rows: JobRow[] = [...this.jobs.values()];
    for (const table of this.host.catalog.allTables()) {
      for (const index of table.indexes) {
        if (!index.buildJobId || this.jobs.has(index.buildJobId)) continue;
        rows.push({
          jobId: index.buildJobId, jobType: 'INDEX_BUILD', status: index.valid ? 'completed' : 'processing', details: null,
          objectId: index.oid, objectName: `${table.schema}.${index.name}`, startTime: null, updateTime: null,
        });
      }
    }
    return rows;
  }

  start(request: { tableId: number; indexId: number; jobId: string }): void {
    // Another process runs it; this one follows it through the catalog (waitForCatalog).
    if (this.host.options.runsIndexBuilds === false) return;
    const now = this.host.options.clock.now().latest;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => { finish = resolve; });
    const table = this.host.catalog.tableById(request.tableId);
    const index = table?.indexes.find((i) => i.id === request.indexId);
    const job = {
      jobId: request.jobId, jobType: 'INDEX_BUILD' as const, status: 'submitted' as JobStatus, details: null as string | null,
      objectId: index?.oid ?? 0, objectName: index ? `${table!.schema}.${index.name}` : '', startTime: now, updateTime: now, done, finish,
    };
    if (this.jobs.size >= JOB_LIMIT) this.jobs.delete(this.jobs.keys().next().value!);
    this.jobs.set(request.jobId, job);
    this.host.options.timers.setImmediate(() => {
      this.build(job, request.tableId, request.indexId).catch((error: unknown) => {
        job.status = 'failed';
        job.details = error instanceof Error ? error.message : String(error);
      }).finally(() => {
        job.updateTime = this.host.options.clock.now().latest;
        job.finish();
      });
    });
  }

  async waitForJob(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job) {
      await this.waitForCatalog(jobId);
      return;
    }
    await job.done;
    if (job.status === 'failed') throw new SqlError('XX000', `job ${jobId} failed: ${job.details ?? 'unknown error'}`);
  }

  /**
   * Jobs live in the memory of the processor that runs them; any other processor (or this one
   * after a restart) follows the build through the catalog: the index carries its job id and
   * becomes valid when the build completes.
   */
  private async waitForCatalog(jobId: string): Promise<void> {
    let seen = false;
    for (;;) {
      const catalog = await this.host.catalogAt(this.host.snapshotTime());
      let index: { valid: boolean } | undefined;
      for (const table of catalog.allTables()) {
        index = table.indexes.find((i) => i.buildJobId === jobId);
        if (index) break;
      }
      if (index?.valid) return;
      if (!index) {
        if (seen) throw new SqlError('XX000', `job ${jobId} failed: its index no longer exists`);
        throw new SqlError('42704', `job "${jobId}" does not exist`);
      }
      seen = true;
      await new Promise<void>((resolve) => this.host.options.timers.setTimeout(resolve, CATALOG_POLL_MS));
    }
  }

  private async build(job: Job, tableId: number, indexId: number): Promise<void> {
    job.status = 'processing';
    let resume: Uint8Array | null = null;
    for (;;) {
      const next = await this.withRetries(() => this.backfillBatch(tableId, indexId, resume));
      if (next === 'gone') {
        job.status = 'completed';
        job.details = 'Skipped job for nonexistent table.';
        return;
      }
      if (next === null) break;
      resume = next;
    }
    await this.withRetries(() => this.markValid(tableId, indexId));
    job.status = 'completed';
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof SqlError) || error.code !== '40001' || i >= MAX_RETRIES) throw error;
      }
    }
  }

  private newTransaction(): Transaction {
    const { clock, random, storage } = this.host.options;
    const id = `index-${Buffer.from(random.bytes(8)).toString('hex')}`;
    void clock;
    return new Transaction(id, this.host.snapshotTime(), storage);
  }

  /** Indexes one batch of rows; returns where to resume, null when done, 'gone' if the table or index was dropped. */
  private async backfillBatch(tableId: number, indexId: number, resume: Uint8Array | null): Promise<Uint8Array | null | 'gone'> {
    const txn = this.newTransaction();
    const catalog = await this.host.catalogAt(txn.startTimestamp);
    const table = catalog.tableById(tableId);
    const index = table?.indexes.find((i) => i.id === indexId);
    if (!table || !index) return 'gone';
    const codec = this.host.codec(table);
    txn.useSchema(tableKey(table.id));
    const batch = await txn.scan(resume ?? codec.rowsStart, codec.rowsEnd, BATCH_ROWS, false);
    for (let i = 0; i < batch.keys.length; i++) {
      const key = batch.keys[i]!;
      const row = codec.decodeRow(batch.values[i]!, key);
      const entry = codec.indexEntry(index, row, key);
      if (entry.uniqueChecked) {
        const existing = await txn.get(entry.key);
        if (existing !== null && Buffer.compare(existing, entry.value) !== 0) {
          throw new SqlError('23505', `could not create unique index "${index.name}"`, { detail: `${codec.describeKey(index, row)} is duplicated.` });
        }
      }
      txn.lock(key);
      txn.put(entry.key, entry.value, null);
    }
    if (txn.needsAdjudication) await this.commit(txn);
    return batch.resume;
  }

  private async markValid(tableId: number, indexId: number): Promise<void> {
    const txn = this.newTransaction();
    const catalog = await this.host.catalogAt(txn.startTimestamp);
    const table = catalog.tableById(tableId);
    if (!table || !table.indexes.some((i) => i.id === indexId)) return;
    const change = new CatalogChange(catalog);
    change.putTable({ ...table, indexes: table.indexes.map((i) => (i.id === indexId ? { ...i, valid: true } : i)) });
    for (const write of change.finish()) txn.put(write.key, write.value, null);
    await this.commit(txn);
  }

  private async commit(txn: Transaction): Promise<void> {
    const outcome = await this.host.options.adjudicator.commit({ transactionId: txn.id, startTimestamp: txn.startTimestamp, ...txn.commitBundle() });
    if (outcome.kind === 'committed') return;
    if (outcome.kind === 'data-conflict' || outcome.kind === 'schema-conflict') throw new SqlError('40001', 'index build batch conflicted');
    throw new SqlError('XX000', `index build could not commit: ${outcome.kind}`);
  }
}
