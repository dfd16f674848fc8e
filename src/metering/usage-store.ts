import type { TransactionUsage, UsageRecorder } from '../contracts/metering.js';
import type { Clock, TimerHandle, Timers } from '../contracts/time.js';
import type { Disk, Log } from '../env/env.js';
import { addCounters, emptyCounters, PendingUsage, type UsageCounters } from './usage-counters.js';

/** How often recorded usage is folded into its minute and written out: a crash loses at most this much. */
export const USAGE_FLUSH_MS = 5_000;
/** Minutes kept (the last hour), besides the totals. */
export const USAGE_MINUTES_KEPT = 60;
const MICROS_PER_MINUTE = 60_000_000;
const FILE_VERSION = 1;

/** One minute's usage; `minute` counts minutes since the Unix epoch. */
export interface MinuteUsage extends UsageCounters {
  readonly minute: number;
}

/** A usage file: one query-processor process's totals since the data directory began, and its last hour. */
export interface UsageFile {
  readonly version: number;
  readonly totals: UsageCounters;
  readonly minutes: MinuteUsage[];
  /** A storage replica's file (its totals stay zero): absent, a query processor's. */
  readonly role?: 'storage';
  /** The region of the process that keeps it (a distributed node's; a linked cluster bills per region). */
  readonly region?: string;
  /** A storage replica's shard (a sharded cluster's replicas hold different key ranges); absent: 0. */
  readonly shard?: number;
  /** The storage this process samples (ClusterStorageSize): the embedded node's, a replica's. */
  storage?: StorageUsage;
}

/**
 * Storage's size and what it has accrued (DSQL bills storage by the GiB-month). Written when the
 * size changes, so an idle cluster writes nothing: the size holds from `sinceMicros` on.
 */
export interface StorageUsage {
  /** Live bytes as last sampled (MvccStorage.liveBytes). */
  readonly bytes: number;
  /** When storage reached that size (µs since the epoch). */
  readonly sinceMicros: number;
  /** GiB-months accrued before `sinceMicros`. */
  readonly gibMonths: number;
}

const GIB = 1024 ** 3;
/** AWS's month for GB-month prices: 730 hours. */
const MICROS_PER_MONTH = 730 * 3600 * 1e6;

/** GiB-months accrued up to `nowMicros`: the record's, then its size held since it was sampled. */
export function storageGibMonths(storage: StorageUsage, nowMicros: number): number {
  return storage.gibMonths + storage.bytes / GIB * Math.max(0, nowMicros - storage.sinceMicros) / MICROS_PER_MONTH;
}

export interface UsageStoreOptions {
  readonly disk: Disk;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly log: Log;
  /** The file this process keeps (one per query-processor process: they never share one). */
  readonly path: string;
  /** A linked cluster's peer regions, which every write is replicated to (MultiRegionWriteDPU); default 0. */
  readonly peerRegions?: number;
  /** Storage's live bytes, sampled at every write of the file (ClusterStorageSize); absent: not this process's. */
  readonly storageBytes?: () => number;
  /** `storage`: a replica's file, with no query processor's totals (`storage` only). */
  readonly role?: 'storage';
  /** The process's region, written into the file (a distributed node's). */
  readonly region?: string;
  /** A storage replica's shard, written into the file. */
  readonly shard?: number;
}

/**
 * A query processor's usage totals (reference/dsql.md §6.2), kept in memory and persisted
 * through the Env's disk: transactions are summed as they end (`record`, no allocation), folded
 * into their minute and written atomically every USAGE_FLUSH_MS and at `stop`. A restart
 * continues from the file; a crash loses what was recorded since the last write. `strata usage`
 * reads the files (usage-report.ts).
 */
export class UsageStore implements UsageRecorder {
  private readonly pending: PendingUsage;
  private timer: TimerHandle | null = null;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The file on disk is behind `file`. */
  private unwritten = false;

  private constructor(private readonly options: UsageStoreOptions, private readonly file: UsageFile) {
    this.pending = new PendingUsage(options.peerRegions ?? 0);
  }

