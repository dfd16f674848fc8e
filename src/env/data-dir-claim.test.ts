import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimDataDir, DataDirInUse } from './data-dir-claim.js';
import { processStamp } from './processes.js';

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-claim-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function otherProcess<T>(body: (pid: number) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  try {
    return await body(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

test('a live holder keeps the directory; its release frees it', () => withDir(async (dir) => {
  await otherProcess(async (pid) => {
    const stamp = processStamp(pid);
    writeFileSync(join(dir, 'strata.pid'), `${pid} strata start\n${stamp === null ? '' : `${stamp}\n`}`);
    await assert.rejects(claimDataDir(dir, 'strata backup'), (e: Error) => e instanceof DataDirInUse && /in use by strata start \(pid \d+\)/.test(e.message));
  });
  rmSync(join(dir, 'strata.pid'));
  const release = await claimDataDir(dir, 'strata start');
  assert.match(readFileSync(join(dir, 'strata.pid'), 'utf8'), new RegExp(`^${process.pid} strata start\\n`));
  await release();
  await claimDataDir(dir, 'strata backup').then((r) => r());
}));

test('a pid file whose pid another process holds now (a reboot, pids wrapped) is taken over', { skip: processStamp(process.pid) === null ? 'no /proc' : false }, () => withDir(async (dir) => {
  await otherProcess(async (pid) => {
    // Written by a holder that had this pid before: its stamp is not the running process's.
    writeFileSync(join(dir, 'strata.pid'), `${pid} strata start\n${processStamp(pid)!.replace(/\/(\d+)$/, '/1')}\n`);
    const release = await claimDataDir(dir, 'strata start');
    assert.match(readFileSync(join(dir, 'strata.pid'), 'utf8'), new RegExp(`^${process.pid} strata start\\n`));
    await release();
  });
}));

test('a pid file of an earlier Strata (no stamp) goes by the pid alone', () => withDir(async (dir) => {
  await otherProcess(async (pid) => {
    writeFileSync(join(dir, 'strata.pid'), `${pid} strata start\n`);
    await assert.rejects(claimDataDir(dir, 'strata restore'), DataDirInUse);
  });
}));
