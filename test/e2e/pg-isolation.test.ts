/**
 * PostgreSQL's own isolation specs (../shared/corpus/pg_isolation, PostgreSQL 15.18
 * src/test/isolation) run against Strata and against PostgreSQL 15 at REPEATABLE READ, every
 * permutation step by step, and each spec's outcome classified (docs/sql.md, "Isolation"):
 * - same: every step returns the same rows or error on both;
 * - occ: the only differences are the optimistic ones — a step that waits for a row lock in
 *   PostgreSQL returns at once in Strata, and a transaction PostgreSQL fails at a statement
 *   (40001, then 25P02 for what follows) fails in Strata at its COMMIT with 40001 instead;
 * - unsupported: the spec needs what DSQL does not have (advisory locks, READ COMMITTED, MERGE…),
 *   and Strata says so with a PostgreSQL error;
 * - differs: anything else — a bug.
 * The specs ask for SERIALIZABLE, which DSQL does not offer; both sides run them at REPEATABLE
 * READ (the spec text is rewritten), so the comparison is of snapshot isolation with and without
 * locks. The spec runner is ours (PostgreSQL's isolationtester sends a setup block as one
 * multi-statement query, which DSQL refuses when it mixes DDL and DML).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';
import { parseSpec, splitStatements, type IsolationSpec } from '../support/isolation-spec.js';

type SpecClass = 'same' | 'occ' | 'unsupported' | 'differs';

/** What each spec shows (docs/sql.md, "Isolation: PostgreSQL's isolation specs"). */
const EXPECTED: Readonly<Record<string, Partial<Record<SpecClass, number>>>> = {
  // The SERIALIZABLE specs: at REPEATABLE READ both allow their write skews alike.
  'classroom-scheduling': { same: 20 },
  // PostgreSQL's second inserter waits, then fails; Strata's fails at COMMIT.
  'insert-conflict-do-nothing-2': { same: 4, occ: 4 },
  // READ COMMITTED and advisory locks (both 0A000), which DSQL does not have.
  'lock-committed-update': { unsupported: 24 },
  // Advisory locks.
  'lock-update-delete': { unsupported: 12 },
  // Partitioned tables (0A000), MERGE and READ COMMITTED.
  'merge-update': { unsupported: 14 },
  'project-manager': { same: 20 },
  'read-only-anomaly-2': { same: 2 },
  'read-only-anomaly-3': { same: 1 },
  'read-only-anomaly': { same: 1 },
  'receipt-report': { same: 210 },
  'referential-integrity': { same: 35 },
  'simple-write-skew': { same: 6 },
  'temporal-range-integrity': { same: 20 },
  'two-ids': { same: 90 },
};

/** The corpus sits beside the main repository (../shared); worktrees are one level deeper. */
function corpusDirectory(): string | null {
  const fromEnv = process.env.STRATA_CORPUS;
  if (fromEnv && existsSync(fromEnv)) return join(fromEnv, 'pg_isolation');
  let dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, '..', 'shared', 'corpus', 'pg_isolation');
    if (existsSync(candidate)) return candidate;
    dir = join(dir, '..');
  }
  return null;
}

/** One step's outcome: its rows (every result of the step, as text) or its SQLSTATE. */
interface Outcome {
  readonly result?: string;
  readonly code?: string;
  readonly message?: string;
  readonly blocked: boolean;
}

interface Server {
  readonly name: string;
  connect(): Promise<pg.Client>;
  isBlocked(pid: number, others: readonly number[]): Promise<boolean>;
}

/** Values as the server's text, so both sides compare without client-side parsing. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;
/** A step that neither finishes nor waits on a lock this long is a hang, reported as such. */
const HANG_MS = 20_000;

function resultText(result: pg.QueryResult | pg.QueryResult[]): string {
  const results = Array.isArray(result) ? result : [result];
  return results.filter((r) => r.command === 'SELECT' || r.fields.length > 0)
    .map((r) => JSON.stringify(r.rows.map((row) => JSON.stringify(row)).sort())).join(';');
}

function settle(query: Promise<pg.QueryResult | pg.QueryResult[]>): Promise<Outcome> {
  return query.then(
    (result) => ({ result: resultText(result), blocked: false }),
    (error: pg.DatabaseError) => ({ code: error.code ?? 'client', message: error.message, blocked: false }),
  );
}

