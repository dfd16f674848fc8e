/**
 * A throwaway PostgreSQL 15 for tests and benchmarks: the oracle of the differential tests.
 *
 * Each call to startPostgres() runs initdb into a fresh temporary directory and starts its own
 * postmaster on a free loopback port (trust auth, fsync off, unix sockets inside that directory),
 * so any number of test files may use one at the same time. When we run as root, initdb and the
 * postmaster run as the `postgres` OS user (PostgreSQL refuses to run as root). The processes
 * are spawned directly with that uid/gid rather than through runuser/su, so `pid` is the
 * postmaster's own pid and stop() can signal it. Instances still running when the process exits
 * are killed and their directories removed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
const STARTUP_TIMEOUT_MS = 120_000;
const SHUTDOWN_TIMEOUT_MS = 20_000;
const START_ATTEMPTS = 3;

export interface TestPostgres {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  /** The postmaster's pid. */
  readonly pid: number;
  /** The temporary directory (data directory in `data/`, unix socket beside it). */
  readonly dir: string;
  /** Connection settings for more clients of this instance. */
  readonly config: pg.ClientConfig;
  /** Runs a query on this helper's own connection (one at a time, in call order). */
  query<R extends pg.QueryResultRow = any>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Stops the server (fast shutdown, then SIGKILL if it lingers) and removes its directory. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Extra server settings (`-c name=value`). */
  readonly settings?: Readonly<Record<string, string>>;
}

/** Why PostgreSQL cannot run here, or null when it can (tests skip with this reason). */
export function postgresUnavailableReason(): string | null {
  if (!existsSync(join(POSTGRES_BIN, 'postgres')) || !existsSync(join(POSTGRES_BIN, 'initdb'))) {
    return `PostgreSQL 15 is not installed at ${POSTGRES_BIN}`;
  }
  if (isRoot() && postgresUser() === null) return 'running as root and there is no `postgres` OS user';
  return null;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const reason = postgresUnavailableReason();
  if (reason) throw new Error(reason);
  const dir = mkdtempSync(join(tmpdir(), 'strata-pg-'));
  const instance: Running = { dir, child: null };
  running.add(instance);
  try {
    const owner = isRoot() ? postgresUser() : null;
    if (owner) chownSync(dir, owner.uid, owner.gid);
    await run(join(POSTGRES_BIN, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], dir, owner);
    return await startServer(instance, owner, options);
  } catch (error) {
    await stopInstance(instance);
    throw error;
  }
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

interface Running {
  readonly dir: string;
  child: ChildProcess | null;
}

const running = new Set<Running>();

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

let cachedOwner: Owner | null | undefined;
function postgresUser(): Owner | null {
  if (cachedOwner !== undefined) return cachedOwner;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    cachedOwner = Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    cachedOwner = null;
  }
  return cachedOwner;
}

function childEnv(): NodeJS.ProcessEnv {
  // No PG* variables from our environment; a C locale so initdb needs nothing installed.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
}

/** Runs a command to completion, failing with its output. */
function run(command: string, args: string[], cwd: string, owner: Owner | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) });
    let output = '';
    const collect = (chunk: Buffer): void => {
      if (output.length < 16_384) output += chunk.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), STARTUP_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? code}):\n${output}`));
    });
  });
}

/** A port nobody listens on right now (another process may still take it: we retry). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startServer(instance: Running, owner: Owner | null, options: PostgresOptions): Promise<TestPostgres> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return await launch(instance, owner, port, options);
    } catch (error) {
      lastError = error;
      await killChild(instance);
    }
  }
  throw lastError;
}

async function launch(instance: Running, owner: Owner | null, port: number, options: PostgresOptions): Promise<TestPostgres> {
  const settings: Record<string, string> = {
    fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '50',
    shared_buffers: '32MB', listen_addresses: '127.0.0.1', unix_socket_directories: instance.dir,
    logging_collector: 'off', TimeZone: 'UTC', ...options.settings,
  };
  const args = ['-D', join(instance.dir, 'data'), '-p', String(port)];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const child = spawn(join(POSTGRES_BIN, 'postgres'), args, { cwd: instance.dir, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) });
  instance.child = child;
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8192);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(error));
    child.once('exit', (code, signal) => reject(new Error(`postgres exited during startup (${signal ?? code}):\n${log}`)));
  });
  exited.catch(() => {});
  const config: pg.ClientConfig = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
  const client = await Promise.race([connectWhenReady(config, () => child.exitCode !== null || child.signalCode !== null), exited]);
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  return handle(instance, child, client, config, port);
}

/** Connects, retrying while the server starts up (which may take seconds on a loaded machine). */
async function connectWhenReady(config: pg.ClientConfig, gone: () => boolean): Promise<pg.Client> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client(config);
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if (gone() || Date.now() > deadline) throw new Error(`postgres did not accept connections on port ${config.port}: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function handle(instance: Running, child: ChildProcess, client: pg.Client, config: pg.ClientConfig, port: number): TestPostgres {
  let stopping: Promise<void> | null = null;
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: child.pid!,
    dir: instance.dir,
    config,
    query: (sql, params) => client.query(sql, params),
    stop() {
      stopping ??= (async () => {
        await client.end().catch(() => {});
        await stopInstance(instance);
      })();
      return stopping;
    },
  };
}

async function killChild(instance: Running): Promise<void> {
  const child = instance.child;
  instance.child = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT'); // fast shutdown: disconnects clients, checkpoints, exits
  const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function stopInstance(instance: Running): Promise<void> {
  await killChild(instance);
  running.delete(instance);
  rmSync(instance.dir, { recursive: true, force: true, maxRetries: 5 });
}

/** On exit, nothing asynchronous runs: SIGQUIT (immediate shutdown) and remove the directories. */
function stopAllNow(): void {
  for (const instance of running) {
    const child = instance.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGQUIT');
      } catch {
        // already gone
      }
    }
    try {
      rmSync(instance.dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a leftover temp directory is harmless
    }
  }
  running.clear();
}

process.once('exit', stopAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAllNow();
    // Die of the signal as we would have without this listener, unless someone else handles it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}
