/** Totals, causes, the report files and the baseline of a conformance run. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyCounts, slowest, type FileResult, type StatementResult, type Verdict } from './runner.js';

export interface Totals {
  readonly counts: Record<Verdict, number>;
  /** Statements that count as passing: matched PostgreSQL, or got DSQL's refusal. */
  readonly passing: number;
  /** Statements DSQL supports (scored against PostgreSQL): pass + fail. */
  readonly supported: number;
  /** pass / supported, in percent. */
  readonly matchedPercent: number;
  /** Refusals DSQL makes: refused-ok + refused-fail. */
  readonly refusals: number;
}

export interface Cause {
  readonly cause: string;
  readonly direct: number;
  readonly cascaded: number;
  readonly total: number;
  readonly example: { file: string; line: number; sql: string };
}

export interface Summary {
  readonly started: string;
  readonly seconds: number;
  readonly corpus: string | null;
  readonly totals: Totals;
  readonly perCorpus: Record<string, Totals>;
  readonly files: { file: string; corpus: string; counts: Record<Verdict, number>; ms: number; aborted?: string }[];
  readonly causes: Cause[];
  readonly refusalRules: { rule: string; ok: number; fail: number }[];
  /** Matches where both servers raised the same error, by SQLSTATE. */
  readonly matchedErrors: { code: string; count: number }[];
  /** Where Strata spent longest, beside PostgreSQL's time for the same statement. */
  readonly slowest: { file: string; line: number; sql: string; strataMs: number; postgresMs: number }[];
}

export function totalsOf(counts: Record<Verdict, number>): Totals {
  const supported = counts.pass + counts.fail;
  return {
    counts,
    passing: counts.pass + counts['refused-ok'],
    supported,
    matchedPercent: supported === 0 ? 100 : Math.round((counts.pass / supported) * 1000) / 10,
    refusals: counts['refused-ok'] + counts['refused-fail'],
  };
}

function add(into: Record<Verdict, number>, counts: Record<Verdict, number>): void {
  for (const key of Object.keys(into) as Verdict[]) into[key] += counts[key];
}

export function summarize(results: readonly FileResult[], started: Date, seconds: number, corpus: string | null): Summary {
  const all = emptyCounts();
  const byCorpus: Record<string, Record<Verdict, number>> = {};
  const causes = new Map<string, { direct: number; cascaded: number; example: StatementResult }>();
  const rules = new Map<string, { ok: number; fail: number }>();
  const matchedErrors: Record<string, number> = {};
  for (const file of results) {
    add(all, file.counts);
    add((byCorpus[file.corpus] ??= emptyCounts()), file.counts);
    for (const s of file.statements) {
      if (s.verdict === 'pass' && s.postgres?.startsWith('ERROR ')) {
        const code = s.postgres.slice(6, 11);
        matchedErrors[code] = (matchedErrors[code] ?? 0) + 1;
      }
      if ((s.verdict === 'fail' || s.verdict === 'refused-fail') && s.cause) {
        const entry = causes.get(s.cause) ?? { direct: 0, cascaded: 0, example: s };
        if (s.cascade) entry.cascaded++;
        else entry.direct++;
        if (!s.cascade && entry.example.cascade) entry.example = s;
        causes.set(s.cause, entry);
      }
      if (s.refusal && (s.verdict === 'refused-ok' || s.verdict === 'refused-fail')) {
        const entry = rules.get(s.refusal) ?? { ok: 0, fail: 0 };
        if (s.verdict === 'refused-ok') entry.ok++;
        else entry.fail++;
        rules.set(s.refusal, entry);
      }
    }
  }
  return {
    started: started.toISOString(),
    seconds,
    corpus,
    totals: totalsOf(all),
    perCorpus: Object.fromEntries(Object.entries(byCorpus).map(([name, counts]) => [name, totalsOf(counts)])),
    files: results.map((f) => ({ file: f.file, corpus: f.corpus, counts: f.counts, ms: Math.round(f.ms), ...(f.aborted ? { aborted: f.aborted } : {}) })),
    causes: [...causes.entries()]
      .map(([cause, e]) => ({ cause, direct: e.direct, cascaded: e.cascaded, total: e.direct + e.cascaded, example: { file: e.example.file, line: e.example.line, sql: clip(e.example.sql, 300) } }))
      .sort((a, b) => b.total - a.total || b.direct - a.direct || a.cause.localeCompare(b.cause)),
    matchedErrors: Object.entries(matchedErrors).map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count),
    slowest: slowest(results.flatMap((f) => f.statements), 25).map((s) => ({
      file: s.file, line: s.line, sql: clip(s.sql, 200), strataMs: s.ms!.strata, postgresMs: s.ms!.postgres,
    })),
    refusalRules: [...rules.entries()].map(([rule, e]) => ({ rule, ...e })).sort((a, b) => b.ok + b.fail - (a.ok + a.fail)),
  };
}

export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function fileLine(file: { file: string; counts: Record<Verdict, number>; ms: number; aborted?: string }): string {
  const c = file.counts;
  const bad = c.fail + c['refused-fail'];
  return `${bad ? 'FAIL' : 'ok  '} ${file.file}: ${c.pass + c['refused-ok']} passed (${c['refused-ok']} DSQL refusals), ${bad} failed, ${c.dependent} after a refusal, ${c.skip} skipped (${(file.ms / 1000).toFixed(1)} s)${file.aborted ? ` — ${file.aborted}` : ''}`;
}

