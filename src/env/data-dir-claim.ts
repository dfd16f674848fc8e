import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { processStamp } from './processes.js';

/**
 * Which process uses a data directory: `<data dir>/strata.pid`, holding the pid of the
 * `strata start` serving it or of the `strata backup` / `strata restore` working on it
 * offline. The offline commands open the journal and the store themselves, which is safe only
 * with no server writing them, so each side refuses while the other's live process is there. A
 * pid file left by a killed process names a dead pid and is taken over; so is one whose pid
 * another process holds by now (after a reboot, say): the second line is the holder's
 * processStamp, where the system has one.
 */
export class DataDirInUse extends Error {}

const FILE = 'strata.pid';

/**
 * Claims the data directory for this process (which may hold it already: a node restarted in
 * one process). Returns the release, which removes the file if it still names this process.
 */
export async function claimDataDir(dataDir: string, holder: string): Promise<() => Promise<void>> {
  const path = join(dataDir, FILE);
  const stamp = processStamp(process.pid);
  const mine = `${process.pid} ${holder}\n${stamp === null ? '' : `${stamp}\n`}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(path, mine, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
    }
    const [first = '', second = ''] = (await fs.readFile(path, 'utf8').catch(() => '')).split('\n');
    const [pidText, ...what] = first.trim().split(' ');
    const pid = Number(pidText);
    const theirStamp = second.trim() === '' ? undefined : second.trim();
    if (pid === process.pid && (theirStamp === undefined || theirStamp === stamp)) {
      await fs.writeFile(path, mine);
      break;
    }
    if (Number.isInteger(pid) && pid > 0 && alive(pid, theirStamp)) {
      throw new DataDirInUse(`${dataDir} is in use by ${what.join(' ') || 'strata'} (pid ${pid}); stop it first${holder === 'strata start' ? '' : ', or use the API of the running strata (AWS Backup\'s StartBackupJob / StartRestoreJob, docs/backup.md)'} (if no such process is strata, remove ${path})`);
    }
    await fs.rm(path, { force: true });
  }
  return async () => {
    const now = await fs.readFile(path, 'utf8').catch(() => '');
    if (now === mine) await fs.rm(path, { force: true });
  };
}

/** The recorded holder still runs (another user's process counts: EPERM). */
function alive(pid: number, stamp: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Alive, but it may be another process than the one that wrote the file.
  return stamp === undefined || processStamp(pid) === stamp;
}

/** Runs `body` with the data directory claimed (claimDataDir), releasing it however body ends. */
export async function whileClaimed<T>(dataDir: string, holder: string, body: () => Promise<T>): Promise<T> {
  const release = await claimDataDir(dataDir, holder);
  try {
    return await body();
  } finally {
    await release();
  }
}
