/**
 * Runs a corpus file against PostgreSQL and Strata side by side and judges every statement:
 *
 *  - a statement DSQL refuses (dsql.ts) passes when Strata answers with DSQL's SQLSTATE (and
 *    DSQL's text, where it is on record) — PostgreSQL's answer does not matter;
 *  - a statement that touches what a refused statement would have made or changed (a table
 *    CREATE TEMP made, a transaction a SAVEPOINT aborted) passes when the two still agree and is
 *    otherwise counted apart ("follows a refusal"), outside the percentage;
 *  - every other statement passes when Strata's answer matches PostgreSQL's (compare.ts).
 *
 * Failures are attributed to a cause; a failure on an object that an earlier failing statement
 * should have created or filled is attributed to that earlier cause (cascaded).
 */
import { analyze, withoutAsync, type StatementInfo } from './analysis.js';
import { compareOutcomes, describeOutcome, type Difference } from './compare.js';
import type { CorpusFile } from './corpus.js';
import { DsqlTransaction, dsqlValue, refusalOf, type Refusal } from './dsql.js';
import { DsqlSessionRoles } from './dsql-roles.js';
import { DivergedSettings, DsqlReadOnlyDefault, type SessionDivergence } from './dsql-session.js';
import type { Endpoint, Outcome } from './endpoint.js';
import { literal, type Step, type StepSource } from './steps.js';

export type Verdict =
  /** Strata answered as PostgreSQL did. */
  | 'pass'
  /** Strata answered differently. */
  | 'fail'
  /** DSQL refuses the statement and Strata gave DSQL's error. */
  | 'refused-ok'
  /** DSQL refuses the statement and Strata did not give DSQL's error. */
  | 'refused-fail'
  /** The statement follows a DSQL refusal and the two differ: not scored. */
  | 'dependent'
  /** Not run (another engine's record, a psql describe command, no answer from PostgreSQL). */
  | 'skip';

export interface StatementResult {
  readonly file: string;
  readonly line: number;
  readonly sql: string;
  readonly verdict: Verdict;
  readonly cause?: string;
  /** The failure follows from an earlier failed statement (cause is that statement's). */
  readonly cascade?: boolean;
  readonly detail?: string;
  readonly postgres?: string;
  readonly strata?: string;
  readonly refusal?: string;
  /** Milliseconds each server took. */
  readonly ms?: { readonly postgres: number; readonly strata: number };
}

export interface FileResult {
  readonly file: string;
  readonly corpus: string;
  readonly counts: Record<Verdict, number>;
  readonly statements: StatementResult[];
  readonly ms: number;
  /** Why the file stopped early, if it did. */
  readonly aborted?: string;
}

/** The statements Strata took longest over (the report lists them). */
export function slowest(statements: readonly StatementResult[], n: number): StatementResult[] {
  return statements.filter((s) => s.ms).sort((a, b) => b.ms!.strata - a.ms!.strata).slice(0, n);
}

export interface Side {
  readonly endpoint: Endpoint;
  /** Called when the endpoint's connection was dropped: make the server usable again. */
  revive?(): Promise<void>;
}

export interface RunnerOptions {
  /** Batch size for loading COPY data (DSQL allows 3,000 rows per transaction). */
  readonly loadBatch?: number;
  /** Stop a file after this many statements without an answer from Strata. */
  readonly maxTimeouts?: number;
  /** Extra session settings for both servers. */
  readonly session?: readonly string[];
  /**
   * Names of shared setup tables (pg_regress's test_setup) that a file must not change on one
   * side only: a statement that follows a refusal and writes one of them is not sent to Strata
   * (with CREATE TEMP TABLE x refused, Strata's INSERT INTO x would land in the shared x).
   */
  readonly shared?: () => ReadonlySet<string>;
  /** Called after each passing statement, on the same sessions (`--index-check` explains it). */
  readonly passed?: (statement: { file: string; line: number; sql: string }, infos: StatementInfo[] | null, postgres: Endpoint, strata: Endpoint) => Promise<void>;
}

export function emptyCounts(): Record<Verdict, number> {
  return { pass: 0, fail: 0, 'refused-ok': 0, 'refused-fail': 0, dependent: 0, skip: 0 };
}

