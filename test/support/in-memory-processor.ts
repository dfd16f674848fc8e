/**
 * A query processor over an in-memory MVCC store, with an adjudicator that applies each commit
 * to storage at the next timestamp: for tests that look at storage itself or start a second
 * processor over the same store (a "restart"), such as the background-job tests in src/qp/jobs.
 */
import type { Adjudicator, CommitRequest } from '../../src/contracts/adjudicator.js';
import { SqlError } from '../../src/contracts/errors.js';
import type { SqlSession, WireCell } from '../../src/contracts/sql-session.js';
import type { Timers } from '../../src/contracts/time.js';
import { SystemClock, monotonicMicros } from '../../src/env/clock.js';
import type { UsageRecorder } from '../../src/contracts/metering.js';
import { SilentLog } from '../../src/env/log.js';
import { SystemRandom } from '../../src/env/random.js';
import { SystemTimers } from '../../src/env/timers.js';
import type { MvccStorage } from '../../src/storage/mvcc-storage.js';
import { QueryProcessor } from '../../src/qp/query-processor.js';

/** Storage whose safe time has passed every timestamp: reads never wait. */
export const ALWAYS_SAFE = { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() };

/** Applies each commit to storage at the next timestamp; `onCommit` sees every request. */
export class ApplyingAdjudicator implements Adjudicator {
  private last = 1;
  private readonly clock = new SystemClock(0);
  constructor(private readonly storage: MvccStorage, private readonly onCommit: (request: CommitRequest) => void = () => {}) {}

  async commit(request: CommitRequest): Promise<{ kind: 'committed'; commitTimestamp: number }> {
    const commitTimestamp = ++this.last;
    this.onCommit(request);
    await this.storage.apply([{ commitTimestamp, transactionId: request.transactionId, writes: [...request.writes] }], commitTimestamp);
    return { kind: 'committed', commitTimestamp };
  }

  /** Follows the clock (transactions' ages are measured by it); every later commit is above it. */
  watermark(): number {
    this.last = Math.max(this.last, this.clock.now().earliest);
    return this.last;
  }
}

/** Timers whose setImmediate callbacks can be held back (a job that never gets to run before a "restart"). */
export class HoldingTimers extends SystemTimers implements Timers {
  hold = false;
  override setImmediate(callback: () => void): void {
    if (!this.hold) super.setImmediate(callback);
  }
}

/** Starts a query processor (resuming whatever jobs its store records) and opens an admin session. */
export async function startProcessor(storage: MvccStorage, adjudicator: Adjudicator & { watermark(): number }, timers: Timers,
  usage?: UsageRecorder): Promise<{ qp: QueryProcessor; session: SqlSession }> {
  const qp = new QueryProcessor({
    storage, adjudicator, clock: new SystemClock(0), timers, random: new SystemRandom(), log: new SilentLog(), snapshotTime: () => adjudicator.watermark(),
    stopwatch: monotonicMicros, ...(usage ? { usage } : {}),
  });
  await qp.start();
  const session = qp.createSession({ user: 'admin', database: 'postgres', parameters: new Map(), serverName: null }, { notice: () => {}, parameterStatus: () => {} }, 7, 42);
  return { qp, session };
}

/** Runs a simple query in its own implicit transaction; the rows of its statements, as text cells. */
export async function simpleQuery(session: SqlSession, sql: string): Promise<(readonly WireCell[])[]> {
  const rows: (readonly WireCell[])[] = [];
  try {
    await session.refreshCatalog();
    for (const statement of session.prepareSimple(sql)) {
      const portal = session.bind(statement, [], [], statement.fields ? statement.fields.map(() => 0) : []);
      await portal.execute(0, (cells) => rows.push(cells));
    }
    return rows;
  } catch (error) {
    if (error instanceof SqlError) session.markFailed();
    throw error;
  } finally {
    await session.finishImplicit();
  }
}
