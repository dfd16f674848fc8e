/**
 * The pids a local cluster records (DIR/local.json) outlive their processes: after a reboot, or
 * pids wrapping around while the cluster was down, another process may hold one. `local down`,
 * `kill`, `stop`, `status` and `up` go by the recorded process, not the bare pid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStamp, processStampsAvailable } from '../env/processes.js';
import { localDown, localKill, recordedAlive, writeState, type LocalState } from './local-cluster.js';

const skip = processStampsAvailable() ? false : 'no /proc: pids are all a recorded process can be known by';

async function bystander(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

function clusterDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-local-state-'));
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ cluster: 'local-test', nodes: [] }));
  return dir;
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

test('a recorded pid another process holds now is not the cluster\'s: down and kill leave that process alone', { skip }, async () => {
  const dir = clusterDir();
  const other = await bystander();
  try {
    const pid = other.pid!;
    const stale = processStamp(pid)!.replace(/\/(\d+)$/, (_, ticks: string) => `/${Number(ticks) - 1}`);
    const state: LocalState = { etcd: [], pids: { 'qp-1': pid }, supervisor: pid, stamps: { [pid]: stale } };
    writeFileSync(join(dir, 'local.json'), JSON.stringify(state));
    assert.equal(recordedAlive(state, pid), false);
    localKill(dir, 'qp-1');
    assert.deepEqual(await localDown(dir), []);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(other.exitCode, null, 'never signalled');
    assert.equal(other.signalCode, null, 'never signalled');

    // Recorded as it runs (writeState stamps it), it is the cluster's: down stops it.
    const written = writeState(dir, { etcd: [], pids: { 'qp-1': pid }, supervisor: pid });
    assert.equal(written.stamps?.[pid], processStamp(pid));
    assert.deepEqual((JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as LocalState).stamps, written.stamps);
    assert.ok(recordedAlive(written, pid));
    const gone = exited(other);
    assert.deepEqual(await localDown(dir), []);
    assert.equal(await gone, 'SIGTERM');
  } finally {
    other.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stamped state counts a process it has no stamp for as gone; an unstamped one goes by the pid', { skip }, () => {
  const pid = process.pid;
  assert.equal(recordedAlive({ etcd: [], pids: { x: pid }, stamps: {} }, pid), false, 'dead when the state was written');
  assert.ok(recordedAlive({ etcd: [], pids: { x: pid } }, pid), 'written where stamps were not kept');
  assert.ok(recordedAlive({ etcd: [], pids: { x: pid }, stamps: { [pid]: processStamp(pid)! } }, pid));
});
