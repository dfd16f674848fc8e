import { startCommand } from './start.js';
import { tokenCommand } from './token.js';
import { nodeCommand } from './node.js';
import { localCommand } from './local.js';
import { consoleCommand } from './console.js';
import { usageCommand } from './usage.js';
import { backupCommand, restoreCommand } from './backup.js';

const USAGE = `usage: strata <command> [options]

commands:
  start [--data-dir DIR] [--port N] [--host H] [--api-port N|off] [--console-port N]
        [--idle-after SECONDS] [--inactive-after SECONDS]
                                                     run the embedded cluster, its control plane (and the web console);
                                                     created clusters unused 600 s turn IDLE, 3600 s INACTIVE (closed)
  console --host H --port P [--console-port N]       the web console for any Strata endpoint
  token [--data-dir DIR] [--cluster ID] [--admin | --user NAME] [--expires-in SECONDS]
                                                     print a connection token
  local up|status|kill|restart|down --dir DIR        a multi-process cluster on this machine
  node --role ROLE --config FILE [--name NAME]       run one role of a distributed cluster
  usage [--data-dir DIR | --dir DIR] [--json]        metered usage (DPUs, CloudWatch's metrics)
  backup [--data-dir DIR] [--cluster ID] --to FILE   a full backup of a cluster (offline; the server: AWS Backup's API)
  restore [--data-dir DIR] --from FILE [--cluster-id ID]
                                                     a new cluster from a backup (offline)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  switch (command) {
    case 'start': return startCommand(rest, out);
    case 'token': return tokenCommand(rest, out);
    case 'local': return localCommand(rest, out);
    case 'node': return nodeCommand(rest, out);
    case 'console': return consoleCommand(rest, out);
    case 'usage': return usageCommand(rest, out);
    case 'backup': return backupCommand(rest, out);
    case 'restore': return restoreCommand(rest, out);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`strata: unknown command "${command}"\n${USAGE}`);
      return 1;
  }
}
