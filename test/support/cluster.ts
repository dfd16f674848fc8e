/**
 * The cluster a test talks to. By default a fresh embedded cluster (src/node/embedded.ts) in this
 * process; with STRATA_TEST_TARGET=local a multi-process `strata local up` cluster instead (3 etcd
 * members, per AZ an adjudicator, storage and QP process, one relay), so the same SQL and
 * transaction suites run against the distributed roles talking gRPC. Node's test runner runs each
 * test file in its own process and every suite starts one cluster in `before`, so a local
 * cluster is shared by the tests of one file (and never by two files: their table names would
 * collide and psql-catalog compares whole catalogs). STRATA_TEST_AZS sets the number of AZs
 * (default 3); STRATA_TEST_STORAGE_SPLITS=K1,K2 shards its storage (`local up --storage-splits`);
 * STRATA_KEEP_LOCAL=1 keeps each cluster's directory (logs in DIR/logs).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { SystemClock } from '../../src/env/clock.js';
import { NodeDisk } from '../../src/env/disk.js';
import { freePorts } from '../../src/env/ports.js';
import { recordedAlive, type LocalState } from '../../src/cli/local-cluster.js';
import { SystemRandom } from '../../src/env/random.js';
import { loadOrCreateIdentity } from '../../src/node/identity.js';
import type { ClusterConfig } from '../../src/node/roles/cluster-config.js';
import { startEmbedded, type EmbeddedCluster, type EmbeddedOptions } from '../../src/node/embedded.js';
import { createToken } from '../../src/qp/auth/token.js';
import { etcdUnavailableReason } from './etcd.js';

export type TestTarget = 'embedded' | 'local';

/** What the suites run against: STRATA_TEST_TARGET=local for a `strata local up` cluster. */
export const testTarget: TestTarget = (() => {
  const value = process.env['STRATA_TEST_TARGET'] ?? 'embedded';
  if (value !== 'embedded' && value !== 'local') throw new Error(`STRATA_TEST_TARGET must be "embedded" or "local", not "${value}"`);
  return value;
})();

/**
 * A test option for what only an embedded cluster can do (its internals, options, fake clock):
 * `test(name, embeddedOnly('why'), …)` skips it on the local target, with that reason.
 */
export function embeddedOnly(reason: string): { skip: string | false } {
  return { skip: testTarget === 'local' ? `embedded only: ${reason}` : false };
}

export interface TestCluster {
  readonly target: TestTarget;
  /** The PostgreSQL port clients connect to (the relay's, on the local target). */
  readonly port: number;
  /** The embedded cluster's or the local cluster's directory. */
  readonly dataDir: string;
  /** The embedded cluster itself; throws on the local target (skip such tests with embeddedOnly). */
  readonly cluster: EmbeddedCluster;
  /** A token (the password) for a user of this cluster, as `strata token` prints it. */
  token(user?: string): Promise<string>;
  client(options?: Partial<pg.ClientConfig>): Promise<pg.Client>;
  config(user?: string): Promise<pg.ClientConfig>;
  /**
   * `count` sessions spread over the processes that run SQL, one per process in turn: on the
   * local target straight to each QP (not through the relay, whose choice a test cannot see);
   * embedded, opened one after another while no other session is open (the primary hands each to
   * the least loaded of itself and its `workers`).
   */
  clientsInProcesses(count: number): Promise<pg.Client[]>;
  /** The pids of the processes that run SQL and may be killed: the workers, or the local QPs. */
  queryProcessorPids(): number[];
  stop(): Promise<void>;
}

export async function startTestCluster(options: Partial<EmbeddedOptions> = {}): Promise<TestCluster> {
  if (testTarget === 'local') return startLocalCluster(options);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'strata-test-'));
  const cluster = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, quiet: true, ...options });
  const processes: Processes = {
    pids: () => cluster.workerPids(),
    addresses: () => [],
  };
  return withClients('embedded', cluster.port, dataDir, cluster, processes, (user) => cluster.token(user), async () => {
    await cluster.stop();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
}

/** The processes that run SQL, as a test sees them. */
interface Processes {
  pids(): number[];
  /** Where each can be reached directly; none when only the shared port reaches them. */
  addresses(): { host: string; port: number }[];
}

function withClients(
  target: TestTarget, port: number, dataDir: string, cluster: EmbeddedCluster | null, processes: Processes,
  token: (user: string) => Promise<string>, stopCluster: () => Promise<void>,
): TestCluster {
  const clients: pg.Client[] = [];
  const config = async (user = 'admin'): Promise<pg.ClientConfig> => ({
    host: '127.0.0.1', port, user, database: 'postgres', password: await token(user),
  });
  let stopped = false;
  return {
    target,
    port,
    dataDir,
    get cluster(): EmbeddedCluster {
      if (cluster === null) throw new Error('the local test target has no embedded cluster (skip this test with embeddedOnly)');
      return cluster;
    },
    token: (user = 'admin') => token(user),
    config,
    async client(extra = {}) {
      const client = new pg.Client({ ...(await config()), ...extra });
      client.on('error', () => {});
      await client.connect();
      clients.push(client);
      return client;
    },
    async clientsInProcesses(count) {
      const direct = processes.addresses();
      const opened: pg.Client[] = [];
      for (let i = 0; i < count; i++) opened.push(await this.client(direct.length === 0 ? {} : direct[i % direct.length]));
      return opened;
    },
    queryProcessorPids: () => processes.pids(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await stopCluster();
    },
  };
}

const STRATA = fileURLToPath(new URL('../../../bin/strata.js', import.meta.url));
const run = promisify(execFile);
const LOCAL_UP_TIMEOUT_MS = 120_000;
/**
 * Local clusters this process started and has not stopped: killed if the process exits early,
 * on Ctrl-C or when the test runner stops it (their processes are detached: no signal of ours
 * reaches them).
 */
const running = new Set<string>();
process.on('exit', () => { for (const dir of running) killLocalCluster(dir); });
let signalsHandled = false;
function killOnSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const dir of running) {
        killLocalCluster(dir);
        if (!process.env['STRATA_KEEP_LOCAL']) rmSync(dir, { recursive: true, force: true });
      }
      running.clear();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * SIGKILLs every process `local up` recorded in DIR/local.json that is still that process (pids
 * wrap around at 32,768 here, and a whole test run starts tens of thousands of processes: a bare
 * recorded pid may be another test's process by now); returns the state they were recorded in.
 */
function killLocalCluster(dir: string): LocalState | null {
  const read = (): LocalState => JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as LocalState;
  let state: LocalState;
  try {
    const first = read();
    // The supervisor first: it would start the others again.
    if (first.supervisor !== undefined && recordedAlive(first, first.supervisor)) process.kill(first.supervisor, 'SIGKILL');
    state = read();
  } catch {
    return null; // no state file: nothing was started
  }
  for (const pid of Object.values(state.pids)) {
    if (recordedAlive(state, pid)) process.kill(pid, 'SIGKILL');
  }
  return state;
}

/**
 * Stops a local test cluster: SIGKILL rather than `strata local down`, whose graceful stop
 * takes some 10 s (each role group and etcd wait for their peers); a power cut is as good for a
 * test (the data stays: `local up` on the directory starts it again).
 */
export async function stopLocalCluster(dir: string): Promise<void> {
  const state = killLocalCluster(dir);
  if (state === null) return;
  const pids = Object.values(state.pids);
  for (let i = 0; i < 100 && pids.some((pid) => recordedAlive(state, pid)); i++) await new Promise((r) => setTimeout(r, 20));
}

async function strata(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [STRATA, ...args], { timeout: LOCAL_UP_TIMEOUT_MS });
  return stdout;
}

