/**
 * The control plane's scaling decision for query processors (DESIGN.md §1: the control plane
 * makes scaling decisions; DSQL adds compute as load grows and gives it back when load falls).
 *
 * Pure: it is handed each QP's latest load report and the time, and answers what to do. Per
 * region (a linked cluster's regions scale apart): when the region's QPs stay busy on average at
 * or above `scaleOutBusy` for `scaleOutAfterMs`, one QP is added in the AZ with the fewest; when
 * they stay at or below `scaleInBusy` for `scaleInAfterMs`, one QP that scaling may remove (not
 * one the cluster was created with) goes, provided the rest would not then be busy enough to
 * scale out again. After each action the region is left alone for `cooldownMs`: the new QP takes
 * sessions only as new ones arrive, and a decision on the old averages would overshoot.
 */

export interface QpLoad {
  readonly name: string;
  readonly region: string;
  readonly az: string;
  /** Fraction of one core the QP's process used over its last report's interval (0 when it has not reported yet). */
  readonly busy: number;
  /** Whether scaling may remove it: added while the cluster ran, not one it was created with. */
  readonly removable: boolean;
}

export interface ScalingPolicy {
  /** A region never has more QPs than this (scale-out stops). */
  readonly maxQpsPerRegion: number;
  readonly scaleOutBusy: number;
  readonly scaleOutAfterMs: number;
  readonly scaleInBusy: number;
  readonly scaleInAfterMs: number;
  readonly cooldownMs: number;
}

export const DEFAULT_SCALING: Omit<ScalingPolicy, 'maxQpsPerRegion'> = {
  scaleOutBusy: 0.7, scaleOutAfterMs: 30_000, scaleInBusy: 0.2, scaleInAfterMs: 300_000, cooldownMs: 60_000,
};

/** A removal must leave the others this far below the scale-out line, or it would flap back. */
const REMOVAL_HEADROOM = 0.8;

export type ScalingAction =
  | { readonly kind: 'add'; readonly region: string; readonly az: string; readonly reason: string }
  | { readonly kind: 'remove'; readonly region: string; readonly name: string; readonly reason: string };

interface RegionState {
  /** Since when the average has been at or above the scale-out line (null: it is not). */
  highSinceMs: number | null;
  lowSinceMs: number | null;
  quietUntilMs: number;
}

export class QpScaler {
  private readonly regions = new Map<string, RegionState>();

  constructor(private readonly policy: ScalingPolicy) {
    if (!(policy.maxQpsPerRegion >= 1 && policy.scaleInBusy < policy.scaleOutBusy && policy.scaleOutAfterMs >= 0 && policy.scaleInAfterMs >= 0 && policy.cooldownMs >= 0)) {
      throw new Error('scaling policy: needs maxQpsPerRegion ≥ 1 and scaleInBusy below scaleOutBusy');
    }
  }

  /**
   * The actions due at `nowMs` given every live QP's latest load: at most one per region. A region
   * that acted is quiet for the cooldown; one with no live QP is left alone (nothing to measure).
   */
  step(nowMs: number, loads: readonly QpLoad[]): ScalingAction[] {
    const byRegion = new Map<string, QpLoad[]>();
    for (const load of loads) byRegion.set(load.region, [...(byRegion.get(load.region) ?? []), load]);
    const actions: ScalingAction[] = [];
    for (const [region, qps] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
      const action = this.stepRegion(region, qps, nowMs);
      if (action !== null) actions.push(action);
    }
    return actions;
  }

  /** Holds the region's decisions for the cooldown (an action taken, or one still under way). */
  quiet(region: string, nowMs: number): void {
    const state = this.stateOf(region);
    state.quietUntilMs = Math.max(state.quietUntilMs, nowMs + this.policy.cooldownMs);
    state.highSinceMs = null;
    state.lowSinceMs = null;
  }

  private stateOf(region: string): RegionState {
    let state = this.regions.get(region);
    if (state === undefined) {
      state = { highSinceMs: null, lowSinceMs: null, quietUntilMs: 0 };
      this.regions.set(region, state);
    }
    return state;
  }

  private stepRegion(region: string, qps: readonly QpLoad[], nowMs: number): ScalingAction | null {
    const state = this.stateOf(region);
    if (nowMs < state.quietUntilMs) return null;
    const total = qps.reduce((sum, qp) => sum + Math.max(0, qp.busy), 0);
    const average = total / qps.length;
    const { policy } = this;
    state.highSinceMs = average >= policy.scaleOutBusy ? (state.highSinceMs ?? nowMs) : null;
    state.lowSinceMs = average <= policy.scaleInBusy ? (state.lowSinceMs ?? nowMs) : null;
    const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;
    if (state.highSinceMs !== null && nowMs - state.highSinceMs >= policy.scaleOutAfterMs && qps.length < policy.maxQpsPerRegion) {
      this.quiet(region, nowMs);
      return {
        kind: 'add', region, az: leastServedAz(qps),
        reason: `${qps.length} QPs of ${region} averaged ${percent(average)} busy for ${Math.round(policy.scaleOutAfterMs / 1000)} s (scale-out at ${percent(policy.scaleOutBusy)})`,
      };
    }
    if (state.lowSinceMs !== null && nowMs - state.lowSinceMs >= policy.scaleInAfterMs && qps.length > 1) {
      const removable = qps.filter((qp) => qp.removable);
      const projected = total / (qps.length - 1);
      if (removable.length > 0 && projected < policy.scaleOutBusy * REMOVAL_HEADROOM) {
        this.quiet(region, nowMs);
        return {
          kind: 'remove', region, name: mostServedNewest(qps, removable),
          reason: `${qps.length} QPs of ${region} averaged ${percent(average)} busy for ${Math.round(policy.scaleInAfterMs / 1000)} s (scale-in at ${percent(policy.scaleInBusy)})`,
        };
      }
    }
    return null;
  }
}

/** The AZ with the fewest QPs; among those, the busiest; then by name. */
function leastServedAz(qps: readonly QpLoad[]): string {
  const azs = new Map<string, { count: number; busy: number }>();
  for (const qp of qps) {
    const az = azs.get(qp.az) ?? { count: 0, busy: 0 };
    azs.set(qp.az, { count: az.count + 1, busy: az.busy + qp.busy });
  }
  return [...azs].sort(([a, x], [b, y]) => x.count - y.count || y.busy - x.busy || a.localeCompare(b))[0]![0];
}

/**
 * Of the removable QPs, one in the AZ with the most QPs (the AZs stay even), the newest there:
 * added QPs are named `<first>-r2`, `-r3` … in the order they came.
 */
function mostServedNewest(qps: readonly QpLoad[], removable: readonly QpLoad[]): string {
  const count = (az: string) => qps.filter((qp) => qp.az === az).length;
  const suffix = (name: string) => Number(/-r(\d+)$/.exec(name)?.[1] ?? 0);
  return [...removable].sort((a, b) => count(b.az) - count(a.az) || suffix(b.name) - suffix(a.name) || b.name.localeCompare(a.name))[0]!.name;
}
