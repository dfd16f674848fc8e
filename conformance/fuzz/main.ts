/**
 * node dist/conformance/fuzz/main.js [--seed N] [--seeds K] [--queries M] [--rows R] [--shapes S] [--verbose]
 *
 * Differential fuzzing (conformance/README.md, "The fuzzer"): for each seed N..N+K-1, the
 * fuzzer's schema is made afresh on a throwaway PostgreSQL 15 and on Strata with the seed's rows,
 * then M random statements (generate.ts) run on both and are compared as the conformance harness
 * compares them (compare.ts). A DML statement is followed by reading its table back in key order.
 * Each difference is printed with its seed and statement number, which reproduce it. Statements
 * both servers refuse are counted and skipped (the generator's types are loose on purpose).
 * Exit status 1 when some statement differed.
 */
import { analyze, loadAnalyzer } from '../analysis.js';
import { compareOutcomes, describeOutcome, setTypeNames, type Difference } from '../compare.js';
import { Endpoint, type Outcome } from '../endpoint.js';
import { preparePostgres, StrataProcess, stopOnExit } from '../servers.js';
import { postgresUnavailableReason, startPostgres } from '../../test/support/postgres.js';
import { Generator } from './generate.js';
import { Random } from './random.js';
import { oltpStatement, shapeVariants } from './shapes.js';
import { createStatements, DROP_STATEMENTS, fillStatements, INDEXES, secondSchemaStatements } from './schema.js';

