/**
 * What the web console costs, in one process (an embedded Strata and its console): a large
 * SELECT through the console, whose 10,000-row cap suspends and closes the portal, against the
 * same SELECT read whole by node-postgres; and one `SELECT 1` run through the console's HTTP
 * API against the same statement from node-postgres. CPU is this process's (server, console and
 * client together), so the comparison is between the two ways, not an absolute cost.
 *
 *   npm run build && node dist/bench/console.js [--rows 2000000] [--runs 200]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startWebConsole } from '../src/console/web-console.js';
import { SystemClock } from '../src/env/clock.js';
import { NodeDisk } from '../src/env/disk.js';
import { listenHttp } from '../src/env/http-server.js';
import { connectPostgresTls, sendCancelRequest } from '../src/env/postgres-socket.js';
import { SystemRandom } from '../src/env/random.js';
import { SystemTimers } from '../src/env/timers.js';
import { startEmbedded } from '../src/node/embedded.js';
import { option } from './options.js';

const rows = option('rows', 2_000_000);
const runs = option('runs', 200);
const bigQuery = `SELECT g, 'row ' || g AS label FROM generate_series(1, ${rows}) AS g`;

async function measure<T>(what: string, count: number, work: () => Promise<T>): Promise<void> {
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await work();
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  console.log(`${what.padEnd(44)} ${(elapsedMs / count).toFixed(2).padStart(9)} ms/op  ${((cpuMs * 1000) / count).toFixed(0).padStart(8)} µs CPU/op  heap ${heapMiB >= 0 ? '+' : ''}${heapMiB.toFixed(1)} MiB`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-console-bench-'));
  const cluster = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, quiet: true });
  const web = await startWebConsole({
    host: '127.0.0.1', port: 0, tls: null,
    target: { host: '127.0.0.1', port: cluster.port, ca: readFileSync(join(dataDir, 'tls', 'server.crt'), 'utf8'), defaultServerName: cluster.endpoint },
  }, {
    clock: new SystemClock(0), timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(),
    connect: { open: connectPostgresTls, cancel: sendCancelRequest }, listen: listenHttp,
  });
  const token = await cluster.token('admin');
  const client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'admin', database: 'postgres', password: token, ssl: { rejectUnauthorized: false } });
  await client.connect();
  let cookie = '';
  const call = async (path: string, body: unknown): Promise<any> => {
    const response = await fetch(new URL(path, web.url), { method: 'POST', headers: { 'x-strata-console': '1', 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
    cookie = response.headers.get('set-cookie')?.split(';', 1)[0] ?? cookie;
    return response.json();
  };
  const connectionId = (await call('/api/sign-in', { user: 'admin', token })).connection.id as string;
  const consoleRun = async (sql: string) => {
    const answer = await call('/api/run', { connectionId, sql });
    if (answer.statements?.[0]?.error !== null) throw new Error(JSON.stringify(answer).slice(0, 300));
    return answer;
  };
  // Warm both paths (plan caches, JIT) before measuring.
  for (let i = 0; i < 20; i++) { await client.query('SELECT 1'); await consoleRun('SELECT 1'); }
  await consoleRun(bigQuery);
  console.log(`rows ${rows}, runs ${runs}`);
  await measure(`${rows} rows read whole (node-postgres)`, 3, () => client.query(bigQuery));
  await measure(`${rows} rows, console (cap 10,000)`, 3, () => consoleRun(bigQuery));
  await measure('SELECT 1 (node-postgres, simple query)', runs, () => client.query('SELECT 1'));
  await measure('SELECT 1 (console HTTP API)', runs, () => consoleRun('SELECT 1'));
  await client.end();
  await web.stop();
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
