import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/**
 * Which process uses a data directory: `<data dir>/strata.pid`, holding the pid of the
 * `strata start` serving it or of the `strata backup` / `strata restore` working on it
 * offline. The offline commands open the journal and the store themselves, which is safe only
 * with no server writing them, so each side refuses while the other's live pid is there. A
 * pid file left by a killed process names a dead pid and is taken over.
 */
export class DataDirInUse extends Error {}

const FILE = 'strata.pid';

/**
 * Claims the data directory for this process (which may hold it already: a node restarted in
 * one process). Returns the release, which removes the file if it still names this process.
 */
export async function claimDataDir(dataDir: string, holder: string): Promise<() => Promise<void>> {
  const path = join(dataDir, FILE);
  const mine = `${process.pid} ${holder}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(path, mine, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
    }
    const [pidText, ...what] = (await fs.readFile(path, 'utf8').catch(() => '')).trim().split(' ');
    const pid = Number(pidText);
    if (pid === process.pid) {
      await fs.writeFile(path, mine);
      break;
    }
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new DataDirInUse(`${dataDir} is in use by ${what.join(' ') || 'strata'} (pid ${pid}); stop it first${holder === 'strata start' ? '' : ', or use the API of the running strata (AWS Backup\'s StartBackupJob / StartRestoreJob, docs/backup.md)'} (if no such process is strata, remove ${path})`);
    }
    await fs.rm(path, { force: true });
  }
  return async () => {
    const now = await fs.readFile(path, 'utf8').catch(() => '');
    if (now === mine) await fs.rm(path, { force: true });
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
