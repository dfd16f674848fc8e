/**
 * The control plane's scaling decisions (DESIGN.md §1: the control plane makes scaling decisions;
 * DSQL adds compute as load grows and gives it back when load falls, and replicates storage).
 *
 * Pure: it is handed each member's latest load report and the time, and answers what to do. A
 * group is what scales as one — a region's query processors (a linked cluster's regions scale
 * apart), or the replicas of one storage shard in a region. When a group's members stay busy on
 * average at or above `scaleOutBusy` for `scaleOutAfterMs`, one is added in the AZ with the
 * fewest; when they stay at or below `scaleInBusy` for `scaleInAfterMs`, one that scaling may
 * remove (not one the cluster was created with) goes, provided the rest would not then be busy
 * enough to scale out again. After each action the group is left alone for `cooldownMs`: a new
 * QP takes sessions only as new ones arrive, a new replica reads only once it has caught up, and
 * a decision on the old averages would overshoot.
 */

export interface MemberLoad {
  readonly name: string;
  /** What scales as one: `local` (a region's QPs), `shard 1 of local` (a shard's replicas there). */
  readonly group: string;
  readonly az: string;
  /** Fraction of one core the member's process used over its last report's interval (0 when it has not reported yet). */
  readonly busy: number;
  /** Whether scaling may remove it: added while the cluster ran, not one it was created with. */
  readonly removable: boolean;
}

export interface ScalingPolicy {
  /** A group never has more members than this (scale-out stops). */
  readonly maxPerGroup: number;
  readonly scaleOutBusy: number;
  readonly scaleOutAfterMs: number;
  readonly scaleInBusy: number;
  readonly scaleInAfterMs: number;
  readonly cooldownMs: number;
}

export const DEFAULT_SCALING: Omit<ScalingPolicy, 'maxPerGroup'> = {
  scaleOutBusy: 0.7, scaleOutAfterMs: 30_000, scaleInBusy: 0.2, scaleInAfterMs: 300_000, cooldownMs: 60_000,
};

/** A removal must leave the others this far below the scale-out line, or it would flap back. */
const REMOVAL_HEADROOM = 0.8;

export type ScalingAction =
  | { readonly kind: 'add'; readonly group: string; readonly az: string; readonly reason: string }
  | { readonly kind: 'remove'; readonly group: string; readonly name: string; readonly reason: string };

interface GroupState {
  /** Since when the average has been at or above the scale-out line (null: it is not). */
  highSinceMs: number | null;
  lowSinceMs: number | null;
  quietUntilMs: number;
}

export class LoadScaler {
  private readonly groups = new Map<string, GroupState>();

  /** `members` names them in reasons: `QPs`, `storage replicas`. */
  constructor(private readonly policy: ScalingPolicy, private readonly members = 'QPs') {
    if (!(policy.maxPerGroup >= 1 && policy.scaleInBusy < policy.scaleOutBusy && policy.scaleOutAfterMs >= 0 && policy.scaleInAfterMs >= 0 && policy.cooldownMs >= 0)) {
      throw new Error('scaling policy: needs a maximum ≥ 1 and scaleInBusy below scaleOutBusy');
    }
  }

  /**
   * The actions due at `nowMs` given every live member's latest load: at most one per group, and
   * at most `limit` in all (a caller that can carry out one at a time asks for one: a group left
   * waiting then acts on a later step, not a cooldown later). Every group's averages are
   * followed; a group that acted is quiet for the cooldown; one with no live member is left
   * alone (nothing to measure).
   */
  step(nowMs: number, loads: readonly MemberLoad[], limit = Infinity): ScalingAction[] {
    const byGroup = new Map<string, MemberLoad[]>();
    for (const load of loads) byGroup.set(load.group, [...(byGroup.get(load.group) ?? []), load]);
    const actions: ScalingAction[] = [];
    for (const [group, members] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
      const action = this.stepGroup(group, members, nowMs, actions.length < limit);
      if (action !== null) actions.push(action);
    }
    return actions;
  }

