/**
 * A web console in front of a fresh embedded cluster, for the console's tests: the console is
 * assembled as `strata start --console-port` assembles it (src/cli/console.ts), talking to the
 * cluster over TLS with its certificate verified.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWebConsole, type WebConsole } from '../../src/console/web-console.js';
import type { ConsoleLimits } from '../../src/console/console-sessions.js';
import { SystemClock } from '../../src/env/clock.js';
import { NodeDisk } from '../../src/env/disk.js';
import { listenHttp } from '../../src/env/http-server.js';
import { connectPostgresTls, sendCancelRequest } from '../../src/env/postgres-socket.js';
import { SystemRandom } from '../../src/env/random.js';
import { SystemTimers } from '../../src/env/timers.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

export interface ConsoleHarness {
  readonly cluster: TestCluster;
  readonly web: WebConsole;
  /** A browser: keeps the session cookie between calls. */
  browser(): ConsoleBrowser;
  stop(): Promise<void>;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

export interface ConsoleBrowser {
  call(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  signIn(user?: string): Promise<string>;
  run(connectionId: string, sql: string): Promise<any>;
}

export async function startConsoleHarness(limits: Partial<ConsoleLimits> = {}): Promise<ConsoleHarness> {
  const cluster = await startTestCluster();
  const web = await startWebConsole({
    host: '127.0.0.1', port: 0, tls: null, limits,
    target: { host: '127.0.0.1', port: cluster.port, ca: readFileSync(join(cluster.dataDir, 'tls', 'server.crt'), 'utf8'), defaultServerName: cluster.cluster.endpoint },
  }, {
    clock: new SystemClock(0), timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(),
    connect: { open: connectPostgresTls, cancel: sendCancelRequest }, listen: listenHttp,
  });
  return {
    cluster,
    web,
    browser: () => browser(web.url, cluster),
    stop: async () => {
      await web.stop();
      await cluster.stop();
    },
  };
}

function browser(base: string, cluster: TestCluster): ConsoleBrowser {
  let cookie = '';
  const call = async (path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> => {
    const response = await fetch(new URL(path, base), {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-strata-console': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(cookie ? { cookie } : {}), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';', 1)[0]!;
    const text = await response.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* a page, not JSON */ }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    call,
    async signIn(user = 'admin') {
      const answer = await call('/api/sign-in', { user, token: await cluster.token(user) });
      if (answer.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(answer.body)}`);
      return answer.body.connection.id as string;
    },
    async run(connectionId, sql) {
      const answer = await call('/api/run', { connectionId, sql });
      if (answer.status !== 200) throw new Error(`run failed (${answer.status}): ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
  };
}
