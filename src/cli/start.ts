import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_IDLE_AFTER_MS } from '../control/control-plane.js';
import { startEmbedded } from '../node/embedded.js';
import { parseOptions, positiveIntegerOption } from './args.js';
import { CONSOLE_OPTIONS, consoleSettings, startConsole, type ConsoleSettings } from './console.js';

/** The control-plane API's port unless --api-port says otherwise (reasons below). */
export const DEFAULT_API_PORT = 8432;

/** `strata start`: every component in one process until SIGINT/SIGTERM. */
export async function startCommand(args: string[], out: (line: string) => void): Promise<number> {
  let options;
  let web: ConsoleSettings | null;
  let maxConnections: number | undefined;
  try {
    options = parseOptions(args, { 'data-dir': 'string', port: 'string', host: 'string', workers: 'string', 'api-port': 'string', 'idle-after': 'string', 'inactive-after': 'string', 'max-connections': 'string', ...CONSOLE_OPTIONS });
    web = consoleSettings(options, false);
    // DSQL's open-connection quota (10,000 by default) of each cluster this node serves.
    maxConnections = positiveIntegerOption(options, 'max-connections');
  } catch (error) {
    process.stderr.write(`strata start: ${(error as Error).message}\n`);
    return 2;
  }
  const dataDir = resolve(String(options.get('data-dir') ?? './strata-data'));
  const port = Number(options.get('port') ?? 5432);
  const host = String(options.get('host') ?? '127.0.0.1');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`strata start: invalid port "${options.get('port')}"\n`);
    return 2;
  }
  // The control-plane API's default port: HTTP's 8xxx family with PostgreSQL's 432, easy to tie
  // to 5432, and clear of PostgreSQL's 5432/5433, PgBouncer's 6432 and LocalStack's 4566 (which
  // also emulates DSQL's API). 0 picks a free port; "off" serves no API.
  const apiText = String(options.get('api-port') ?? DEFAULT_API_PORT);
  const apiPort = apiText === 'off' ? undefined : Number(apiText);
  if (apiPort !== undefined && (!/^\d+$/.test(apiText) || apiPort > 65535)) {
    process.stderr.write(`strata start: invalid --api-port "${apiText}" (a port, 0 for any free one, or off)\n`);
    return 2;
  }
  // By default one query processor per core beyond two: this process, and a core left for the
  // clients, the journal's writes and LMDB. On two cores a worker bought no select throughput
  // and cost every commit a hop between processes (pgbench update 0.55x PostgreSQL with one
  // worker, 0.72x with none; docs/performance.md, "One process on two cores").
  const workers = Number(options.get('workers') ?? Math.max(0, availableParallelism() - 2));
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    process.stderr.write(`strata start: invalid --workers "${options.get('workers')}" (0 to 64: query-processor processes besides the main one)\n`);
    return 2;
  }
  // Created clusters scale to zero as DSQL's do (docs/control-plane.md, "Idle clusters").
  const idle = idleOptions(options.get('idle-after'), options.get('inactive-after'));
  if (typeof idle === 'string') {
    process.stderr.write(`strata start: ${idle}\n`);
    return 2;
  }
  const cluster = await startEmbedded({
    dataDir, host, port, workers, ...(apiPort === undefined ? {} : { apiPort, apiPortFallback: !options.has('api-port') }),
    ...idle, ...(maxConnections === undefined ? {} : { maxConnections }),
  });
  const dirArg = dataDir === resolve('./strata-data') ? '' : ` --data-dir ${dataDir}`;
  out(`strata ready on ${host}:${cluster.port} (data in ${dataDir}, cluster endpoint ${cluster.endpoint})`);
  out(`connect: PGPASSWORD="$(npx strata token${dirArg} --admin)" psql "host=${host} port=${cluster.port} user=admin dbname=postgres sslmode=require"`);
  if (cluster.apiPort !== null) {
    out(`control plane: http://${host}:${cluster.apiPort} (DSQL's API, SigV4 with the keys in ${dataDir}/identity.json, region ${cluster.credentials.region})`);
    out(`  e.g. new DSQLClient({ endpoint: 'http://${host}:${cluster.apiPort}', region: '${cluster.credentials.region}', credentials })`);
  }
  // The console's connections verify the certificates of this node's clusters (docs/console.md);
  // a token for a created cluster routes its connection there by its endpoint.
  const webConsole = web && await cluster.certificates()
    .then((ca) => startConsole(web, { host, port: cluster.port, ca, serverName: cluster.endpoint }))
    .catch(async (error: Error) => { await cluster.stop(); throw error; });
  if (webConsole) out(`console: ${webConsole.url}`);
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      out(`strata: ${signal}, stopping`);
      Promise.all([webConsole?.stop(), cluster.stop()]).then(() => done(), (error: unknown) => {
        process.stderr.write(`strata: error while stopping: ${(error as Error).message}\n`);
        done();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/**
 * --idle-after and --inactive-after (seconds) as the control plane's options, or why they are
 * refused. A cluster turns INACTIVE only after it is IDLE, so an INACTIVE bound below the IDLE one
 * (given, or the default) is a mistake worth saying rather than quietly raising; an IDLE bound
 * above the default INACTIVE one raises the default (the user asked only for the first).
 */
export function idleOptions(idleText: unknown, inactiveText: unknown): { idleAfterMs?: number; inactiveAfterMs?: number } | string {
  const idleAfter = secondsOption(idleText, 'idle-after');
  const inactiveAfter = secondsOption(inactiveText, 'inactive-after');
  if (typeof idleAfter === 'string') return idleAfter;
  if (typeof inactiveAfter === 'string') return inactiveAfter;
  const idleMs = idleAfter === undefined ? DEFAULT_IDLE_AFTER_MS : idleAfter * 1000;
  if (inactiveAfter !== undefined && inactiveAfter * 1000 < idleMs) {
    const given = idleAfter === undefined ? 'the default' : 'given';
    return `--inactive-after ${inactiveAfter} is below --idle-after (${idleMs / 1000} s, ${given}): a cluster turns INACTIVE only after it is IDLE`;
  }
  return {
    ...(idleAfter === undefined ? {} : { idleAfterMs: idleAfter * 1000 }),
    ...(inactiveAfter === undefined ? {} : { inactiveAfterMs: inactiveAfter * 1000 }),
  };
}

/** A duration flag in seconds (fractions allowed); undefined when absent, or why it is refused. */
function secondsOption(value: unknown, name: string): number | undefined | string {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) return `invalid --${name} "${String(value)}" (seconds, more than 0)`;
  return seconds;
}
