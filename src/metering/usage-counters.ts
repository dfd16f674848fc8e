import type { TransactionUsage } from '../contracts/metering.js';

/**
 * The cluster's usage in DSQL's CloudWatch names (reference/dsql.md §6.2), as sums that add up
 * across minutes and across query processors. TotalDPU and CommitLatency (P50) are derived:
 * `totalDpu` and `commitLatencyP50Ms`.
 */
export interface UsageCounters {
  ComputeDPU: number;
  ReadDPU: number;
  WriteDPU: number;
  BytesRead: number;
  BytesWritten: number;
  TotalTransactions: number;
  ReadOnlyTransactions: number;
  OccConflicts: number;
  /** Transactions ended by the 300 s transaction age limit (DSQL: "timed out due to hitting the maximum transaction time"). */
  QueryTimeouts: number;
  /** Milliseconds of query-processor processing (the same measure as ComputeDPU, in ms). */
  ComputeTime: number;
  /** Commit latencies as a histogram: `[bin, count]` pairs, bins of `latencyBin`. */
  CommitLatencyHistogram: [number, number][];
  /**
   * WriteDPU once more for every peer region a linked cluster replicates the writes to (DSQL:
   * "MultiRegionWriteDPU = WriteDPU per active peer", charged in the region the commit came from).
   */
  MultiRegionWriteDPU: number;
  /** AWS/Usage `CallCount`: connections that presented a token to authenticate, by the action it must grant. */
  DbConnectCalls: number;
  DbConnectAdminCalls: number;
  /**
   * AWS/Usage `ResourceCount` for `ClusterConnectionCount`: open connections, the most at once.
   * A gauge: over time it is the maximum, never a sum (`addCounters`' `gauge`).
   */
  ClusterConnectionCount: number;
}

/** Commit-latency bins: four per doubling of microseconds, so a P50 is within ±9 % of the truth. */
const BINS_PER_DOUBLING = 4;
export const LATENCY_BINS = 128;

export function latencyBin(micros: number): number {
  if (micros <= 1) return 0;
  return Math.min(LATENCY_BINS - 1, Math.floor(Math.log2(micros) * BINS_PER_DOUBLING));
}

/** The middle of a bin, in milliseconds. */
function binMillis(bin: number): number {
  return 2 ** ((bin + 0.5) / BINS_PER_DOUBLING) / 1000;
}

export function emptyCounters(): UsageCounters {
  return {
    ComputeDPU: 0, ReadDPU: 0, WriteDPU: 0, BytesRead: 0, BytesWritten: 0, TotalTransactions: 0, ReadOnlyTransactions: 0,
    OccConflicts: 0, QueryTimeouts: 0, ComputeTime: 0, CommitLatencyHistogram: [], MultiRegionWriteDPU: 0, DbConnectCalls: 0,
    DbConnectAdminCalls: 0, ClusterConnectionCount: 0,
  };
}

/**
 * Where transactions are summed between two folds into the minute buckets: plain numbers and a
 * dense histogram, so that recording one costs a few additions and no allocation.
 */
export class PendingUsage {
  computeDpu = 0;
  multiRegionWriteDpu = 0;
  readDpu = 0;
  writeDpu = 0;
  bytesRead = 0;
  bytesWritten = 0;
  transactions = 0;
  readOnly = 0;
  occConflicts = 0;
  queryTimeouts = 0;
  dbConnectCalls = 0;
  dbConnectAdminCalls = 0;
  /** Open connections now, and the most open at once since the last drain. */
  private connectionsNow = 0;
  private peak = 0;
  readonly latencies = new Float64Array(LATENCY_BINS);

  /** `peerRegions`: the linked cluster's other regions every write is replicated to (0: one region). */
  constructor(private readonly peerRegions = 0) {}

  add(usage: TransactionUsage): void {
    this.computeDpu += usage.computeDpu;
    this.readDpu += usage.readDpu;
    this.writeDpu += usage.writeDpu;
    this.multiRegionWriteDpu += usage.writeDpu * this.peerRegions;
    this.bytesRead += usage.bytesRead;
    this.bytesWritten += usage.bytesWritten;
    this.transactions++;
    if (usage.readOnly) this.readOnly++;
    if (usage.occConflict) this.occConflicts++;
    if (usage.ageLimit) this.queryTimeouts++;
    if (usage.commitLatencyUs !== null) this.latencies[latencyBin(usage.commitLatencyUs)]!++;
  }

  /** A connection presented a token: the admin role's must grant DbConnectAdmin, every other role's DbConnect. */
  connectionAttempt(admin: boolean): void {
    if (admin) this.dbConnectAdminCalls++;
    else this.dbConnectCalls++;
  }

