import { SqlError } from '../../contracts/errors.js';

/**
 * PostgreSQL's advisory lock functions. DSQL has no lock manager to hold them in (nothing in it
 * waits: conflicts are adjudicated at COMMIT), and an application that takes one relies on it
 * to exclude other sessions; answering anything but an error would let two of them in at once.
 * Refused with 0A000 rather than left to 42883, which says the function is misspelt.
 */
const ADVISORY_LOCK_FUNCTIONS: ReadonlySet<string> = new Set([
  'pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_advisory_unlock', 'pg_advisory_unlock_shared', 'pg_advisory_unlock_all',
  'pg_advisory_xact_lock', 'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock', 'pg_try_advisory_lock_shared', 'pg_try_advisory_xact_lock', 'pg_try_advisory_xact_lock_shared',
]);

/** The refusal for a call of an advisory lock function, or null for any other name. */
export function advisoryLockRefusal(name: string, location: number): SqlError | null {
  if (!ADVISORY_LOCK_FUNCTIONS.has(name)) return null;
  return new SqlError('0A000', 'advisory locks are not supported', location >= 0 ? { position: location + 1 } : {});
}
