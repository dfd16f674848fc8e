import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupHeader, ClusterBackups } from '../contracts/backup.js';
import { systemEnv } from '../env/system-env.js';
import { FakeClock } from '../sim/fake-clock.js';
import { ApiError } from './api-error.js';
import { ControlPlane, type ClusterCores } from './control-plane.js';
import { BackupPlane, controlPlaneSubjects, MAX_CONCURRENT_RESTORES, type RestoreJobRecord } from './backup-plane.js';

const DEFAULT_ID = 'd'.repeat(26);

const cores: ClusterCores = {
  async open(_id, directory) { await mkdir(directory, { recursive: true }); },
  async close() {},
  openConnections: () => 0,
};

function header(clusterId: string): BackupHeader {
  return { format: 1, clusterId, timestamp: 5, takenAtMs: 1, catalogVersion: 0, entries: 0, keyBytes: 0, valueBytes: 0, bodyBytes: 0, bodySha256: '' };
}

/**
 * Backups and restores that leave what a real one leaves while it runs (a partial file, a
 * half-filled directory) and then wait until released.
 */
class HeldBackups implements ClusterBackups {
  private releases: (() => void)[] = [];
  held = 0;
  async backup(clusterId: string, path: string): Promise<BackupHeader> {
    await writeFile(`${path}.partial`, 'half');
    await this.hold();
    await writeFile(path, 'whole');
    await rm(`${path}.partial`);
    return header(clusterId);
  }
  async restore(_path: string, directory: string): Promise<BackupHeader> {
    await mkdir(directory, { recursive: true });
    await this.hold();
    return header(DEFAULT_ID);
  }
  release(): void {
    for (const release of this.releases.splice(0)) release();
  }
  private async hold(): Promise<void> {
    this.held++;
    await new Promise<void>((resolve) => this.releases.push(resolve));
    this.held--;
  }
}

