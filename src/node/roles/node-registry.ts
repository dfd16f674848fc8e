/**
 * The control leader's registry of the cluster's nodes: for each configured node (or one added
 * since) that registers itself in etcd (qp, storage, control, relay — a registration lives on the node's lease), whether it is
 * up and since when, and how often it was seen to go down. Kept in one etcd key
 * (`control/registry`, JSON) rewritten only when a registration came or went (a watch on them), so `strata local status` can
 * say "down 4s" without asking every process, and it outlives the control process.
 */
import type { Coordination } from '../../env/coordination.js';
import type { Log } from '../../env/env.js';
import type { Clock, Timers, Timestamp } from '../../contracts/time.js';
import { clusterPrefix, registrationsPrefix, type ClusterConfig } from './cluster-config.js';
import { observePrefix } from './leadership.js';

/** Pause before writing the registry again after a failed write. */
const RETRY_MS = 500;
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
  // The configured nodes, and any that registered since (a replica added by `strata local add`
  // is not in this process's config): once seen, a node stays in the registry.
  const names = config.nodes.filter((n) => REGISTERING_ROLES.has(n.role)).map((n) => n.name);
  const prefix = registrationsPrefix(config);
  const key = new TextEncoder().encode(registryKey(config));
  let registry: Registry = {};
  let written: Registry | null = null;
  let registered: ReadonlySet<string> | null = null;
  let dirty = false;
  let writing = false;
  let retry: ReturnType<Timers['setTimeout']> | null = null;
  let stopped = false;
  // Rewritten when a registration comes or goes (a watch, not a scan on a timer); one write at a
  // time, and a change seen meanwhile is written after it.
  const flush = async (): Promise<void> => {
    if (writing || stopped || registered === null) return;
    writing = true;
    try {
      while (dirty && !stopped) {
        dirty = false;
        const next = nextRegistry(registry, names, registered, clock.now().earliest);
        for (const name of names) {
          if (registry[name] !== undefined && registry[name] !== next[name]) log.info(`registry: ${name} is ${next[name]!.up ? 'up' : 'down'}`);
        }
        registry = next;
        if (written !== null && names.every((name) => written![name] === registry[name])) continue;
        await coordination.transaction([], [{ type: 'put', key, value: new TextEncoder().encode(JSON.stringify(registry)) }]);
        written = registry;
      }
    } catch (error) {
      log.warn(`node registry: ${(error as Error).message}`);
      dirty = true;
      retry ??= timers.setTimeout(() => { retry = null; void flush(); }, RETRY_MS);
    } finally {
      writing = false;
    }
  };
  const watch = observePrefix(coordination, timers, prefix, (entries) => {
    registered = new Set([...entries.keys()].map((name) => name.slice(prefix.length)));
    for (const name of registered) if (!names.includes(name)) names.push(name);
    dirty = true;
    void flush();
  });
  return {
    stop: () => {
      stopped = true;
      if (retry !== null) timers.clearTimeout(retry);
      void watch.close();
    },
  };
}
