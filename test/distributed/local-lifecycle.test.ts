/**
 * A local cluster's life as its user sees it: `local up --port 0` serves on a free port and says
 * which; `local stop|start|pause|resume` take several node names; after every process died at once, `local
 * up` on the same directory brings the cluster back with its data; `local down` stops every process on SIGTERM, none killed after its 5 s bound (the
 * supervisor once outlived SIGTERM on its relay children, and etcd's leader on a hand-over to a
 * member stopping with it); an `up` that does not serve within `--timeout` stops what it started
 * instead of leaving it restarting in the background; and with `--owner-pid PID`, when the
 * owner ends, the supervisor ends every process, so a killed test run leaves no cluster behind;
 * so it does when the cluster's directory is removed under it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { recordedAlive, type LocalState } from '../../src/cli/local-cluster.js';
import { etcdUnavailableReason } from '../support/etcd.js';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');
const skip = etcdUnavailableReason() ?? false;

/** A process of the cluster as local.json records it: its pid, and whether it is still that process. */
interface Recorded {
  readonly pid: number;
  alive(): boolean;
}

function clusterPids(dir: string): Recorded[] {
  const state = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as LocalState;
  // By pid and stamp: pids wrap around at 32,768 here, and a test run starts many thousands.
  return [...Object.values(state.pids), ...(state.supervisor === undefined ? [] : [state.supervisor])]
    .map((pid) => ({ pid, alive: () => recordedAlive(state, pid) }));
}

const running = (pids: readonly Recorded[]) => pids.filter((p) => p.alive()).map((p) => p.pid);