/** Per-file memory of what diverged between the two servers. */
interface FileState {
  readonly txn: DsqlTransaction;
  /** Session state a refused SET left different (dsql-session.ts): the role, the read-only default. */
  readonly session: readonly SessionDivergence[];
  /** Settings a diverged block committed on PostgreSQL's side only (one of `session`). */
  readonly settings: DivergedSettings;
  /**
   * Objects a DSQL refusal made differ (name → refusal rule). `rows` when only their rows differ
   * (a refused TRUNCATE): DDL on them is still compared.
   */
  readonly refused: Map<string, { rule: string; rows: boolean }>;
  /** Objects a failed statement should have created or changed (name → its cause). */
  readonly failed: Map<string, string>;
  /** A failure inside the open transaction block: what follows in the block differs because of it. */
  blockCause: string | null;
  index: number;
}

/**
 * Statements that change rows, or what reading and writing rows does (a trigger, a policy), but
 * not the columns: when DSQL refuses one, DDL on the table still answers the same on both.
 */
const ROW_EFFECTS = new Set(['TruncateStmt', 'MergeStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'CreateTrigStmt', 'CreatePolicyStmt', 'RuleStmt']);

/**
 * Marks `name` as made to differ by a refusal. An entry whose definition differs (rows false) is
 * never weakened to one whose rows only differ: a TRUNCATE refused after a refused CREATE still
 * leaves a table PostgreSQL has and DSQL has not.
 */
function markRefused(state: FileState, name: string, entry: { rule: string; rows: boolean }): void {
  const known = state.refused.get(name);
  state.refused.set(name, known && !known.rows ? known : entry);
}

/** What a setup file's refusals and failures made differ, for the files of its corpus after it. */
interface FixtureDivergence {
  readonly refused: ReadonlyMap<string, { rule: string; rows: boolean }>;
  readonly failed: ReadonlyMap<string, string>;
}

/** The statement uses something a DSQL refusal made differ between the two servers. */
function followsRefused(info: StatementInfo, state: FileState): boolean {
  for (const name of info.names) {
    const entry = state.refused.get(name);
    if (entry && !(entry.rows && info.ddl)) return true;
  }
  return false;
}

const ASYNC_INDEX = /\bcreate\s+(?:unique\s+)?index\s+async\b/i;
/** How long the runner waits for a CREATE INDEX ASYNC's build before the next statement. */
const INDEX_BUILD_WAIT_MS = 120_000;

/** Strata's outcome with its result replaced by PostgreSQL's when both succeeded. */
function statusOnly(postgres: Outcome, strata: Outcome): Outcome {
  return !postgres.error && !strata.error && !strata.timedOut ? { ...strata, results: postgres.results } : strata;
}

/** SQLSTATEs Strata gives when an object or row an earlier failure should have made is missing. */
const CONSEQUENTIAL = new Set(['42P01', '42703', '42704', '42883', '3F000', '42P07', '42710', '23505', '23503', '25P02', '42P06']);

function canCascade(postgres: Outcome, strata: Outcome, difference: Difference): boolean {
  if (strata.timedOut) return false;
  if (strata.error) return CONSEQUENTIAL.has(strata.error.code);
  if (postgres.error) return true;
  return difference.cause.startsWith('wrong rows') || difference.cause.startsWith('wrong values') || difference.cause.startsWith('wrong row order')
    || difference.cause.startsWith('wrong command tag');
}

export class FileRunner {
  /**
   * Per corpus, what its setup file (pg_regress's test_setup) left different: a table test_setup
   * made with a refused statement (CREATE TABLE onek2 AS …, a `point` column) is missing in
   * Strata for every later file too, so their statements on it follow a refusal.
   */
  private readonly fixtures = new Map<string, FixtureDivergence>();

  constructor(
    private readonly postgres: Side,
    private readonly strata: Side,
    private readonly options: RunnerOptions = {},
  ) {}

  /**
   * Runs one file; `schema` (when given) is created on both and put first on the search path.
   * The caller drops what the file made.
   */
  async run(file: Pick<CorpusFile, 'id' | 'corpus'> & { readonly fixture?: boolean }, source: StepSource, schema: string | null): Promise<FileResult> {
    const started = performance.now();
    const counts = emptyCounts();
    const statements: StatementResult[] = [];
    const inherited = this.fixtures.get(file.corpus);
    const settings = new DivergedSettings();
    const state: FileState = {
      txn: new DsqlTransaction(), session: [new DsqlSessionRoles(), new DsqlReadOnlyDefault(), settings], settings, refused: new Map(inherited?.refused ?? []), failed: new Map(inherited?.failed ?? []),
      blockCause: null, index: 0,
    };
    const init = [...(schema ? [`CREATE SCHEMA ${schema}`, `SET search_path = ${schema}, public`] : []), ...(this.options.session ?? [])];
    const sessionInit = schema ? init.slice(1) : init;
    await this.postgres.endpoint.open(init);
    await this.strata.endpoint.open(init);
    let timeouts = 0;
    let aborted: string | undefined;
    const record = (result: StatementResult): void => {
      counts[result.verdict]++;
      statements.push(result);
    };
    try {
      for (let step = source.next(); step !== null; step = source.next()) {
        if (aborted) {
          record({ file: file.id, line: step.line, sql: step.sql, verdict: 'skip', cause: aborted });
          continue;
        }
        if (step.kind === 'skip') {
          record({ file: file.id, line: step.line, sql: step.sql, verdict: 'skip', cause: step.reason });
          continue;
        }
        const result = await this.runStep(file.id, step, state, source);
        record(result);
        if (result.cause?.startsWith('timeout')) timeouts++;
        if (timeouts >= (this.options.maxTimeouts ?? 3)) aborted = `file stopped after ${timeouts} statements without an answer`;
        // A dropped connection (after a statement that did not answer) comes back as a new session.
        for (const side of [this.postgres, this.strata]) {
          if (!side.endpoint.broken) continue;
          await side.revive?.();
          try {
            await side.endpoint.open(sessionInit);
          } catch (error) {
            aborted = `${side.endpoint.name} did not come back: ${(error as Error).message}`;
          }
          state.txn.reset();
        }
      }
    } finally {
      await this.postgres.endpoint.close();
      await this.strata.endpoint.close();
    }
    if (file.fixture) this.fixtures.set(file.corpus, { refused: new Map(state.refused), failed: new Map(state.failed) });
    return { file: file.id, corpus: file.corpus, counts, statements, ms: performance.now() - started, ...(aborted ? { aborted } : {}) };
  }

  private async runStep(fileId: string, step: Exclude<Step, { kind: 'skip' }>, state: FileState, source: StepSource): Promise<StatementResult> {
    const base = { file: fileId, line: step.line, sql: step.sql };
    const index = state.index++;
    if (step.kind === 'load') {
      const infos = analyze(`INSERT INTO ${step.table} VALUES (1)`);
      const follows = state.txn.diverged || state.session.some((s) => s.diverged) || (infos ?? []).some((info) => followsRefused(info, state));
      const [postgres, strata] = await Promise.all([this.load(this.postgres.endpoint, step), this.load(this.strata.endpoint, step)]);
      return this.judge(base, infos, null, follows, postgres, strata, state, index);
    }
    const infos = analyze(step.sql);
    // DSQL's expectation: the transaction rules first, then the statement's own refusal.
    let refusal: Refusal | null = null;
    let followsTxn = false;
    let followsObject = false;
    const refusals: boolean[] = [];
    if (infos) {
      for (const info of infos) {
        const before = state.txn.before(info);
        if (before.followsRefusal) followsTxn = true;
        const own = before.refusal ?? refusalOf(info, step.sql) ?? state.session.map((s) => s.refusal(info)).find((r) => r !== null) ?? null;
        refusals.push(own !== null);
        refusal ??= own;
        if (followsRefused(info, state)) followsObject = true;
        // PostgreSQL runs this as the role, or with the default, DSQL refused to set.
        if (state.session.some((s) => s.diverged)) followsObject = true;
      }
    }
    // In a transaction DSQL aborted, DSQL answers 25P02 whatever the statement is.
    if (followsTxn) refusal = null;
    const follows = followsTxn || (followsObject && refusal === null);
    const shared = this.options.shared?.();
    const guarded = followsObject && shared && infos?.some((info) => info.writes.some((name) => shared.has(name)));
    if (guarded) {
      const postgres = await this.postgres.endpoint.run(step.sql, step.extended);
      const pgInfos = infos ?? [];
      pgInfos.forEach((info, i) => {
        state.txn.after(info, refusals[i]!, index);
        for (const s of state.session) s.after(info, refusals[i]!, index);
      });
      return {
        ...base, verdict: 'dependent', cause: 'follows a DSQL refusal',
        detail: 'not sent to Strata: it would change a shared setup table there', postgres: describeOutcome(postgres), strata: '(not sent)',
      };
    }
    // DSQL's CREATE INDEX ASYNC is PostgreSQL's CREATE INDEX; DSQL answers with a job id, so
    // only success or the SQLSTATE is compared.
    const asyncIndex = ASYNC_INDEX.test(step.sql);
    const [postgres, strata] = await Promise.all([
      this.postgres.endpoint.run(asyncIndex ? withoutAsync(step.sql) : step.sql, step.extended),
      this.strata.endpoint.run(step.sql, step.extended),
    ]);
    if (asyncIndex && !strata.error) {
      // PostgreSQL's index exists when CREATE INDEX returns; Strata's build runs on. Wait for it,
      // so the next statements do not race its catalog update (an OC001 that depends on timing)
      // or plan without it. The wait is setup, not a statement under test: it is not held to the
      // statement bound (a build by a distributed cluster's control role on a loaded machine
      // took longer, and the statements after it then scanned in full).
      const jobId = strata.results[strata.results.length - 1]?.rows[0]?.[0];
      if (jobId) await this.strata.endpoint.run(`CALL sys.wait_for_job('${String(jobId).replace(/'/g, "''")}')`, false, INDEX_BUILD_WAIT_MS);
    }
    const result = this.judge(base, infos, refusal, follows, postgres, asyncIndex ? statusOnly(postgres, strata) : strata, state, index);
    if (result.verdict === 'pass' && !postgres.error) await this.options.passed?.(base, infos, this.postgres.endpoint, this.strata.endpoint);
    // A statement that follows a refusal and fails in Strata only aborts DSQL's block while
    // PostgreSQL's goes on, as a refusal in the block would.
    const abortsBlock = result.verdict === 'dependent' && strata.error !== undefined && !postgres.error;
    if (infos) {
      infos.forEach((info, i) => {
        const diverged = state.txn.after(info, refusals[i]! || abortsBlock, index);
        for (const s of state.session) s.after(info, refusals[i]!, index);
        for (const name of diverged.names) markRefused(state, name, { rule: 'transaction aborted by a refusal', rows: diverged.rows });
        state.settings.diverge(diverged.settings ?? []);
      });
      if (!state.txn.inBlock) state.blockCause = null;
    }
    if (step.gset !== undefined && !postgres.error && postgres.results.length > 0) {
      const first = postgres.results[postgres.results.length - 1]!;
      const row = first.rows[0];
      if (row) first.columns.forEach((c, i) => source.setVariable?.(`${step.gset}${c.name}`, row[i] ?? ''));
    }
    return result;
  }

  private judge(
    base: { file: string; line: number; sql: string }, infos: StatementInfo[] | null, refusal: Refusal | null, follows: boolean,
    postgres: Outcome, strata: Outcome, state: FileState, index: number,
  ): StatementResult {
    void index;
    const shown = {
      postgres: describeOutcome(postgres), strata: describeOutcome(strata),
      ms: { postgres: Math.round(postgres.ms * 10) / 10, strata: Math.round(strata.ms * 10) / 10 },
    };
    const creates = infos?.flatMap((i) => i.creates) ?? [];
    const writes = infos?.flatMap((i) => i.writes) ?? [];
    if (refusal && !follows) {
      // What the refused statement would have made or changed now differs between the two.
      const touched = infos?.some((i) => i.type === 'IndexStmt') ? creates : writes;
      // A UNIQUE index DSQL did not build changes which rows the table takes.
      for (const info of infos ?? []) {
        const relation = (info.node.relation as { relname?: string } | undefined)?.relname?.toLowerCase();
        if (info.type === 'IndexStmt' && info.node.unique && relation && !postgres.error && !state.refused.has(relation)) {
          markRefused(state, relation, { rule: refusal.rule, rows: true });
        }
      }
      const rows = refusal.rule === 'row-level security' || (infos?.every((i) => ROW_EFFECTS.has(i.type)) ?? false);
      // Only what PostgreSQL did make or change differs; a statement it refused too changed nothing.
      // What it would have created is missing altogether (a trigger); the table it is on differs in rows.
      // A UNIQUE index built CONCURRENTLY that meets a duplicate stays behind in PostgreSQL, invalid.
      const leftInvalid = postgres.error?.code === '23505' && infos?.some((i) => i.type === 'IndexStmt' && i.node.concurrent);
      if (!postgres.error || leftInvalid) for (const name of touched) markRefused(state, name, { rule: refusal.rule, rows: rows && !creates.includes(name) });
      const codeOk = strata.error?.code === refusal.code;
      const textOk = refusal.message === null || strata.error?.message === refusal.message
        || (refusal.alternatives ?? []).includes(strata.error?.message ?? '');
      const expected = `${refusal.code}${refusal.message ? ` ${refusal.message}` : ''}`;
      if (codeOk && textOk) return { ...base, verdict: 'refused-ok', refusal: refusal.rule, ...shown };
      // In a block an earlier error aborted on both sides, every statement is 25P02 (§2.4) before
      // any refusal: PostgreSQL checks the block right after its grammar, and so does DSQL.
      if (postgres.error?.code === '25P02' && strata.error?.code === '25P02') return { ...base, verdict: 'pass', ...shown };
      // Strata's block was aborted by an earlier failure of its own, PostgreSQL's was not: 25P02
      // comes before any refusal there (as in PostgreSQL), a consequence of that failure.
      if (state.blockCause && strata.error?.code === '25P02' && !postgres.error) {
        return { ...base, verdict: 'fail', cause: state.blockCause, cascade: true, detail: `DSQL answers ${expected} outside an aborted block`, ...shown };
      }
      const cause = strata.timedOut ? 'timeout: Strata gave no answer in time'
        : !strata.error ? `DSQL refusal not made: ${refusal.rule}`
          : !codeOk ? `DSQL refusal with the wrong SQLSTATE: ${refusal.rule}` : `DSQL refusal with the wrong text: ${refusal.rule}`;
      return { ...base, verdict: 'refused-fail', refusal: refusal.rule, cause, detail: `DSQL answers ${expected}`, ...shown };
    }
    const designed = !follows && infos?.length === 1 ? dsqlValue(infos[0]!) : null;
    if (designed) {
      // DSQL answers this one its own way (SHOW transaction_isolation → repeatable read).
      const got = strata.results[0]?.rows[0]?.[0];
      if (!strata.error && !strata.timedOut && got === designed.value) return { ...base, verdict: 'pass', ...shown };
      return { ...base, verdict: 'fail', cause: `DSQL's own value not given: SHOW ${designed.setting}`, detail: `DSQL answers ${designed.value}`, ...shown };
    }
    if (postgres.timedOut) {
      return { ...base, verdict: 'skip', cause: 'PostgreSQL gave no answer in time', ...shown };
    }
    const difference: Difference | null = compareOutcomes(postgres, strata, infos);
    if (!difference) {
      // Both made it: a name made again is the same on both sides from here on.
      if (!postgres.error) for (const name of creates) { state.refused.delete(name); state.failed.delete(name); }
      return { ...base, verdict: 'pass', ...shown };
    }
    if (follows) {
      // A call that follows a refusal (of the function's CREATE) may have made or changed what its arguments name.
      const called = infos?.flatMap((i) => i.callArguments) ?? [];
      if (!postgres.error) for (const name of [...writes, ...called]) state.refused.set(name, { rule: 'follows a refusal', rows: false });
      return { ...base, verdict: 'dependent', cause: 'follows a DSQL refusal', detail: difference.detail, ...shown };
    }
    const names = infos?.flatMap((i) => [...i.names]) ?? [];
    // Attributed to an earlier failure only when it looks like its consequence (a missing
    // object, different rows); a statement Strata cannot do at all is its own cause.
    const root = canCascade(postgres, strata, difference)
      ? state.blockCause ?? names.map((name) => state.failed.get(name)).find((c) => c !== undefined)
      : undefined;
    // One side's transaction is aborted and the other's is not: the rest of the block differs.
    if (state.txn.inBlock && !postgres.error !== !strata.error) state.blockCause ??= root ?? difference.cause;
    if (!postgres.error) for (const name of writes) if (!state.failed.has(name)) state.failed.set(name, root ?? difference.cause);
    return { ...base, verdict: 'fail', cause: root ?? difference.cause, ...(root ? { cascade: true } : {}), detail: difference.detail, ...shown };
  }

  /** COPY data as INSERT batches of literals, the same on both servers; one outcome for all. */
  private async load(endpoint: Endpoint, step: Extract<Step, { kind: 'load' }>): Promise<Outcome> {
    const batch = this.options.loadBatch ?? 1000;
    const columns = step.columns ? ` (${step.columns.join(', ')})` : '';
    let total = 0;
    let ms = 0;
    for (let i = 0; i < step.rows.length; i += batch) {
      const rows = step.rows.slice(i, i + batch).map((row) => `(${row.map(literal).join(', ')})`);
      const outcome = await endpoint.run(`INSERT INTO ${step.table}${columns} VALUES ${rows.join(',\n')}`);
      ms += outcome.ms;
      if (outcome.error || outcome.timedOut) return outcome;
      total += rows.length;
    }
    return { results: [{ tag: `COPY ${total}`, columns: [], rows: [] }], ms };
  }
}
