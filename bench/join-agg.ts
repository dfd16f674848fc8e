/**
 * Query performance side by side: Strata (embedded, as a separate process) and a PostgreSQL 15
 * this script starts itself, same machine, same run, same data — 100,000 orders over 1,000
 * customers. Queries: a join with an aggregate over it, a 100,000 × 100,000 key join, and a
 * GROUP BY aggregate. Each runs once to warm up, then --runs times; prints the median time on
 * each server, the ratio, and whether the answers agree.
 *
 *   npm run bench:query [-- --rows 100000 --runs 5 --timeout 300]
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { startPostgres } from '../test/support/postgres.js';
import { option } from './options.js';
import { startStrata } from './strata-process.js';

const rows = option('rows', 100_000);
const runs = option('runs', 5);
const timeoutSeconds = option('timeout', 300);
/** DSQL allows 3,000 rows per transaction: load in batches below that. */
const BATCH = 2_000;
const CUSTOMERS = 1_000;

const SCHEMA = [
  'CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL)',
  'CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL, status text NOT NULL)',
];

const k = `${Math.round(rows / 1000)}k`;
const QUERIES: [string, string][] = [
  [`join + aggregate (${k} ⋈ 1k)`, `SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region ORDER BY c.region`],
  [`key join (${k} ⋈ ${k})`, `SELECT count(*) AS n, sum(a.amount - b.amount) AS zero FROM orders a JOIN orders b ON b.id = a.id`],
  [`group-by aggregate (${k})`, `SELECT customer_id % 100 AS bucket, count(*) AS n, sum(amount) AS total, min(amount) AS lo, max(amount) AS hi FROM orders GROUP BY customer_id % 100 ORDER BY bucket`],
];


async function load(client: pg.Client): Promise<number> {
  const started = performance.now();
  for (const ddl of SCHEMA) await client.query(ddl);
  await client.query(`INSERT INTO customers SELECT g, 'customer ' || g, CASE g % 4 WHEN 0 THEN 'north' WHEN 1 THEN 'south' WHEN 2 THEN 'east' ELSE 'west' END FROM generate_series(1, ${CUSTOMERS}) g`);
  for (let start = 1; start <= rows; start += BATCH) {
    const end = Math.min(rows, start + BATCH - 1);
    await client.query(`INSERT INTO orders SELECT g, 1 + (g * 7919) % ${CUSTOMERS}, ((g * 37) % 10000) / 100.0, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'done' END FROM generate_series(${start}, ${end}) g`);
  }
  return performance.now() - started;
}

/** The query's time, or null when it does not answer within the timeout. */
async function timed(client: pg.Client, sql: string): Promise<{ ms: number | null; rows: unknown[] }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((ok) => { timer = setTimeout(() => ok('timeout'), timeoutSeconds * 1000); });
  const answer = await Promise.race([client.query({ text: sql, rowMode: 'array' }), timeout]);
  clearTimeout(timer);
  if (answer === 'timeout') return { ms: null, rows: [] };
  return { ms: performance.now() - started, rows: answer.rows };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(client: pg.Client, sql: string): Promise<{ ms: number | null; rows: unknown[] }> {
  const warm = await timed(client, sql);
  if (warm.ms === null) return warm;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await timed(client, sql);
    if (run.ms === null) return run;
    times.push(run.ms);
  }
  return { ms: median(times), rows: warm.rows };
}

async function main(): Promise<void> {
  const postgres = await startPostgres({ settings: { fsync: 'on', synchronous_commit: 'on' } });
  const strata = await startStrata();
  const pgClient = new pg.Client({ ...postgres.config, types: { getTypeParser: () => (v: string) => v } });
  const strataClient = new pg.Client({ host: '127.0.0.1', port: strata.port, user: 'admin', database: 'postgres', password: strata.token(86400), types: { getTypeParser: () => (v: string) => v } });
  pgClient.on('error', () => {});
  strataClient.on('error', () => {});
  try {
    await pgClient.connect();
    await strataClient.connect();
    const pgLoad = await load(pgClient);
    await pgClient.query('ANALYZE');
    const strataLoad = await load(strataClient);
    console.log(`load ${rows} orders + ${CUSTOMERS} customers in ${BATCH}-row statements: PostgreSQL ${(pgLoad / 1000).toFixed(1)} s | Strata ${(strataLoad / 1000).toFixed(1)} s | ratio ${(strataLoad / pgLoad).toFixed(1)}x`);
    for (const [label, sql] of QUERIES) {
      const p = await measure(pgClient, sql);
      const s = await measure(strataClient, sql);
      const same = s.ms === null ? '' : JSON.stringify(p.rows) === JSON.stringify(s.rows) ? ', same answer' : ', ANSWERS DIFFER';
      const strataText = s.ms === null ? `no answer in ${timeoutSeconds} s` : `${s.ms.toFixed(1).padStart(8)} ms`;
      const ratio = s.ms === null || p.ms === null ? `> ${(timeoutSeconds * 1000 / (p.ms ?? 1)).toFixed(0)}x` : `${(s.ms / p.ms).toFixed(1)}x`;
      console.log(`${label.padEnd(30)} PostgreSQL ${p.ms === null ? 'no answer' : `${p.ms.toFixed(1).padStart(8)} ms`} | Strata ${strataText} | ratio ${ratio}${same} (median of ${runs})`);
      if (s.ms === null) break; // a query still running in Strata would skew the next one
    }
  } finally {
    await pgClient.end().catch(() => {});
    strataClient.end().catch(() => {});
    strata.child.kill('SIGKILL');
    await postgres.stop();
    rmSync(strata.dataDir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