  /** Holds the group's decisions for the cooldown (an action taken, or one still under way). */
  quiet(group: string, nowMs: number): void {
    const state = this.stateOf(group);
    state.quietUntilMs = Math.max(state.quietUntilMs, nowMs + this.policy.cooldownMs);
    state.highSinceMs = null;
    state.lowSinceMs = null;
  }

  private stateOf(group: string): GroupState {
    let state = this.groups.get(group);
    if (state === undefined) {
      state = { highSinceMs: null, lowSinceMs: null, quietUntilMs: 0 };
      this.groups.set(group, state);
    }
    return state;
  }

  /** Follows the group's average; answers its action when one is due and `mayAct`. */
  private stepGroup(group: string, qps: readonly MemberLoad[], nowMs: number, mayAct: boolean): ScalingAction | null {
    const state = this.stateOf(group);
    if (nowMs < state.quietUntilMs) return null;
    const total = qps.reduce((sum, qp) => sum + Math.max(0, qp.busy), 0);
    const average = total / qps.length;
    const { policy } = this;
    state.highSinceMs = average >= policy.scaleOutBusy ? (state.highSinceMs ?? nowMs) : null;
    state.lowSinceMs = average <= policy.scaleInBusy ? (state.lowSinceMs ?? nowMs) : null;
    if (!mayAct) return null;
    const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;
    if (state.highSinceMs !== null && nowMs - state.highSinceMs >= policy.scaleOutAfterMs && qps.length < policy.maxPerGroup) {
      this.quiet(group, nowMs);
      return {
        kind: 'add', group, az: leastServedAz(qps),
        reason: `${qps.length} ${this.members} of ${group} averaged ${percent(average)} busy for ${Math.round(policy.scaleOutAfterMs / 1000)} s (scale-out at ${percent(policy.scaleOutBusy)})`,
      };
    }
    if (state.lowSinceMs !== null && nowMs - state.lowSinceMs >= policy.scaleInAfterMs && qps.length > 1) {
      const removable = qps.filter((qp) => qp.removable);
      const projected = total / (qps.length - 1);
      if (removable.length > 0 && projected < policy.scaleOutBusy * REMOVAL_HEADROOM) {
        this.quiet(group, nowMs);
        return {
          kind: 'remove', group, name: mostServedNewest(qps, removable),
          reason: `${qps.length} ${this.members} of ${group} averaged ${percent(average)} busy for ${Math.round(policy.scaleInAfterMs / 1000)} s (scale-in at ${percent(policy.scaleInBusy)})`,
        };
      }
    }
    return null;
  }
}

/** The AZ with the fewest members; among those, the busiest; then by name. */
function leastServedAz(qps: readonly MemberLoad[]): string {
  const azs = new Map<string, { count: number; busy: number }>();
  for (const qp of qps) {
    const az = azs.get(qp.az) ?? { count: 0, busy: 0 };
    azs.set(qp.az, { count: az.count + 1, busy: az.busy + qp.busy });
  }
  return [...azs].sort(([a, x], [b, y]) => x.count - y.count || y.busy - x.busy || a.localeCompare(b))[0]![0];
}

/**
 * Of the removable members, one in the AZ with the most (the AZs stay even), the newest there:
 * added nodes are named `<first>-r2`, `-r3` … in the order they came.
 */
function mostServedNewest(qps: readonly MemberLoad[], removable: readonly MemberLoad[]): string {
  const count = (az: string) => qps.filter((qp) => qp.az === az).length;
  const suffix = (name: string) => Number(/-r(\d+)$/.exec(name)?.[1] ?? 0);
  return [...removable].sort((a, b) => count(b.az) - count(a.az) || suffix(b.name) - suffix(a.name) || b.name.localeCompare(a.name))[0]!.name;
}
