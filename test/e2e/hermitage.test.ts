/**
 * Hermitage's isolation cases, step by step over two or three sessions, against Strata and
 * against PostgreSQL 15 at REPEATABLE READ (the oracle for what every SELECT returns).
 *
 * The cases are Martin Kleppmann's Hermitage (github.com/ept/hermitage, postgres.md; CC-BY-4.0),
 * re-encoded here as a table: one row per step, with what each side does. DSQL promises
 * PostgreSQL's REPEATABLE READ with optimistic concurrency (reference/dsql.md §4.1–4.2), so:
 * - every anomaly REPEATABLE READ prevents (G0, G1a, G1b, G1c, OTV, PMP, P4, G-single) is
 *   prevented, and every SELECT returns what PostgreSQL's returns;
 * - write skew (G2-item) and anti-dependency cycles (G2) are allowed, as in PostgreSQL;
 * - nothing blocks: a statement that waits for a row lock in PostgreSQL returns at once;
 * - the conflict surfaces at COMMIT as 40001 "change conflicts with another transaction
 *   (OC000)" (§4.2: "the later committer aborting at COMMIT"), where PostgreSQL fails the
 *   statement that touches the row (first updater wins, after waiting). So the loser's later
 *   statements still run in Strata, and fail with 25P02 in PostgreSQL.
 * Hermitage opens each transaction with `begin; set transaction isolation level …`; DSQL
 * rejects SET TRANSACTION (0A000, reference §2), so both sides use BEGIN ISOLATION LEVEL
 * REPEATABLE READ. The snapshot is taken at the first statement after BEGIN on both.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';

/** What PostgreSQL does with a step, when it differs from simply succeeding. */
type PgOutcome =
  | 'blocks→40001' // waits on another session's row lock, then fails when that one commits
  | 'blocks→23505' // waits on another session's uncommitted key, then finds it a duplicate
  | 'blocks→ok' //    waits on another session's row lock, then goes ahead
  | '40001' //        fails at once: the row changed after the snapshot
  | '23505' //        fails at once: a key committed after the snapshot is a duplicate
  | '25P02'; //       the transaction failed earlier: commands are ignored

interface Step {
  /** The session (1-based). */
  readonly t: number;
  readonly sql: string;
  /** What the SELECT returns, as `id=value` pairs in id order ('' for no rows). */
  readonly rows?: string;
  readonly pg?: PgOutcome;
  /** Strata fails this step with 40001 OC000 (only ever a COMMIT). */
  readonly strata?: '40001';
  /** In PostgreSQL this step releases the lock an earlier step waits on. */
  readonly releases?: boolean;
}

interface HermitageCase {
  readonly name: string;
  /** 'prevented' or 'allowed' at REPEATABLE READ, in PostgreSQL and in DSQL. */
  readonly anomaly: 'prevented' | 'allowed';
  readonly sessions: number;
  readonly steps: readonly Step[];
  /** The table after every session is done. */
  readonly final: string;
  /** The table at the end in PostgreSQL, where a different transaction loses there. */
  readonly pgFinal?: string;
  /** The table, when not Hermitage's `test (id int primary key, value int)`. */
  readonly create?: string;
  /** Why PostgreSQL cannot run the case, when it cannot. */
  readonly strataOnly?: string;
}

const s = (t: number, sql: string, more: Omit<Step, 't' | 'sql'> = {}): Step => ({ t, sql, ...more });

