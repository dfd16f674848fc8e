/**
 * When the local supervisor restarts a node that died: at once the first time, then, while the
 * node keeps dying soon after each start (a crash loop: a bad config, a port taken, etcd gone),
 * after doubling pauses up to a ceiling, so a broken node costs little CPU on a shared machine
 * and a healthy one that was killed comes back within one supervision tick.
 */
export const FIRST_RETRY_MS = 250;
export const MAX_BACKOFF_MS = 5_000;
/** A node that ran this long was healthy: its next death starts the count again. */
export const STABLE_RUN_MS = 10_000;

export interface NodeRestarts {
  /** Restarts in all (shown by `strata local status`). */
  readonly total: number;
  /** Restarts in a row that each died within STABLE_RUN_MS. */
  readonly quick: number;
  /** When the current process was started (ms, the supervisor's clock). */
  readonly startedAtMs: number;
}

export const FRESH: NodeRestarts = { total: 0, quick: 0, startedAtMs: 0 };

/** How long to wait, from the moment the death is seen, before starting the node again. */
export function restartDelayMs(restarts: NodeRestarts, diedAtMs: number): number {
  const quick = diedAtMs - restarts.startedAtMs < STABLE_RUN_MS ? restarts.quick : 0;
  if (quick === 0) return 0;
  return Math.min(MAX_BACKOFF_MS, FIRST_RETRY_MS * 2 ** (quick - 1));
}

/** The record after a restart at `nowMs` of a node that died at `diedAtMs`. */
export function restarted(restarts: NodeRestarts, diedAtMs: number, nowMs: number): NodeRestarts {
  const quick = diedAtMs - restarts.startedAtMs < STABLE_RUN_MS ? restarts.quick + 1 : 1;
  return { total: restarts.total + 1, quick, startedAtMs: nowMs };
}
