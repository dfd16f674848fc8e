import type { ScopeColumn } from './scope.js';

/**
 * PostgreSQL's HINT for a column name that is not there (parse_relation.c, errorMissingColumn
 * and updateFuzzyAttrMatchState): "Perhaps you meant to reference the column "t.abc"." for the
 * nearest column by Levenshtein distance (insert, delete and substitute cost 1), searched in
 * every FROM item of the query and then of each enclosing query. A match may differ in at most
 * 3 characters and in no more than half of the column name's; a qualifier adds its own distance
 * to each item's name; more than two equally near columns (or two in one item) give no hint.
 */
const MAX_FUZZY_DISTANCE = 3;

interface Candidate {
  readonly relation: string;
  readonly column: string;
}

/** The hint for `relation.name` (relation null: a bare name), over the levels innermost first; undefined when none is near enough. */
export function fuzzyColumnHint(levels: readonly (readonly ScopeColumn[])[], relation: string | null, name: string): string | undefined {
  let distance = MAX_FUZZY_DISTANCE + 1;
  let first: Candidate | null = null;
  let second: Candidate | null = null;
  const consider = (penalty: number, rte: string, column: string): void => {
    if (penalty > distance) return;
    const columnDistance = levenshtein(column, name);
    // More than half the characters different is not a suggestion worth making.
    if (columnDistance > Math.floor(name.length / 2)) return;
    const total = columnDistance + penalty;
    if (total < distance) {
      distance = total;
      first = { relation: rte, column };
      second = null;
    } else if (total === distance) {
      if (second !== null) {
        // Too many equally near matches: none, and the bar drops below them.
        first = null;
        second = null;
        distance = total - 1;
      } else if (first !== null) second = { relation: rte, column };
      else if (distance <= MAX_FUZZY_DISTANCE) first = { relation: rte, column };
    }
  };
  for (const level of levels) {
    for (const [rte, columns] of fromItems(level)) {
      const penalty = relation === null ? 0 : levenshtein(relation, rte);
      for (const column of columns) consider(penalty, rte, column);
    }
  }
  const a = first as Candidate | null;
  const b = second as Candidate | null;
  if (a === null) return undefined;
  if (b === null) return `Perhaps you meant to reference the column "${a.relation}.${a.column}".`;
  return `Perhaps you meant to reference the column "${a.relation}.${a.column}" or the column "${b.relation}.${b.column}".`;
}

/** A level's FROM items in order, each with its column names (computed and hidden columns are none of a table's). */
function fromItems(columns: readonly ScopeColumn[]): Map<string, string[]> {
  const items = new Map<string, string[]>();
  for (const column of columns) {
    if (column.relation === null || column.hidden || column.name.startsWith('\u0000')) continue;
    const names = items.get(column.relation) ?? [];
    if (!names.includes(column.name)) names.push(column.name);
    items.set(column.relation, names);
  }
  return items;
}

/** Levenshtein distance with unit costs (PostgreSQL's varstr_levenshtein as the hint calls it). */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
