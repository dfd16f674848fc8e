import { localDown, localKill, localRestart, localStart, localStatus, localStop, localUp } from './local-cluster.js';
import { supervise } from './local-supervisor.js';
import { parseOptions } from './args.js';

const USAGE = `usage: strata local <up|status|kill|stop|start|restart|down> --dir DIR [...]
  up --dir DIR [--azs 3] [--port 5432] [--host 127.0.0.1]   start a multi-process cluster
     [--journal-retention SECONDS]                          keep applied journal records (60)
     [--tls]                                                mutual TLS on every link (certs in DIR/certs)
     [--owner-pid PID]                                      stop everything when that process ends (tests)
  status --dir DIR                                          one line per node, with restarts
  kill --dir DIR NAME                                       SIGKILL one node (watch failover;
                                                            the supervisor starts it again)
  stop --dir DIR NAME                                       stop one node and keep it down
  start --dir DIR NAME                                      start a stopped node again
  restart --dir DIR NAME                                    kill a node and start it again
  down --dir DIR                                            stop everything`;

/** `strata local …`: the local multi-process cluster. */
export async function localCommand(args: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  const positional = rest.filter((a, i) => !a.startsWith('--') && (i === 0 || !rest[i - 1]!.startsWith('--') || rest[i - 1]!.includes('=')));
  const flags = rest.filter((a) => !positional.includes(a));
  let options;
  try {
    options = parseOptions(flags, { dir: 'string', azs: 'string', port: 'string', host: 'string', 'journal-retention': 'string', tls: 'flag', 'owner-pid': 'string' });
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
        const azs = Number(options.get('azs') ?? 3);
        const port = Number(options.get('port') ?? 5432);
        if (!Number.isInteger(azs) || azs < 1 || azs > 9) throw new Error('--azs must be 1 to 9');
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port "${String(options.get('port'))}"`);
        const retention = options.get('journal-retention');
        const journalRetentionSeconds = retention === undefined ? undefined : Number(retention);
        if (journalRetentionSeconds !== undefined && !(journalRetentionSeconds > 0)) throw new Error('--journal-retention must be a positive number of seconds');
        const owner = options.get('owner-pid');
        const ownerPid = owner === undefined ? undefined : Number(owner);
        if (ownerPid !== undefined && !(Number.isInteger(ownerPid) && ownerPid > 0)) throw new Error(`invalid --owner-pid "${String(owner)}"`);
        await localUp(dir, { azs, port, host: String(options.get('host') ?? '127.0.0.1'), journalRetentionSeconds, tls: options.get('tls') === true, ...(ownerPid === undefined ? {} : { ownerPid }) }, out);
        return 0;
      }
      case 'status':
        for (const line of await localStatus(dir)) out(line);
        return 0;
      case 'kill':
      case 'stop':
      case 'start':
      case 'restart': {
        const name = positional[0];
        if (name === undefined) throw new Error(`${sub} needs a node NAME`);
        if (sub === 'kill') out(`${name}: killed (pid ${localKill(dir, name)}); the supervisor starts it again`);
        else if (sub === 'stop') out(`${name}: stopped (pid ${await localStop(dir, name)}); it stays down until strata local start`);
        else out(`${name}: started (pid ${sub === 'start' ? await localStart(dir, name) : await localRestart(dir, name)})`);
        return 0;
      }
      case 'supervise':
        // Started detached by `up`; not for users.
        await supervise(dir, (line) => out(`${new Date().toISOString()} ${line}`));
        return 0;
      case 'down':
        await localDown(dir);
        out('strata local cluster stopped');
        return 0;
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`strata local ${sub}: ${(error as Error).message}\n`);
    return 1;
  }
}
