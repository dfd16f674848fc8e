import { localAdd, localRemove, localDown, localKill, localKillRegion, localPid, localRestart, localRestartRegion, localSignalRegion, localStart, localStatus, localStop, localUp } from './local-cluster.js';
import { parseOptions, positiveIntegerOption } from './args.js';
import { ShardMap } from '../storage/shard-map.js';
import { parseClusterConfig, type ScalingConfig } from '../node/roles/cluster-config.js';

const USAGE = `usage: strata local <up|status|add|remove|backup|kill|stop|start|restart|pause|resume|down> --dir DIR [...]
  up --dir DIR [--azs 3] [--port 5432] [--host 127.0.0.1]   start a multi-process cluster (--port 0:
                                                            a free port, printed)
     [--regions R1,R2 --witness W]                          two peer regions (endpoints on --port
                                                            and the next port) and a witness region
     [--journal-retention SECONDS]                          keep applied journal records (60)
     [--max-connections N]                                  the cluster's open-connection quota (10,000)
     [--tls]                                                mutual TLS on every link (certs in DIR/certs)
     [--owner-pid PID]                                      stop everything when that process ends (tests)
     [--restore FILE]                                       a new cluster whose replicas start from a backup
                                                            (of a local cluster or an embedded node)
     [--storage-splits KEY,…]                               storage shards by key range (hex split keys,
                                                            increasing), each with a replica per AZ
     [--autoscale N | --autoscale JSON]                     add and remove QPs by load, up to N a region
                                                            (JSON: the config's "scaling" object; with
                                                            "maxReplicasPerShard", storage replicas too)
     [--timeout SECONDS]                                    how long to wait for it to serve (60); one
                                                            that does not is stopped again
  add --dir DIR --role storage --az AZ [--shard N]          one more storage replica of shard N (0) in AZ,
                                                            started from a live replica's copy
  add --dir DIR --role qp --az AZ                           one more query processor in AZ
     [--timeout SECONDS]                                    either returns once it serves (60)
  remove --dir DIR NAME [--timeout SECONDS]                 an added query processor or storage replica
                                                            leaves the cluster
  backup --dir DIR --to FILE                                a full backup of the running cluster as of now
  status --dir DIR                                          one line per node, with restarts
  kill --dir DIR NAME                                       SIGKILL one node (watch failover;
                                                            the supervisor starts it again)
  stop --dir DIR NAME…                                      stop nodes and keep them down
  start --dir DIR NAME…                                     start stopped nodes again
  restart --dir DIR NAME…                                   kill nodes and start them again
  kill --dir DIR --region R                                 lose a region: SIGKILL all its processes
                                                            and keep them down until restart --region
  restart --dir DIR --region R                              start a region's processes again
  pause|resume --dir DIR NAME…                              SIGSTOP / SIGCONT nodes (a stall: they keep
                                                            their connections and answer nothing)
  pause|resume --dir DIR --region R                         SIGSTOP / SIGCONT all of a region's processes
  down --dir DIR                                            stop everything`;

