/**
 * The local cluster's supervisor (`strata local supervise --dir DIR`, started detached by
 * `strata local up`): every process of the cluster that dies — a crash, an OOM kill, `strata
 * local kill` — is started again, at once the first time and with growing pauses while it keeps
 * dying (restart-backoff.ts). A node the user stopped (`strata local stop`, recorded in
 * DIR/held.json) stays down until `strata local start`.
 *
 * The nodes are not its children (they outlive it, and it outlives `up`), so it looks at their
 * pids every tick. While it runs it is the only writer of DIR/local.json's pids; it records the
 * restart counts in DIR/supervision.json for `strata local status`. If the supervisor itself
 * dies, the cluster runs on unsupervised (`strata local restart` still works by hand) — it holds
 * no state a node needs.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { addressOf, type NodeConfig } from '../node/roles/cluster-config.js';
import { FRESH, restartDelayMs, restarted, type NodeRestarts } from './restart-backoff.js';
import { nodeArguments, readState, recordedAlive, startEtcdMember, startNode, stopProcesses, writeState } from './local-cluster.js';
import { startScalingActor } from './scaling-actor.js';
import { RelayPool, type RelayLaunch } from './relay-pool.js';

const TICK_MS = 100;

export function heldPath(dir: string): string {
  return join(dir, 'held.json');
}

export function supervisionPath(dir: string): string {
  return join(dir, 'supervision.json');
}

/** Names the user stopped: the supervisor leaves them down. */
export function readHeld(dir: string): Set<string> {
  try {
    return new Set(JSON.parse(readFileSync(heldPath(dir), 'utf8')) as string[]);
  } catch {
    return new Set();
  }
}

export function writeHeld(dir: string, held: ReadonlySet<string>): void {
  writeAtomically(heldPath(dir), JSON.stringify([...held].sort()) + '\n');
}

export function readRestarts(dir: string): Record<string, NodeRestarts> {
  try {
    return JSON.parse(readFileSync(supervisionPath(dir), 'utf8')) as Record<string, NodeRestarts>;
  } catch {
    return {};
  }
}

