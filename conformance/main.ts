/**
 * npm run conformance [-- --check] [--update-baseline] [--files GLOB]... [--json]
 *                        [--report DIR] [--corpus DIR] [--timeout MS] [--list] [--index-check]
 *
 * Starts a throwaway PostgreSQL 15 and an embedded Strata, runs the corpus (the project's own
 * SQL in conformance/sql, plus ../shared/corpus when present) against both, compares every
 * statement, prints a line per file and the totals, writes report.json and report.md, and
 * with --check fails when fewer statements pass than conformance/baseline.json records.
 */
import { join } from 'node:path';
import { loadAnalyzer } from './analysis.js';
import { setTypeNames } from './compare.js';
import { allFiles, findCorpus, globToRegExp, ROOT } from './corpus.js';
import { Endpoint } from './endpoint.js';
import { checkAgainst, fileLine, readBaseline, summarize, totalsLine, updatedBaseline, writeReport } from './report.js';
import { IndexCheck } from './index-check.js';
import { FileRunner, type FileResult } from './runner.js';
import { preparePostgres, StrataProcess, stopOnExit } from './servers.js';
import { startPostgres, postgresUnavailableReason } from '../test/support/postgres.js';
import { writeFileSync } from 'node:fs';

interface Options {
  check: boolean;
  updateBaseline: boolean;
  files: string[];
  json: boolean;
  list: boolean;
  report: string;
  corpus: string | undefined;
  timeoutMs: number;
  indexCheck: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { check: false, updateBaseline: false, files: [], json: false, list: false, report: join(ROOT, 'dist', 'conformance-report'), corpus: undefined, timeoutMs: 10_000, indexCheck: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--check') options.check = true;
    else if (arg === '--update-baseline') options.updateBaseline = true;
    else if (arg === '--files') options.files.push(value());
    else if (arg.startsWith('--files=')) options.files.push(arg.slice(8));
    else if (arg === '--json') options.json = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--index-check') options.indexCheck = true;
    else if (arg === '--report') options.report = value();
    else if (arg === '--corpus') options.corpus = value();
    else if (arg === '--timeout') options.timeoutMs = Number(value());
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

const BASELINE = join(ROOT, 'conformance', 'baseline.json');

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const out = (line: string): void => {
    if (options.json) process.stderr.write(`${line}\n`);
    else console.log(line);
  };
  const corpus = findCorpus(options.corpus);
  if (!corpus) out('conformance: ../shared/corpus is not here (set STRATA_CORPUS or --corpus): running the project\'s own SQL only');
  let files = allFiles(corpus);
  if (options.files.length > 0) {
    const patterns = options.files.map(globToRegExp);
    const chosen = files.filter((f) => patterns.some((p) => p.test(f.id)));
    // The regression files need their setup file's tables.
    const setup = chosen.some((f) => f.corpus === 'pg_regress') ? files.filter((f) => f.corpus === 'pg_regress' && f.fixture) : [];
    files = files.filter((f) => chosen.includes(f) || setup.includes(f));
    if (chosen.length === 0) {
      console.error(`conformance: no file matches ${options.files.join(' ')}`);
      return 2;
    }
  }
  if (options.list) {
    for (const f of files) console.log(f.id);
    return 0;
  }
  const unavailable = postgresUnavailableReason();
  if (unavailable) {
    console.error(`conformance: ${unavailable}`);
    return 2;
  }

  const started = new Date();
  const t0 = performance.now();
  await loadAnalyzer();
  const postgres = await startPostgres();
  const strata = await StrataProcess.start();
  stopOnExit(strata);
  const results: FileResult[] = [];
  const indexCheck = options.indexCheck ? new IndexCheck() : null;
  try {
    const names = await postgres.query<{ oid: number; typname: string }>('SELECT oid::int4 AS oid, typname FROM pg_type');
    setTypeNames(new Map(names.rows.map((r) => [Number(r.oid), r.typname])));
    // PostgreSQL stops runaway statements itself; Strata's are cancelled by the harness.
    const pgConfig = await preparePostgres(postgres, options.timeoutMs);
    const cleaner = new Cleaner(pgConfig, () => strata.config(), () => strata.ensureHealthy());
    const pgEndpoint = new Endpoint('PostgreSQL', async () => pgConfig, options.timeoutMs + 2_000);
    const strataEndpoint = new Endpoint('Strata', async () => strata.config(), options.timeoutMs);
    const runner = new FileRunner(
      { endpoint: pgEndpoint },
      { endpoint: strataEndpoint, revive: () => strata.ensureHealthy() },
      { session: [], shared: () => cleaner.sharedNames(), ...(indexCheck ? { passed: indexCheck.statementPassed.bind(indexCheck) } : {}) },
    );
    await cleaner.snapshot();
    let n = 0;
    for (const file of files) {
      const setupOnly = options.files.length > 0 && !options.files.map(globToRegExp).some((p) => p.test(file.id));
      const schema = file.fixture ? null : `conformance_${++n}`;
      let result: FileResult;
      try {
        result = await runner.run(file, file.open(), schema);
      } catch (error) {
        out(`FILE-ERROR ${file.id}: ${(error as Error).message}`);
        await strata.ensureHealthy();
        if (!file.fixture) await cleaner.clean(schema);
        continue;
      }
      // What a setup file made stays for the files after it.
      if (file.fixture) await cleaner.snapshot();
      else await cleaner.clean(schema);
      if (setupOnly) continue;
      results.push(result);
      out(fileLine(result));
    }
  } finally {
    await strata.stop();
    await postgres.stop();
  }

  const seconds = (performance.now() - t0) / 1000;
  const summary = summarize(results, started, seconds, corpus);
  const written = writeReport(options.report, summary, results);
  out('');
  for (const [name, t] of Object.entries(summary.perCorpus)) out(totalsLine(name, t));
  out(totalsLine('total', summary.totals));
  out('');
  out('top causes of failures (direct + cascaded):');
  for (const c of summary.causes.slice(0, 15)) out(`  ${String(c.total).padStart(5)} (${c.direct} + ${c.cascaded})  ${c.cause}`);
  out('');
  out(`${seconds.toFixed(0)} s${strata.restarts ? `, Strata restarted ${strata.restarts} times` : ''}; report: ${written.markdown} and ${written.json}`);
  if (indexCheck) {
    out('');
    for (const line of indexCheck.report()) out(line);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);

  const baseline = readBaseline(BASELINE);
  let code = 0;
  if (options.check) {
    if (!baseline) {
      out(`conformance --check: no baseline at ${BASELINE}`);
      code = 1;
    } else {
      const check = checkAgainst(baseline, summary);
      for (const line of check.lines) out(line);
      out(`baseline: ${check.passing} passing statements against ${check.baselinePassing} recorded for these files — ${check.ok ? 'ok' : 'FEWER THAN THE BASELINE'}`);
      if (!check.ok) code = 1;
    }
  }
  if (options.updateBaseline) {
    writeFileSync(BASELINE, `${JSON.stringify(updatedBaseline(baseline, summary), null, 1)}\n`);
    out(`baseline written: ${BASELINE}`);
  }
  return code;
}

/**
 * Drops what a file left behind on both servers: its schema, and schemas or public relations
 * that were not there before it (files that name public.x or make schemas of their own).
 */
class Cleaner {
  private schemas = new Set<string>();
  private relations = new Set<string>();
  private readonly postgres: Endpoint;
  private readonly strata: Endpoint;

