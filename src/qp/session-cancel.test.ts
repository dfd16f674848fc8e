/**
 * CancelRequest timing in a session: a cancel that comes while a statement still waits at
 * storage (for the catalog or its snapshot, as a query processor of a distributed cluster does
 * until storage's safe time passes its start timestamp) cancels that statement; a cancel that
 * comes while the session is idle is ignored, as in PostgreSQL.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Adjudicator } from '../contracts/adjudicator.js';
import { SqlError } from '../contracts/errors.js';
import type { Portal, SqlSession } from '../contracts/sql-session.js';
import type { MeasureResult, ReadRequest, ReadResult, StorageNode } from '../contracts/storage.js';
import { SystemClock } from '../env/clock.js';
import { SilentLog } from '../env/log.js';
import { SystemRandom } from '../env/random.js';
import { SystemTimers } from '../env/timers.js';
import { QueryProcessor } from './query-processor.js';
import { loadParser } from './sql/parse.js';

/** An empty store whose point reads wait, while `held` is set, until `release()`. */
class GatedStorage implements StorageNode {
  held = false;
  waiting = 0;
  private waiters: (() => void)[] = [];

  async get(): Promise<Uint8Array | null> {
    if (this.held) {
      this.waiting++;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return null;
  }

  read(_request: ReadRequest): Promise<ReadResult> {
    return Promise.resolve({ keys: [], values: [], resumeKey: null });
  }

  measure(): Promise<MeasureResult> {
    return Promise.resolve({ keys: 0, bytes: 0, resumeKey: null });
  }

  release(): void {
    this.held = false;
    for (const wake of this.waiters.splice(0)) wake();
  }

  apply(): Promise<void> {
    return Promise.resolve();
  }

  readonly appliedPosition = 0;

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const adjudicator: Adjudicator = {
  commit: () => Promise.resolve({ kind: 'committed', commitTimestamp: Date.now() * 1000 }),
  watermark: () => Date.now() * 1000,
};

async function setUp(): Promise<{ qp: QueryProcessor; storage: GatedStorage; session: SqlSession }> {
  const storage = new GatedStorage();
  const qp = new QueryProcessor({
    storage, adjudicator, clock: new SystemClock(0), timers: new SystemTimers(), random: new SystemRandom(), log: new SilentLog(),
  });
  await qp.start({ resumeIndexBuilds: false });
  const session = qp.createSession({ user: 'admin', database: 'postgres', parameters: new Map(), serverName: null }, { notice: () => {}, parameterStatus: () => {} }, 7, 42);
  return { qp, storage, session };
}

/** Runs a simple query the way the protocol layer does; the SQLSTATE of its error, or null. */
async function simpleQuery(session: SqlSession, sql: string): Promise<string | null> {
  try {
    await session.refreshCatalog();
    for (const statement of session.prepareSimple(sql)) {
      const portal: Portal = session.bind(statement, [], [], statement.fields ? statement.fields.map(() => 0) : []);
      await portal.execute(0, () => {});
    }
    return null;
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    session.markFailed();
    return error.code;
  } finally {
    await session.finishImplicit();
  }
}

async function untilWaiting(storage: GatedStorage, count: number): Promise<void> {
  while (storage.waiting < count) await new Promise((resolve) => setImmediate(resolve));
}

before(loadParser);

test('a cancel while the statement waits for the catalog at storage cancels it (57014)', async () => {
  const { qp, storage, session } = await setUp();
  storage.held = true;
  const outcome = simpleQuery(session, 'SELECT 1');
  await untilWaiting(storage, 1);
  qp.cancel(7, 42);
  storage.release();
  assert.equal(await outcome, '57014');
  // The session is usable again, and the cancel does not linger into the next statement.
  assert.equal(await simpleQuery(session, 'SELECT 1'), null);
});

test('a cancel while the statement waits for its snapshot at storage cancels it (57014)', async () => {
  const { qp, storage, session } = await setUp();
  await session.refreshCatalog();
  const [statement] = session.prepareSimple('SELECT 1');
  const portal = session.bind(statement!, [], [], [0]);
  storage.held = true;
  const running = Promise.resolve().then(() => portal.execute(0, () => {})).then(() => null, (error: SqlError) => error.code);
  await untilWaiting(storage, 1);
  qp.cancel(7, 42);
  storage.release();
  assert.equal(await running, '57014');
});

test('a cancel with the wrong key, or while the session is idle, cancels nothing', async () => {
  const { qp, storage, session } = await setUp();
  storage.held = true;
  const outcome = simpleQuery(session, 'SELECT 1');
  await untilWaiting(storage, 1);
  qp.cancel(7, 41);
  storage.release();
  assert.equal(await outcome, null);
  qp.cancel(7, 42);
  assert.equal(await simpleQuery(session, 'SELECT 1'), null);
});