/** `strata local …`: the local multi-process cluster. */
export async function localCommand(args: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  const positional = rest.filter((a, i) => !a.startsWith('--') && (i === 0 || !rest[i - 1]!.startsWith('--') || rest[i - 1]!.includes('=')));
  const flags = rest.filter((a) => !positional.includes(a));
  let options;
  try {
    options = parseOptions(flags, { dir: 'string', azs: 'string', port: 'string', host: 'string', 'journal-retention': 'string', 'max-connections': 'string', tls: 'flag', 'owner-pid': 'string',
      regions: 'string', witness: 'string', region: 'string', to: 'string', restore: 'string', timeout: 'string', 'storage-splits': 'string',
      role: 'string', az: 'string', shard: 'string', autoscale: 'string' });
  } catch (error) {
    process.stderr.write(`strata local: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const dir = options.get('dir');
  if (typeof dir !== 'string') {
    process.stderr.write(`strata local: --dir DIR is required\n${USAGE}\n`);
    return 2;
  }
  try {
    switch (sub) {
      case 'up': {
        unexpected(positional);
        const azs = Number(options.get('azs') ?? 3);
        const port = Number(options.get('port') ?? 5432);
        if (!Number.isInteger(azs) || azs < 1 || azs > 9) throw new Error('--azs must be 1 to 9');
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port "${String(options.get('port'))}"`);
        const retention = options.get('journal-retention');
        const journalRetentionSeconds = retention === undefined ? undefined : Number(retention);
        if (journalRetentionSeconds !== undefined && !(journalRetentionSeconds > 0)) throw new Error('--journal-retention must be a positive number of seconds');
        const maxConnections = positiveIntegerOption(options, 'max-connections');
        const owner = options.get('owner-pid');
        const ownerPid = owner === undefined ? undefined : Number(owner);
        if (ownerPid !== undefined && !(Number.isInteger(ownerPid) && ownerPid > 0)) throw new Error(`invalid --owner-pid "${String(owner)}"`);
        const multiRegion = multiRegionOption(options.get('regions'), options.get('witness'));
        const restore = options.get('restore');
        if (multiRegion !== undefined && port > 65534) throw new Error('--port must leave room for the second region\'s endpoint (port + 1)');
        const splits = options.get('storage-splits');
        const storageSplits = typeof splits === 'string' ? splits.split(',').map((split) => split.trim().toLowerCase()) : undefined;
        // Checked here, so a bad key is an error before anything starts.
        if (storageSplits !== undefined) ShardMap.fromHex(storageSplits);
        const scaling = autoscaleOption(options.get('autoscale'));
        await localUp(dir, { azs, port, ...(scaling === undefined ? {} : { scaling }), timeoutMs: timeoutMsOption(options), host: String(options.get('host') ?? '127.0.0.1'), journalRetentionSeconds, maxConnections, tls: options.get('tls') === true,
          ...(ownerPid === undefined ? {} : { ownerPid }), ...(multiRegion === undefined ? {} : { multiRegion }),
          ...(typeof restore === 'string' ? { restore } : {}), ...(storageSplits === undefined ? {} : { storageSplits }) }, out);
        return 0;
      }
      case 'add': {
        unexpected(positional);
        const role = options.get('role');
        const az = options.get('az');
        if (typeof role !== 'string' || typeof az !== 'string') throw new Error('add needs --role storage|qp and --az AZ');
        const shard = Number(options.get('shard') ?? 0);
        const name = await localAdd(dir, { role, az, shard, timeoutMs: timeoutMsOption(options) });
        out(`${name}: ${role === 'qp' ? 'a query processor' : `a storage replica of shard ${shard}`} in ${az}, serving (strata local status shows it)`);
        return 0;
      }
      case 'remove': {
        if (positional.length !== 1) throw new Error('remove needs one node NAME');
        const pid = await localRemove(dir, positional[0]!, timeoutMsOption(options));
        out(`${positional[0]}: removed from the cluster${pid === null ? '' : ` (pid ${pid} stopped)`}`);
        return 0;
      }
      case 'backup': {
        unexpected(positional);
        const to = options.get('to');
        if (typeof to !== 'string') throw new Error('backup needs --to FILE');
        await (await import('./local-backup.js')).localBackup(dir, to, out);
        return 0;
      }
      case 'status':
        unexpected(positional);
        for (const line of await localStatus(dir)) out(line);
        return 0;
      case 'kill':
      case 'restart':
      case 'pause':
      case 'resume': {
        const region = options.get('region');
        if (typeof region !== 'string') return await nodeCommand(sub, dir, positional, out);
        unexpected(positional);
        if (sub === 'kill') out(`region ${region} lost: killed ${localKillRegion(dir, region).join(', ')}; they stay down until strata local restart --region ${region}`);
        else if (sub === 'restart') out(`region ${region}: started ${(await localRestartRegion(dir, region)).join(', ')}`);
        else out(`region ${region}: ${sub === 'pause' ? 'paused (SIGSTOP)' : 'resumed (SIGCONT)'} ${localSignalRegion(dir, region, sub === 'pause' ? 'SIGSTOP' : 'SIGCONT').join(', ')}`);
        return 0;
      }
      case 'stop':
      case 'start':
        return await nodeCommand(sub, dir, positional, out);
      case 'supervise':
        // Started detached by `up`; not for users.
        await (await import('./local-supervisor.js')).supervise(dir, (line) => out(`${new Date().toISOString()} ${line}`));
        return 0;
      case 'down': {
        unexpected(positional);
        const killed = await localDown(dir);
        out(`strata local cluster stopped${killed.length === 0 ? '' : ` (${killed.join(', ')} did not stop within 5 s of SIGTERM: killed)`}`);
        return 0;
      }
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`strata local ${sub}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** kill, stop, start, restart, pause or resume each named node in turn; every name is checked before any is touched. */
async function nodeCommand(sub: string, dir: string, names: readonly string[], out: (line: string) => void): Promise<number> {
  if (names.length === 0) throw new Error(`${sub} needs a node NAME`);
  for (const name of names) localPid(dir, name);
  for (const name of names) {
    if (sub === 'kill') out(`${name}: killed (pid ${localKill(dir, name)}); the supervisor starts it again`);
    else if (sub === 'pause') out(`${name}: paused (SIGSTOP, pid ${localKill(dir, name, 'SIGSTOP')}); strata local resume wakes it`);
    else if (sub === 'resume') out(`${name}: resumed (SIGCONT, pid ${localKill(dir, name, 'SIGCONT')})`);
    else if (sub === 'stop') out(`${name}: stopped (pid ${await localStop(dir, name)}); it stays down until strata local start`);
    else if (sub === 'restart') out(`${name}: started (pid ${await localRestart(dir, name)})`);
    else {
      const { pid, started } = await localStart(dir, name);
      out(started ? `${name}: started (pid ${pid})` : `${name}: already running (pid ${pid})`);
    }
  }
  return 0;
}

/** `--timeout SECONDS` (60 by default): how long `up` and `add` wait for what they start to serve. */
function timeoutMsOption(options: ReadonlyMap<string, unknown>): number {
  const seconds = Number(options.get('timeout') ?? 60);
  if (!(seconds > 0)) throw new Error(`invalid --timeout "${String(options.get('timeout'))}" (seconds)`);
  return seconds * 1000;
}

/** `--autoscale N` (at most N QPs a region, the policy's defaults) or `--autoscale '{"maxQpsPerRegion": N, "maxReplicasPerShard": M, …}'`. */
function autoscaleOption(value: unknown): ScalingConfig | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  let scaling: unknown;
  try {
    scaling = /^\d+$/.test(text) ? { maxQpsPerRegion: Number(text) } : JSON.parse(text);
  } catch (error) {
    throw new Error(`--autoscale: neither a number of QPs nor JSON: ${(error as Error).message}`);
  }
  // The config's own check, on a config that holds only this.
  parseClusterConfig(JSON.stringify({ cluster: 'check', etcd: ['-'], identityDir: '-', nodes: [{ name: 'q', role: 'qp', region: 'r', az: 'a', host: '127.0.0.1', port: 1 }], scaling }), '--autoscale');
  return scaling as ScalingConfig;
}

/** A subcommand that takes no NAME was given one (a mistyped flag, say): refused, not ignored. */
function unexpected(positional: readonly string[]): void {
  if (positional.length > 0) throw new Error(`unexpected argument "${positional[0]}"`);
}

/** `--regions R1,R2 --witness W`: both or neither; three distinct names usable in node names. */
function multiRegionOption(regions: unknown, witness: unknown): { regions: [string, string]; witness: string } | undefined {
  if (regions === undefined && witness === undefined) return undefined;
  if (typeof regions !== 'string' || typeof witness !== 'string') throw new Error('--regions R1,R2 and --witness W go together');
  const names = regions.split(',');
  if (names.length !== 2) throw new Error('--regions names exactly two peer regions (R1,R2)');
  const all = [...names, witness];
  for (const name of all) if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`region "${name}": lowercase letters, digits and dashes`);
  if (new Set(all).size !== 3) throw new Error('the two peer regions and the witness must be three different regions');
  return { regions: [names[0]!, names[1]!], witness };
}
