/**
 * What a new connection costs the embedded node: `--connections N` sequential node-postgres
 * connections (TLS, as `sslmode=require`; `--plain` without) to the default cluster, each
 * running `SELECT 1` and closing. Prints connect + query latency (p50/p99) and the process's CPU
 * per connection (server and client share the process). The shared port's peek at the
 * SSLRequest and ClientHello (docs/control-plane.md) sits on this path and nowhere else.
 *
 *   npm run build && flock /tmp/bench.lock node dist/bench/connect.js [--connections 300] [--plain]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startEmbedded } from '../src/node/embedded.js';
import { option } from './options.js';

const count = option('connections', 300);
const plain = process.argv.includes('--plain');

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-connect-'));
  const node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, quiet: true, workers: 0 });
  const password = await node.token('admin', 3600);
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password, ssl: plain ? false : { rejectUnauthorized: false } });
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
  };
  try {
    for (let i = 0; i < 20; i++) await connect(); // warm-up
    const times: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await connect();
      times.push(performance.now() - start);
    }
    const used = process.cpuUsage(cpu);
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
    console.log(`${count} ${plain ? 'plain' : 'TLS'} connections, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, CPU ${((used.user + used.system) / count).toFixed(0)} µs per connection`);
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