  /** Opens the store from its file (empty when there is none) and starts the periodic write. */
  static async open(options: UsageStoreOptions): Promise<UsageStore> {
    const file = await readUsageFile(options);
    const store = new UsageStore(options, {
      ...file, ...(options.role === undefined ? {} : { role: options.role }), ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.shard === undefined ? {} : { shard: options.shard }),
    });
    store.timer = options.timers.setInterval(() => store.flush().catch((error: unknown) => {
      options.log.warn(`writing usage: ${(error as Error).message}`);
    }), USAGE_FLUSH_MS);
    return store;
  }

  record(usage: TransactionUsage): void {
    this.pending.add(usage);
  }

  /** A connection presented a token (AWS/Usage CallCount): the admin role's asks for DbConnectAdmin. */
  connectionAttempt(admin: boolean): void {
    this.pending.connectionAttempt(admin);
  }

  /** This processor now has `count` open connections (ClusterConnectionCount keeps the most at once). */
  openConnections(count: number): void {
    this.pending.openConnections(count);
  }

  /** The totals and the last hour, with what is pending folded in (tests, and the report). */
  snapshot(): UsageFile {
    this.fold();
    this.sampleStorage();
    return structuredClone(this.file);
  }

  /**
   * Folds what is pending into the current minute and the totals, and writes the file if it
   * changed since the last write that succeeded (a failed write is retried by the next flush).
   */
  flush(): Promise<void> {
    if (this.fold()) this.unwritten = true;
    if (this.sampleStorage()) this.unwritten = true;
    if (!this.unwritten) return this.writing;
    this.unwritten = false;
    // Writes run one after another: a slow disk never has two renames of the file racing. A
    // failed write was reported to its caller; the next one still runs (and holds everything).
    this.writing = this.writing.catch(() => {})
      .then(() => this.options.disk.writeFileAtomic(this.options.path, encodeUsageFile(this.file)))
      .catch((error: unknown) => {
        this.unwritten = true;
        throw error;
      });
    return this.writing;
  }

  /**
   * Stops the periodic write and writes what is left. Never rejects: the node's own shutdown
   * (journal, storage) must not stop short because usage could not be written; that is logged.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) this.options.timers.clearInterval(this.timer);
    await this.flush().catch((error: unknown) => this.options.log.warn(`writing usage at stop: ${(error as Error).message}`));
  }

  /** Samples storage's size; true when it changed (the time at the old size accrues then). */
  private sampleStorage(): boolean {
    if (this.options.storageBytes === undefined) return false;
    const bytes = this.options.storageBytes();
    const previous = this.file.storage;
    if (previous !== undefined && previous.bytes === bytes) return false;
    const now = this.options.clock.now().latest;
    this.file.storage = { bytes, sinceMicros: now, gibMonths: previous === undefined ? 0 : storageGibMonths(previous, now) };
    return true;
  }

  /** Folds what is pending into its minute; true when that changed the file. */
  private fold(): boolean {
    // Open connections alone keep a minute (and the gauge) going with no transactions.
    if (this.pending.empty && this.pending.connectionsPeak === 0) return false;
    let changed = !this.pending.empty;
    const minute = Math.floor(this.options.clock.now().latest / MICROS_PER_MINUTE);
    const minutes = this.file.minutes;
    let bucket = minutes[minutes.length - 1];
    if (bucket === undefined || bucket.minute < minute) {
      bucket = { minute, ...emptyCounters() };
      minutes.push(bucket);
      changed = true;
    }
    // The clock never goes back in one process; across a restart it may: that minute's usage
    // joins the newest bucket rather than reorder them.
    const added = emptyCounters();
    this.pending.drainInto(added);
    const peak = bucket.ClusterConnectionCount;
    addCounters(bucket, added, 'max');
    addCounters(this.file.totals, added, 'max');
    if (bucket.ClusterConnectionCount !== peak) changed = true;
    while (minutes.length > 0 && minutes[0]!.minute <= minute - USAGE_MINUTES_KEPT) minutes.shift();
    return changed;
  }
}

export function encodeUsageFile(file: UsageFile): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(file));
}

/** Parses a usage file; throws on anything that is not one. */
export function decodeUsageFile(bytes: Uint8Array): UsageFile {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as UsageFile;
  if (parsed.version !== FILE_VERSION || typeof parsed.totals !== 'object' || !Array.isArray(parsed.minutes)) {
    throw new Error(`not a version ${FILE_VERSION} usage file`);
  }
  // A counter added since the file was written (QueryTimeouts, the connection counts) starts at zero.
  return {
    ...parsed,
    totals: { ...emptyCounters(), ...parsed.totals },
    minutes: parsed.minutes.map((minute) => ({ ...emptyCounters(), ...minute })),
  };
}

async function readUsageFile(options: UsageStoreOptions): Promise<UsageFile> {
  const bytes = await options.disk.readFile(options.path);
  if (bytes === null) return { version: FILE_VERSION, totals: emptyCounters(), minutes: [] };
  // Written atomically, so a file that does not parse was damaged outside Strata: say so, and
  // count from zero rather than refuse to serve SQL.
  try {
    return decodeUsageFile(bytes);
  } catch (error) {
    options.log.warn(`usage file ${options.path} unreadable (${(error as Error).message}); usage counts from zero`);
    return { version: FILE_VERSION, totals: emptyCounters(), minutes: [] };
  }
}
