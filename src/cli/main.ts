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
  usage [--data-dir DIR | --dir DIR [--region R]] [--json]
                                                     metered usage (DPUs, CloudWatch's metrics)
  backup [--data-dir DIR] [--cluster ID] --to FILE   a full backup of a cluster (offline; the server: AWS Backup's API)
  restore [--data-dir DIR] --from FILE [--cluster-id ID]
                                                     a new cluster from a backup (offline)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  switch (command) {
    // Each command loads its own modules only: a role process or `token` starts without
    // parsing the others' (a local cluster starts 15 processes at once on a laptop's cores).
    case 'start': return (await import('./start.js')).startCommand(rest, out);
    case 'token': return (await import('./token.js')).tokenCommand(rest, out);
    case 'local': return (await import('./local.js')).localCommand(rest, out);
    case 'node': return (await import('./node.js')).nodeCommand(rest);
    case 'console': return (await import('./console.js')).consoleCommand(rest, out);
    case 'usage': return (await import('./usage.js')).usageCommand(rest, out);
    case 'backup': return (await import('./backup.js')).backupCommand(rest, out);
    case 'restore': return (await import('./backup.js')).restoreCommand(rest, out);
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
