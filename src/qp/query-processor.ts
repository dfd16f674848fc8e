import type { Adjudicator } from '../contracts/adjudicator.js';
import type { SessionEvents, SessionFactory, SqlSession, StartupInfo } from '../contracts/sql-session.js';
import type { StorageNode } from '../contracts/storage.js';
import type { Clock, RandomSource, Timers } from '../contracts/time.js';
import type { Log } from '../env/env.js';
import type { UsageRecorder } from '../contracts/metering.js';
import { CATALOG_RANGE, CATALOG_VERSION_KEY, CatalogSnapshot, type TableInfo } from './catalog/catalog.js';
import { Session } from './session.js';
import { parameterisedSql, parseSql } from './sql/parse.js';
import { ShapeCache } from './sql/literal-shape.js';
import type { ParsedStatement } from './sql/ast.js';
import { TableCodec } from './sql/table-codec.js';
import { jobsTable, virtualTable } from './system/virtual-tables.js';
import type { VirtualTable } from './sql/relations.js';
import { IndexBuilder } from './index-builder.js';
import { latin1Key } from '../encoding/bytes.js';
import { SequenceAllocator } from './sequences/sequence-allocator.js';
import { BackgroundJobs } from './jobs/background-jobs.js';
import type { AfterCommitJob } from './jobs/job-requests.js';
import { pendingValidations, startValidateConstraint } from './jobs/validate-constraint-job.js';
import { pendingDrops, startDrop } from './jobs/drop-job.js';

export interface QueryProcessorOptions {
  readonly storage: StorageNode;
  readonly adjudicator: Adjudicator;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: RandomSource;
  readonly log: Log;
  /**
   * The start timestamp of a new transaction. By default `clock.now().latest` (DESIGN.md §2),
   * whose reads wait until storage's safe time passes it. The embedded node gives the
   * adjudicator's watermark instead: every commit acknowledged before the transaction began is
   * at or below it, so the snapshot is as fresh as linearizability needs and reads never wait.
   */
  readonly snapshotTime?: () => number;
  /**
   * False: the builds this processor's CREATE INDEX ASYNC starts run in another process (a
   * distributed cluster's control role, which outlives any one query processor); this one
   * follows them through the catalog (sys.wait_for_job). Default true.
   */
  readonly runsIndexBuilds?: boolean;
  /** Where ended transactions' bills go (metering); none: not metered. */
  readonly usage?: UsageRecorder;
  /**
   * A monotonic reading in microseconds for timing the sessions' processing (ComputeDPU,
   * src/qp/metering/session-meter.ts). Default: the clock's earliest bound, which allocates a
   * reading per call; the nodes give a cheaper one (env/clock.ts `monotonicMicros`).
   */
  readonly stopwatch?: () => number;
}

const PARSE_CACHE_LIMIT = 4096;
const SHAPE_CACHE_LIMIT = 1024;

/**
 * A query-processor host: the state its sessions share — the catalog cache by version, the
 * parse cache, table codecs — and the factory for sessions (one per connection).
 */
export class QueryProcessor implements SessionFactory {
  private latestCatalog: CatalogSnapshot = CatalogSnapshot.fromEntries([]);
  /** The last catalog version value read, and the version it holds (see `versionOf`). */
  private lastVersionValue: Uint8Array | null = null;
  private lastVersion = 0;
  private readonly catalogs = new Map<number, CatalogSnapshot>();
  private readonly parseCache = new Map<string, ParsedStatement[]>();
  /** Parse trees by literal shape, for texts with their values written in (literal-shape.ts). */
  private readonly shapes = new ShapeCache(SHAPE_CACHE_LIMIT);
  private readonly codecCache = new WeakMap<TableInfo, TableCodec>();
  readonly sessions = new Map<number, Session>();
  readonly indexBuilder: IndexBuilder;
  /** VALIDATE_CONSTRAINT and DROP jobs (index builds run in indexBuilder). */
  readonly backgroundJobs: BackgroundJobs;
  /** Blocks of sequence values this QP has taken (shared by its sessions). */
  readonly sequences: SequenceAllocator;

