/**
 * pgbench side by side: Strata (embedded, as a separate process) and a PostgreSQL 15 this script
 * starts itself, same machine, same run. Scripts: pgbench's built-in select-only, and a
 * single-row update; prepared mode, 8 clients. Prints TPS, p50/p99 latency and the ratio, and
 * each server's memory with 100 idle connections. `--mode extended` runs pgbench's extended
 * mode instead: every execution parses its statement again as an unnamed one, as node-postgres
 * and most drivers send a parameterised query.
 *
 *   npm run build && node dist/bench/pgbench.js [--seconds 20] [--scale 1] [--clients 8] [--select-only | --update-only] [--mode prepared|extended|simple]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startPostgres } from '../test/support/postgres.js';
import { option, root } from './options.js';
import { startStrata } from './strata-process.js';

const seconds = option('seconds', 20);
const scale = option('scale', 1);
const clients = option('clients', 8);
/** Only the select-only script (and no memory measurement): for alternating builds quickly. */
const selectOnly = process.argv.includes('--select-only');
/** Only the single-row update script (and no memory measurement). */
const updateOnly = process.argv.includes('--update-only');
/** `--workers N`: Strata's query-processor worker processes (default: what `strata start` picks). */
const workers = process.argv.includes('--workers') ? process.argv[process.argv.indexOf('--workers') + 1] : null;
/** pgbench's query mode: `prepared` (Parse once, then Bind/Execute), `extended` (Parse for every execution) or `simple` (the values written into each query's text). */
const mode = process.argv.includes('--mode') ? process.argv[process.argv.indexOf('--mode') + 1]! : 'prepared';
if (mode !== 'prepared' && mode !== 'extended' && mode !== 'simple') throw new Error('--mode is prepared, extended or simple');

interface Target {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pids: () => number[];
}


