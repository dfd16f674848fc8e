/**
 * The `strata` command line as tests of a `strata local up` cluster use it: run a command, open a
 * session with a token, wait for a node to serve.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePorts, listenProblem } from '../../src/env/ports.js';
import type { ClusterConfig, NodeConfig } from '../../src/node/roles/cluster-config.js';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');
const COMMAND_MS = 120_000;

/** `strata ARGS…`, its stdout; rejects (with stdout and stderr) when it fails. */
export async function strata(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [STRATA, ...args], { timeout: COMMAND_MS });
  return stdout;
}

/**
 * `strata local up ARGS… --port P` on a free port P — with `pair`, P+1 free too: a linked
 * cluster's second region's endpoint. Another test's server can take a picked port before the
 * cluster checks it; `local up` then refuses before it starts anything, and this tries again on
 * other ports.
 */
export async function localUpOnFreePort(args: readonly string[], options: { pair?: boolean } = {}): Promise<{ port: number; out: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = options.pair === true ? await twoFreePorts() : (await freePorts(1))[0]!;
    try {
      return { port, out: await strata('local', 'up', ...args, '--port', String(port)) };
    } catch (error) {
      const taken = /cannot serve clients on/.test((error as { stderr?: string }).stderr ?? '');
      if (!taken || attempt >= 3) throw error;
    }
  }
}

/** A free port whose successor is free too. */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const [port] = await freePorts(1);
    if (port! < 65_535 && await listenProblem(port! + 1, '127.0.0.1') === null) return port!;
  }
}

/** An admin session through the cluster's endpoint, with a token from its directory. */
export async function localSession(dir: string, port: number): Promise<pg.Client> {
  const password = (await strata('token', '--data-dir', dir, '--admin')).trim();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'admin', password, database: 'postgres' });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** `read()` again every 200 ms until `done` holds for what it gives (a failed read counts as not yet). */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, limitMs = 60_000): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    assert.ok(performance.now() - started < limitMs, `${what} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Until `strata local status` shows node `name` serving. */
export async function serving(dir: string, name: string): Promise<void> {
  await until(() => strata('local', 'status', '--dir', dir), (out) => new RegExp(`^${name}\\s.*\\sserving`, 'm').test(out), `${name} serving`);
}

/** A test file's `local up --azs 2 --autoscale SCALING` cluster, up before its tests and down after. */
export interface ScalingCluster {
  readonly dir: string;
  readonly port: number;
  config(): ClusterConfig;
  /** The nodes automatic scaling added (and has not removed). */
  scaled(): NodeConfig[];
}

export function useScalingCluster(name: string, scaling: object, skip: string | false): ScalingCluster {
  let parent = '';
  const cluster = {
    dir: '',
    port: 0,
    config: () => JSON.parse(readFileSync(join(cluster.dir, 'cluster.json'), 'utf8')) as ClusterConfig,
    scaled: () => cluster.config().nodes.filter((n) => n.added?.by === 'scaling'),
  };
  before(async () => {
    if (skip) return;
    parent = mkdtempSync(join(tmpdir(), `strata-${name}-`));
    cluster.dir = join(parent, 'cluster');
    ({ port: cluster.port } = await localUpOnFreePort(['--dir', cluster.dir, '--azs', '2', '--owner-pid', String(process.pid), '--autoscale', JSON.stringify(scaling)]));
  });
  after(async () => {
    if (skip || parent === '') return;
    await strata('local', 'down', '--dir', cluster.dir).catch(() => {});
    rmSync(parent, { recursive: true, force: true });
  });
  return cluster;
}
