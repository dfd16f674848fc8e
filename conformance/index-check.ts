/**
 * `--index-check` (issue 4: "no statement that PostgreSQL answers with an index scan does a full
 * scan in Strata"): for every SELECT/UPDATE/DELETE that passed, plain EXPLAIN on both servers —
 * PostgreSQL's own plan choice on the corpus's data — and a gap wherever PostgreSQL reads a
 * relation through an index (Index Scan, Index Only Scan, Bitmap Index Scan) while Strata reads
 * that relation with a full scan. PostgreSQL may have indexes Strata lacks (plain CREATE INDEX is
 * a DSQL refusal): a PostgreSQL index access counts only when Strata has every index it uses.
 */
import type { StatementInfo } from './analysis.js';
import type { Endpoint } from './endpoint.js';

/** One relation read in a plan: the indexes it is read through (none: a full scan). */
export interface RelationRead {
  readonly table: string;
  readonly indexes: readonly string[];
  /** The index is read within bounds (an Index Cond), not from end to end. */
  readonly bounded: boolean;
  /** The plan node's line and its detail lines (Index Cond, Filter), for the report. */
  readonly text: string;
}

export interface IndexGap {
  readonly file: string;
  readonly line: number;
  readonly sql: string;
  readonly table: string;
  /** PostgreSQL's node for that relation, with its conditions. */
  readonly postgres: string;
}

const EXPLAINED = new Set(['SelectStmt', 'UpdateStmt', 'DeleteStmt']);

const unquote = (name: string): string => name.replace(/^"(.*)"$/, '$1').replace(/""/g, '"');

interface PlanLine { readonly depth: number; readonly node: string | null; readonly text: string }

/** Each line's indentation and, for a plan node (first line or `->`), the node text. */
function planLines(plan: readonly string[]): PlanLine[] {
  return plan.map((text, i) => {
    const arrow = /^(\s*)->\s+(.*)$/.exec(text);
    if (arrow) return { depth: arrow[1]!.length, node: arrow[2]!, text };
    return { depth: i === 0 ? -1 : text.length - text.trimStart().length, node: i === 0 ? text : null, text };
  });
}

/** A node's line with the detail lines right under it (until the next node). */
function withDetails(lines: readonly PlanLine[], at: number): string {
  const out = [lines[at]!.text.trim()];
  for (let i = at + 1; i < lines.length && lines[i]!.node === null; i++) out.push(lines[i]!.text.trim());
  return out.join('\n');
}

const BOUNDED = /\nIndex Cond:/;

const PG_SCAN = /^(?:Parallel )?(Seq Scan|Index Scan(?: Backward)?|Index Only Scan(?: Backward)?|Bitmap Heap Scan|Bitmap Index Scan|Tid Scan|Tid Range Scan)(?: using (\S+))? on (\S+)/;

/** The relations a PostgreSQL text plan reads, and through which indexes. */
export function postgresReads(plan: readonly string[]): RelationRead[] {
  const lines = planLines(plan);
  const reads: RelationRead[] = [];
  lines.forEach((line, i) => {
    const match = line.node === null ? null : PG_SCAN.exec(line.node);
    if (!match) return;
    const [, kind, index, relation] = match;
    if (kind === 'Bitmap Index Scan') return; // counted under its Bitmap Heap Scan
    const text = withDetails(lines, i);
    if (kind === 'Seq Scan' || kind!.startsWith('Tid')) { reads.push({ table: unquote(relation!), indexes: [], bounded: false, text }); return; }
    if (kind !== 'Bitmap Heap Scan') { reads.push({ table: unquote(relation!), indexes: [unquote(index!)], bounded: BOUNDED.test(text), text }); return; }
    // The bitmap's index scans are the nodes below the heap scan (`Bitmap Index Scan on <index>`).
    const indexes: string[] = [];
    const details: string[] = [text];
    for (let j = i + 1; j < lines.length && (lines[j]!.node === null || lines[j]!.depth > line.depth); j++) {
      const below = /^Bitmap Index Scan on (\S+)/.exec(lines[j]!.node ?? '');
      if (below) { indexes.push(unquote(below[1]!)); details.push(withDetails(lines, j)); }
    }
    reads.push({ table: unquote(relation!), indexes, bounded: BOUNDED.test(details.join('\n')), text: details.join('\n') });
  });
  return reads;
}

const STRATA_SCAN = /^(Storage Scan|Storage Lookup|B-Tree Scan using (\S+)|[A-Za-z -]*Lookup using (\S+)) on (\S+)/;

/**
 * The relations a Strata plan reads (explain.ts): `Storage Lookup` reads by primary key, a
 * `B-Tree Scan` through an index, a `Storage Scan` with an `Index Cond` a primary-key range;
 * a `Storage Scan` without one reads the whole table.
 */
