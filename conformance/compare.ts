/**
 * Comparing PostgreSQL's answer to one statement with Strata's: SQLSTATEs of errors, command
 * tags, column names, column type OIDs and rows — in order where the statement orders them
 * (rows tied on the ORDER BY keys may come in either order), as multisets otherwise, and only
 * their number for an unordered LIMIT. EXPLAIN output is not compared (plans differ by design).
 */
import type { Ordering, StatementInfo } from './analysis.js';
import type { Outcome, ResultSet } from './endpoint.js';

export interface Difference {
  /** What went wrong, in words general enough to group statements by (the report's causes). */
  readonly cause: string;
  /** The specifics of this statement. */
  readonly detail: string;
}

let typeNames = new Map<number, string>();

/** OID → type name (read from PostgreSQL's pg_type), for readable causes. */
export function setTypeNames(names: Map<number, string>): void {
  typeNames = names;
}

export function typeName(oid: number): string {
  return typeNames.get(oid) ?? `oid ${oid}`;
}

/** A message with the specifics taken out, so that statements group by cause. */
export function normalizeMessage(code: string, message: string): string {
  const keepNames = code === '42883' || code === '42725' || code === '0A000';
  let text = message.replace(/\s+/g, ' ').trim();
  if (!keepNames) text = text.replace(/"[^"]*"/g, '"…"');
  text = text.replace(/\b\d+(\.\d+)?\b/g, 'N');
  if (text.length > 140) text = `${text.slice(0, 140)}…`;
  return text;
}

export function describeOutcome(outcome: Outcome, maxRows = 3): string {
  if (outcome.timedOut) return 'no answer (timed out)';
  if (outcome.error) return `ERROR ${outcome.error.code}: ${outcome.error.message}`;
  return outcome.results.map((r) => {
    const columns = r.columns.map((c) => `${c.name}:${typeName(c.type)}`).join(', ');
    const rows = r.rows.slice(0, maxRows).map((row) => `(${row.map((v) => (v === null ? 'NULL' : v)).join(', ')})`).join(' ');
    return `${r.tag}${columns ? ` [${columns}]` : ''}${rows ? ` ${rows}` : ''}${r.rows.length > maxRows ? ` … ${r.rows.length} rows` : ''}`;
  }).join('; ') || '(empty query)';
}

/** Null when Strata answered as PostgreSQL did. */
export function compareOutcomes(postgres: Outcome, strata: Outcome, infos: readonly StatementInfo[] | null): Difference | null {
  if (strata.timedOut) return { cause: 'timeout: Strata gave no answer in time', detail: '' };
  if (postgres.error || strata.error) {
    if (postgres.error && strata.error) {
      if (postgres.error.code === strata.error.code) return null;
      return {
        cause: `wrong SQLSTATE: Strata ${strata.error.code} ${normalizeMessage(strata.error.code, strata.error.message)} where PostgreSQL raises ${postgres.error.code}`,
        detail: `PostgreSQL ${postgres.error.code}: ${postgres.error.message} | Strata ${strata.error.code}: ${strata.error.message}`,
      };
    }
    if (strata.error) {
      return { cause: `Strata error ${strata.error.code}: ${normalizeMessage(strata.error.code, strata.error.message)}`, detail: strata.error.message };
    }
    const error = postgres.error!;
    return { cause: `no error where PostgreSQL raises ${error.code} ${normalizeMessage(error.code, error.message)}`, detail: `PostgreSQL: ${error.message}` };
  }
  if (postgres.results.length !== strata.results.length) {
    return { cause: 'wrong number of results', detail: `PostgreSQL ${postgres.results.length}, Strata ${strata.results.length}` };
  }
  for (let i = 0; i < postgres.results.length; i++) {
    const info = infos && infos.length === postgres.results.length ? infos[i]! : null;
    const difference = compareResult(postgres.results[i]!, strata.results[i]!, info);
    if (difference) return difference;
  }
  return null;
}

function compareResult(pg: ResultSet, st: ResultSet, info: StatementInfo | null): Difference | null {
  const pgNames = pg.columns.map((c) => c.name);
  const stNames = st.columns.map((c) => c.name);
  if (pgNames.length !== stNames.length) {
    return { cause: 'wrong number of columns', detail: `PostgreSQL (${pgNames.join(', ')}) | Strata (${stNames.join(', ')})` };
  }
  if (pgNames.some((name, i) => name !== stNames[i])) {
    return { cause: 'wrong column names', detail: `PostgreSQL (${pgNames.join(', ')}) | Strata (${stNames.join(', ')})` };
  }
  for (let i = 0; i < pg.columns.length; i++) {
    if (pg.columns[i]!.type !== st.columns[i]!.type) {
      return {
        cause: `wrong column type: ${typeName(st.columns[i]!.type)} where PostgreSQL has ${typeName(pg.columns[i]!.type)}`,
        detail: `column ${pgNames[i]}`,
      };
    }
  }
  if (info?.explain) return pg.tag === st.tag ? null : { cause: 'wrong command tag', detail: `PostgreSQL ${pg.tag} | Strata ${st.tag}` };
  const rows = compareRows(pg, st, info?.ordering ?? null);
  if (rows) return rows;
  if (pg.tag !== st.tag) {
    return { cause: `wrong command tag: ${st.tag.replace(/\d+/g, 'N')} where PostgreSQL says ${pg.tag.replace(/\d+/g, 'N')}`, detail: `PostgreSQL ${pg.tag} | Strata ${st.tag}` };
  }
  return null;
}

const key = (row: readonly (string | null)[]): string => JSON.stringify(row);

function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}