export function totalsLine(label: string, t: Totals): string {
  const c = t.counts;
  return `${label}: ${t.passing} passing of ${t.supported + t.refusals} scored — ${c.pass}/${t.supported} supported statements match PostgreSQL (${t.matchedPercent}%), ${c['refused-ok']}/${t.refusals} DSQL refusals right; ${c.dependent} after a refusal, ${c.skip} skipped`;
}

export function writeReport(dir: string, summary: Summary, results: readonly FileResult[]): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const differences = results.flatMap((f) => f.statements.filter((s) => s.verdict === 'fail' || s.verdict === 'refused-fail' || s.verdict === 'dependent'));
  const json = join(dir, 'report.json');
  writeFileSync(json, `${JSON.stringify({ ...summary, differences }, null, 1)}\n`);
  const md: string[] = [];
  md.push('# Conformance report', '');
  md.push(`Run ${summary.started}, ${summary.seconds.toFixed(0)} s. Corpus: ${summary.corpus ?? 'absent (project SQL only)'}.`, '');
  md.push(`- ${totalsLine('All', summary.totals)}`);
  for (const [name, t] of Object.entries(summary.perCorpus)) md.push(`- ${totalsLine(name, t)}`);
  const errors = summary.matchedErrors;
  md.push('', `Of the matches, ${errors.reduce((n, e) => n + e.count, 0)} are the same error on both servers: ${errors.map((e) => `${e.code} × ${e.count}`).join(', ') || 'none'}.`);
  md.push('', '## Causes of failures', '', '| # | cause | direct | cascaded | total | example |', '|---|---|---|---|---|---|');
  summary.causes.forEach((c, i) => md.push(`| ${i + 1} | ${cell(c.cause)} | ${c.direct} | ${c.cascaded} | ${c.total} | ${cell(`${c.example.file}:${c.example.line} ${clip(c.example.sql, 120)}`)} |`));
  md.push('', '## DSQL refusals', '', '| rule | right | wrong |', '|---|---|---|');
  for (const r of summary.refusalRules) md.push(`| ${cell(r.rule)} | ${r.ok} | ${r.fail} |`);
  md.push('', '## Slowest statements in Strata', '', '| ms Strata | ms PostgreSQL | statement |', '|---|---|---|');
  for (const s of summary.slowest) md.push(`| ${s.strataMs} | ${s.postgresMs} | ${cell(`${s.file}:${s.line} ${clip(s.sql, 150)}`)} |`);
  md.push('', '## Files', '', '| file | pass | fail | refused ok | refused wrong | after refusal | skipped | s |', '|---|---|---|---|---|---|---|---|');
  for (const f of summary.files) {
    const c = f.counts;
    md.push(`| ${f.file} | ${c.pass} | ${c.fail} | ${c['refused-ok']} | ${c['refused-fail']} | ${c.dependent} | ${c.skip} | ${(f.ms / 1000).toFixed(1)} |`);
  }
  md.push('', '## Differences', '');
  let current = '';
  for (const d of differences) {
    if (d.file !== current) {
      current = d.file;
      md.push('', `### ${current}`, '');
    }
    md.push(`- line ${d.line} **${d.verdict}**${d.cause ? ` — ${d.cause}${d.cascade ? ' (cascaded)' : ''}` : ''}`);
    md.push(`  - \`${clip(d.sql, 400).replace(/`/g, "'")}\``);
    if (d.detail) md.push(`  - ${clip(d.detail, 400)}`);
    md.push(`  - PostgreSQL: ${clip(d.postgres ?? '', 300)}`, `  - Strata: ${clip(d.strata ?? '', 300)}`);
  }
  const markdown = join(dir, 'report.md');
  writeFileSync(markdown, `${md.join('\n')}\n`);
  return { json, markdown };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export interface Baseline {
  readonly recorded: string;
  readonly note: string;
  readonly files: Record<string, { passing: number } & Record<Verdict, number>>;
}

export function readBaseline(path: string): Baseline | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as Baseline;
}

/** The baseline with this run's files replaced (files not run keep their entries). */
export function updatedBaseline(previous: Baseline | null, summary: Summary): Baseline {
  const files: Baseline['files'] = { ...(previous?.files ?? {}) };
  for (const f of summary.files) files[f.file] = { passing: f.counts.pass + f.counts['refused-ok'], ...f.counts };
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
  const passing = Object.values(sorted).reduce((n, f) => n + f.passing, 0);
  return {
    recorded: summary.started,
    note: `passing statements (matched PostgreSQL, or got DSQL's refusal) per file; ${passing} in all. npm run conformance -- --check fails when a run passes fewer than this over the files it ran.`,
    files: sorted,
  };
}

export interface CheckResult {
  readonly ok: boolean;
  readonly baselinePassing: number;
  readonly passing: number;
  readonly lines: string[];
}

export function checkAgainst(baseline: Baseline, summary: Summary): CheckResult {
  let baselinePassing = 0;
  let passing = 0;
  const lines: string[] = [];
  for (const f of summary.files) {
    const base = baseline.files[f.file];
    if (!base) {
      lines.push(`  new file (not in the baseline): ${f.file}`);
      continue;
    }
    const now = f.counts.pass + f.counts['refused-ok'];
    baselinePassing += base.passing;
    passing += now;
    if (now < base.passing) lines.push(`  fewer passing in ${f.file}: ${now} < ${base.passing}`);
    else if (now > base.passing) lines.push(`  more passing in ${f.file}: ${now} > ${base.passing}`);
  }
  return { ok: passing >= baselinePassing, baselinePassing, passing, lines };
}