async function withNode(body: (start: (backups: ClusterBackups) => Promise<{ plane: ControlPlane; backups: BackupPlane }>, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-backup-plane-'));
  const env = systemEnv({ clock: new FakeClock() });
  const start = async (clusterBackups: ClusterBackups) => {
    const plane = await ControlPlane.start({ env, dataDir, region: 'us-east-1', defaultClusterId: DEFAULT_ID, cores });
    const backups = await BackupPlane.start({ env, dataDir, region: 'us-east-1', clusters: controlPlaneSubjects(plane), restores: plane, backups: clusterBackups });
    return { plane, backups };
  };
  try {
    await body(start, dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Waits for `check` (the fakes write real files, which a loaded machine may take long over). */
async function settled(check: () => boolean): Promise<void> {
  for (let i = 0; i < 12_000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check());
}

test('at most 4 restore jobs run at once: a fifth is LimitExceededException, and is taken once one ends', async () => {
  await withNode(async (start) => {
    const held = new HeldBackups();
    const { plane, backups } = await start(held);
    const arn = plane.arnOf(DEFAULT_ID);
    const job = await backups.startBackupJob({ vaultName: 'Default', resourceArn: arn });
    await settled(() => held.held === 1);
    held.release();
    await settled(() => backups.backupJob(job.id).state === 'COMPLETED');
    const point = backups.recoveryPointArn(job.recoveryPointId);

    const restores: RestoreJobRecord[] = [];
    for (let i = 0; i < MAX_CONCURRENT_RESTORES; i++) restores.push(await backups.startRestoreJob({ recoveryPointArn: point, deletionProtectionEnabled: false, copySourceTags: false }));
    await settled(() => held.held === MAX_CONCURRENT_RESTORES);
    await assert.rejects(backups.startRestoreJob({ recoveryPointArn: point, deletionProtectionEnabled: false, copySourceTags: false }),
      (error: ApiError) => error instanceof ApiError && error.type === 'LimitExceededException');
    held.release();
    await settled(() => restores.every((restore) => backups.restoreJob(restore.id).status === 'COMPLETED'));
    for (const restore of restores) assert.equal(plane.registry.get(restore.createdClusterId)?.status, 'ACTIVE');
    const fifth = await backups.startRestoreJob({ recoveryPointArn: point, deletionProtectionEnabled: false, copySourceTags: false });
    await settled(() => held.held === 1);
    held.release();
    await settled(() => backups.restoreJob(fifth.id).status === 'COMPLETED');
    await backups.stop();
    await plane.stop();
  });
});

test('a restart fails the jobs it interrupted, with a reason, and removes what they left', async () => {
  await withNode(async (start, dataDir) => {
    const held = new HeldBackups();
    const first = await start(held);
    const arn = first.plane.arnOf(DEFAULT_ID);
    const done = await first.backups.startBackupJob({ vaultName: 'Default', resourceArn: arn });
    await settled(() => held.held === 1);
    held.release();
    await settled(() => first.backups.backupJob(done.id).state === 'COMPLETED');
    const running = await first.backups.startBackupJob({ vaultName: 'Default', resourceArn: arn });
    const restore = await first.backups.startRestoreJob({ recoveryPointArn: first.backups.recoveryPointArn(done.recoveryPointId), deletionProtectionEnabled: true, copySourceTags: false });
    await settled(() => held.held === 2);
    const partial = join(dataDir, 'backups', `${running.recoveryPointId}.backup.partial`);
    const filling = join(dataDir, 'clusters', `.restore-${restore.createdClusterId}`);
    await stat(partial);
    await stat(filling);
    const stored = JSON.parse(await readFile(join(dataDir, 'backups', 'backups.json'), 'utf8')) as { backupJobs: { state: string }[] };
    assert.deepEqual(stored.backupJobs.map((job) => job.state), ['COMPLETED', 'RUNNING'], 'the running job is on disk as RUNNING');

    // As if the process died here: a new node over the same data directory.
    const second = await start(new HeldBackups());
    const interrupted = second.backups.backupJob(running.id);
    assert.equal(interrupted.state, 'FAILED');
    assert.match(interrupted.statusMessage!, /interrupted/);
    assert.equal(second.backups.restoreJob(restore.id).status, 'FAILED');
    assert.equal(second.backups.backupJob(done.id).state, 'COMPLETED');
    await assert.rejects(stat(partial), { code: 'ENOENT' });
    await assert.rejects(stat(filling), { code: 'ENOENT' });
    assert.equal(second.plane.registry.get(restore.createdClusterId), undefined);
    assert.equal(second.backups.recoveryPointsOfResource(arn).length, 1);
    await second.backups.stop();
    await second.plane.stop();
  });
});

test('a stopping node ends its jobs as FAILED', async () => {
  await withNode(async (start) => {
    const { plane, backups } = await start({
      backup: (_id, _path, cancelled) => new Promise((_resolve, reject) => {
        const poll = setInterval(() => { if (cancelled()) { clearInterval(poll); reject(new Error('the backup was interrupted')); } }, 1);
      }),
      restore: () => Promise.reject(new Error('unused')),
    });
    const job = await backups.startBackupJob({ vaultName: 'Default', resourceArn: plane.arnOf(DEFAULT_ID) });
    await backups.stop();
    assert.equal(backups.backupJob(job.id).state, 'FAILED');
    await plane.stop();
  });
});

test('a restore whose cluster reached the registry before a restart is COMPLETED, not discarded', async () => {
  await withNode(async (start, dataDir) => {
    const held = new HeldBackups();
    const first = await start(held);
    const job = await first.backups.startBackupJob({ vaultName: 'Default', resourceArn: first.plane.arnOf(DEFAULT_ID) });
    await settled(() => held.held === 1);
    held.release();
    await settled(() => first.backups.backupJob(job.id).state === 'COMPLETED');
    const restore = await first.backups.startRestoreJob({ recoveryPointArn: first.backups.recoveryPointArn(job.recoveryPointId), deletionProtectionEnabled: true, copySourceTags: false });
    await settled(() => held.held === 1);
    held.release();
    await settled(() => first.backups.restoreJob(restore.id).status === 'COMPLETED');
    await first.backups.stop();
    await first.plane.stop();
    // As if the process died after the registry write, before the job's own record.
    const path = join(dataDir, 'backups', 'backups.json');
    const stored = JSON.parse(await readFile(path, 'utf8')) as { restoreJobs: { status: string; created?: boolean }[] };
    stored.restoreJobs[0]!.status = 'RUNNING';
    delete stored.restoreJobs[0]!.created;
    await writeFile(path, JSON.stringify(stored));

    const second = await start(new HeldBackups());
    assert.equal(second.backups.restoreJob(restore.id).status, 'COMPLETED');
    assert.equal(second.plane.registry.get(restore.createdClusterId)?.status, 'ACTIVE');
    await stat(join(dataDir, 'clusters', restore.createdClusterId));
    await second.backups.stop();
    await second.plane.stop();
  });
});