  /** The number of open connections changed to `count`. */
  openConnections(count: number): void {
    this.connectionsNow = count;
    if (count > this.peak) this.peak = count;
  }

  /** The most connections open at once since the last drain (0: none was open). */
  get connectionsPeak(): number {
    return this.peak;
  }

  /** Adds what is pending to `into`, and starts again from zero. */
  drainInto(into: UsageCounters): void {
    into.ComputeDPU += this.computeDpu;
    into.ReadDPU += this.readDpu;
    into.WriteDPU += this.writeDpu;
    into.BytesRead += this.bytesRead;
    into.BytesWritten += this.bytesWritten;
    into.TotalTransactions += this.transactions;
    into.ReadOnlyTransactions += this.readOnly;
    into.OccConflicts += this.occConflicts;
    into.QueryTimeouts += this.queryTimeouts;
    into.ComputeTime += this.computeDpu * 1000;
    into.MultiRegionWriteDPU += this.multiRegionWriteDpu;
    into.DbConnectCalls += this.dbConnectCalls;
    into.DbConnectAdminCalls += this.dbConnectAdminCalls;
    into.ClusterConnectionCount = Math.max(into.ClusterConnectionCount, this.peak);
    const histogram: [number, number][] = [];
    for (let bin = 0; bin < LATENCY_BINS; bin++) if (this.latencies[bin]! > 0) histogram.push([bin, this.latencies[bin]!]);
    into.CommitLatencyHistogram = mergeHistograms(into.CommitLatencyHistogram, histogram);
    this.computeDpu = this.readDpu = this.writeDpu = this.bytesRead = this.bytesWritten = 0;
    this.transactions = this.readOnly = this.occConflicts = this.queryTimeouts = 0;
    this.multiRegionWriteDpu = this.dbConnectCalls = this.dbConnectAdminCalls = 0;
    // The connections still open are the next interval's starting point.
    this.peak = this.connectionsNow;
    this.latencies.fill(0);
  }

  /** Nothing to add but, perhaps, connections that stay open. */
  get empty(): boolean {
    return this.transactions === 0 && this.dbConnectCalls === 0 && this.dbConnectAdminCalls === 0;
  }
}

/**
 * `into` plus `more`, counter by counter; the gauge (ClusterConnectionCount) is summed across
 * processes at one time (`'sum'`) and takes the maximum across times (`'max'`).
 */
export function addCounters(into: UsageCounters, more: UsageCounters, gauge: 'sum' | 'max'): void {
  into.ComputeDPU += more.ComputeDPU;
  into.ReadDPU += more.ReadDPU;
  into.WriteDPU += more.WriteDPU;
  into.BytesRead += more.BytesRead;
  into.BytesWritten += more.BytesWritten;
  into.TotalTransactions += more.TotalTransactions;
  into.ReadOnlyTransactions += more.ReadOnlyTransactions;
  into.OccConflicts += more.OccConflicts;
  into.QueryTimeouts += more.QueryTimeouts;
  into.ComputeTime += more.ComputeTime;
  into.MultiRegionWriteDPU += more.MultiRegionWriteDPU;
  into.DbConnectCalls += more.DbConnectCalls;
  into.DbConnectAdminCalls += more.DbConnectAdminCalls;
  into.ClusterConnectionCount = gauge === 'sum' ? into.ClusterConnectionCount + more.ClusterConnectionCount
    : Math.max(into.ClusterConnectionCount, more.ClusterConnectionCount);
  into.CommitLatencyHistogram = mergeHistograms(into.CommitLatencyHistogram, more.CommitLatencyHistogram);
}

function mergeHistograms(a: readonly [number, number][], b: readonly [number, number][]): [number, number][] {
  if (b.length === 0) return a.slice();
  const counts = new Map<number, number>(a);
  for (const [bin, count] of b) counts.set(bin, (counts.get(bin) ?? 0) + count);
  return [...counts].sort((x, y) => x[0] - y[0]);
}

export function totalDpu(counters: UsageCounters): number {
  return counters.ComputeDPU + counters.ReadDPU + counters.WriteDPU + counters.MultiRegionWriteDPU;
}

/** CommitLatency P50 in milliseconds (the middle of the bin holding the median); null without commits. */
export function commitLatencyP50Ms(counters: UsageCounters): number | null {
  let total = 0;
  for (const [, count] of counters.CommitLatencyHistogram) total += count;
  if (total === 0) return null;
  let seen = 0;
  for (const [bin, count] of counters.CommitLatencyHistogram) {
    seen += count;
    if (seen * 2 >= total) return binMillis(bin);
  }
  return null;
}