/**
 * A `local up` cluster. Of the embedded options it takes `dataDir` (a directory that already
 * holds a local cluster — one a test stopped — is started again: `local up` on it, the data
 * kept) and `workers` (SQL in several processes: the local cluster has a QP per AZ).
 */
async function startLocalCluster(options: Partial<EmbeddedOptions>): Promise<TestCluster> {
  const { dataDir, workers, ...rest } = options;
  const embeddedOptions = Object.keys(rest).filter((k) => rest[k as keyof typeof rest] !== undefined);
  if (embeddedOptions.length > 0) {
    throw new Error(`the local test target takes no embedded options (${embeddedOptions.join(', ')}): skip this test with embeddedOnly`);
  }
  const problem = etcdUnavailableReason();
  if (problem) throw new Error(`STRATA_TEST_TARGET=local: ${problem}`);
  const azs = process.env['STRATA_TEST_AZS'] ?? '3';
  if (workers !== undefined && workers + 1 > Number(azs)) {
    throw new Error(`SQL in ${workers + 1} processes needs as many QPs, one per AZ: STRATA_TEST_AZS is ${azs}`);
  }
  const splits = process.env['STRATA_TEST_STORAGE_SPLITS'] ? ['--storage-splits', process.env['STRATA_TEST_STORAGE_SPLITS']] : [];
  killOnSignals();
  // The relay's port can be taken between freePorts and its bind: a few tries, each afresh.
  let dir = '';
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    dir = dataDir ?? mkdtempSync(join(tmpdir(), 'strata-local-test-'));
    running.add(dir);
    const again = existsSync(join(dir, 'cluster.json'));
    port = again ? 0 : (await freePorts(1))[0]!;
    try {
      // Owned by this process: a killed test run takes its cluster with it.
      const out = again
        ? await strata('local', 'up', '--dir', dir, '--owner-pid', String(process.pid))
        : await strata('local', 'up', '--dir', dir, '--port', String(port), '--azs', azs, '--owner-pid', String(process.pid), ...splits);
      if (again) port = Number(/port=(\d+)/.exec(out)?.[1]);
      break;
    } catch (error) {
      await stopLocalCluster(dir);
      running.delete(dir);
      if (attempt >= 3 || again) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new Error(`strata local up failed: ${stderr || (error as Error).message} (logs in ${join(dir, 'logs')})`);
      }
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    }
  }
  const identity = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir, { clock: new SystemClock(0) });
  const token = (user: string) => createToken({ credentials: identity, user, expiresInSeconds: 3600, clock: new SystemClock(0) });
  const queryProcessors = () => (JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterConfig).nodes
    .filter((n) => n.role === 'qp').sort((a, b) => a.name.localeCompare(b.name));
  const processes: Processes = {
    pids: () => {
      const { pids } = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as { pids: Record<string, number> };
      return queryProcessors().map((n) => pids[n.name]).filter((pid): pid is number => pid !== undefined);
    },
    addresses: () => queryProcessors().map((n) => ({ host: n.host, port: n.port })),
  };
  return withClients('local', port, dir, null, processes, token, async () => {
    await stopLocalCluster(dir);
    running.delete(dir);
    if (!process.env['STRATA_KEEP_LOCAL'] && dataDir === undefined) rmSync(dir, { recursive: true, force: true });
  });
}

/** Runs a query expecting an error; returns the error (fails the test when none comes). */
export async function expectError(client: pg.Client, sql: string, params?: unknown[]): Promise<pg.DatabaseError> {
  try {
    await client.query(sql, params);
  } catch (error) {
    return error as pg.DatabaseError;
  }
  throw new Error(`expected an error from: ${sql}`);
}
