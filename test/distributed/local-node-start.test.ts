/**
 * Start-up failures of a local cluster end in a clear error, not a 60 s wait. A node whose
 * start fails exits, so the local supervisor starts it again: a query processor that could not
 * read the catalog (no storage replica answering yet: a slow start on a loaded machine) used to
 * log the error and stay alive on its open etcd watch and gRPC channels, never restarted, and
 * `strata local up` ended with "not yet serving: qp-1" after 60 s. A client port another server
 * holds is refused before anything starts (it left both relays "starting" until that bound).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../src/env/ports.js';
import { etcdUnavailableReason, startEtcd, type TestEtcd } from '../support/etcd.js';

const STRATA = join(process.cwd(), 'bin', 'strata.js');
const skip = etcdUnavailableReason() ?? false;
/** How long the node may take to give up: its storage calls' retry window (8 s) and a loaded start. */
const EXIT_BOUND_MS = 90_000;
let etcd: TestEtcd | null = null;
let dir = '';

before(async () => {
  if (skip) return;
  etcd = await startEtcd(1);
  dir = mkdtempSync(join(tmpdir(), 'strata-node-start-'));
});

after(async () => {
  await etcd?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('a query processor whose start fails (no storage replica answers) exits with an error instead of hanging', { skip, timeout: EXIT_BOUND_MS + 30_000 }, async (t) => {
  // Nothing answers on the storage replica's and the adjudicator's ports: they are held by
  // listeners that drop each connection, so that no other test's server can take them meanwhile.
  const [qpPort, storagePort, adjudicatorPort] = await freePorts(3);
  const holders = await Promise.all([storagePort!, adjudicatorPort!].map((port) => new Promise<Server>((resolve) => {
    const holder = createServer((socket) => socket.destroy());
    holder.listen(port, '127.0.0.1', () => resolve(holder));
  })));
  t.after(() => { for (const holder of holders) holder.close(); });
  const node = (name: string, role: string, port: number) => ({ name, role, region: 'local', az: 'az1', host: '127.0.0.1', port });
  const config = {
    cluster: 'start', etcd: etcd!.endpoints, identityDir: dir,
    nodes: [node('qp-1', 'qp', qpPort!), { ...node('storage-1', 'storage', storagePort!), dataDir: join(dir, 'storage-1') },
      node('adjudicator-1', 'adjudicator', adjudicatorPort!)],
  };
  const configPath = join(dir, 'cluster.json');
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, [STRATA, 'node', '--role', 'qp', '--config', configPath, '--name', 'qp-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))),
    new Promise<'running'>((resolve) => { timer = setTimeout(() => resolve('running'), EXIT_BOUND_MS); }),
  ]);
  clearTimeout(timer);
  if (code === 'running') child.kill('SIGKILL');
  assert.notEqual(code, 'running', `the node exits after its start failed (still running after ${EXIT_BOUND_MS} ms): ${output}`);
  assert.notEqual(code, 0, 'with a failure status');
  assert.match(output, /qp-1.*start.*failed.*no storage replica answered/s);
});

test('local up refuses a client port another server holds, at once and before starting anything', { skip, timeout: 60_000 }, async () => {
  const [port] = await freePorts(1);
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  const clusterDir = mkdtempSync(join(tmpdir(), 'strata-port-taken-'));
  try {
    const refused = await promisify(execFile)(process.execPath, [STRATA, 'local', 'up', '--dir', clusterDir, '--port', String(port)], { timeout: 50_000 })
      .then(() => null, (error: { code?: number; stderr?: string; killed?: boolean }) => error);
    assert.ok(refused !== null, 'local up fails');
    assert.ok(refused.killed !== true, 'at once, not after waiting for relays that cannot bind');
    assert.match(refused.stderr ?? '', new RegExp(`cannot serve clients on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*--port`));
    assert.equal(existsSync(join(clusterDir, 'local.json')), false, 'no process was started');
  } finally {
    if (existsSync(join(clusterDir, 'local.json'))) {
      await promisify(execFile)(process.execPath, [STRATA, 'local', 'down', '--dir', clusterDir]).catch(() => {});
    }
    holder.close();
    rmSync(clusterDir, { recursive: true, force: true });
  }
});