  readonly snapshotTime: () => number;
  readonly stopwatch: () => number;
  /** One turn of the event loop (long statements take it between batches). */
  readonly pause: () => Promise<void>;

  constructor(readonly options: QueryProcessorOptions) {
    this.indexBuilder = new IndexBuilder(this);
    this.backgroundJobs = new BackgroundJobs(this);
    this.snapshotTime = options.snapshotTime ?? (() => options.clock.now().latest);
    this.stopwatch = options.stopwatch ?? (() => options.clock.now().earliest);
    this.pause = () => new Promise((resolve) => options.timers.setImmediate(resolve));
    this.sequences = new SequenceAllocator({
      storage: options.storage, adjudicator: options.adjudicator,
      snapshotTime: this.snapshotTime, freshTime: () => options.clock.now().latest,
      catalogAt: (timestamp) => this.catalogAt(timestamp),
      sleep: (ms) => new Promise((resolve) => options.timers.setTimeout(resolve, ms)),
      uniform: (bound) => options.random.int(bound),
    });
  }

  /**
   * Loads the newest catalog before serving: statements are prepared against it. Unless told
   * otherwise, resumes the index builds, DROP and VALIDATE_CONSTRAINT jobs a restart interrupted (with several processors on one
   * store, exactly one of them does).
   */
  async start(options: { resumeIndexBuilds?: boolean } = {}): Promise<void> {
    const catalog = await this.catalogAt(this.snapshotTime());
    if (options.resumeIndexBuilds === false) return;
    // So do the drops whose rows a restart left behind (the job deletes what is still there).
    for (const drop of await pendingDrops(this.options.storage, this.snapshotTime())) startDrop(this.backgroundJobs, drop);
    // And the constraint validations that had not finished.
    for (const request of await pendingValidations(this.options.storage, this.snapshotTime())) startValidateConstraint(this.backgroundJobs, this, request);
    // Index builds interrupted by a restart resume under their job ids (the backfill is
    // idempotent: it rewrites the same entries).
    for (const table of catalog.allTables()) {
      for (const index of table.indexes) {
        if (!index.valid && index.buildJobId) this.indexBuilder.start({ tableId: table.id, indexId: index.id, jobId: index.buildJobId });
      }
    }
  }

  createSession(startup: StartupInfo, events: SessionEvents, processId: number, secretKey: number): SqlSession {
    const session = new Session(this, startup, events, processId, secretKey);
    this.sessions.set(processId, session);
    return session;
  }

  sessionClosed(processId: number): void {
    this.sessions.delete(processId);
  }

  /** Cancels the session's running statement; false when no session here has this key. */
  cancel(processId: number, secretKey: number): boolean {
    const session = this.sessions.get(processId);
    if (session === undefined || session.secretKey !== secretKey) return false;
    session.cancel();
    return true;
  }

  /** Parses with a bounded cache keyed by the exact text (the parse is pure). */
  parse(sql: string, standardConformingStrings = true): ParsedStatement[] {
    const key = standardConformingStrings ? sql : '\0' + sql; // a query text never holds a zero byte
    const cached = this.parseCache.get(key);
    if (cached) return cached;
    const parsed = parseSql(sql, standardConformingStrings, this.shapes);
    if (this.parseCache.size >= PARSE_CACHE_LIMIT) this.parseCache.delete(this.parseCache.keys().next().value!);
    this.parseCache.set(key, parsed);
    return parsed;
  }

  /** A simple query's text with its values as parameters, when its literal shape allows (auto-parameters.ts). */
  parameterised(sql: string): ReturnType<typeof parameterisedSql> {
    return parameterisedSql(sql, this.shapes);
  }

