/**
 * The control leader's side of automatic scaling (docs/distributed.md "Automatic scaling"): it
 * follows the registered QPs and storage replicas and their load reports (load-report.ts), asks
 * the policies (src/control/load-scaling.ts: a region's QPs are one group, a shard's replicas in a
 * region another) every tick, and writes what it decided as a numbered request in etcd. It
 * decides; it does not start or stop processes — whatever runs the cluster's processes does (the
 * local supervisor: src/cli/scaling-actor.ts), and answers under the done key with the request's
 * number. One request is open at a time: the next decision waits for the answer (or, when none
 * comes, for REQUEST_TIMEOUT_MS, and is logged), and each is fenced by the control leadership,
 * so a deposed leader's decision is not written.
 */
import type { Clock, Timers } from '../../contracts/time.js';
import type { Coordination } from '../../env/coordination.js';
import type { Log } from '../../env/env.js';
import { LoadScaler, type MemberLoad, type ScalingAction } from '../../control/load-scaling.js';
import { createdNodes, loadPrefix, registrationsPrefix, scalingKeys, scalingPolicyOf, type ClusterConfig, type ScalingConfig } from './cluster-config.js';
import { listUnder, observeKey, observePrefix, type Leadership } from './leadership.js';
import { parseLoad } from './load-report.js';
import { parseRegistration, type Registered } from './registrations.js';

