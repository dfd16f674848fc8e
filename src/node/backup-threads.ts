import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackupHeader } from '../contracts/backup.js';
import type { Env } from '../env/env.js';
import { BackupCancelled } from '../storage/backup.js';
import { BackupFormatError } from '../storage/backup-format.js';

/**
 * Backups and restores of the embedded node on threads of their own (docs/backup.md, "The
 * serving thread"): one worker thread per job, which reads the LMDB environment the node has
 * open (lmdb-js shares one environment among a process's threads; LMDB's readers never block
 * its writer) or fills a new one, and writes or reads the backup file itself. The thread that
 * serves sessions only starts the job and waits for its answer, so a running job costs a
 * concurrent workload a share of the CPU, not turns of its event loop.
 */

const BACKUP_THREAD_MODULE = fileURLToPath(new URL('./backup-thread.js', import.meta.url));
/** How often the job's `cancelled` is asked, and the answer passed to the thread. */
const CANCEL_POLL_MS = 20;
const CANCEL_FLAG_BYTES = 4;

/** What a backup thread does: all of it plain data, as a thread's start takes it. */
export type BackupThreadJob =
  /**
   * A backup of the store at `storePath` as of `timestamp` into `path`. The caller has made
   * sure the store holds every commit at or below `timestamp` (its storage's safe time has
   * passed it) and keeps garbage collection below it until the job ends.
   */
  | {
    readonly kind: 'backup'; readonly storePath: string; readonly path: string;
    readonly clusterId: string; readonly timestamp: number; readonly takenAtMs: number; readonly catalogVersion: number;
  }
  /** A restore of the backup at `path` as a new cluster's database in `directory`. */
  | { readonly kind: 'restore'; readonly path: string; readonly directory: string };

/** The thread's `workerData`: its job, and a flag the caller sets to 1 to cancel it. */
export interface BackupThreadStart {
  readonly job: BackupThreadJob;
  readonly cancelFlag: SharedArrayBuffer;
}

/** The thread's one message, sent once its job is over and its files and store are closed. */
export type FromBackupThread =
  | { readonly type: 'done'; readonly header: BackupHeader }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };

export class BackupThreads {
  constructor(private readonly env: Env, private readonly module: string = BACKUP_THREAD_MODULE) {}

  /**
   * Runs the job on a new thread; resolves with the file's header once the thread has ended.
   * A failure is the thread's error, of its class when it is one callers tell apart (a corrupt
   * file, a cancellation); the thread removes what it made. A thread that ends without an
   * answer (it crashed) has what the job would have left removed here.
   */
  run(job: BackupThreadJob, cancelled: () => boolean): Promise<BackupHeader> {
    const flag = new Int32Array(new SharedArrayBuffer(CANCEL_FLAG_BYTES));
    // Read by the thread between pages and batches, without a turn of its event loop.
    const check = () => { if (cancelled()) Atomics.store(flag, 0, 1); };
    check();
    const start: BackupThreadStart = { job, cancelFlag: flag.buffer as SharedArrayBuffer };
    const worker = new Worker(this.module, { workerData: start });
    const poll = this.env.timers.setInterval(check, CANCEL_POLL_MS);
    return new Promise((resolve, reject) => {
      let answer: FromBackupThread | null = null;
      let crash: Error | null = null;
      worker.on('message', (message: FromBackupThread) => { answer = message; });
      worker.on('error', (error) => { crash = error; });
      worker.on('exit', (code) => {
        this.env.timers.clearInterval(poll);
        const settled = answer as FromBackupThread | null;
        if (settled?.type === 'done') resolve(settled.header);
        else if (settled?.type === 'failed') reject(errorOf(settled));
        else {
          const reason = new Error(`the ${job.kind} thread ended without finishing: ${(crash as Error | null)?.message ?? `exit code ${code}`}`);
          this.removeLeftovers(job).then(() => reject(reason), reject);
        }
      });
    });
  }

  /** What a job that ended mid-way leaves: the partial backup file, the half-filled directory. */
  private removeLeftovers(job: BackupThreadJob): Promise<void> {
    return job.kind === 'backup' ? this.env.disk.remove(`${job.path}.partial`) : this.env.disk.remove(job.directory);
  }
}

/** The thread's error as one of this side: the classes callers tell apart keep their class. */
function errorOf(failed: Extract<FromBackupThread, { type: 'failed' }>): Error {
  if (failed.name === BackupFormatError.name) return new BackupFormatError(failed.message);
  if (failed.name === BackupCancelled.name) return new BackupCancelled(failed.message);
  return new Error(failed.message);
}