function compareRows(pg: ResultSet, st: ResultSet, ordering: Ordering | null): Difference | null {
  const a = pg.rows.map(key);
  const b = st.rows.map(key);
  if (ordering && !ordering.ordered && ordering.limited) {
    // Which rows an unordered LIMIT returns is up to the plan.
    return a.length === b.length ? null : rowCountDifference(pg, st);
  }
  if (ordering?.ordered) {
    if (a.length === b.length && a.every((v, i) => v === b[i])) return null;
    const keys = resolveKeys(ordering, pg);
    if (keys && tiesExplain(pg.rows, st.rows, keys.map((k) => ({ index: k, numeric: pg.columns[k]?.type === NUMERIC_OID })), ordering.limited)) return null;
    if (a.length !== b.length) return rowCountDifference(pg, st);
    if (sameMultiset(a, b)) return { cause: 'wrong row order', detail: sampleDifference(pg, st, true) };
    return valueDifference(pg, st, true);
  }
  if (sameMultiset(a, b)) return null;
  if (a.length !== b.length) return rowCountDifference(pg, st);
  return valueDifference(pg, st, false);
}

/** Output column indexes of the ORDER BY keys, or null when some key is not an output column. */
function resolveKeys(ordering: Ordering, result: ResultSet): number[] | null {
  if (!ordering.keys) return null;
  const out: number[] = [];
  for (const k of ordering.keys) {
    if (k.position !== undefined) {
      if (k.position < 1 || k.position > result.columns.length) return null;
      out.push(k.position - 1);
    } else {
      const matches = result.columns.map((c, i) => (c.name === k.name ? i : -1)).filter((i) => i >= 0);
      if (matches.length !== 1) return null;
      out.push(matches[0]!);
    }
  }
  return out;
}

/**
 * The two row lists agree once rows with equal sort keys are allowed to come in any order: the
 * key sequences match and each run of equal keys holds the same rows (the last run only its
 * size, when a LIMIT may have cut it).
 */
function tiesExplain(pg: readonly (readonly (string | null)[])[], st: readonly (readonly (string | null)[])[], keys: readonly { index: number; numeric: boolean }[], limited: boolean): boolean {
  if (pg.length !== st.length) return false;
  const sortKey = (row: readonly (string | null)[]): string => JSON.stringify(keys.map((k) => (k.numeric ? numericValue(row[k.index] ?? null) : row[k.index])));
  let start = 0;
  while (start < pg.length) {
    const k = sortKey(pg[start]!);
    let end = start;
    while (end < pg.length && sortKey(pg[end]!) === k) end++;
    for (let i = start; i < end; i++) if (sortKey(st[i]!) !== k) return false;
    const last = end === pg.length;
    if (!(limited && last) && !sameMultiset(pg.slice(start, end).map(key), st.slice(start, end).map(key))) return false;
    start = end;
  }
  return true;
}

const NUMERIC_OID = 1700;

/** A numeric's text without the scale's trailing zeros: 10 and 10.00 sort as one key (a tie). */
function numericValue(text: string | null): string | null {
  return text !== null && /^-?\d+\.\d*$/.test(text) ? text.replace(/\.?0+$/, '') : text;
}

function rowCountDifference(pg: ResultSet, st: ResultSet): Difference {
  return { cause: 'wrong rows: row count', detail: `PostgreSQL ${pg.rows.length} rows, Strata ${st.rows.length}; ${sampleDifference(pg, st, false)}` };
}

/** Same number of rows, different values: which column types differ (the usual culprit). */
function valueDifference(pg: ResultSet, st: ResultSet, ordered: boolean): Difference {
  const a = ordered ? pg.rows : [...pg.rows].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const b = ordered ? st.rows : [...st.rows].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const columns = new Set<string>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    for (let c = 0; c < x.length; c++) {
      if (x[c] !== y[c]) columns.add(typeName(pg.columns[c]?.type ?? 0));
    }
  }
  const types = [...columns].sort().join(', ');
  return { cause: `wrong values (${types || 'rows'})`, detail: sampleDifference(pg, st, ordered) };
}

function sampleDifference(pg: ResultSet, st: ResultSet, ordered: boolean): string {
  const show = (row: readonly (string | null)[]): string => `(${row.map((v) => (v === null ? 'NULL' : v)).join(', ')})`;
  if (ordered) {
    for (let i = 0; i < Math.max(pg.rows.length, st.rows.length); i++) {
      const x = pg.rows[i];
      const y = st.rows[i];
      if (!x || !y || key(x) !== key(y)) return `row ${i + 1}: PostgreSQL ${x ? show(x) : '(none)'} | Strata ${y ? show(y) : '(none)'}`;
    }
    return '';
  }
  const counts = new Map<string, number>();
  for (const row of pg.rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  const onlyStrata: string[] = [];
  for (const row of st.rows) {
    const k = key(row);
    const n = counts.get(k) ?? 0;
    if (n > 0) counts.set(k, n - 1);
    else onlyStrata.push(show(row));
  }
  const onlyPostgres: string[] = [];
  for (const row of pg.rows) {
    const k = key(row);
    const n = counts.get(k) ?? 0;
    if (n > 0) {
      onlyPostgres.push(show(row));
      counts.set(k, n - 1);
    }
  }
  return `only in PostgreSQL: ${onlyPostgres.slice(0, 3).join(' ') || '-'}${onlyPostgres.length > 3 ? ` (+${onlyPostgres.length - 3})` : ''} | only in Strata: ${onlyStrata.slice(0, 3).join(' ') || '-'}${onlyStrata.length > 3 ? ` (+${onlyStrata.length - 3})` : ''}`;
}