/** A test's clean-up: whatever of its cluster still runs is killed, and its directory goes. */
function killAndRemove(dir: string, pids: readonly Recorded[]): void {
  for (const pid of running(pids)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

/** Waits (up to 30 s: the bound only keeps a broken build from hanging the run) until none of `pids` runs. */
async function untilGone(pids: readonly Recorded[]): Promise<void> {
  for (let i = 0; i < 300 && running(pids).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

test('local up --port 0 serves on a free port it prints; nodes stop and start by name; after a power cut up brings the same cluster back; local down stops every process on SIGTERM', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-local-port0-'));
  let pids: Recorded[] = [];
  try {
    const { stdout } = await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--port', '0', '--azs', '1', '--owner-pid', String(process.pid)], { timeout: 150_000 });
    const port = Number(/port=(\d+)/.exec(stdout)?.[1]);
    assert.ok(port > 0, `the printed connect line names the port: ${stdout}`);
    pids = clusterPids(dir);
    // A name of its own (its etcd keys' prefix and its members' token), not every local cluster's 'local'.
    assert.match((JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { cluster: string }).cluster, /^local-[0-9a-f]{8}$/);
    const password = (await run(process.execPath, [STRATA, 'token', '--data-dir', dir, '--admin'])).stdout.trim();
    const query = async (sql: string): Promise<unknown[]> => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'admin', password, database: 'postgres', ssl: { rejectUnauthorized: false } });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };
    assert.deepEqual(await query('SELECT 1 + 1 AS two'), [{ two: 2 }]);
    await query('CREATE TABLE kept (k int PRIMARY KEY, v text)');
    await query("INSERT INTO kept VALUES (1, 'before the power cut')");

    // Node commands take several names, and check them all before touching any.
    const local = (...args: string[]) => run(process.execPath, [STRATA, 'local', ...args, '--dir', dir], { timeout: 60_000 }).then((r) => r.stdout);
    const refused = await local('stop', 'control-1', 'no-such-node').then(() => null, (error: { stderr?: string }) => error.stderr ?? '');
    assert.match(refused ?? 'it succeeded', /no process named no-such-node/);
    assert.match(await local('status'), /control-1 .* serving/, 'a refused command stopped nothing');
    assert.match(await local('stop', 'control-1', 'qp-1'), /control-1: stopped .*\nqp-1: stopped/);
    assert.match(await local('status'), /qp-1 .* stopped \(held\)/);
    assert.match(await local('start', 'control-1', 'qp-1', 'relay-1'), /control-1: started .*\nqp-1: started .*\nrelay-1: already running/);
    assert.match(await local('status', 'relay-1').then(() => '', (error: { stderr?: string }) => error.stderr ?? ''), /unexpected argument "relay-1"/);
    // A stall by name: frozen, shown as such, woken again.
    assert.match(await local('pause', 'control-1'), /control-1: paused \(SIGSTOP/);
    assert.match(await local('status'), /control-1 .* paused/);
    assert.match(await local('resume', 'control-1'), /control-1: resumed/);
    assert.doesNotMatch(await local('status'), /paused/);

    // A power cut (a laptop that reboots): every process, the supervisor too, dies at once; `up`
    // again on the same directory brings the same cluster back, on the same port, data and all.
    // The supervisor first: killed after the nodes, it could start one of them again in the
    // moment it had left (CI saw `up` then find that node running); then every process the state
    // names by then.
    const state = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as LocalState;
    assert.ok(state.supervisor !== undefined, 'a supervisor runs');
    const supervisor = [{ pid: state.supervisor, alive: () => recordedAlive(state, state.supervisor!) }];
    for (const pid of running(supervisor)) process.kill(pid, 'SIGKILL');
    await untilGone(supervisor);
    const cut = clusterPids(dir);
    for (const pid of running(cut)) process.kill(pid, 'SIGKILL');
    // As after a reboot, they are gone (a SIGKILLed process may take a moment to finish dying on
    // a loaded machine, and `up` allows it only a second).
    await untilGone(cut);
    await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--owner-pid', String(process.pid)], { timeout: 150_000 });
    pids = clusterPids(dir);
    assert.deepEqual(await query('SELECT v FROM kept'), [{ v: 'before the power cut' }]);
    const down = await run(process.execPath, [STRATA, 'local', 'down', '--dir', dir], { timeout: 120_000 });
    assert.equal(down.stdout.trim(), 'strata local cluster stopped', 'no process had to be killed');
    assert.deepEqual(running(pids), [], 'every process is gone');
    assert.match(readFileSync(join(dir, 'logs', 'supervisor.log'), 'utf8'), /supervisor stopped/, 'the supervisor ended by itself');
  } finally {
    killAndRemove(dir, pids);
  }
});

test('local up that does not serve within --timeout stops what it started and says so', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-local-timeout-'));
  let pids: Recorded[] = [];
  try {
    // No machine starts etcd, a leader, storage, a QP and a relay in 0.2 s.
    const failed = await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--port', '0', '--azs', '1', '--timeout', '0.2', '--owner-pid', String(process.pid)], { timeout: 90_000 })
      .then(() => null, (error: { code?: number; stderr?: string }) => error);
    assert.ok(failed !== null && failed.code !== 0, 'local up fails');
    assert.match(failed.stderr ?? '', /did not come up within 200 ms: .*; stopped it \(logs in /);
    assert.ok(existsSync(join(dir, 'local.json')), 'it had started processes');
    pids = clusterPids(dir);
    assert.ok(pids.length >= 3, 'etcd at least');
    assert.deepEqual(running(pids), [], 'none of them is left running');
    assert.match(await run(process.execPath, [STRATA, 'local', 'status', '--dir', dir]).then((r) => r.stdout), /etcd-1 .* stopped/);
  } finally {
    // Also when an assertion above failed before the pids were read: nothing outlives the test.
    if (pids.length === 0 && existsSync(join(dir, 'local.json'))) pids = clusterPids(dir);
    killAndRemove(dir, pids);
  }
});

test('a running cluster whose directory is removed stops every process rather than run on unreachable', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-local-removed-'));
  let pids: Recorded[] = [];
  try {
    await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--port', '0', '--azs', '1', '--owner-pid', String(process.pid)], { timeout: 150_000 });
    pids = clusterPids(dir);
    assert.ok(pids.every((p) => p.alive()), 'the cluster runs');
    rmSync(dir, { recursive: true, force: true });
    await untilGone(pids);
    assert.deepEqual(running(pids), [], 'no process of the removed cluster runs on');
  } finally {
    killAndRemove(dir, pids);
  }
});

test('the owner process ends, and every process of its local cluster ends with it', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-local-owner-'));
  const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  let pids: Recorded[] = [];
  try {
    await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--port', '0', '--azs', '1', '--owner-pid', String(owner.pid)], { timeout: 120_000 });
    const state = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as { owner: number };
    assert.equal(state.owner, owner.pid);
    pids = clusterPids(dir);
    assert.ok(pids.every((p) => p.alive()), 'the cluster runs while its owner does');
    owner.kill('SIGKILL');
    // The supervisor looks every tick.
    await untilGone(pids);
    assert.deepEqual(running(pids), [], 'no process of the cluster outlives its owner');
  } finally {
    owner.kill('SIGKILL');
    killAndRemove(dir, pids);
  }
});