function load(target: Target): void {
  const script = resolve(root, '..', 'shared', 'tools', 'pgbench-dsql-init.sh');
  if (existsSync(script)) {
    const result = spawnSync('bash', [script, String(scale)], { env: target.env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`loading ${target.name} failed: ${result.stderr}`);
    return;
  }
  throw new Error(`${script} not found: the loader lives in shared/tools`);
}

interface Result { tps: number; p50: number; p99: number; cpuMicros: number; pgbenchCpuMicros: number }

/**
 * User + system CPU time so far of a server: its first process (with what its exited children
 * used: PostgreSQL's backends end with pgbench's connections) and the others, in microseconds
 * (/proc/PID/stat counts clock ticks).
 */
function cpuMicros(pids: number[]): number {
  const tickMicros = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  let ticks = 0;
  pids.forEach((pid, i) => {
    try {
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + (i === 0 ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch { /* process gone */ }
  });
  return ticks * tickMicros;
}

/**
 * CPU time of this process's children that have exited and been waited for (pgbench: on two
 * cores, the client's CPU per transaction moves the ratio as much as the server's).
 */
function exitedChildrenCpuMicros(): number {
  const tickMicros = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * tickMicros;
}

function runPgbench(target: Target, scriptArgs: string[]): Result {
  const logDir = mkdtempSync(join(tmpdir(), 'pgbench-log-'));
  const cpuBefore = cpuMicros(target.pids());
  const pgbenchBefore = exitedChildrenCpuMicros();
  const result = spawnSync('pgbench', ['-n', '-M', mode, '-c', String(clients), '-j', '2', '-T', String(seconds), '-l', '--log-prefix', join(logDir, 'log'), ...scriptArgs], { env: target.env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pgbench against ${target.name} failed: ${result.stderr}`);
  // The server's CPU per transaction: other load on the machine distorts it far less than tps.
  const cpu = cpuMicros(target.pids()) - cpuBefore;
  const pgbenchCpu = exitedChildrenCpuMicros() - pgbenchBefore;
  const tps = Number(/tps = ([\d.]+)/.exec(result.stdout)?.[1] ?? 'NaN');
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(result.stdout)?.[1] ?? 'NaN');
  const latencies: number[] = [];
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
    }
  }
  rmSync(logDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { tps, p50: pct(0.5), p99: pct(0.99), cpuMicros: cpu / transactions, pgbenchCpuMicros: pgbenchCpu / transactions };
}

function rssKb(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch { /* process gone */ }
  }
  return total;
}

async function idleMemory(target: Target, config: pg.ClientConfig): Promise<{ before: number; after: number }> {
  const before = rssKb(target.pids());
  const connections: pg.Client[] = [];
  for (let i = 0; i < 100; i++) {
    const c = new pg.Client(config);
    c.on('error', () => {});
    await c.connect();
    connections.push(c);
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = rssKb(target.pids());
  await Promise.all(connections.map((c) => c.end()));
  return { before, after };
}

function childPids(parent: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' }).stdout.trim();
  return out ? out.split('\n').map(Number) : [];
}

async function main(): Promise<void> {
  // PostgreSQL as it ships: fsync and synchronous_commit on, like Strata's journal.
  const postgres = await startPostgres({ settings: { fsync: 'on', synchronous_commit: 'on', max_connections: '200' } });
  const strata = await startStrata(workers === null ? [] : ['--workers', workers]);
  const token = strata.token();
  const updateScript = join(mkdtempSync(join(tmpdir(), 'pgbench-script-')), 'update.sql');
  writeFileSync(updateScript, '\\set aid random(1, 100000 * :scale)\n\\set delta random(-5000, 5000)\nUPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\n');
  const pgTarget: Target = {
    name: 'PostgreSQL 15',
    env: { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(postgres.port), PGUSER: 'postgres', PGDATABASE: 'postgres', PGSSLMODE: 'disable' },
    pids: () => [postgres.pid, ...childPids(postgres.pid)],
  };
  const strataTarget: Target = {
    name: 'Strata',
    env: { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(strata.port), PGUSER: 'admin', PGDATABASE: 'postgres', PGPASSWORD: token, PGSSLMODE: 'disable' },
    pids: () => [strata.child.pid!, ...childPids(strata.child.pid!)],
  };
  try {
    for (const target of [pgTarget, strataTarget]) load(target);
    const rows: string[] = [];
    const scripts = [['select-only', ['-S', '-s', String(scale)]], ['single-row update', ['-f', updateScript, '-D', `scale=${scale}`]]] as const;
    for (const [label, scriptArgs] of selectOnly ? scripts.slice(0, 1) : updateOnly ? scripts.slice(1) : scripts) {
      const p = runPgbench(pgTarget, [...scriptArgs]);
      const s = runPgbench(strataTarget, [...scriptArgs]);
      rows.push(`${`${label}${mode === 'prepared' ? '' : ` (${mode})`}`.padEnd(18)} PostgreSQL ${p.tps.toFixed(0).padStart(7)} tps p50 ${p.p50.toFixed(2)} ms p99 ${p.p99.toFixed(2)} ms ${p.cpuMicros.toFixed(0)} µs CPU/tx (pgbench ${p.pgbenchCpuMicros.toFixed(0)})`
        + ` | Strata ${s.tps.toFixed(0).padStart(7)} tps p50 ${s.p50.toFixed(2)} ms p99 ${s.p99.toFixed(2)} ms ${s.cpuMicros.toFixed(0)} µs CPU/tx (pgbench ${s.pgbenchCpuMicros.toFixed(0)}) | ratio ${(s.tps / p.tps).toFixed(2)}x`);
      console.log(rows[rows.length - 1]);
    }
    if (selectOnly || updateOnly) return;
    const pgMemory = await idleMemory(pgTarget, { host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' });
    const strataMemory = await idleMemory(strataTarget, { host: '127.0.0.1', port: strata.port, user: 'admin', database: 'postgres', password: token });
    console.log(`memory, 100 idle connections: PostgreSQL ${(pgMemory.after / 1024).toFixed(0)} MiB (sum of process RSS, shared memory counted per process; ${(pgMemory.before / 1024).toFixed(0)} MiB before) | Strata ${(strataMemory.after / 1024).toFixed(0)} MiB RSS (${(strataMemory.before / 1024).toFixed(0)} MiB before)`);
  } finally {
    strata.child.kill('SIGTERM');
    await postgres.stop();
    rmSync(strata.dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