/** Resolves when the step finishes (false) or the server says it waits on a lock (true). */
async function finishesOrWaits(server: Server, done: Promise<Outcome>, pid: number, others: readonly number[]): Promise<boolean> {
  let finished = false;
  void done.then(() => { finished = true; });
  const deadline = Date.now() + HANG_MS;
  for (;;) {
    await new Promise((r) => setImmediate(r));
    if (finished) return false;
    if (await server.isBlocked(pid, others)) return true;
    if (Date.now() > deadline) throw new Error('a step neither finished nor waited on a lock');
    await Promise.race([done, new Promise((r) => setTimeout(r, 10))]);
  }
}

/** Isolation levels DSQL lacks become its one level on both sides. */
function atRepeatableRead(sql: string): string {
  return sql.replace(/\bSERIALIZABLE\b/gi, 'REPEATABLE READ');
}

async function runStatements(client: pg.Client, blocks: readonly string[]): Promise<Outcome | null> {
  for (const block of blocks) {
    for (const statement of splitStatements(atRepeatableRead(block))) {
      const outcome = await settle(client.query({ text: statement, types: RAW_TYPES }));
      if (outcome.code) return outcome;
    }
  }
  return null;
}

/** Runs one permutation: each step's outcome, or the setup's error. */
async function runPermutation(server: Server, spec: IsolationSpec, permutation: readonly string[]): Promise<{ setupError?: Outcome; steps: Outcome[] }> {
  const admin = await server.connect();
  try {
    const setupError = await runStatements(admin, spec.setup);
    if (setupError) return { setupError, steps: [] };
    const clients = await Promise.all(spec.sessions.map(() => server.connect()));
    try {
      const pids = await Promise.all(clients.map(async (c) => Number((await c.query('select pg_backend_pid() as pid')).rows[0].pid)));
      for (const [i, session] of spec.sessions.entries()) {
        const error = await runStatements(clients[i]!, session.setup);
        if (error) return { setupError: error, steps: [] };
      }
      const steps = await runSteps(server, spec, permutation, clients, pids);
      for (const [i, session] of spec.sessions.entries()) await runStatements(clients[i]!, session.teardown);
      return { steps };
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    }
  } finally {
    await runStatements(admin, spec.teardown);
    await admin.end();
  }
}

async function runSteps(server: Server, spec: IsolationSpec, permutation: readonly string[], clients: pg.Client[], pids: number[]): Promise<Outcome[]> {
  const owner = (name: string): number => spec.sessions.findIndex((s) => s.steps.some((step) => step.name === name));
  const outcomes: Outcome[] = [];
  const waiting = new Map<number, { index: number; done: Promise<Outcome> }>();
  // After every step, each waiting step either finishes or is still waiting (as the tester does).
  const recheck = async (): Promise<void> => {
    for (const [session, wait] of [...waiting]) {
      const others = pids.filter((_, i) => i !== session);
      if (!(await finishesOrWaits(server, wait.done, pids[session]!, others))) {
        outcomes[wait.index] = { ...(await wait.done), blocked: true };
        waiting.delete(session);
      }
    }
  };
  for (const [index, name] of permutation.entries()) {
    const session = owner(name);
    const step = spec.sessions[session]!.steps.find((s) => s.name === name)!;
    const pending = waiting.get(session);
    if (pending) { // a step of a waiting session: PostgreSQL's tester waits for it too
      outcomes[pending.index] = { ...(await pending.done), blocked: true };
      waiting.delete(session);
    }
    const done = settle(clients[session]!.query({ text: atRepeatableRead(step.sql), types: RAW_TYPES }));
    const others = pids.filter((_, i) => i !== session);
    if (await finishesOrWaits(server, done, pids[session]!, others)) {
      outcomes[index] = { blocked: true };
      waiting.set(session, { index, done });
    } else outcomes[index] = await done;
    await recheck();
  }
  for (const [, wait] of waiting) outcomes[wait.index] = { ...(await wait.done), blocked: true };
  return outcomes;
}

const isUnsupported = (o: Outcome | undefined): boolean => o?.code === '0A000' || o?.code === '42883';

/**
 * Compares one permutation. Strata may differ from PostgreSQL only the optimistic way: no
 * waiting, and a session PostgreSQL fails with 40001 at a statement (25P02 after it) instead
 * fails at its COMMIT with 40001, its statements in between succeeding.
 */