export function strataReads(plan: readonly string[]): RelationRead[] {
  const lines = planLines(plan);
  const reads: RelationRead[] = [];
  lines.forEach((line, i) => {
    const match = line.node === null ? null : STRATA_SCAN.exec(line.node);
    if (!match) return;
    const text = withDetails(lines, i);
    const keyed = match[1] !== 'Storage Scan' || BOUNDED.test(text);
    reads.push({ table: unquote(match[4]!), indexes: keyed ? [match[2] ?? match[3] ?? 'primary key'] : [], bounded: keyed, text });
  });
  return reads;
}

/** What Strata has of an index PostgreSQL used: nothing, its primary key, or a secondary index. */
export type StrataIndex = 'none' | 'primary' | 'secondary';

/**
 * The relations PostgreSQL reads through indexes Strata also has, more times than Strata reads
 * them by key, where Strata scans them in full. A primary-key index read from end to end (no
 * Index Cond: PostgreSQL's way to read a table in key order) is not counted: Strata's table is
 * its primary-key B-tree, so its full scan is that same read.
 */
export function indexGaps(postgres: readonly RelationRead[], strata: readonly RelationRead[], strataHas: (table: string, index: string) => StrataIndex): RelationRead[] {
  const gaps: RelationRead[] = [];
  for (const table of new Set(postgres.map((r) => r.table))) {
    const indexed = postgres.filter((r) => {
      if (r.table !== table || r.indexes.length === 0) return false;
      const kinds = r.indexes.map((index) => strataHas(table, index));
      return !kinds.includes('none') && (r.bounded || kinds.includes('secondary'));
    });
    const mine = strata.filter((r) => r.table === table);
    const keyed = mine.filter((r) => r.indexes.length > 0).length;
    if (indexed.length > keyed && mine.some((r) => r.indexes.length === 0)) gaps.push(indexed[0]!);
  }
  return gaps;
}

/** Runs the check statement by statement on the runner's own sessions (same schema, same transaction). */
export class IndexCheck {
  readonly gaps: IndexGap[] = [];
  /** Statements explained on both servers. */
  explained = 0;
  /** Statements where PostgreSQL reads by an index Strata lacks (not compared). */
  withoutIndex = 0;

  async statementPassed(statement: { file: string; line: number; sql: string }, infos: readonly StatementInfo[] | null, postgres: Endpoint, strata: Endpoint): Promise<void> {
    if (!infos || infos.length !== 1 || !EXPLAINED.has(infos[0]!.type) || infos[0]!.node.intoClause) return;
    const sql = statement.sql.trim().replace(/;\s*$/, '');
    const [pg, st] = await Promise.all([postgres.run(`EXPLAIN ${sql}`), strata.run(`EXPLAIN ${sql}`)]);
    const lines = (o: typeof pg): string[] | null => (o.error || o.timedOut ? null : (o.results[o.results.length - 1]?.rows ?? []).map((r) => String(r[0])));
    const pgPlan = lines(pg);
    const strataPlan = lines(st);
    if (!pgPlan || !strataPlan) return;
    this.explained++;
    const pgReads = postgresReads(pgPlan);
    if (!pgReads.some((r) => r.indexes.length > 0)) return;
    const indexes = await strataIndexes(strata);
    const has = (table: string, index: string): StrataIndex => indexes.get(`${table}\u0000${index}`) ?? 'none';
    if (pgReads.some((r) => r.indexes.some((index) => has(r.table, index) === 'none'))) this.withoutIndex++;
    const found = indexGaps(pgReads, strataReads(strataPlan), has);
    for (const read of found) this.gaps.push({ ...statement, table: read.table, postgres: read.text });
  }

  /** The lines the harness prints: counts, then every gap. */
  report(): string[] {
    const statements = new Set(this.gaps.map((g) => `${g.file}:${g.line}`)).size;
    const lines = [
      `index check: ${this.explained} statements explained on both; ${statements} where PostgreSQL reads a relation by index and Strata scans it in full (${this.gaps.length} relations)`,
      `  (${this.withoutIndex} more where PostgreSQL reads by an index Strata does not have — a plain CREATE INDEX, which DSQL refuses — not compared)`,
    ];
    for (const gap of this.gaps) {
      lines.push(`  ${gap.file}:${gap.line}  ${gap.table}: ${gap.sql.replace(/\s+/g, ' ').slice(0, 200)}`);
      for (const detail of gap.postgres.split('\n')) lines.push(`      PostgreSQL: ${detail}`);
    }
    return lines;
  }
}

/** Strata's indexes by `table\0index` (the primary key's named as PostgreSQL names it, `<table>_pkey`). */
async function strataIndexes(strata: Endpoint): Promise<Map<string, StrataIndex>> {
  const outcome = await strata.run(`SELECT t.relname, i.relname, x.indisprimary FROM pg_catalog.pg_index x
    JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid`);
  const rows = outcome.error ? [] : outcome.results[0]?.rows ?? [];
  return new Map(rows.map((r) => [`${r[0]}\u0000${r[1]}`, r[2] === 't' ? 'primary' : 'secondary']));
}
