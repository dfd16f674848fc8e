/**
 * The control leader's side of automatic scaling (docs/distributed.md "Automatic scaling"): it
 * follows the registered QPs and their load reports (load-report.ts), asks the policy
 * (src/control/qp-scaling.ts) every tick, and writes what it decided as a numbered request in
 * etcd. It decides; it does not start or stop processes — whatever runs the cluster's processes
 * does (the local supervisor: src/cli/scaling-actor.ts), and answers under the done key with the
 * request's number. One request is open at a time: the next decision waits for the answer (or,
 * when none comes, for REQUEST_TIMEOUT_MS, and is logged), and each is fenced by the control
 * leadership, so a deposed leader's decision is not written.
 */
import type { Clock, Timers } from '../../contracts/time.js';
import type { Coordination } from '../../env/coordination.js';
import type { Log } from '../../env/env.js';
import { QpScaler, type QpLoad, type ScalingAction } from '../../control/qp-scaling.js';
import { createdNodes, loadPrefix, registrationsPrefix, scalingKeys, scalingPolicyOf, type ClusterConfig, type ScalingConfig } from './cluster-config.js';
import { listUnder, observeKey, observePrefix, type Leadership } from './leadership.js';
import { parseLoad } from './load-report.js';
import { registeredQp, type Registered } from './registrations.js';

const TICK_MS = 1_000;
/** A request the supervisor has not answered by then no longer holds the next decision back. */
const REQUEST_TIMEOUT_MS = 120_000;

/** What the control leader asks for: one QP more in an AZ of a region, or one named QP fewer. */
export type ScalingRequest = ScalingAction & { readonly seq: number };

/** The answer: the request it answers, and what was done (the added QP's name) or why not. */
export interface ScalingDone {
  readonly seq: number;
  readonly outcome: 'done' | 'refused';
  readonly name?: string;
  readonly detail?: string;
}

export function parseScalingRequest(value: string | null): ScalingRequest | null {
  if (value === null) return null;
  try {
    const request = JSON.parse(value) as ScalingRequest;
    if (!Number.isInteger(request.seq) || (request.kind !== 'add' && request.kind !== 'remove') || typeof request.region !== 'string') return null;
    if (request.kind === 'add' ? typeof request.az !== 'string' : typeof request.name !== 'string') return null;
    return request;
  } catch {
    return null;
  }
}

export function parseScalingDone(value: string | null): ScalingDone | null {
  if (value === null) return null;
  try {
    const done = JSON.parse(value) as ScalingDone;
    return Number.isInteger(done.seq) ? done : null;
  } catch {
    return null;
  }
}

export interface QpAutoscalerOptions {
  readonly coordination: Coordination;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly config: ClusterConfig;
  readonly scaling: ScalingConfig;
  /** The control leadership the requests are fenced by (its key and create revision). */
  readonly leaderKey: string;
  readonly leadership: Leadership;
  readonly log: Log;
}

export async function startQpAutoscaler(options: QpAutoscalerOptions): Promise<{ stop(): Promise<void> }> {
  const { coordination, clock, timers, config, log } = options;
  const keys = scalingKeys(config);
  const encoder = new TextEncoder();
  const scaler = new QpScaler(scalingPolicyOf(options.scaling));
  const nowMs = () => clock.now().earliest / 1000;
  // A QP the cluster was created with is never removed; one added since is (a node this
  // process's config does not name was added after it started).
  const created = new Set(createdNodes(config, 'qp').map((n) => n.name));
  let qps: Registered[] = [];
  let loads = new Map<string, number>();
  let answered = -1;
  const registrations = observePrefix(coordination, timers, registrationsPrefix(config), (entries) => {
    qps = [...entries].map(([key, value]) => registeredQp(key, value)).filter((qp): qp is Registered => qp !== null);
  });
  const reports = observePrefix(coordination, timers, loadPrefix(config), (entries) => {
    const next = new Map<string, number>();
    for (const [key, value] of entries) {
      const load = parseLoad(value);
      if (load !== null) next.set(key.slice(key.lastIndexOf('/') + 1), load.busy);
    }
    loads = next;
  });
  const done = await observeKey(coordination, timers, keys.done, (value) => {
    answered = parseScalingDone(value)?.seq ?? answered;
  });
  // Numbers go on from the last request, whoever led then.
  let last = parseScalingRequest((await listUnder(coordination, keys.request)).find((e) => e.key === keys.request)?.value ?? null);
  let seq = last?.seq ?? 0;
  let askedAtMs = nowMs();
  let writing = false;
  const tick = () => {
    if (writing) return;
    const now = nowMs();
    if (last !== null && answered < last.seq) {
      if (now - askedAtMs < REQUEST_TIMEOUT_MS) {
        scaler.quiet(last.region, now);
        return;
      }
      log.warn(`scaling request ${last.seq} (${describe(last)}) has had no answer for ${REQUEST_TIMEOUT_MS / 1000} s: deciding again`);
      answered = last.seq;
    }
    const current: QpLoad[] = qps.map((qp) => ({
      name: qp.name, region: qp.region ?? '', az: qp.az, busy: loads.get(qp.name) ?? 0, removable: !created.has(qp.name),
    }));
    const action = scaler.step(now, current)[0];
    if (action === undefined) return;
    const request: ScalingRequest = { ...action, seq: seq + 1 };
    writing = true;
    coordination.transaction(
      [{ key: encoder.encode(options.leaderKey), target: 'create', op: '==', revision: options.leadership.createRevision }],
      [{ type: 'put', key: encoder.encode(keys.request), value: encoder.encode(JSON.stringify(request)) }],
    ).then((result) => {
      if (!result.succeeded) {
        log.warn(`scaling request ${request.seq} not written: this node no longer leads the control plane`);
        return;
      }
      seq = request.seq;
      last = request;
      askedAtMs = nowMs();
      log.info(`scaling request ${request.seq}: ${describe(request)} — ${request.reason}`);
    }, (error: Error) => {
      log.warn(`scaling request ${request.seq} not written: ${error.message}`);
    }).finally(() => { writing = false; });
  };
  const timer = timers.setInterval(tick, TICK_MS);
  return {
    async stop() {
      timers.clearInterval(timer);
      await registrations.close();
      await reports.close();
      await done.close();
    },
  };
}

export function describe(action: ScalingAction): string {
  return action.kind === 'add' ? `add a query processor in AZ ${action.az} of ${action.region}` : `remove query processor ${action.name} of ${action.region}`;
}