interface Options {
  seed: number;
  seeds: number;
  queries: number;
  rows: number;
  verbose: boolean;
  timeoutMs: number;
  /** Texts of each read's literal shape to run after it (shapes.ts): Strata's shared plans. */
  shapes: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { seed: 1, seeds: 1, queries: 200, rows: 12, verbose: false, timeoutMs: 10_000, shapes: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const number = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${arg} needs a whole number`);
      return v;
    };
    if (arg === '--seed') options.seed = number();
    else if (arg === '--seeds') options.seeds = number();
    else if (arg === '--queries') options.queries = number();
    else if (arg === '--rows') options.rows = number();
    else if (arg === '--timeout') options.timeoutMs = number();
    else if (arg === '--shapes') options.shapes = number();
    else if (arg === '--verbose') options.verbose = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

const PER_TEXT = ['SET plan_cache_mode = force_custom_plan'];

interface Tally {
  statements: number;
  matched: number;
  bothFailed: number;
  /** A data error on one side only that the other's plan explains (foldedByPostgres, stoppedByLimit). */
  folded: number;
  differences: number;
  /** Strata's 0A000 "… not supported" where PostgreSQL answers, by message: a gap, not a wrong answer. */
  unsupported: Map<string, number>;
  /** The first statement of each such message, to show. */
  unsupportedExample: Map<string, string>;
}

class Pair {
  constructor(
    readonly postgres: Endpoint,
    readonly strata: Endpoint,
    private readonly reviveStrata: () => Promise<void>,
    /**
     * With --shapes: a second Strata session that plans every simple query's text on its own
     * (plan_cache_mode = force_custom_plan), the oracle for answers from a shape's shared plan.
     */
    readonly perText: Endpoint | null = null,
  ) {}

  async run(sql: string, extended = false): Promise<{ pg: Outcome; st: Outcome }> {
    const pg = await this.postgres.run(sql, extended);
    const st = await this.strata.run(sql, extended);
    if (!this.strata.connected) {
      await this.reviveStrata();
      await this.strata.open();
      await this.perText?.open(PER_TEXT);
    }
    // The per-text session follows the main one's settings (the generator's SET search_path).
    if (sql.startsWith('SET ')) await this.perText?.run(sql);
    return { pg, st };
  }

  /** Setup that must work on both; Strata's CREATE INDEX is DSQL's ASYNC one, waited for. */
  async setup(sql: string, strataSql = sql): Promise<void> {
    const pg = await this.postgres.run(sql);
    if (pg.error) throw new Error(`PostgreSQL: ${sql}: ${pg.error.message}`);
    if (sql.startsWith('SET ')) await this.perText?.run(sql);
    const st = await this.strata.run(strataSql);
    if (st.error) throw new Error(`Strata: ${strataSql}: ${st.error.message}`);
    const job = st.results[0]?.columns[0]?.name === 'job_id' ? st.results[0].rows[0]?.[0] : null;
    if (job) {
      const wait = await this.strata.run(`CALL sys.wait_for_job('${job}')`);
      if (wait.error) throw new Error(`Strata: wait_for_job: ${wait.error.message}`);
    }
  }
}

/** Drops and makes the schema with the seed's rows (each DDL its own transaction, as DSQL wants). */
async function resetSchema(pair: Pair, random: Random, rows: number): Promise<void> {
  for (const sql of DROP_STATEMENTS) await pair.setup(sql);
  for (const sql of createStatements()) await pair.setup(sql);
  for (const sql of INDEXES) await pair.setup(sql, sql.replace('CREATE INDEX', 'CREATE INDEX ASYNC'));
  for (const sql of fillStatements(random, rows)) await pair.setup(sql);
  for (const sql of secondSchemaStatements(random, rows)) await pair.setup(sql);
}

/**
 * PostgreSQL folds constant expressions when it plans, and raises their data errors (22003
 * integer out of range, 22023 …) even where no row would reach them; Strata evaluates them per
 * row. When plain EXPLAIN (which plans, and runs nothing) raises the same error, that is the
 * cause: not a wrong answer.
 */
async function foldedByPostgres(pair: Pair, sql: string, pg: Outcome, st: Outcome): Promise<boolean> {
  if (!pg.error?.code.startsWith('22') || st.error) return false;
  const explain = await pair.postgres.run(`EXPLAIN ${sql}`);
  return explain.error?.code === pg.error.code;
}

/**
 * The mirror case: PostgreSQL's plan stopped at the LIMIT before it reached the row that raises
 * (a sorted aggregate under a LIMIT reads only its first groups), where Strata read them all.
 * When PostgreSQL raises the same error without the trailing LIMIT, that is the cause.
 */
async function stoppedByLimit(pair: Pair, sql: string, pg: Outcome, st: Outcome): Promise<boolean> {
  const limit = / LIMIT \d+( OFFSET \d+)?$/;
  if (!st.error?.code.startsWith('22') || pg.error || !limit.test(sql)) return false;
  const whole = await pair.postgres.run(sql.replace(limit, ''));
  return whole.error?.code === st.error.code;
}

/** Null when the statement's answers agree (or both servers refused it). */
function judge(sql: string, pg: Outcome, st: Outcome, tally: Tally): Difference | null {
  tally.statements++;
  if (pg.error && st.error) {
    // Loosely typed statements fail on both often; which error comes first is the plan's choice.
    tally.bothFailed++;
    return null;
  }
  if (st.error?.code === '0A000' && !pg.error) {
    tally.unsupported.set(st.error.message, (tally.unsupported.get(st.error.message) ?? 0) + 1);
    if (!tally.unsupportedExample.has(st.error.message)) tally.unsupportedExample.set(st.error.message, sql);
    return null;
  }
  const difference = compareOutcomes(pg, st, analyze(sql));
  if (difference) tally.differences++;
  else tally.matched++;
  return difference;
}

function sameAnswer(a: Outcome, b: Outcome): boolean {
  return a.timedOut === b.timedOut && JSON.stringify({ r: a.results, e: a.error }) === JSON.stringify({ r: b.results, e: b.error });
}

function report(seed: number, n: number, sql: string, difference: Difference, pg: Outcome, st: Outcome): void {
  console.log(`DIFF seed ${seed} #${n}: ${difference.cause}`);
  console.log(`  ${sql}`);
  if (difference.detail) console.log(`  ${difference.detail}`);
  console.log(`  PostgreSQL: ${describeOutcome(pg)}`);
  console.log(`  Strata:     ${describeOutcome(st)}`);
}

async function runSeed(pair: Pair, seed: number, options: Options, tally: Tally): Promise<void> {
  const random = new Random(seed);
  await resetSchema(pair, random, options.rows);
  const generator = new Generator(random);
  for (let n = 1; n <= options.queries; n++) {
    // With --shapes, half the statements are OLTP ones with their values written in.
    const { sql, writes, extended } = options.shapes > 0 && random.chance(0.5) ? { ...oltpStatement(random), extended: false } : generator.statement();
    if (options.verbose) console.log(`seed ${seed} #${n}${extended ? ' (extended)' : ''}: ${sql}`);
    // The extended protocol (Parse/Bind/Execute) takes one statement; a transaction block is several.
    const block = sql.startsWith('BEGIN;');
    const { pg, st } = await pair.run(sql, extended && !block);
    // A block that failed part-way leaves its transaction open and aborted: end it on both.
    if (block && (pg.error || st.error)) await pair.run('ROLLBACK');
    if (await foldedByPostgres(pair, sql, pg, st) || await stoppedByLimit(pair, sql, pg, st)) {
      tally.statements++;
      tally.folded++;
    } else {
      const difference = judge(sql, pg, st, tally);
      if (difference) report(seed, n, sql, difference, pg, st);
    }
    if (!block && !extended && !(pg.error && st.error && writes)) {
      let k = 0;
      for (const text of shapeVariants(sql, random, options.shapes)) {
        k++;
        const answers = await pair.run(text);
        if (await foldedByPostgres(pair, text, answers.pg, answers.st) || await stoppedByLimit(pair, text, answers.pg, answers.st)) {
          tally.statements++;
          tally.folded++;
          continue;
        }
        const difference = judge(text, answers.pg, answers.st, tally);
        if (difference) report(seed, n, `${text} -- shape text ${k} of: ${sql}`, difference, answers.pg, answers.st);
        // A read answered from the shape's plan must be exactly what the text alone gives,
        // errors (SQLSTATE, message, position) included, where PostgreSQL's may differ.
        if (!writes && pair.perText) {
          const alone = await pair.perText.run(text);
          if (!sameAnswer(answers.st, alone)) {
            tally.differences++;
            console.log(`DIFF seed ${seed} #${n}: the shape's plan and the text's own plan answer differently\n  ${text}\n  shared plan: ${JSON.stringify(answers.st.error ?? answers.st.results)}\n  per text:    ${JSON.stringify(alone.error ?? alone.results)}`);
          }
        }
      }
    }
    if (writes && !(pg.error && st.error)) {
      const readBack = `SELECT * FROM ${writes.name} ORDER BY ${writes.key}`;
      const back = await pair.run(readBack);
      const after = judge(readBack, back.pg, back.st, tally);
      if (after) {
        report(seed, n, `${readBack} -- after: ${sql}`, after, back.pg, back.st);
        // The tables differ now: start again from the seed's rows so later statements mean something.
        await resetSchema(pair, new Random(seed * 7919 + n), options.rows);
      }
    }
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const unavailable = postgresUnavailableReason();
  if (unavailable) {
    console.error(`fuzz: ${unavailable}`);
    return 2;
  }
  await loadAnalyzer();
  const postgres = await startPostgres();
  const strata = await StrataProcess.start();
  stopOnExit(strata);
  const tally: Tally = { statements: 0, matched: 0, bothFailed: 0, folded: 0, differences: 0, unsupported: new Map(), unsupportedExample: new Map() };
  try {
    const names = await postgres.query<{ oid: number; typname: string }>('SELECT oid::int4 AS oid, typname FROM pg_type');
    setTypeNames(new Map(names.rows.map((r) => [Number(r.oid), r.typname])));
    const pgConfig = await preparePostgres(postgres, options.timeoutMs);
    const pair = new Pair(
      new Endpoint('PostgreSQL', async () => pgConfig, options.timeoutMs + 2_000),
      new Endpoint('Strata', async () => strata.config(), options.timeoutMs),
      () => strata.ensureHealthy(),
      options.shapes > 0 ? new Endpoint('Strata per text', async () => strata.config(), options.timeoutMs) : null,
    );
    await pair.postgres.open();
    await pair.strata.open();
    await pair.perText?.open(PER_TEXT);
    for (let seed = options.seed; seed < options.seed + options.seeds; seed++) {
      await runSeed(pair, seed, options, tally);
      console.log(`seed ${seed} done: ${tally.statements} statements so far, ${tally.differences} differed`);
    }
    await pair.postgres.close();
    await pair.strata.close();
    await pair.perText?.close();
  } finally {
    await strata.stop();
    await postgres.stop();
  }
  for (const [message, count] of [...tally.unsupported].sort((a, b) => b[1] - a[1])) console.log(`not supported by Strata (${count}): ${message}\n  e.g. ${tally.unsupportedExample.get(message)}`);
  const unsupported = [...tally.unsupported.values()].reduce((a, b) => a + b, 0);
  console.log(`fuzz: seeds ${options.seed}..${options.seed + options.seeds - 1}, ${tally.statements} statements: ${tally.matched} matched, ${tally.bothFailed} refused by both, ${tally.folded} data errors explained by a plan, ${unsupported} not supported by Strata, ${tally.differences} differed`);
  return tally.differences > 0 ? 1 : 0;
}

process.exitCode = await main();
