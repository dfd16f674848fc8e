/**
 * A query processor's or storage replica's load, published for the control leader's scaling
 * decisions (src/control/load-scaling.ts): `load/<name>` = { busy, sessions }, on the node's
 * registration lease, so it goes when the node does. Busy is the fraction of one core its
 * process used since the last report (CPU time over wall time); sessions, a QP's open
 * connections (0 for a replica).
 *
 * A report is put only when it changed (busy to the hundredth): an idle cluster's nodes report
 * once and then cost etcd nothing, where a put every interval would be a raft round each.
 */
import type { Clock, Timers } from '../../contracts/time.js';
import type { Coordination, Lease } from '../../env/coordination.js';

export interface LoadSample {
  readonly busy: number;
  readonly sessions: number;
}

export const LOAD_REPORT_MS = 2_000;

export function parseLoad(value: string): LoadSample | null {
  try {
    const { busy, sessions } = JSON.parse(value) as Record<string, unknown>;
    if (typeof busy !== 'number' || !(busy >= 0) || typeof sessions !== 'number') return null;
    return { busy, sessions };
  } catch {
    return null;
  }
}

export interface LoadReportOptions {
  readonly coordination: Coordination;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly key: string;
  /** The lease the report lives on (the registration's: a new one after each loss). */
  readonly lease: () => Lease;
  readonly cpuUs: () => number;
  readonly sessions: () => number;
  readonly everyMs?: number;
  readonly onError: (message: string) => void;
}

export function startLoadReports(options: LoadReportOptions): { stop(): void } {
  const { coordination, clock, timers } = options;
  const encoder = new TextEncoder();
  let lastCpu = options.cpuUs();
  let lastWall = clock.now().earliest;
  let lastPut: { value: string; lease: string } | null = null;
  let putting = false;
  const report = () => {
    const cpu = options.cpuUs();
    const wall = clock.now().earliest;
    if (wall <= lastWall) return;
    const busy = Math.round(Math.max(0, cpu - lastCpu) / (wall - lastWall) * 100) / 100;
    lastCpu = cpu;
    lastWall = wall;
    const value = JSON.stringify({ busy, sessions: options.sessions() });
    const lease = options.lease().id;
    // The same report on the same lease is already there; one put at a time.
    if (putting || (lastPut?.value === value && lastPut.lease === lease)) return;
    putting = true;
    coordination.transaction([], [{ type: 'put', key: encoder.encode(options.key), value: encoder.encode(value), lease }])
      .then(() => { lastPut = { value, lease }; }, (error: Error) => options.onError(`load report: ${error.message}`))
      .finally(() => { putting = false; });
  };
  const timer = timers.setInterval(report, options.everyMs ?? LOAD_REPORT_MS);
  return { stop: () => timers.clearInterval(timer) };
}