const CASES: readonly HermitageCase[] = [
  {
    name: 'G0 write cycles', anomaly: 'prevented', sessions: 2, final: '1=11 2=21',
    steps: [
      s(1, 'update test set value = 11 where id = 1'),
      s(2, 'update test set value = 12 where id = 1', { pg: 'blocks→40001' }),
      s(1, 'update test set value = 21 where id = 2'),
      s(1, 'commit', { releases: true }),
      s(1, 'select * from test', { rows: '1=11 2=21' }),
      s(2, 'update test set value = 22 where id = 2', { pg: '25P02' }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'G1a aborted reads', anomaly: 'prevented', sessions: 2, final: '1=10 2=20',
    steps: [
      s(1, 'update test set value = 101 where id = 1'),
      s(2, 'select * from test', { rows: '1=10 2=20' }),
      s(1, 'rollback'),
      s(2, 'select * from test', { rows: '1=10 2=20' }),
      s(2, 'commit'),
    ],
  },
  {
    // At read committed the second read shows 1=11; at repeatable read the snapshot holds.
    name: 'G1b intermediate reads', anomaly: 'prevented', sessions: 2, final: '1=11 2=20',
    steps: [
      s(1, 'update test set value = 101 where id = 1'),
      s(2, 'select * from test', { rows: '1=10 2=20' }),
      s(1, 'update test set value = 11 where id = 1'),
      s(1, 'commit'),
      s(2, 'select * from test', { rows: '1=10 2=20' }),
      s(2, 'commit'),
    ],
  },
  {
    name: 'G1c circular information flow', anomaly: 'prevented', sessions: 2, final: '1=11 2=22',
    steps: [
      s(1, 'update test set value = 11 where id = 1'),
      s(2, 'update test set value = 22 where id = 2'),
      s(1, 'select * from test where id = 2', { rows: '2=20' }),
      s(2, 'select * from test where id = 1', { rows: '1=10' }),
      s(1, 'commit'),
      s(2, 'commit'),
    ],
  },
  {
    // T3's snapshot is taken at its first SELECT, after T1 committed.
    name: 'OTV observed transaction vanishes', anomaly: 'prevented', sessions: 3, final: '1=11 2=19',
    steps: [
      s(1, 'update test set value = 11 where id = 1'),
      s(1, 'update test set value = 19 where id = 2'),
      s(2, 'update test set value = 12 where id = 1', { pg: 'blocks→40001' }),
      s(1, 'commit', { releases: true }),
      s(3, 'select * from test where id = 1', { rows: '1=11' }),
      s(2, 'update test set value = 18 where id = 2', { pg: '25P02' }),
      s(3, 'select * from test where id = 2', { rows: '2=19' }),
      s(2, 'commit', { strata: '40001' }),
      s(3, 'select * from test where id = 2', { rows: '2=19' }),
      s(3, 'select * from test where id = 1', { rows: '1=11' }),
      s(3, 'commit'),
    ],
  },
  {
    name: 'PMP predicate-many-preceders', anomaly: 'prevented', sessions: 2, final: '1=10 2=20 3=30',
    steps: [
      s(1, 'select * from test where value = 30', { rows: '' }),
      s(2, 'insert into test (id, value) values (3, 30)'),
      s(2, 'commit'),
      s(1, 'select * from test where value % 3 = 0', { rows: '' }),
      s(1, 'commit'),
    ],
  },
  {
    name: 'PMP with a write predicate', anomaly: 'prevented', sessions: 2, final: '1=20 2=30',
    steps: [
      s(1, 'update test set value = value + 10'),
      s(2, 'delete from test where value = 20', { pg: 'blocks→40001' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'P4 lost update', anomaly: 'prevented', sessions: 2, final: '1=11 2=20',
    steps: [
      s(1, 'select * from test where id = 1', { rows: '1=10' }),
      s(2, 'select * from test where id = 1', { rows: '1=10' }),
      s(1, 'update test set value = 11 where id = 1'),
      s(2, 'update test set value = 11 where id = 1', { pg: 'blocks→40001' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'G-single read skew', anomaly: 'prevented', sessions: 2, final: '1=12 2=18',
    steps: [
      s(1, 'select * from test where id = 1', { rows: '1=10' }),
      s(2, 'select * from test where id = 1', { rows: '1=10' }),
      s(2, 'select * from test where id = 2', { rows: '2=20' }),
      s(2, 'update test set value = 12 where id = 1'),
      s(2, 'update test set value = 18 where id = 2'),
      s(2, 'commit'),
      s(1, 'select * from test where id = 2', { rows: '2=20' }),
      s(1, 'commit'),
    ],
  },
  {
    name: 'G-single with predicate dependencies', anomaly: 'prevented', sessions: 2, final: '1=12 2=20',
    steps: [
      s(1, 'select * from test where value % 5 = 0', { rows: '1=10 2=20' }),
      s(2, 'update test set value = 12 where value = 10'),
      s(2, 'commit'),
      s(1, 'select * from test where value % 3 = 0', { rows: '' }),
      s(1, 'commit'),
    ],
  },
  {
    // PostgreSQL fails the DELETE (row 2 changed after T1's snapshot); Strata buffers it and
    // fails T1's COMMIT, whose write of row 2 meets T2's later commit.
    name: 'G-single with a write predicate', anomaly: 'prevented', sessions: 2, final: '1=12 2=18',
    steps: [
      s(1, 'select * from test where id = 1', { rows: '1=10' }),
      s(2, 'select * from test', { rows: '1=10 2=20' }),
      s(2, 'update test set value = 12 where id = 1'),
      s(2, 'update test set value = 18 where id = 2'),
      s(2, 'commit'),
      s(1, 'delete from test where value = 20', { pg: '40001' }),
      s(1, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'G2-item write skew', anomaly: 'allowed', sessions: 2, final: '1=11 2=21',
    steps: [
      s(1, 'select * from test where id in (1, 2)', { rows: '1=10 2=20' }),
      s(2, 'select * from test where id in (1, 2)', { rows: '1=10 2=20' }),
      s(1, 'update test set value = 11 where id = 1'),
      s(2, 'update test set value = 21 where id = 2'),
      s(1, 'commit'),
      s(2, 'commit'),
    ],
  },
  {
    // Not in Hermitage: DSQL's remedy for write skew (reference §4.2): the rows read FOR UPDATE
    // count as written, so T2 loses at COMMIT; PostgreSQL makes T2's FOR UPDATE wait, then fail.
    name: 'G2-item write skew prevented by SELECT … FOR UPDATE', anomaly: 'prevented', sessions: 2, final: '1=11 2=20',
    steps: [
      s(1, 'select * from test where id in (1, 2) for update', { rows: '1=10 2=20' }),
      s(2, 'select * from test where id in (1, 2) for update', { rows: '1=10 2=20', pg: 'blocks→40001' }),
      s(1, 'update test set value = 11 where id = 1'),
      s(1, 'commit', { releases: true }),
      s(2, 'update test set value = 21 where id = 2', { pg: '25P02' }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'G2 anti-dependency cycles', anomaly: 'allowed', sessions: 2, final: '1=10 2=20 3=30 4=42',
    steps: [
      s(1, 'select * from test where value % 3 = 0', { rows: '' }),
      s(2, 'select * from test where value % 3 = 0', { rows: '' }),
      s(1, 'insert into test (id, value) values (3, 30)'),
      s(2, 'insert into test (id, value) values (4, 42)'),
      s(1, 'commit'),
      s(2, 'commit'),
      s(1, 'select * from test where value % 3 = 0', { rows: '3=30 4=42' }),
    ],
  },
  {
    // First committer wins, not first updater: T2 wrote second but commits first, so T1 loses.
    name: 'P4 lost update, the later updater commits first', anomaly: 'prevented', sessions: 2, final: '1=12 2=20',
    strataOnly: "PostgreSQL makes T2's UPDATE wait for T1, so T2 cannot commit first",
    steps: [
      s(1, 'update test set value = 11 where id = 1'),
      s(2, 'update test set value = 12 where id = 1'),
      s(2, 'commit'),
      s(1, 'commit', { strata: '40001' }),
    ],
  },
  // Beyond Hermitage: the keys DSQL adjudicates (reference/dsql.md §4.2) and where that
  // differs from PostgreSQL's row locks.
  {
    // A transaction that only locked rows still reaches the adjudicator: its FOR UPDATE rows
    // count as written, so a concurrent write that commits first makes it lose.
    name: 'FOR UPDATE alone, the writer commits first', anomaly: 'prevented', sessions: 2, final: '1=11 2=20',
    strataOnly: "PostgreSQL makes T2's UPDATE wait for T1's lock, so T2 cannot commit first",
    steps: [
      s(1, 'select * from test where id = 1 for update', { rows: '1=10' }),
      s(2, 'update test set value = 11 where id = 1'),
      s(2, 'commit'),
      s(1, 'commit', { strata: '40001' }),
    ],
  },
  {
    // PostgreSQL: the writer waits for the lock and then goes ahead (T1 changed nothing).
    // DSQL: FOR UPDATE against UPDATE is a conflict, the later committer loses.
    name: 'FOR UPDATE alone, the locker commits first', anomaly: 'prevented', sessions: 2, final: '1=10 2=20', pgFinal: '1=11 2=20',
    steps: [
      s(1, 'select * from test where id = 1 for update', { rows: '1=10' }),
      s(2, 'update test set value = 11 where id = 1', { pg: 'blocks→ok' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'delete against update', anomaly: 'prevented', sessions: 2, final: '2=20',
    steps: [
      s(1, 'delete from test where id = 1'),
      s(2, 'update test set value = 11 where id = 1', { pg: 'blocks→40001' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'delete and insert again against update', anomaly: 'prevented', sessions: 2, final: '1=15 2=20',
    steps: [
      s(1, 'delete from test where id = 1'),
      s(1, 'insert into test (id, value) values (1, 15)'),
      s(2, 'update test set value = 11 where id = 1', { pg: 'blocks→40001' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    // An UPDATE that changes nothing still writes the row, in both.
    name: 'an update that changes nothing, after a concurrent commit', anomaly: 'prevented', sessions: 2, final: '1=11 2=20',
    steps: [
      s(1, 'select * from test where id = 1', { rows: '1=10' }),
      s(2, 'update test set value = 11 where id = 1'),
      s(2, 'commit'),
      s(1, 'update test set value = value where id = 1', { pg: '40001' }),
      s(1, 'commit', { strata: '40001' }),
    ],
  },
  {
    // The new primary key collides with a concurrent insert of that key.
    name: 'a key change against an insert of the new key', anomaly: 'prevented', sessions: 2, final: '2=20 3=10',
    steps: [
      s(1, 'update test set id = 3 where id = 1'),
      s(2, 'insert into test (id, value) values (3, 33)', { pg: 'blocks→23505' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    // A key committed after the snapshot: PostgreSQL reports the duplicate at the INSERT,
    // Strata cannot see it there (it is not in the snapshot) and adjudicates it at COMMIT.
    name: 'an insert of a key committed after the snapshot', anomaly: 'prevented', sessions: 2, final: '1=10 2=20 3=30',
    steps: [
      s(1, 'select * from test where id = 3', { rows: '' }),
      s(2, 'insert into test (id, value) values (3, 30)'),
      s(2, 'commit'),
      s(1, 'insert into test (id, value) values (3, 31)', { pg: '23505' }),
      s(1, 'select * from test where id = 3', { rows: '3=31', pg: '25P02' }),
      s(1, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'a unique secondary key inserted twice', anomaly: 'prevented', sessions: 2, final: '1=10 2=20 3=30',
    create: 'create table test (id int primary key, value int unique)',
    steps: [
      s(1, 'insert into test (id, value) values (3, 30)'),
      s(2, 'insert into test (id, value) values (4, 30)', { pg: 'blocks→23505' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'a unique secondary key taken by two updates', anomaly: 'prevented', sessions: 2, final: '1=30 2=20',
    create: 'create table test (id int primary key, value int unique)',
    steps: [
      s(1, 'update test set value = 30 where id = 1'),
      s(2, 'update test set value = 30 where id = 2', { pg: 'blocks→23505' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
  {
    name: 'INSERT … ON CONFLICT DO UPDATE twice', anomaly: 'prevented', sessions: 2, final: '1=100 2=20',
    steps: [
      s(1, 'insert into test (id, value) values (1, 100) on conflict (id) do update set value = excluded.value'),
      s(2, 'insert into test (id, value) values (1, 200) on conflict (id) do update set value = test.value + 1', { pg: 'blocks→40001' }),
      s(1, 'commit', { releases: true }),
      s(2, 'commit', { strata: '40001' }),
    ],
  },
];

/** What one step did on one server. */
interface Observed {
  rows?: string;
  code?: string;
  message?: string;
  blocked: boolean;
}

type Query = (sql: string) => Promise<pg.QueryResult>;

interface Server {
  readonly name: 'strata' | 'postgres';
  connect(): Promise<pg.Client>;
  /** Whether the session with this backend pid waits on one of the others' locks. */
  isBlocked(pid: number, others: readonly number[]): Promise<boolean>;
  /** Creates the case's table afresh. */
  reset(c: HermitageCase): Promise<void>;
}

function rowsText(result: pg.QueryResult): string | undefined {
  if (result.command !== 'SELECT') return undefined;
  return result.rows.map((r) => [r.id, r.value] as [number, number]).sort((a, b) => a[0] - b[0]).map(([id, v]) => `${id}=${v}`).join(' ');
}

function settle(step: Promise<pg.QueryResult>): Promise<Observed> {
  return step.then(
    (result) => ({ rows: rowsText(result), blocked: false }),
    (error: pg.DatabaseError) => ({ code: error.code, message: error.message, blocked: false }),
  );
}

/** Sends a step and waits until it completes or the server says it waits on a lock. */
async function send(server: Server, query: Query, pid: number, others: readonly number[], sql: string): Promise<{ done: Promise<Observed>; blocked: boolean }> {
  const done = settle(query(sql));
  let finished = false;
  void done.then(() => { finished = true; });
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (finished) return { done, blocked: false };
    if (await server.isBlocked(pid, others)) return { done, blocked: true };
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 10))]);
  }
}

/** Runs one case on one server: every step's outcome, and the table at the end. */
async function runCase(server: Server, c: HermitageCase): Promise<{ observed: Observed[]; final: string }> {
  await server.reset(c);
  const sessions = await Promise.all(Array.from({ length: c.sessions }, () => server.connect()));
  try {
    const pids = await Promise.all(sessions.map(async (client) => (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number));
    for (const client of sessions) await client.query('begin isolation level repeatable read');
    const observed: Observed[] = [];
    let waiting: { index: number; done: Promise<Observed> } | null = null;
    for (const [index, step] of c.steps.entries()) {
      const client = sessions[step.t - 1]!;
      const sent = await send(server, (sql) => client.query(sql), pids[step.t - 1]!, pids.filter((_, i) => i !== step.t - 1), step.sql);
      if (sent.blocked) {
        assert.equal(waiting, null, `${c.name}: two steps wait at once`);
        waiting = { index, done: sent.done };
        observed.push({ blocked: true });
        continue;
      }
      observed.push(await sent.done);
      if (step.releases && waiting !== null) {
        observed[waiting.index] = { ...(await waiting.done), blocked: true };
        waiting = null;
      }
    }
    assert.equal(waiting, null, `${c.name}: a step still waits at the end`);
    const check = await server.connect();
    const final = rowsText(await check.query('select * from test'))!;
    await check.end();
    return { observed, final };
  } finally {
    await Promise.all(sessions.map((client) => client.end().catch(() => {})));
  }
}

function expectStrata(c: HermitageCase, step: Step, got: Observed): void {
  const where = `${c.name}, T${step.t} ${step.sql}`;
  assert.equal(got.blocked, false, `${where}: nothing blocks in Strata`);
  if (step.strata === '40001') {
    assert.equal(got.code, '40001', `${where}: the later committer gets 40001 (${got.message ?? 'no error'})`);
    assert.equal(got.message, 'change conflicts with another transaction (OC000)', where);
  } else {
    assert.equal(got.code, undefined, `${where}: ${got.message}`);
    if (step.rows !== undefined) assert.equal(got.rows, step.rows, where);
  }
}

function expectPostgres(c: HermitageCase, step: Step, got: Observed): void {
  const where = `${c.name}, T${step.t} ${step.sql} (PostgreSQL)`;
  assert.equal(got.blocked, step.pg?.startsWith('blocks→') ?? false, `${where}: blocks`);
  const outcome = step.pg?.replace('blocks→', '');
  const code = outcome === 'ok' ? undefined : outcome;
  assert.equal(got.code, code, `${where}: ${got.message ?? 'no error'}`);
  if (code === undefined && step.rows !== undefined) assert.equal(got.rows, step.rows, where);
}

const TABLE = 'create table test (id int primary key, value int)';
const setup = (c: HermitageCase): string[] => ['drop table if exists test', c.create ?? TABLE, 'insert into test (id, value) values (1, 10), (2, 20)'];

let strata: TestCluster;
let postgres: TestPostgres | null = null;
let strataServer: Server;
let postgresServer: Server | null = null;
const noPostgres = postgresUnavailableReason();

before(async () => {
  strata = await startTestCluster();
  const admin = await strata.client();
  strataServer = {
    name: 'strata',
    connect: () => strata.client(),
    isBlocked: async (pid, others) => (await admin.query('select pg_catalog.pg_isolation_test_session_is_blocked($1, $2) as b', [pid, others])).rows[0].b as boolean,
    reset: async (c) => { for (const sql of setup(c)) await admin.query(sql); },
  };
  if (noPostgres) return;
  postgres = await startPostgres();
  const pgServer = postgres;
  postgresServer = {
    name: 'postgres',
    connect: async () => {
      const client = new pg.Client(pgServer.config);
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    isBlocked: async (pid, others) => (await pgServer.query('select pg_catalog.pg_isolation_test_session_is_blocked($1, $2) as b', [pid, others])).rows[0].b as boolean,
    reset: async (c) => { for (const sql of setup(c)) await pgServer.query(sql); },
  };
});
after(async () => {
  await strata?.stop();
  await postgres?.stop();
});

for (const c of CASES) {
  test(`${c.name}: ${c.anomaly} in Strata, nothing blocks, a loser fails at COMMIT`, async () => {
    const { observed, final } = await runCase(strataServer, c);
    for (const [i, step] of c.steps.entries()) expectStrata(c, step, observed[i]!);
    assert.equal(final, c.final, `${c.name}: the table at the end`);
  });

  const skip = c.strataOnly ?? noPostgres ?? false;
  test(`${c.name}: PostgreSQL 15 at REPEATABLE READ (the oracle) answers every SELECT alike`, { skip }, async () => {
    const oracle = await runCase(postgresServer!, c);
    const ours = await runCase(strataServer, c);
    for (const [i, step] of c.steps.entries()) {
      expectPostgres(c, step, oracle.observed[i]!);
      // Where both ran a SELECT, they saw the same rows: the snapshots are PostgreSQL's.
      if (oracle.observed[i]!.rows !== undefined) assert.equal(ours.observed[i]!.rows, oracle.observed[i]!.rows, `${c.name}, T${step.t} ${step.sql}`);
    }
    // Whichever side failed where, the same transactions survived (unless the case says why not).
    assert.equal(oracle.final, c.pgFinal ?? c.final, `${c.name}: the table at the end (PostgreSQL)`);
    assert.equal(ours.final, c.final, `${c.name}: the table at the end`);
  });
}