  constructor(postgres: import('pg').ClientConfig, strata: () => import('pg').ClientConfig, private readonly revive: () => Promise<void>) {
    this.postgres = new Endpoint('PostgreSQL', async () => postgres, 30_000);
    this.strata = new Endpoint('Strata', async () => strata(), 30_000);
  }

  /** Relations in public that a setup file made (the ones other files share). */
  sharedNames(): ReadonlySet<string> {
    return this.shared;
  }

  private shared = new Set<string>();
  private initial: Set<string> | null = null;

  async snapshot(): Promise<void> {
    await this.connect();
    const [schemas, relations] = await this.objects(this.postgres);
    const [stSchemas, stRelations] = await this.objects(this.strata);
    this.schemas = new Set([...schemas, ...stSchemas]);
    this.relations = new Set([...relations, ...stRelations]);
    this.initial ??= new Set(this.relations);
    this.shared = new Set([...this.relations].filter((r) => !this.initial!.has(r)).map((r) => r.slice(r.indexOf(':') + 1).toLowerCase()));
  }

  async clean(schema: string | null): Promise<void> {
    await this.connect();
    for (const endpoint of [this.postgres, this.strata]) {
      if (schema) await endpoint.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      const [schemas, relations] = await this.objects(endpoint);
      for (const name of schemas) {
        if (!this.schemas.has(name) && !name.startsWith('pg_temp') && !name.startsWith('pg_toast')) await endpoint.run(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      }
      for (const entry of relations) {
        if (this.relations.has(entry)) continue;
        const [kind, name] = entry.split(':') as [string, string];
        const what = kind === 'v' ? 'VIEW' : kind === 'S' ? 'SEQUENCE' : kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
        await endpoint.run(`DROP ${what} IF EXISTS public."${name}" CASCADE`);
      }
    }
  }

  private async connect(): Promise<void> {
    if (!this.postgres.connected) await this.postgres.open();
    if (!this.strata.connected) {
      await this.revive();
      await this.strata.open();
    }
  }

  private async objects(endpoint: Endpoint): Promise<[string[], string[]]> {
    const schemas = await endpoint.run('SELECT nspname FROM pg_catalog.pg_namespace');
    const relations = await endpoint.run(`SELECT c.relkind || ':' || c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'S', 'm', 'p', 'f')`);
    const column = (o: typeof schemas): string[] => (o.results[0]?.rows ?? []).map((r) => String(r[0]));
    return [column(schemas), column(relations)];
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
