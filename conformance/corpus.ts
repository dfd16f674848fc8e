/**
 * The files the harness runs: the project's own SQL (conformance/sql), and, when
 * ../shared/corpus is present, the sqllogictest and PostgreSQL regression files there.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PsqlScript } from './psql-script.js';
import { readSlt } from './slt.js';
import { arraySource, type StepSource } from './steps.js';

export type CorpusName = 'project' | 'pg_regress' | 'sqllogictest';

export interface CorpusFile {
  /** `pg_regress/select.sql`, `sqllogictest/sqlite/select1.test`, `project/surface.sql`. */
  readonly id: string;
  readonly corpus: CorpusName;
  readonly path: string;
  /**
   * A setup file whose objects later files of its corpus use (pg_regress's test_setup): it runs
   * in the public schema and its objects stay; every other file runs in a schema of its own.
   */
  readonly fixture: boolean;
  /** Steps of the file, read lazily. */
  open(): StepSource;
}

/** The project root (dist/conformance/x.js → ../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared/corpus beside the main checkout (worktrees sit deeper), or STRATA_CORPUS. */
export function findCorpus(explicit?: string): string | null {
  const present = (dir: string): boolean => existsSync(join(dir, 'sqllogictest')) || existsSync(join(dir, 'pg_regress'));
  // An explicit choice is final (a path that is not there means: no corpus).
  if (explicit !== undefined) return present(explicit) ? explicit : null;
  const candidates: string[] = [];
  if (process.env.STRATA_CORPUS) candidates.push(process.env.STRATA_CORPUS);
  let dir = ROOT;
  for (let i = 0; i < 4; i++) {
    candidates.push(join(dir, '..', 'shared', 'corpus'));
    dir = join(dir, '..');
  }
  return candidates.find(present) ?? null;
}

const PROJECT_SQL = join(ROOT, 'conformance', 'sql');

function listFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(suffix)).sort().map((f) => join(dir, f));
}

function psqlFile(id: string, corpus: CorpusName, path: string, fixture: boolean, cwd: string, env: Record<string, string>): CorpusFile {
  return { id, corpus, path, fixture, open: () => new PsqlScript(readFileSync(path, 'utf8'), { cwd, env }) };
}

function sltFile(id: string, path: string, extended: boolean): CorpusFile {
  return { id, corpus: 'sqllogictest', path, fixture: false, open: () => arraySource(readSlt(readFileSync(path, 'utf8'), { extended })) };
}

export function projectFiles(): CorpusFile[] {
  return listFiles(PROJECT_SQL, '.sql').map((path) => psqlFile(`project/${basename(path)}`, 'project', path, false, PROJECT_SQL, {}));
}

/** The regression files in parallel_schedule's order (test_setup first), then any others. */
export function pgRegressFiles(corpus: string): CorpusFile[] {
  const dir = join(corpus, 'pg_regress');
  const sqlDir = join(dir, 'sql');
  if (!existsSync(sqlDir)) return [];
  const present = new Set(readdirSync(sqlDir).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)));
  const order: string[] = [];
  const schedule = join(dir, 'parallel_schedule');
  if (existsSync(schedule)) {
    for (const line of readFileSync(schedule, 'utf8').split('\n')) {
      const match = /^test:\s*(.*)$/.exec(line.trim());
      if (!match) continue;
      for (const name of match[1]!.split(/\s+/)) if (present.has(name) && !order.includes(name)) order.push(name);
    }
  }
  for (const name of [...present].sort()) if (!order.includes(name)) order.push(name);
  const env = { PG_ABS_SRCDIR: dir, PG_LIBDIR: '/nonexistent', PG_DLSUFFIX: '.so' };
  return order.map((name) => psqlFile(`pg_regress/${name}.sql`, 'pg_regress', join(sqlDir, `${name}.sql`), name === 'test_setup', dir, env));
}

/**
 * SQLite's select and evidence files, RisingLight's PostgreSQL-clean files, and sqllogictest-rs's
 * PostgreSQL round trips (its other files are format examples for a fake database).
 */
export function sltFiles(corpus: string): CorpusFile[] {
  const dir = join(corpus, 'sqllogictest');
  const out: CorpusFile[] = [];
  for (const path of [...listFiles(join(dir, 'sqlite'), '.test'), ...listFiles(join(dir, 'sqlite', 'evidence'), '.test')]) {
    out.push(sltFile(`sqllogictest/${path.slice(dir.length + 1)}`, path, false));
  }
  for (const path of listFiles(join(dir, 'risinglight-pgclean'), '.slt')) out.push(sltFile(`sqllogictest/risinglight-pgclean/${basename(path)}`, path, false));
  for (const path of listFiles(join(dir, 'sqllogictest-rs'), '.slt')) {
    const name = basename(path);
    if (!name.startsWith('postgres_')) continue;
    out.push(sltFile(`sqllogictest/sqllogictest-rs/${name}`, path, name.includes('extended')));
  }
  return out;
}

export function allFiles(corpus: string | null): CorpusFile[] {
  return [...projectFiles(), ...(corpus ? [...pgRegressFiles(corpus), ...sltFiles(corpus)] : [])];
}

/** A shell-style glob (`*`, `**`, `?`, `{a,b}`) as a regular expression over file ids. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
