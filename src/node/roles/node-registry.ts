/**
 * The control leader's registry of the cluster's nodes: for each configured node that registers
 * itself in etcd (qp, storage, control, relay — a registration lives on the node's lease), whether it is
 * up and since when, and how often it was seen to go down. Kept in one etcd key
 * (`control/registry`, JSON) rewritten only when something changed, so `strata local status` can
 * say "down 4s" without asking every process, and it outlives the control process.
 */
import type { Coordination } from '../../env/coordination.js';
import type { Log } from '../../env/env.js';
import type { Clock, Timers, Timestamp } from '../../contracts/time.js';
import { clusterPrefix, type ClusterConfig } from './cluster-config.js';
import { listUnder } from './leadership.js';

const SCAN_MS = 500;
const REGISTERING_ROLES = new Set(['qp', 'storage', 'control', 'relay']);

export interface NodeHealth {
  readonly up: boolean;
  /** When it was last seen to come up or go down (µs, the control leader's clock). */
  readonly since: Timestamp;
  /** Times it was seen to go down. */
  readonly downs: number;
}

export type Registry = Record<string, NodeHealth>;

export function registryKey(config: ClusterConfig): string {
  return `${clusterPrefix(config)}control/registry`;
}

/** The registry after seeing `registered` at `now` (unchanged entries keep their identity). */
export function nextRegistry(previous: Registry, names: readonly string[], registered: ReadonlySet<string>, now: Timestamp): Registry {
  const next: Registry = {};
  for (const name of names) {
    const was = previous[name];
    const up = registered.has(name);
    if (was === undefined) next[name] = { up, since: now, downs: 0 };
    else if (was.up === up) next[name] = was;
    else next[name] = { up, since: now, downs: was.downs + (up ? 0 : 1) };
  }
  return next;
}

export interface NodeRegistry {
  stop(): void;
}

export function startNodeRegistry(options: { coordination: Coordination; clock: Clock; timers: Timers; config: ClusterConfig; log: Log }): NodeRegistry {
  const { coordination, clock, timers, config, log } = options;
  const names = config.nodes.filter((n) => REGISTERING_ROLES.has(n.role)).map((n) => n.name);
  const prefix = `${clusterPrefix(config)}nodes/`;
  const key = new TextEncoder().encode(registryKey(config));
  let registry: Registry = {};
  let written: Registry | null = null;
  let busy = false;
  const scan = async () => {
    const registered = new Set((await listUnder(coordination, prefix)).map((entry) => entry.key.slice(prefix.length)));
    const next = nextRegistry(registry, names, registered, clock.now().earliest);
    for (const name of names) {
      if (registry[name] !== undefined && registry[name] !== next[name]) log.info(`registry: ${name} is ${next[name]!.up ? 'up' : 'down'}`);
    }
    registry = next;
    if (written !== null && names.every((name) => written![name] === registry[name])) return;
    await coordination.transaction([], [{ type: 'put', key, value: new TextEncoder().encode(JSON.stringify(registry)) }]);
    written = registry;
  };
  const timer = timers.setInterval(() => {
    if (busy) return;
    busy = true;
    scan().catch((error: unknown) => log.warn(`node registry: ${(error as Error).message}`)).finally(() => { busy = false; });
  }, SCAN_MS);
  return { stop: () => timers.clearInterval(timer) };
}