  codec(table: TableInfo): TableCodec {
    let codec = this.codecCache.get(table);
    if (!codec) {
      codec = new TableCodec(table);
      this.codecCache.set(table, codec);
    }
    return codec;
  }

  /** The newest catalog this host has seen (for describing statements before a snapshot exists). */
  get catalog(): CatalogSnapshot {
    return this.latestCatalog;
  }

  /** The catalog as of a timestamp: one point read of the version key, a full load only on change. */
  async catalogAt(timestamp: number): Promise<CatalogSnapshot> {
    const raw = await this.options.storage.get(CATALOG_VERSION_KEY, timestamp);
    return this.knownCatalog(raw) ?? this.loadCatalog(this.versionOf(raw), timestamp);
  }

  /**
   * `catalogAt` without a promise: the catalog when storage answers the version read now and
   * that version is loaded (every statement but the first after a DDL); undefined otherwise.
   * The version is still read at the statement's timestamp each time: a commit that changes the
   * catalog changes the key, and storage's row cache drops it when that commit is applied.
   */
  catalogReady(timestamp: number): CatalogSnapshot | undefined {
    const raw = this.options.storage.getReady?.(CATALOG_VERSION_KEY, timestamp);
    return raw === undefined ? undefined : this.knownCatalog(raw);
  }

  /**
   * The version a read of the version key found. Storage's row cache hands back the same value
   * for every read until a commit changes the key, so the last one read is remembered by
   * identity: a statement then does not print the bytes into a string and parse it again.
   */
  private versionOf(raw: Uint8Array | null): number {
    if (raw === null) return 0;
    if (raw !== this.lastVersionValue) {
      this.lastVersion = Number(latin1Key(raw));
      this.lastVersionValue = raw;
    }
    return this.lastVersion;
  }

  private knownCatalog(raw: Uint8Array | null): CatalogSnapshot | undefined {
    const version = this.versionOf(raw);
    return version === this.latestCatalog.version ? this.latestCatalog : this.catalogs.get(version);
  }

  private async loadCatalog(version: number, timestamp: number): Promise<CatalogSnapshot> {
    const entries: { key: Uint8Array; value: Uint8Array }[] = [];
    let start: Uint8Array = CATALOG_RANGE.start;
    for (;;) {
      const batch = await this.options.storage.read({ start, end: CATALOG_RANGE.end, readTimestamp: timestamp, limit: 1000 });
      for (let i = 0; i < batch.keys.length; i++) entries.push({ key: batch.keys[i]!, value: batch.values[i]! });
      if (!batch.resumeKey) break;
      start = batch.resumeKey;
    }
    const snapshot = CatalogSnapshot.fromEntries(entries);
    if (this.catalogs.size > 8) this.catalogs.clear();
    this.catalogs.set(version, snapshot);
    if (version > this.latestCatalog.version) this.latestCatalog = snapshot;
    return snapshot;
  }

  /** Starts the job a committed DDL asked for. */
  startJob(job: AfterCommitJob): void {
    switch (job.kind) {
      case 'build-index': this.indexBuilder.start(job); return;
      case 'validate-constraint': startValidateConstraint(this.backgroundJobs, this, job); return;
      case 'drop-rows': startDrop(this.backgroundJobs, job.drop); return;
    }
  }

  /** CALL sys.wait_for_job. */
  async waitForJob(jobId: string): Promise<void> {
    if (this.backgroundJobs.has(jobId)) await this.backgroundJobs.waitFor(jobId);
    else await this.indexBuilder.waitForJob(jobId);
  }

  private readonly jobs: VirtualTable = jobsTable(() => [...this.indexBuilder.list(), ...this.backgroundJobs.list()]);

  virtual(schema: string | null, name: string): VirtualTable | undefined {
    if (schema === 'sys' && name === 'jobs') return this.jobs;
    return virtualTable(schema, name);
  }
}