const TICK_MS = 1_000;
/** A request the supervisor has not answered by then no longer holds the next decision back. */
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * What the control leader asks for: one QP more in an AZ of a region, one storage replica of a
 * shard more in an AZ, or one named node fewer. (Requests written before replicas scaled have no
 * role: they are a QP's.)
 */
export type ScalingRequest = { readonly seq: number; readonly role: 'qp' | 'storage'; readonly region: string; readonly reason: string } & (
  | { readonly kind: 'add'; readonly az: string; readonly shard: number }
  | { readonly kind: 'remove'; readonly name: string });

/** The answer: the request it answers, and what was done (the added node's name) or why not. */
export interface ScalingDone {
  readonly seq: number;
  readonly outcome: 'done' | 'refused';
  readonly name?: string;
  readonly detail?: string;
}

export function parseScalingRequest(value: string | null): ScalingRequest | null {
  if (value === null) return null;
  try {
    const request = JSON.parse(value) as Record<string, unknown>;
    if (!Number.isInteger(request['seq']) || (request['kind'] !== 'add' && request['kind'] !== 'remove') || typeof request['region'] !== 'string') return null;
    if (request['kind'] === 'add' ? typeof request['az'] !== 'string' : typeof request['name'] !== 'string') return null;
    const role = request['role'] ?? 'qp';
    if (role !== 'qp' && role !== 'storage') return null;
    const shard = request['shard'] ?? 0;
    if (!Number.isInteger(shard)) return null;
    return { ...request, role, shard } as ScalingRequest;
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

export interface AutoscalerOptions {
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

export async function startAutoscaler(options: AutoscalerOptions): Promise<{ stop(): Promise<void> }> {
  const { coordination, clock, timers, config, log } = options;
  const keys = scalingKeys(config);
  const encoder = new TextEncoder();
  const qpScaler = new LoadScaler(scalingPolicyOf(options.scaling));
  const replicaPolicy = scalingPolicyOf(options.scaling, 'replicas');
  const replicaScaler = replicaPolicy === null ? null : new LoadScaler(replicaPolicy, 'storage replicas');
  const nowMs = () => clock.now().earliest / 1000;
  // A node the cluster was created with is never removed; one added since is (a node this
  // process's config does not name was added after it started).
  const created = new Set([...createdNodes(config, 'qp'), ...createdNodes(config, 'storage')].map((n) => n.name));
  let nodes: Registered[] = [];
  let loads = new Map<string, number>();
  let answered = -1;
  const registrations = observePrefix(coordination, timers, registrationsPrefix(config), (entries) => {
    nodes = [...entries].map(([key, value]) => parseRegistration(key, value)).filter((node): node is Registered => node !== null);
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
  const member = (node: Registered, group: string): MemberLoad => ({ name: node.name, group, az: node.az, busy: loads.get(node.name) ?? 0, removable: !created.has(node.name) });
  const tick = () => {
    if (writing) return;
    const now = nowMs();
    if (last !== null && answered < last.seq) {
      if (now - askedAtMs < REQUEST_TIMEOUT_MS) {
        if (last.role === 'storage') replicaScaler?.quiet(replicaGroup(last.region, last.kind === 'add' ? last.shard : shardOf(nodes, last.name)), now);
        else qpScaler.quiet(last.region, now);
        return;
      }
      log.warn(`scaling request ${last.seq} (${describe(last)}) has had no answer for ${REQUEST_TIMEOUT_MS / 1000} s: deciding again`);
      answered = last.seq;
    }
    const qps = nodes.filter((node) => node.role === 'qp');
    const replicas = nodes.filter((node) => node.role === 'storage');
    // A QP decision first; the replicas' policy is asked only on a tick with none (asking it marks
    // a group that acts quiet, so it is asked only when its answer can be written).
    let request: ScalingRequest | null = null;
    // One at a time (one request is open at a time): another group due waits a tick, not a cooldown.
    const qpAction = qpScaler.step(now, qps.map((qp) => member(qp, qp.region ?? '')), 1)[0];
    if (qpAction !== undefined) request = requestOf(qpAction, 'qp', qpAction.group, 0, seq + 1);
    else if (replicaScaler !== null) {
      const groups = new Map<string, { region: string; shard: number }>();
      const members = replicas.map((replica) => {
        const group = replicaGroup(replica.region ?? '', replica.shard);
        groups.set(group, { region: replica.region ?? '', shard: replica.shard });
        return member(replica, group);
      });
      const action = replicaScaler.step(now, members, 1)[0];
      if (action !== undefined) request = requestOf(action, 'storage', groups.get(action.group)!.region, groups.get(action.group)!.shard, seq + 1);
    }
    if (request === null) return;
    const written = request;
    writing = true;
    coordination.transaction(
      [{ key: encoder.encode(options.leaderKey), target: 'create', op: '==', revision: options.leadership.createRevision }],
      [{ type: 'put', key: encoder.encode(keys.request), value: encoder.encode(JSON.stringify(written)) }],
    ).then((result) => {
      if (!result.succeeded) {
        log.warn(`scaling request ${written.seq} not written: this node no longer leads the control plane`);
        return;
      }
      seq = written.seq;
      last = written;
      askedAtMs = nowMs();
      log.info(`scaling request ${written.seq}: ${describe(written)} — ${written.reason}`);
    }, (error: Error) => {
      log.warn(`scaling request ${written.seq} not written: ${error.message}`);
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

/** A region's replicas of one shard: what scales as one. */
function replicaGroup(region: string, shard: number): string {
  return `shard ${shard} of ${region}`;
}

function shardOf(nodes: readonly Registered[], name: string): number {
  return nodes.find((node) => node.name === name)?.shard ?? 0;
}

function requestOf(action: ScalingAction, role: 'qp' | 'storage', region: string, shard: number, seq: number): ScalingRequest {
  return action.kind === 'add'
    ? { seq, kind: 'add', role, region, az: action.az, shard, reason: action.reason }
    : { seq, kind: 'remove', role, region, name: action.name, reason: action.reason };
}

export function describe(request: ScalingRequest): string {
  if (request.kind === 'add') {
    return request.role === 'storage'
      ? `add a storage replica of shard ${request.shard} in AZ ${request.az} of ${request.region}`
      : `add a query processor in AZ ${request.az} of ${request.region}`;
  }
  return `remove ${request.role === 'storage' ? 'storage replica' : 'query processor'} ${request.name} of ${request.region}`;
}
