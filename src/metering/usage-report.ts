import { addCounters, commitLatencyP50Ms, emptyCounters, totalDpu, type UsageCounters } from './usage-counters.js';
import { storageGibMonths, USAGE_MINUTES_KEPT, type UsageFile } from './usage-store.js';

/** A metric set as `strata usage` shows it: CloudWatch's names, TotalDPU and CommitLatency's P50 derived. */
export interface UsageMetrics {
  readonly TotalDPU: number;
  readonly ComputeDPU: number;
  readonly ReadDPU: number;
  readonly WriteDPU: number;
  readonly MultiRegionWriteDPU: number;
  readonly BytesRead: number;
  readonly BytesWritten: number;
  readonly TotalTransactions: number;
  readonly ReadOnlyTransactions: number;
  readonly OccConflicts: number;
  readonly QueryTimeouts: number;
  /** Milliseconds, P50 of the commit phase; null with no commits. */
  readonly CommitLatency: number | null;
  /** Milliseconds. */
  readonly ComputeTime: number;
  /** AWS/Usage CallCount, by the action the token had to grant. */
  readonly DbConnectCalls: number;
  readonly DbConnectAdminCalls: number;
  /**
   * AWS/Usage ClusterConnectionCount: in a minute, the sum over query processors of each one's
   * most connections open at once (at least the cluster's most); in the totals, the highest
   * minute of the last hour.
   */
  readonly ClusterConnectionCount: number;
}

export interface UsageReport {
  /** The query processors' usage files summed (one per process). */
  readonly sources: number;
  /** Storage replicas' files (a distributed cluster's; the embedded node's storage is in its query processor's). */
  readonly storageSources: number;
  /**
   * ClusterStorageSize: the database's live bytes (rows and index entries as they are, catalog
   * included; not old versions), as last sampled: per storage shard the largest replica's —
   * a shard's replicas are copies, the embedded node has one —, summed over the shards. Null
   * when no file samples storage.
   */
  readonly ClusterStorageSize: number | null;
  /** Storage billed so far in GiB-months (730 hours), ClusterStorageSize over time; per shard the largest replica's, summed. */
  readonly StorageGiBMonths: number | null;
  readonly totals: UsageMetrics;
  /** The last hour's minutes that saw transactions or open connections, oldest first; `minute` as an ISO time (UTC). */
  readonly minutes: (UsageMetrics & { readonly minute: string })[];
}

/**
 * Sums the usage files of a cluster's query processors: totals, and each of the last hour's
 * minutes (ending at `nowMicros`) across processes.
 */
export function usageReport(files: readonly UsageFile[], nowMicros: number): UsageReport {
  const totals = emptyCounters();
  const byMinute = new Map<number, UsageCounters>();
  // Per shard: the largest replica's size and GiB-months.
  const shards = new Map<number, { size: number; gibMonths: number }>();
  const firstMinute = Math.floor(nowMicros / 60_000_000) - USAGE_MINUTES_KEPT + 1;
  for (const file of files) {
    if (file.storage !== undefined) {
      const shard = shards.get(file.shard ?? 0) ?? { size: 0, gibMonths: 0 };
      shard.size = Math.max(shard.size, file.storage.bytes);
      shard.gibMonths = Math.max(shard.gibMonths, storageGibMonths(file.storage, nowMicros));
      shards.set(file.shard ?? 0, shard);
    }
    addCounters(totals, file.totals, 'sum');
    for (const minute of file.minutes) {
      if (minute.minute < firstMinute) continue;
      let sum = byMinute.get(minute.minute);
      if (sum === undefined) byMinute.set(minute.minute, sum = emptyCounters());
      addCounters(sum, minute, 'sum');
    }
  }
  // A gauge's total is no sum over time: the busiest minute of the hour the report covers.
  totals.ClusterConnectionCount = Math.max(0, ...[...byMinute.values()].map((sum) => sum.ClusterConnectionCount));
  const minutes = [...byMinute].sort((a, b) => a[0] - b[0])
    .map(([minute, counters]) => ({ minute: new Date(minute * 60_000).toISOString().replace(/:00\.000Z$/, 'Z'), ...metrics(counters) }));
  const storageSources = files.filter((file) => file.role === 'storage').length;
  const sum = (of: (shard: { size: number; gibMonths: number }) => number) => (shards.size === 0 ? null : [...shards.values()].reduce((total, shard) => total + of(shard), 0));
  const storageSize = sum((shard) => shard.size);
  const gibMonths = sum((shard) => shard.gibMonths);
  return {
    sources: files.length - storageSources, storageSources, ClusterStorageSize: storageSize, StorageGiBMonths: gibMonths,
    totals: metrics(totals), minutes,
  };
}

