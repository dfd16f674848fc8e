/**
 * `strata local up --owner-pid PID`: when the owner ends, the supervisor ends every process of
 * the cluster, so a test run that is killed (CI's time limit, a ^C) leaves no cluster behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from '../../src/env/ports.js';
import { processAlive } from '../../src/env/processes.js';
import { etcdUnavailableReason } from '../support/etcd.js';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');

test('the owner process ends, and every process of its local cluster ends with it', { skip: etcdUnavailableReason() ?? false, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-local-owner-'));
  const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  let pids: number[] = [];
  try {
    const [port] = await freePorts(1);
    await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--port', String(port), '--azs', '1', '--owner-pid', String(owner.pid)], { timeout: 120_000 });
    const state = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as { pids: Record<string, number>; supervisor: number; owner: number };
    assert.equal(state.owner, owner.pid);
    pids = [...Object.values(state.pids), state.supervisor];
    assert.ok(pids.every(processAlive), 'the cluster runs while its owner does');
    owner.kill('SIGKILL');
    // The supervisor looks every tick; the bound only keeps a broken build from hanging the run.
    for (let i = 0; i < 300 && pids.some(processAlive); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(pids.filter(processAlive), [], 'no process of the cluster outlives its owner');
  } finally {
    owner.kill('SIGKILL');
    for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
