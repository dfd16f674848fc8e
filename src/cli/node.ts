import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from '../env/env.js';
import { EtcdCoordination } from '../env/etcd-coordination.js';
import { ConsoleLog } from '../env/log.js';
import { systemEnv } from '../env/system-env.js';
import { parseClusterConfig, ROLES, type ClusterConfig, type NodeConfig, type Role } from '../node/roles/cluster-config.js';
import { loadLinkTls, plaintextRefusal } from '../node/roles/cluster-tls.js';
import { parseOptions } from './args.js';

/** `strata node --role R --config FILE [--name NAME]`: one role of a distributed cluster. */
export async function nodeCommand(args: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(args, { role: 'string', config: 'string', name: 'string', listener: 'string' });
  } catch (error) {
    process.stderr.write(`strata node: ${(error as Error).message}\n`);
    return 2;
  }
  const role = String(options.get('role') ?? '') as Role;
  if (!ROLES.includes(role)) {
    process.stderr.write(`strata node: --role must be one of ${ROLES.join(', ')}\n`);
    return 2;
  }
  const configPath = options.get('config');
  if (typeof configPath !== 'string') {
    process.stderr.write('strata node: --config FILE is required\n');
    return 2;
  }
  const config = parseClusterConfig(readFileSync(resolve(configPath), 'utf8'), configPath);
  const candidates = config.nodes.filter((n) => n.role === role && (options.get('name') === undefined || n.name === options.get('name')));
  if (candidates.length !== 1) {
    process.stderr.write(`strata node: ${candidates.length === 0 ? 'no' : 'more than one'} ${role} node in ${configPath}${options.get('name') ? ` named ${String(options.get('name'))}` : ''}; pass --name\n`);
    return 2;
  }
  const node = candidates[0]!;
  const refusal = plaintextRefusal(config);
  if (refusal !== null) {
    process.stderr.write(`strata node ${node.name}: ${refusal}\n`);
    return 2;
  }
  let linkTls;
  try {
    linkTls = loadLinkTls(config, node.name, (path) => readFileSync(path));
  } catch (error) {
    process.stderr.write(`strata node ${node.name}: ${(error as Error).message}\n`);
    return 2;
  }
  const env = systemEnv({ log: new ConsoleLog(`strata ${node.name}`, () => new Date().toISOString()), linkTls });
  // The adjudicator leader's journal appends go to the etcd leader: one hop less per append.
  const coordination = new EtcdCoordination(config.etcd, { preferLeader: role === 'adjudicator', tls: linkTls });
  const exitNow = (code: number) => process.exit(code);
  let running: { stop(): Promise<void> };
  try {
    running = await startRole(env, config, node, coordination, options.get('listener') === 'parent', () => exitNow(3));
  } catch (error) {
    // Crash-only: a start that failed (a peer not up yet on a loaded machine, etcd unreachable)
    // exits, so a supervisor starts the node again. Returning would leave the process alive on
    // its open etcd watches and gRPC channels, neither serving nor restarted.
    const detail = (error as { detail?: unknown }).detail;
    env.log.error(`${node.name}: start failed: ${(error as Error).message}${typeof detail === 'string' ? ` (${detail})` : ''}`);
    exitNow(1);
  }
  // Time-stamped, with the start's length: after a whole cluster's restart, the logs show which
  // node kept the others waiting.
  env.log.info(`${role} ${node.name} ready on ${node.host}:${node.port} (region ${node.region}, ${node.az}) ${Math.round(process.uptime() * 1000)} ms after its process started`);
  // The process ends in `stop`: once the role has stopped, leftovers (a gRPC channel winding
  // down, a watch being cancelled) must not hold it, and a stop that hangs (a peer gone) is cut
  // short after a bound.
  const stop = () => {
    setTimeout(() => exitNow(0), 5_000).unref();
    running.stop().then(() => coordination.close()).then(() => exitNow(0), () => exitNow(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => {});
}

/**
 * Starts the node's role; `onFatal` ends the process (crash-only) once it runs. Each role's
 * modules are loaded only by its own processes: a relay does not parse the SQL engine, LMDB or
 * the adjudicator, and a local cluster starts 12 of these processes at once.
 */
async function startRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: EtcdCoordination, sharedListener: boolean,
  onFatal: () => void): Promise<{ stop(): Promise<void> }> {
  switch (node.role) {
    case 'adjudicator': return (await import('../node/roles/adjudicator-role.js')).startAdjudicatorRole(env, config, node, coordination, onFatal);
    case 'storage': return (await import('../node/roles/storage-role.js')).startStorageRole(env, config, node, coordination, onFatal);
    case 'qp': return (await import('../node/roles/qp-role.js')).startQpRole(env, config, node, coordination);
    case 'relay': {
      // `--listener parent`: the local supervisor hands over the shared client port once it serves.
      const relay = await (await import('../node/roles/relay-role.js')).startRelayRole(env, config, node, coordination, sharedListener);
      if (sharedListener) (await import('./relay-pool.js')).serveHandedOver(relay);
      return relay;
    }
    case 'control': return (await import('../node/roles/control-role.js')).startControlRole(env, config, node, coordination, onFatal);
  }
}
