/**
 * Covering-index reads on 100,000 rows (Strata embedded, as a separate process; docs/sql.md):
 * a range read and an ORDER BY without a LIMIT whose columns an index holds (key, INCLUDE and
 * primary key columns), and, for contrast, a range read that needs a column the index does not
 * hold. Each runs once to warm up, then --runs times; prints the median wall time, the Strata
 * process's CPU time per run (user + system, from /proc: less at the mercy of a loaded machine's
 * scheduler than wall time), and the rows.
 * Run from another checkout's dist/bench to measure that build the same way.
 *
 *   node dist/bench/index-only.js [--rows 100000 --runs 5]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { option } from './options.js';
import { startStrata } from './strata-process.js';

const rows = option('rows', 100_000);
const runs = option('runs', 5);
/** DSQL allows 3,000 rows per transaction: load in batches below that. */
const BATCH = 2_000;

const QUERIES: [string, string][] = [
  ['uncovered range (20% of rows)', 'SELECT amount, note FROM items WHERE amount BETWEEN 10.00 AND 30.00'],
  ['covered range (20% of rows)', 'SELECT amount, label FROM items WHERE amount BETWEEN 10.00 AND 30.00'],
  ['covered count (50% of rows)', 'SELECT count(label) FROM items WHERE amount < 50.00'],
  ['covered ORDER BY, no LIMIT', 'SELECT id, amount, label FROM items ORDER BY amount'],
  ['uncovered range again', 'SELECT amount, note FROM items WHERE amount BETWEEN 10.00 AND 30.00'],
];

async function load(client: pg.Client): Promise<void> {
  await client.query('CREATE TABLE items (id int PRIMARY KEY, amount numeric(10,2) NOT NULL, label text NOT NULL, note text NOT NULL)');
  for (let start = 1; start <= rows; start += BATCH) {
    const end = Math.min(rows, start + BATCH - 1);
    await client.query(`INSERT INTO items SELECT g, ((g * 37) % 10000) / 100.0, 'label ' || g, repeat('n', 100) FROM generate_series(${start}, ${end}) g`);
  }
  const job = (await client.query('CREATE INDEX ASYNC items_amount ON items (amount) INCLUDE (label)')).rows[0].job_id as string;
  await client.query(`CALL sys.wait_for_job('${job}')`);
}

/**
 * CPU time (user + system) a process and its running children (the query-processor workers)
 * have used, in ms (Linux /proc; clock ticks of 10 ms).
 */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  let total = (Number(fields[11]) + Number(fields[12])) * 10;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8').split(' ').filter(Boolean)) total += cpuMs(Number(child));
  }
  return total;
}

async function timed(client: pg.Client, sql: string): Promise<{ ms: number; count: number }> {
  const started = performance.now();
  const result = await client.query({ text: sql, rowMode: 'array' });
  return { ms: performance.now() - started, count: result.rows.length };
}

async function main(): Promise<void> {
  const strata = await startStrata();
  const client = new pg.Client({ host: '127.0.0.1', port: strata.port, user: 'admin', database: 'postgres', password: strata.token(86400), types: { getTypeParser: () => (v: string) => v } });
  client.on('error', () => {});
  try {
    await client.connect();
    await load(client);
    for (const [label, sql] of QUERIES) {
      const plan = (await client.query(`EXPLAIN ${sql}`)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).find((line: string) => /Scan/.test(line))?.trim();
      const warm = await timed(client, sql);
      const times: number[] = [];
      const cpuBefore = cpuMs(strata.child.pid!);
      for (let i = 0; i < runs; i++) times.push((await timed(client, sql)).ms);
      const cpu = (cpuMs(strata.child.pid!) - cpuBefore) / runs;
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      console.log(`${label.padEnd(32)} wall ${median.toFixed(0).padStart(6)} ms  cpu ${cpu.toFixed(0).padStart(6)} ms  ${String(warm.count).padStart(6)} rows  (${plan})`);
    }
  } finally {
    await client.end().catch(() => {});
    strata.child.kill('SIGKILL');
    rmSync(strata.dataDir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