function classify(spec: IsolationSpec, permutation: readonly string[], ours: Outcome[], oracle: Outcome[]): { kind: SpecClass; why: string } {
  const unsupported = ours.findIndex(isUnsupported);
  if (unsupported !== -1) return { kind: 'unsupported', why: `${permutation[unsupported]}: ${ours[unsupported]!.code} ${ours[unsupported]!.message}` };
  let kind: SpecClass = 'same';
  const failedInPostgres = new Set<number>();
  for (const [i, name] of permutation.entries()) {
    const session = spec.sessions.findIndex((s) => s.steps.some((step) => step.name === name));
    const a = ours[i]!;
    const b = oracle[i]!;
    if (b.blocked) kind = 'occ';
    if (b.code === '40001') failedInPostgres.add(session);
    if (a.code === b.code && a.result === b.result) {
      if (b.code === undefined && /^\s*(commit|end)\b/i.test(spec.sessions[session]!.steps.find((s) => s.name === name)!.sql)) failedInPostgres.delete(session);
      continue;
    }
    const isCommit = /^\s*(commit|end)\b/i.test(spec.sessions[session]!.steps.find((s) => s.name === name)!.sql);
    if (failedInPostgres.has(session) && (b.code === '40001' || b.code === '25P02') && a.code === undefined) { kind = 'occ'; continue; }
    if (failedInPostgres.has(session) && isCommit && a.code === '40001' && b.code === undefined) {
      failedInPostgres.delete(session);
      kind = 'occ';
      continue;
    }
    return { kind: 'differs', why: `${name}: Strata ${a.code ?? a.result} ${a.message ?? ''} / PostgreSQL ${b.code ?? b.result} ${b.message ?? ''}` };
  }
  return { kind, why: '' };
}

const corpus = corpusDirectory();
const skip = corpus === null ? 'the corpus (../shared/corpus/pg_isolation) is not here' : postgresUnavailableReason() ?? false;
let strata: TestCluster;
let postgres: TestPostgres;
let strataServer: Server;
let postgresServer: Server;
let pgControl: pg.Client | null = null;

function server(name: string, connect: () => Promise<pg.Client>, control: () => pg.Client): Server {
  return {
    name,
    connect,
    isBlocked: async (pid, others) => (await control().query('select pg_catalog.pg_isolation_test_session_is_blocked($1, $2) as b', [pid, others])).rows[0].b as boolean,
  };
}

before(async () => {
  if (skip) return;
  strata = await startTestCluster();
  const strataControl = await strata.client();
  strataServer = server('strata', () => strata.client(), () => strataControl);
  postgres = await startPostgres({ settings: { default_transaction_isolation: 'repeatable read' } });
  const pgConfig = postgres.config;
  const control = new pg.Client(pgConfig);
  control.on('error', () => {});
  await control.connect();
  pgControl = control;
  postgresServer = server('postgres', async () => {
    const client = new pg.Client(pgConfig);
    client.on('error', () => {});
    await client.connect();
    return client;
  }, () => control);
});
after(async () => {
  await pgControl?.end();
  await strata?.stop();
  await postgres?.stop();
});

type Counts = Partial<Record<SpecClass, number>>;

for (const [name, expected] of Object.entries(EXPECTED)) {
  test(`pg_isolation ${name}: ${Object.entries(expected).map(([k, n]) => `${n} ${k}`).join(', ')}`, { skip }, async () => {
    const spec = parseSpec(readFileSync(join(corpus!, 'specs', `${name}.spec`), 'utf8'));
    const counts: Counts = {};
    const differences: string[] = [];
    for (const permutation of spec.permutations) {
      const ours = await runPermutation(strataServer, spec, permutation);
      const oracle = await runPermutation(postgresServer, spec, permutation);
      assert.equal(oracle.setupError, undefined, `PostgreSQL's setup: ${oracle.setupError?.message}`);
      const verdict = ours.setupError
        ? { kind: isUnsupported(ours.setupError) ? 'unsupported' as const : 'differs' as const, why: `setup: ${ours.setupError.code} ${ours.setupError.message}` }
        : classify(spec, permutation, ours.steps, oracle.steps);
      counts[verdict.kind] = (counts[verdict.kind] ?? 0) + 1;
      if (verdict.kind !== 'same' && verdict.kind !== 'occ') differences.push(`${permutation.join(' ')}: ${verdict.why}`);
      // STRATA_ISOLATION_TRACE=1 prints every permutation's steps on both sides.
      if (process.env.STRATA_ISOLATION_TRACE) console.log(name, verdict.kind, permutation.join(' '), JSON.stringify({ ours, oracle }));
    }
    assert.deepEqual(counts, expected, differences.slice(0, 3).join('\n'));
  });
}
