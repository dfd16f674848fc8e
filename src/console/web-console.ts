import { fileURLToPath } from 'node:url';
import type { Clock, RandomSource, Timers } from '../contracts/time.js';
import type { Disk, ListeningServer, TlsCredentials } from '../env/env.js';
import type { HttpServerOptions } from '../env/http-server.js';
import { ConsoleApi, type StaticFile } from './console-api.js';
import { ConsoleSessions, DEFAULT_LIMITS, type ConsoleLimits, type ConsoleTarget } from './console-sessions.js';
import type { Connector } from './database-connection.js';

/**
 * The web console (docs/console.md): a page with a query editor and a Cluster Explorer, served
 * over HTTP, and a JSON API that runs SQL on database connections the console opens as the
 * signed-in user, over the PostgreSQL protocol, like any client.
 */
export interface WebConsoleOptions {
  readonly host: string;
  readonly port: number;
  /** Serve HTTPS with this key and certificate; required off loopback (see consoleHostRefusal). */
  readonly tls: TlsCredentials | null;
  readonly target: ConsoleTarget;
  readonly limits?: Partial<ConsoleLimits>;
}

export interface WebConsoleDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: RandomSource;
  readonly disk: Disk;
  readonly connect: Connector;
  readonly listen: (options: HttpServerOptions) => Promise<ListeningServer>;
}

export interface WebConsole {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The page's files, served from the source tree (a build does not copy them, an npm pack holds src/). */
const STATIC_FILES: readonly [string, string][] = [
  ['/index.html', 'text/html; charset=utf-8'],
  ['/console.js', 'text/javascript; charset=utf-8'],
  ['/console.css', 'text/css; charset=utf-8'],
  ['/favicon.svg', 'image/svg+xml'],
];

/** From dist/src/console/ (where this module runs) back to src/console/static/. */
const STATIC_DIR = fileURLToPath(new URL('../../../src/console/static/', import.meta.url));

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_HTTP_CONNECTIONS = 256;
const MAX_PENDING_SIGN_INS = 16;

export async function startWebConsole(options: WebConsoleOptions, deps: WebConsoleDeps): Promise<WebConsole> {
  const refusal = consoleHostRefusal(options.host, options.tls !== null);
  if (refusal !== null) throw new Error(refusal);
  const files = await readStaticFiles(deps.disk);
  const sessions = new ConsoleSessions({ ...deps, target: options.target, limits: { ...DEFAULT_LIMITS, ...options.limits } });
  // The Host header is checked against the listening port, known only after listen: a box
  // filled in once the server is up (no request is answered before then).
  const allowedHosts = new Set<string>();
  const api = new ConsoleApi({ sessions, files, allowedHosts: options.tls === null ? allowedHosts : null, secure: options.tls !== null, maxPendingSignIns: MAX_PENDING_SIGN_INS });
  const server = await deps.listen({
    host: options.host, port: options.port, tls: options.tls, maxBodyBytes: MAX_BODY_BYTES, maxConnections: MAX_HTTP_CONNECTIONS,
    handler: (request) => api.handle(request),
  });
  for (const name of hostNames(options.host)) allowedHosts.add(`${name}:${server.port}`);
  const shown = isIpv6(options.host) ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shown}:${server.port}/`,
    port: server.port,
    stop: async () => {
      sessions.closeAll();
      await server.close();
    },
  };
}

async function readStaticFiles(disk: Disk): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const [path, contentType] of STATIC_FILES) {
    const body = await disk.readFile(`${STATIC_DIR}${path.slice(1)}`);
    if (body === null) throw new Error(`the console's page is missing: ${STATIC_DIR}${path.slice(1)}`);
    files.set(path, { contentType, body });
  }
  return files;
}

/** The Host header values a browser sends for this address, lower case. */
function hostNames(host: string): string[] {
  const names = new Set([isIpv6(host) ? `[${host.toLowerCase()}]` : host.toLowerCase()]);
  if (isLoopback(host)) for (const name of ['localhost', '127.0.0.1', '[::1]']) names.add(name);
  return [...names];
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** An IPv6 address (a host name has no colon); shown and sent in Host in brackets. */
function isIpv6(host: string): boolean {
  return host.includes(':');
}

/**
 * Why the console may not listen on `host`, or null. Off loopback it needs TLS: the sign-in
 * request carries a token (a credential valid for up to a week) and every request the session
 * cookie; on a network in plain HTTP anyone on the path could take either.
 */
export function consoleHostRefusal(host: string, tls: boolean): string | null {
  if (isLoopback(host) || tls) return null;
  return `the console listens on ${host} only over HTTPS (give --console-cert and --console-key): `
    + 'sign-in sends a token and every request a session cookie, which plain HTTP would expose on the network';
}
