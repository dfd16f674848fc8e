/**
 * CreateCluster → first successful query, over `--clusters N` clusters of one embedded node:
 * the time from sending CreateCluster (AWS's SDK, `@aws-sdk/client-dsql`, against the node's
 * API) until `SELECT 1` has answered on a new TLS connection to the cluster's endpoint, routed
 * by SNI. In between: GetCluster polled without pause until ACTIVE (the SDK's waiters poll
 * every 2 s or more, which would only measure their delay). The parts are printed too: the
 * CreateCluster call, the wait for ACTIVE, and connect + query. The clusters are kept, so the
 * last ones are created beside N − 1 others; the node's RSS after all is printed, and what one
 * durable file write (Disk.writeFileAtomic: two fsyncs) costs on the same disk just after.
 *
 *   npm run build && flock /tmp/bench.lock node dist/bench/create-cluster.js [--clusters 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { CreateClusterCommand, DSQLClient, GetClusterCommand } from '@aws-sdk/client-dsql';
import { startEmbedded } from '../src/node/embedded.js';
import { NodeDisk } from '../src/env/disk.js';
import { option } from './options.js';

const count = option('clusters', 50);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${name.padEnd(26)} p50 ${percentile(sorted, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(sorted, 99).toFixed(1).padStart(6)} ms   max ${sorted[sorted.length - 1]!.toFixed(1).padStart(6)} ms`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-create-'));
  const node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true, maxClusters: count + 1 });
  const client = new DSQLClient({ endpoint: `http://127.0.0.1:${node.apiPort}`, region: node.credentials.region, credentials: node.credentials });
  const total: number[] = [];
  const createCall: number[] = [];
  const untilActive: number[] = [];
  const firstQuery: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const created = await client.send(new CreateClusterCommand({ deletionProtectionEnabled: false }));
      const answered = performance.now();
      let status = created.status;
      while (status !== 'ACTIVE') {
        status = (await client.send(new GetClusterCommand({ identifier: created.identifier }))).status;
        if (status === 'FAILED') throw new Error(`cluster ${created.identifier} failed`);
      }
      const active = performance.now();
      const endpoint = created.endpoint!;
      const session = new pg.Client({
        host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres',
        password: await node.tokenFor(endpoint), ssl: { rejectUnauthorized: false, servername: endpoint },
      });
      await session.connect();
      await session.query('SELECT 1');
      const done = performance.now();
      await session.end();
      total.push(done - start);
      createCall.push(answered - start);
      untilActive.push(active - answered);
      firstQuery.push(done - active);
    }
    console.log(`${count} clusters, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(summary('CreateCluster → SELECT 1', total));
    console.log(summary('  CreateCluster call', createCall));
    console.log(summary('  until ACTIVE', untilActive));
    console.log(summary('  connect + SELECT 1', firstQuery));
    console.log(`RSS with ${count + 1} clusters open: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
    // What one durable file costs on this disk now: the registry save and the journal's manifest
    // are one each (a file fsync and a directory fsync), on the way to ACTIVE.
    const disk = new NodeDisk();
    const writes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      await disk.writeFileAtomic(join(dataDir, 'probe.json'), Buffer.from('{"probe":true}'));
      writes.push(performance.now() - start);
    }
    console.log(summary('one writeFileAtomic', writes));
  } finally {
    client.destroy();
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