function metrics(counters: UsageCounters): UsageMetrics {
  return {
    TotalDPU: totalDpu(counters), ComputeDPU: counters.ComputeDPU, ReadDPU: counters.ReadDPU, WriteDPU: counters.WriteDPU,
    MultiRegionWriteDPU: counters.MultiRegionWriteDPU,
    BytesRead: counters.BytesRead, BytesWritten: counters.BytesWritten, TotalTransactions: counters.TotalTransactions,
    ReadOnlyTransactions: counters.ReadOnlyTransactions, OccConflicts: counters.OccConflicts, QueryTimeouts: counters.QueryTimeouts,
    CommitLatency: commitLatencyP50Ms(counters), ComputeTime: counters.ComputeTime,
    DbConnectCalls: counters.DbConnectCalls, DbConnectAdminCalls: counters.DbConnectAdminCalls, ClusterConnectionCount: counters.ClusterConnectionCount,
  };
}

const COLUMNS: readonly [keyof UsageMetrics, string, (value: number | null) => string][] = [
  ['TotalDPU', 'TotalDPU', dpu], ['ComputeDPU', 'ComputeDPU', dpu], ['ReadDPU', 'ReadDPU', dpu], ['WriteDPU', 'WriteDPU', dpu],
  ['MultiRegionWriteDPU', 'MultiRegionWriteDPU', dpu],
  ['BytesRead', 'BytesRead', count], ['BytesWritten', 'BytesWritten', count], ['TotalTransactions', 'TotalTransactions', count],
  ['ReadOnlyTransactions', 'ReadOnlyTransactions', count], ['OccConflicts', 'OccConflicts', count], ['QueryTimeouts', 'QueryTimeouts', count],
  ['CommitLatency', 'CommitLatency p50 (ms)', millis], ['ComputeTime', 'ComputeTime (ms)', millis],
  ['DbConnectCalls', 'CallCount DbConnect', count], ['DbConnectAdminCalls', 'CallCount DbConnectAdmin', count],
  ['ClusterConnectionCount', 'ClusterConnectionCount (peak)', count],
];

function dpu(value: number | null): string {
  return (value ?? 0).toFixed(5);
}

function count(value: number | null): string {
  return String(Math.round(value ?? 0));
}

function millis(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

/** The report as text: the totals, then one line per minute of the last hour that saw transactions or connections. */
export function renderUsage(report: UsageReport): string[] {
  const replicas = report.storageSources === 0 ? '' : `, ${report.storageSources} storage replica${report.storageSources === 1 ? '' : 's'}`;
  const lines = [`Totals (${report.sources} query processor${report.sources === 1 ? '' : 's'}${replicas}):`];
  const totals: [string, string][] = COLUMNS.map(([key, label, format]) => [label, format(report.totals[key])]);
  if (report.ClusterStorageSize !== null) totals.push(['ClusterStorageSize (bytes)', count(report.ClusterStorageSize)]);
  if (report.StorageGiBMonths !== null) totals.push(['Storage (GiB-months)', report.StorageGiBMonths.toExponential(3)]);
  const width = Math.max(...totals.map(([label]) => label.length));
  for (const [label, value] of totals) lines.push(`  ${label.padEnd(width)}  ${value}`);
  lines.push('', 'Last hour, per minute (UTC):');
  if (report.minutes.length === 0) {
    lines.push('  (no transactions)');
    return lines;
  }
  const header = ['minute', ...COLUMNS.map(([key]) => key)];
  const rows = report.minutes.map((m) => [m.minute.slice(11, 16), ...COLUMNS.map(([key, , format]) => format(m[key]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`;
  lines.push(line(header), ...rows.map(line));
  return lines;
}
