import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { consoleHostRefusal, startWebConsole, type WebConsole } from '../console/web-console.js';
import { SystemClock } from '../env/clock.js';
import { NodeDisk } from '../env/disk.js';
import { listenHttp } from '../env/http-server.js';
import { connectPostgresTls, sendCancelRequest } from '../env/postgres-socket.js';
import { SystemRandom } from '../env/random.js';
import { SystemTimers } from '../env/timers.js';
import { parseOptions } from './args.js';

/** The options `strata start` and `strata console` share for the web console. */
export const CONSOLE_OPTIONS = { 'console-port': 'string', 'console-host': 'string', 'console-cert': 'string', 'console-key': 'string' } as const;

export const CONSOLE_USAGE = 'usage: strata console --host H --port P [--sslrootcert FILE] [--server-name NAME] [--console-port N] [--console-host H] [--console-cert FILE --console-key FILE]';

/** Where the console's connections go. */
export interface ConsoleDatabase {
  readonly host: string;
  readonly port: number;
  readonly ca: string | null;
  readonly serverName: string;
}

/** What the console options ask for, checked before anything starts. */
export interface ConsoleSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly cert: string; readonly key: string } | null;
}

/**
 * The console's settings from the options; null when `--console-port` is absent and the console
 * is optional. Throws with a message for the user when an option is wrong.
 */
export function consoleSettings(options: Map<string, string | true>, required: boolean): ConsoleSettings | null {
  const portText = options.get('console-port');
  if (portText === undefined && !required) return null;
  const port = Number(portText ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --console-port "${String(portText)}"`);
  const cert = options.get('console-cert');
  const key = options.get('console-key');
  if ((cert === undefined) !== (key === undefined)) throw new Error('--console-cert and --console-key go together');
  const tls = cert === undefined ? null : { cert: readFileSync(String(cert), 'utf8'), key: readFileSync(String(key), 'utf8') };
  const host = String(options.get('console-host') ?? '127.0.0.1');
  const refusal = consoleHostRefusal(host, tls !== null);
  if (refusal !== null) throw new Error(refusal);
  return { host, port, tls };
}

export function startConsole(settings: ConsoleSettings, database: ConsoleDatabase): Promise<WebConsole> {
  return startWebConsole({
    ...settings,
    target: { host: database.host, port: database.port, ca: database.ca, defaultServerName: database.serverName },
  }, {
    clock: new SystemClock(0), timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(),
    connect: { open: connectPostgresTls, cancel: sendCancelRequest }, listen: listenHttp,
  });
}

/** `strata console`: the web console alone, for any Strata endpoint (a `strata local up` cluster, say). */
export async function consoleCommand(args: string[], out: (line: string) => void): Promise<number> {
  let web: WebConsole;
  try {
    const options = parseOptions(args, { host: 'string', port: 'string', sslrootcert: 'string', 'server-name': 'string', ...CONSOLE_OPTIONS });
    const host = String(options.get('host') ?? '127.0.0.1');
    const port = Number(options.get('port') ?? 5432);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid --port "${String(options.get('port'))}"`);
    const rootCert = options.get('sslrootcert');
    const database = { host, port, ca: rootCert === undefined ? null : readFileSync(resolve(String(rootCert)), 'utf8'), serverName: String(options.get('server-name') ?? host) };
    web = await startConsole(consoleSettings(options, true)!, database);
    out(`strata console on ${web.url} (SQL to ${host}:${port}${database.ca === null ? ', server certificate not verified: give --sslrootcert to verify it' : ''})`);
  } catch (error) {
    process.stderr.write(`strata console: ${(error as Error).message}\n${CONSOLE_USAGE}\n`);
    return 2;
  }
  await new Promise<void>((done) => {
    const stop = () => { web.stop().then(done, done); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