/** Readers in other processes see the old file or the new one, never half of one. */
export function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Runs until SIGTERM; when the cluster's state file or its owner process (LocalState.owner) is gone, it stops every process first. */
export async function supervise(dirArg: string, log: (line: string) => void): Promise<void> {
  const dir = resolve(dirArg);
  // `up` records this process's pid right after starting it: from then on the state is ours.
  for (let i = 0; i < 100 && readState(dir).state.supervisor !== process.pid; i++) await new Promise((r) => setTimeout(r, 50));
  const read = readState(dir);
  const state = read.state;
  let config = read.config;
  const pids = { ...state.pids };
  // What was last written, with the stamps that tell our processes from later holders of their pids.
  let written = state;
  const names = [...state.etcd.map((m) => m.name), ...config.nodes.map((n) => n.name)];
  // `strata local add` writes a node into the config: it is started like one that died.
  let configChangedMs = configModifiedMs(dir);
  const relays = await RelayPools.open(config.nodes.filter((n) => n.role === 'relay'), relayLaunch(dir), log);
  const restarts = readRestarts(dir);
  const nowMs = () => performance.now();
  // Start times are on this process's clock: a new supervisor counts runs from its own start.
  for (const name of names) restarts[name] = { ...(restarts[name] ?? FRESH), startedAtMs: nowMs() };
  /** Name → when the death was seen and when to start again. */
  const due = new Map<string, { diedAtMs: number; atMs: number }>();
  let stopping = false;
  process.once('SIGTERM', () => { stopping = true; });
  process.once('SIGINT', () => { stopping = true; });
  log(`supervising ${names.length} processes`);
  // Automatic scaling: the control leader decides, this process acts on its requests.
  const scaling = config.scaling === undefined ? null : await startScalingActor(dir, config, log).catch((error: Error) => {
    log(`automatic scaling is off: ${error.message}`);
    return null;
  });
  const ownerGone = () => state.owner !== undefined && !recordedAlive(state, state.owner);
  while (!stopping) {
    // Its owner gone, or its directory (a cluster removed while it ran): nobody can reach these
    // processes any more, not even `local down`, so they go now rather than run on orphaned.
    const orphaned = ownerGone() ? `the cluster's owner (pid ${state.owner}) is gone`
      : !existsSync(join(dir, 'local.json')) ? `the cluster's state (${join(dir, 'local.json')}) is gone` : null;
    if (orphaned !== null) {
      log(`${orphaned}: stopping every process`);
      for (const pid of Object.values(pids)) if (recordedAlive(written, pid)) process.kill(pid, 'SIGKILL');
      break;
    }
    let changed = false;
    const modifiedMs = configModifiedMs(dir);
    if (modifiedMs !== configChangedMs) {
      try {
        config = readState(dir).config;
        configChangedMs = modifiedMs;
      } catch (error) {
        // Written atomically, so this is not half a file; looked at again next tick.
        log(`reading the cluster's config: ${(error as Error).message}`);
      }
      for (const node of config.nodes) {
        if (names.includes(node.name)) continue;
        names.push(node.name);
        restarts[node.name] = { ...FRESH, startedAtMs: nowMs() };
        log(`${node.name} (${node.role}) was added to the cluster`);
      }
      // `strata local remove` (or a scaling request) took a node out of the config: it stops and is forgotten.
      for (const name of [...names]) {
        if (state.etcd.some((m) => m.name === name) || config.nodes.some((n) => n.name === name)) continue;
        names.splice(names.indexOf(name), 1);
        due.delete(name);
        delete restarts[name];
        const pid = pids[name];
        delete pids[name];
        changed = true;
        log(`${name} was removed from the cluster${pid === undefined ? '' : `: stopping it (pid ${pid})`}`);
        if (pid !== undefined) {
          void stopProcesses(written, [pid]).then((killed) => log(`${name} stopped${killed.length > 0 ? ' (killed: it did not stop within 5 s of SIGTERM)' : ''}`));
        }
      }
    }
    const held = readHeld(dir);
    for (const name of names) {
      const pid = pids[name];
      if (held.has(name) || (pid !== undefined && recordedAlive(written, pid))) {
        due.delete(name);
        continue;
      }
      const now = nowMs();
      let pending = due.get(name);
      if (pending === undefined) {
        pending = { diedAtMs: now, atMs: now + restartDelayMs(restarts[name]!, now) };
        due.set(name, pending);
        if (pid !== undefined) log(`${name} (pid ${pid}) is gone; starting it again in ${Math.round(pending.atMs - now)} ms`);
      }
      if (now < pending.atMs) continue;
      const member = state.etcd.find((m) => m.name === name);
      const node = config.nodes.find((n) => n.name === name);
      pids[name] = member !== undefined ? startEtcdMember(dir, member, state.etcd, config.cluster)
        : node!.role === 'relay' ? relays.start(node!) : startNode(dir, node!);
      restarts[name] = restarted(restarts[name]!, pending.diedAtMs, now);
      due.delete(name);
      changed = true;
      if (pid === undefined) restarts[name] = { ...restarts[name]!, total: 0 };
      log(`${name} started (pid ${pids[name]}${pid === undefined ? '' : `, restart ${restarts[name]!.total}`})`);
    }
    if (changed) {
      written = writeState(dir, { ...state, pids, supervisor: process.pid });
      writeAtomically(supervisionPath(dir), JSON.stringify(restarts, null, 2) + '\n');
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  relays.close();
  await scaling?.stop();
  log('supervisor stopped');
}

/**
 * One pool per client endpoint: a multi-region cluster has one per peer region, each region's
 * relays sharing its port (relay-pool.ts).
 */
class RelayPools {
  private constructor(private readonly pools: ReadonlyMap<string, RelayPool>) {}

  static async open(relays: readonly NodeConfig[], launch: RelayLaunch, log: (line: string) => void): Promise<RelayPools> {
    const byEndpoint = new Map<string, NodeConfig[]>();
    for (const relay of relays) byEndpoint.set(addressOf(relay), [...(byEndpoint.get(addressOf(relay)) ?? []), relay]);
    const pools = new Map<string, RelayPool>();
    for (const [endpoint, shared] of byEndpoint) pools.set(endpoint, await RelayPool.open(shared, launch, log));
    return new RelayPools(pools);
  }

  start(node: NodeConfig): number {
    return this.pools.get(addressOf(node))!.start(node);
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close();
  }
}

/** When the cluster's config was last written (0: not there). */
function configModifiedMs(dir: string): number {
  try {
    return statSync(join(dir, 'cluster.json')).mtimeMs;
  } catch {
    return 0;
  }
}

/** Relays as the local cluster starts them: detached, logging to DIR/logs/NAME.log. */
function relayLaunch(dir: string): RelayLaunch {
  return {
    shared: (node) => {
      const out = openSync(join(dir, 'logs', `${node.name}.log`), 'a');
      try {
        return spawn(process.execPath, [...nodeArguments(dir, node), '--listener', 'parent'],
          { stdio: ['ignore', out, out, 'ipc'], detached: true });
      } finally {
        closeSync(out);
      }
    },
    alone: (node) => startNode(dir, node),
  };
}
