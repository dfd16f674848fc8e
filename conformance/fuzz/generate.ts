/**
 * Random statements over the fuzzer's schema (schema.ts), in the spirit of SQLancer's and
 * sqlsmith's differential modes: each is run on PostgreSQL 15 and on Strata and the answers are
 * compared. Expressions are typed by family so that nearly every statement is valid SQL; what
 * would legitimately differ between the servers is not generated (see the comments at each).
 */
import type { Random } from './random.js';
import { literal, SECOND_SCHEMA, TABLES, type FuzzColumn, type FuzzTable, type Kind } from './schema.js';

type Family = 'number' | 'text' | 'bool' | 'date' | 'ts' | 'json';

const FAMILY: Record<Kind, Family> = {
  int: 'number', bigint: 'number', numeric: 'number', float8: 'number',
  text: 'text', bool: 'bool', date: 'date', timestamptz: 'ts', jsonb: 'json',
};
/** Families that compare with < and = (jsonb only with = and its own operators). */
const ORDERED: readonly Family[] = ['number', 'text', 'date', 'ts', 'bool'];

interface Source {
  readonly alias: string;
  readonly table: FuzzTable;
}

/** The relations a query reads, innermost scope last (correlated subqueries see outer ones). */
type Scope = readonly Source[];

const MAX_DEPTH = 3;

/**
 * Subqueries nest at most this deep: deeper correlated nests are slow in both servers (each level
 * runs per outer row) and time out rather than tell anything.
 */
const MAX_NESTING = 2;

export class Generator {
  private aliasCount = 0;
  private nesting = 0;

  constructor(private readonly random: Random) {}

  /** One statement: a query most of the time, DML the rest (its table returned for reading back). */
  statement(): { sql: string; writes: FuzzTable | null; extended: boolean } {
    const extended = this.random.chance(0.2);
    return { ...this.statementText(), extended };
  }

  private statementText(): { sql: string; writes: FuzzTable | null } {
    this.aliasCount = 0;
    const r = this.random.next();
    if (r < 0.02) return { sql: `SET search_path = ${this.random.pick([`${SECOND_SCHEMA}, public`, 'public', `public, ${SECOND_SCHEMA}`])}`, writes: null };
    if (r < 0.05) return this.transaction();
    if (r < 0.15) return this.dml();
    if (r < 0.3) return { sql: this.grouped(), writes: null };
    if (r < 0.4) return { sql: this.setOperation(), writes: null };
    if (r < 0.5) return { sql: this.windowed(), writes: null };
    return { sql: this.select(), writes: null };
  }

  private alias(): string {
    return `r${++this.aliasCount}`;
  }

  private source(writable = false): Source {
    const tables = TABLES.filter((t) => !writable || !t.view);
    return { alias: this.alias(), table: this.random.pick(tables) };
  }

  private columns(scope: Scope, family?: Family): string[] {
    const out: string[] = [];
    for (const s of scope) {
      for (const c of s.table.columns) if (!family || FAMILY[c.kind] === family) out.push(`${s.alias}.${c.name}`);
    }
    return out;
  }

  /** Columns whose every value fits an int: int, and numeric (its values are all below 100). */
  private intColumns(scope: Scope): string[] {
    return scope.flatMap((s) => s.table.columns.filter((c) => c.kind === 'int' || c.kind === 'numeric').map((c) => `${s.alias}.${c.name}`));
  }

  private kindLiteral(family: Family): string {
    const kinds = (Object.keys(FAMILY) as Kind[]).filter((k) => FAMILY[k] === family);
    return literal(this.random, this.random.pick(kinds));
  }

  /** An expression of a family over the scope. */
  expr(scope: Scope, family: Family, depth = 0): string {
    const columns = this.columns(scope, family);
    const r = this.random.next();
    if (depth >= MAX_DEPTH || r < 0.45) {
      if (columns.length > 0 && this.random.chance(0.75)) return this.random.pick(columns);
      return this.kindLiteral(family);
    }
    if (r < 0.55) return `COALESCE(${this.expr(scope, family, depth + 1)}, ${this.expr(scope, family, depth + 1)})`;
    if (r < 0.65) return `CASE WHEN ${this.predicate(scope, depth + 1)} THEN ${this.expr(scope, family, depth + 1)} ELSE ${this.expr(scope, family, depth + 1)} END`;
    if (r < 0.72 && depth < 2 && this.nesting < MAX_NESTING) return `(${this.nest(() => this.scalarSubquery(scope, family))})`;
    return this.familyExpr(scope, family, depth);
  }

  private familyExpr(scope: Scope, family: Family, depth: number): string {
    const sub = (f: Family): string => this.expr(scope, f, depth + 1);
    switch (family) {
      case 'number': return this.random.pick([
        () => `(${sub('number')} + ${sub('number')})`,
        () => `(${sub('number')} - ${sub('number')})`,
        () => `(${sub('number')} * 2)`,
        () => `abs(${sub('number')})`,
        () => `length(${sub('text')})`,
        () => `(-${sub('number')})`,
        () => `CAST(${sub('number')} AS numeric)`,
        () => `CAST(${sub('number')} AS bigint)`,
        () => `round(CAST(${sub('number')} AS numeric), 1)`,
        () => `(${sub('number')} % 3)`,
        () => `extract(day FROM ${sub('date')})`,
        () => `NULLIF(${sub('number')}, 1)`,
        () => `GREATEST(${sub('number')}, ${sub('number')})`,
        () => `LEAST(${sub('number')}, ${sub('number')})`,
        // NULLIF keeps the divisor off zero: which side raises 22012 first is the plan's choice.
        () => `(${sub('number')} / NULLIF(${sub('number')}, 0))`,
        () => `(CAST(${sub('number')} AS numeric) / 7)`,
        () => `(${sub('date')} - ${sub('date')})`,
        () => `position('a' IN ${sub('text')})`,
        () => `sign(${sub('number')})`,
        () => `floor(${sub('number')})`,
        () => `ceil(${sub('number')})`,
        () => `trunc(CAST(${sub('number')} AS numeric), 1)`,
        () => `CAST(${sub('number')} AS float8)`,
        () => `(${sub('number')} * 1.5)`,
        () => `(${sub('number')} + 0.25)`,
        () => `extract(epoch FROM ${sub('ts')})`,
        () => `extract(year FROM ${sub('date')})`,
        () => `date_part('hour', ${sub('ts')})`,
        // Of a column only, as CAST AS int below: PostgreSQL raises these functions' errors when it
        // folds constant arguments at plan time, whether or not a row reaches them.
        () => `jsonb_array_length(${this.random.pick([...this.columns(scope, 'json'), `'[1, 2]'::jsonb`])})`,
        () => `CAST(${this.random.pick([...this.columns(scope, 'json'), `'{"a": 1}'::jsonb`])} ->> 'a' AS int)`,
        () => `char_length(${sub('text')})`,
        () => `mod(${sub('number')}, 4)`,
        () => `power(CAST(${sub('number')} AS numeric), 2)`,
        () => `round(${sub('number')})`,
        () => `(${sub('number')} / 2)`,
        // Only of a column: PostgreSQL folds a constant CAST(4000000000 AS int) when it plans and
        // raises 22003 even where no row reaches it; Strata evaluates it per row.
        // Of int and numeric columns only (they fit): a float8 or bigint column could overflow on
        // some row, and which row a subquery under ANY reaches first is the scan order's choice.
        () => `CAST(${this.random.pick([...this.intColumns(scope), '7'])} AS int)`,
      ])();
      case 'text': return this.random.pick([
        () => `(${sub('text')} || ${sub('text')})`,
        () => `(${sub('text')} || ${sub('number')})`,
        () => `CASE ${sub('number')} WHEN 1 THEN 'one' WHEN 2 THEN ${sub('text')} ELSE ${sub('text')} END`,
        () => `reverse(${sub('text')})`,
        () => `split_part(${sub('text')}, 'a', 2)`,
        () => `upper(${sub('text')})`,
        () => `lower(${sub('text')})`,
        () => `substr(${sub('text')}, 2, 3)`,
        () => `CAST(${sub('number')} AS text)`,
        () => `CAST(${sub('date')} AS text)`,
        () => `CAST(${sub('bool')} AS text)`,
        () => `(${sub('json')} ->> 'a')`,
        () => `trim(${sub('text')})`,
        () => `CAST(${sub('text')} AS varchar(3))`,
        () => `replace(${sub('text')}, 'a', 'AA')`,
        () => `left(${sub('text')}, 2)`,
        () => `concat(${sub('text')}, ${sub('number')})`,
        () => `concat_ws('-', ${sub('text')}, ${sub('date')})`,
        () => `lpad(${sub('text')}, 6, '*')`,
        () => `CAST(${sub('ts')} AS text)`,
        () => `CAST(${sub('json')} AS text)`,
        () => `to_char(${sub('date')}, 'YYYY/MM/DD')`,
      ])();
      case 'bool': return this.predicate(scope, depth + 1);
      case 'date': return this.random.pick([
        () => `(${sub('date')} + 1)`,
        () => `CAST(${sub('ts')} AS date)`,
        () => `(${sub('date')} - 3)`,
      ])();
      case 'ts': return this.random.pick([
        () => `(${sub('ts')} + interval '1 day')`,
        () => `date_trunc('day', ${sub('ts')})`,
        () => `CAST(${sub('date')} AS timestamptz)`,
        () => `(${sub('date')} + interval '2 hours')`,
      ])();
      case 'json': return this.random.pick([
        () => `(${sub('json')} -> 'b')`,
        () => `jsonb_build_object('k', ${sub('number')})`,
      ])();
    }
  }

  predicate(scope: Scope, depth = 0): string {
    const r = this.random.next();
    const family = this.random.pick(ORDERED);
    const e = (f: Family = family): string => this.expr(scope, f, depth + 1);
    if (depth >= MAX_DEPTH || r < 0.35) return `${e()} ${this.random.pick(['=', '<>', '<', '<=', '>', '>='])} ${e()}`;
    if (r < 0.45) return `(${this.predicate(scope, depth + 1)} ${this.random.pick(['AND', 'OR'])} ${this.predicate(scope, depth + 1)})`;
    if (r < 0.5) return `NOT (${this.predicate(scope, depth + 1)})`;
    if (r < 0.56) return `${e(this.random.pick([...ORDERED, 'json']))} IS ${this.random.pick(['', 'NOT '])}NULL`;
    if (r < 0.62) return `${e()} ${this.random.pick(['', 'NOT '])}IN (${[1, 2, 3].slice(0, this.random.int(1, 3)).map(() => this.kindLiteral(family)).join(', ')})`;
    const nested = this.nesting >= MAX_NESTING;
    if (r < 0.68 && !nested) return `${e()} ${this.random.pick(['', 'NOT '])}IN (${this.nest(() => this.columnSubquery(scope, family))})`;
    if (r < 0.74 && !nested) return `${this.random.pick(['', 'NOT '])}EXISTS (${this.nest(() => this.existsSubquery(scope))})`;
    if (r < 0.79) return `${e()} ${this.random.pick(['', 'NOT '])}BETWEEN ${e()} AND ${e()}`;
    if (r < 0.84) return `${e('text')} ${this.random.pick(['LIKE', 'NOT LIKE', 'ILIKE'])} '${this.random.pick(['a%', '%a', '_eta', '%', 'a\\%b', 'x_y', '%ET%'])}'`;
    if (r < 0.88) return `${e()} IS ${this.random.pick(['', 'NOT '])}DISTINCT FROM ${e()}`;
    if (r < 0.92) return this.jsonPredicate(scope, depth);
    if (r < 0.96 && !nested) return `${e()} ${this.random.pick(['=', '<', '>'])} ${this.random.pick(['ANY', 'ALL'])} (${this.nest(() => this.columnSubquery(scope, family))})`;
    if (r < 0.98) return `(${this.predicate(scope, depth + 1)}) IS ${this.random.pick(['TRUE', 'NOT TRUE', 'FALSE', 'NOT FALSE', 'UNKNOWN', 'NOT UNKNOWN'])}`;
    return this.random.pick(['true', 'false', 'NULL::bool']);
  }

  private nest(make: () => string): string {
    this.nesting++;
    try {
      return make();
    } finally {
      this.nesting--;
    }
  }

  private jsonPredicate(scope: Scope, depth: number): string {
    const j = this.expr(scope, 'json', depth + 1);
    return this.random.pick([
      `${j} ? 'a'`,
      `${j} @> '{"a": 1}'`,
      `(${j} ->> 'a') = '1'`,
      `${j} = '{"a": 1}'::jsonb`,
      `jsonb_typeof(${j}) = 'object'`,
    ]);
  }

  /** SELECT of one column of a family (for IN / ANY / ALL), sometimes correlated. */
  private columnSubquery(scope: Scope, family: Family): string {
    const inner = this.source();
    const innerScope = [...scope, inner];
    const where = this.random.chance(0.6) ? ` WHERE ${this.predicate(this.random.chance(0.5) ? innerScope : [inner], 2)}` : '';
    return `SELECT ${this.expr([inner], family, 2)} FROM ${inner.table.name} ${inner.alias}${where}`;
  }

  private existsSubquery(scope: Scope): string {
    const inner = this.source();
    return `SELECT 1 FROM ${inner.table.name} ${inner.alias} WHERE ${this.predicate([...scope, inner], 2)}`;
  }

  /** One value: an aggregate over a (usually correlated) subquery, or LIMIT 1 of an ordered one. */
  private scalarSubquery(scope: Scope, family: Family): string {
    const inner = this.source();
    const where = `WHERE ${this.predicate([...scope, inner], 2)}`;
    const column = this.expr([inner], family, 2);
    if (family === 'number' && this.random.chance(0.5)) {
      return `SELECT ${this.random.pick(['count(*)', `max(${column})`, `min(${column})`, `sum(${column})`])} FROM ${inner.table.name} ${inner.alias} ${where}`;
    }
    // Ordered by the value and then the key, so that the one row is the same on both servers.
    return `SELECT ${column} FROM ${inner.table.name} ${inner.alias} ${where} ORDER BY 1, ${inner.alias}.${inner.table.key} LIMIT 1`;
  }

  /** FROM with 1–3 relations joined every way; returns the clause and the scope it makes. */
  private from(): { sql: string; scope: Source[] } {
    const first = this.source();
    const scope: Source[] = [first];
    let sql = `${first.table.name} ${first.alias}`;
    const n = this.random.pick([0, 0, 1, 1, 1, 2]);
    for (let i = 0; i < n; i++) {
      const next = this.source();
      const kind = this.random.pick(['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'CROSS JOIN', 'JOIN LATERAL']);
      if (kind === 'CROSS JOIN') {
        sql += ` CROSS JOIN ${next.table.name} ${next.alias}`;
      } else if (kind === 'JOIN LATERAL') {
        const where = this.predicate([...scope, next], 2);
        sql += ` JOIN LATERAL (SELECT * FROM ${next.table.name} ${next.alias} WHERE ${where}) ${next.alias} ON true`;
      } else {
        // PostgreSQL runs a FULL JOIN only on merge- or hash-joinable conditions (0A000 otherwise,
        // where Strata answers): a FULL JOIN gets a plain equality.
        const on = kind === 'FULL JOIN' ? this.equality(scope, next) ?? 'true'
          : this.random.chance(0.7) ? this.equiJoin(scope, next) : this.predicate([...scope, next], 1);
        sql += ` ${kind} ${next.table.name} ${next.alias} ON ${on}`;
      }
      scope.push(next);
    }
    return { sql, scope };
  }

  private equiJoin(scope: Scope, next: Source): string {
    const eq = this.equality(scope, next);
    if (!eq) return this.predicate([...scope, next], 1);
    return this.random.chance(0.3) ? `${eq} AND ${this.predicate([...scope, next], 2)}` : eq;
  }

  /** A column of the scope = a column of the next relation, or null when no family is shared. */
  private equality(scope: Scope, next: Source): string | null {
    const family = this.random.pick(['number', 'text'] as const);
    const left = this.columns(scope, family);
    const right = this.columns([next], family);
    if (left.length === 0 || right.length === 0) return null;
    return `${this.random.pick(left)} = ${this.random.pick(right)}`;
  }

  private selectItem(scope: Scope, i: number): string {
    const family = this.random.pick([...ORDERED, 'json'] as Family[]);
    const e = this.expr(scope, family, 1);
    return this.random.chance(0.5) ? `${e} AS c${i}` : e;
  }

  /** ORDER BY every output column (a total order over the output) with LIMIT/OFFSET sometimes. */
  private orderLimit(width: number, json: boolean): string {
    // jsonb output has an order too, but ordering by a position of jsonb is fine in both; keep it.
    void json;
    let sql = '';
    if (this.random.chance(0.6)) {
      sql += ` ORDER BY ${Array.from({ length: width }, (_, i) => `${i + 1}${this.random.pick(['', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST'])}`).join(', ')}`;
    }
    if (this.random.chance(0.3)) sql += ` LIMIT ${this.random.int(0, 6)}`;
    if (this.random.chance(0.15)) sql += ` OFFSET ${this.random.int(0, 4)}`;
    return sql;
  }

  /** A SELECT over a derived table or a CTE whose output is named like one of the tables. */
  derived(): string {
    const inner = this.source();
    const t = inner.table;
    const where = this.random.chance(0.7) ? ` WHERE ${this.predicate([inner], 1)}` : '';
    const distinct = this.random.chance(0.3) ? 'DISTINCT ' : '';
    const body = `SELECT ${distinct}${t.columns.map((c) => `${inner.alias}.${c.name}`).join(', ')} FROM ${t.name} ${inner.alias}${where}`;
    const outer: Source = { alias: this.alias(), table: t };
    const width = this.random.int(1, 3);
    const items = Array.from({ length: width }, (_, i) => this.selectItem([outer], i + 1));
    const outerWhere = this.random.chance(0.5) ? ` WHERE ${this.predicate([outer], 1)}` : '';
    const from = this.random.chance(0.5)
      ? `(${body}) ${outer.alias}`
      : `${outer.alias}_cte ${outer.alias}`;
    const prefix = from.startsWith('(') ? '' : `WITH ${outer.alias}_cte AS ${this.random.pick(['', 'MATERIALIZED ', 'NOT MATERIALIZED '])}(${body}) `;
    return `${prefix}SELECT ${items.join(', ')} FROM ${from}${outerWhere}${this.orderLimit(width, false)}`;
  }

  select(): string {
    if (this.random.chance(0.15)) return this.derived();
    const { sql: from, scope } = this.from();
    const width = this.random.int(1, 4);
    const items = Array.from({ length: width }, (_, i) => this.selectItem(scope, i + 1));
    const where = this.random.chance(0.7) ? ` WHERE ${this.predicate(scope)}` : '';
    if (this.random.chance(0.08)) {
      // DISTINCT ON the first output column, ordered by all of them: which row of a group is kept
      // is then the same on both servers.
      const order = items.map((_, i) => String(i + 1)).join(', ');
      return `SELECT DISTINCT ON (1) ${items.join(', ')} FROM ${from}${where} ORDER BY ${order}`;
    }
    const distinct = this.random.chance(0.15) ? 'DISTINCT ' : '';
    return `SELECT ${distinct}${items.join(', ')} FROM ${from}${where}${this.orderLimit(width, false)}`;
  }

  private aggregate(scope: Scope): string {
    const numbers = (): string => this.expr(scope, 'number', 2);
    return this.random.pick([
      () => 'count(*)',
      () => `count(${this.expr(scope, this.random.pick(ORDERED), 2)})`,
      () => `count(DISTINCT ${this.expr(scope, this.random.pick(ORDERED), 2)})`,
      () => `sum(${numbers()})`,
      () => `avg(${numbers()})`,
      () => `min(${this.expr(scope, this.random.pick(ORDERED), 2)})`,
      () => `max(${this.expr(scope, this.random.pick(ORDERED), 2)})`,
      () => `bool_and(${this.predicate(scope, 2)})`,
      () => `bool_or(${this.predicate(scope, 2)})`,
      () => { const t = this.expr(scope, 'text', 2); return `string_agg(${t}, ',' ORDER BY ${t})`; },
      () => `count(*) FILTER (WHERE ${this.predicate(scope, 2)})`,
      () => `sum(DISTINCT ${numbers()})`,
      () => `avg(CAST(${this.random.pick([...this.intColumns(scope), '7'])} AS int))`,
      () => `sum(CAST(${numbers()} AS bigint))`,
      () => { const n = numbers(); return `array_agg(${n} ORDER BY ${n})`; },
      () => { const n = numbers(); return `jsonb_agg(${n} ORDER BY ${n})`; },
      () => `every(${this.predicate(scope, 2)})`,
      // Of a column: with an untyped literal ('a') PostgreSQL compares the ORDER BY key with the
      // argument after coercing only the argument and raises 42P10, where Strata accepts it
      // (reported, not fixed).
      () => { const t = this.random.pick([...this.columns(scope, 'text'), "'a'::text"]); return `string_agg(DISTINCT ${t}, '|' ORDER BY ${t})`; },
      () => `max(${this.expr(scope, 'date', 2)}) - min(${this.expr(scope, 'date', 2)})`,
      () => `count(*) * 2 + sum(${numbers()})`,
    ])();
  }

  grouped(): string {
    const { sql: from, scope } = this.from();
    const keys = this.random.some(this.columns(scope).filter((c) => !this.isJson(scope, c)), this.random.int(0, 2));
    // Sometimes a grouped expression, named in GROUP BY by its output position.
    const expression = keys.length < 2 && this.random.chance(0.3) ? this.expr(scope, this.random.pick(ORDERED), 1) : null;
    if (expression) keys.push(expression);
    const aggs = Array.from({ length: this.random.int(1, 3) }, () => this.aggregate(scope));
    const items = [...keys, ...aggs];
    const where = this.random.chance(0.5) ? ` WHERE ${this.predicate(scope)}` : '';
    const groupKeys = keys.map((k, i) => (k === expression ? String(i + 1) : k)).join(', ');
    // ROLLUP over columns only: PostgreSQL 15 drops a constant ORDER BY key even where a grouping
    // set nulls it (ROLLUP (a, 2) with 2 a constant sorts its NULLs anywhere).
    const rollup = !expression && this.random.chance(0.15);
    const group = keys.length === 0 ? '' : rollup ? ` GROUP BY ROLLUP (${groupKeys})` : ` GROUP BY ${groupKeys}`;
    const having = this.random.chance(0.3) ? ` HAVING ${this.random.pick(['count(*) > 1', `${this.aggregate(scope)} IS NOT NULL`, 'sum(1) < 4'])}` : '';
    return `SELECT ${items.join(', ')} FROM ${from}${where}${group}${having}${this.orderLimit(items.length, false)}`;
  }

  private isJson(scope: Scope, ref: string): boolean {
    const [alias, name] = ref.split('.');
    const source = scope.find((s) => s.alias === alias);
    return source?.table.columns.find((c) => c.name === name)?.kind === 'jsonb';
  }

  setOperation(): string {
    const families = Array.from({ length: this.random.int(1, 3) }, () => this.random.pick(ORDERED));
    const side = (): string => {
      const s = this.source();
      // Each side types its columns its own way (int against numeric, text against varchar, a
      // literal against a column): the common type is part of what is compared.
      const items = families.map((f) => (this.random.chance(0.2) ? this.kindLiteral(f) : this.expr([s], f, 2)));
      const where = this.random.chance(0.6) ? ` WHERE ${this.predicate([s], 1)}` : '';
      return `SELECT ${items.join(', ')} FROM ${s.table.name} ${s.alias}${where}`;
    };
    const op = this.random.pick(['UNION', 'UNION ALL', 'INTERSECT', 'INTERSECT ALL', 'EXCEPT', 'EXCEPT ALL']);
    return `${side()} ${op} ${side()}${this.orderLimit(families.length, false)}`;
  }

  windowed(): string {
    const s = this.source();
    const scope = [s];
    const key = `${s.alias}.${s.table.key}`;
    const partition = this.random.chance(0.6) ? `PARTITION BY ${this.random.pick(this.columns(scope).filter((c) => !this.isJson(scope, c)))} ` : '';
    const number = this.expr(scope, 'number', 2);
    // Window orders end in the key: row_number/lag/first_value are then the same on both servers.
    const order = `ORDER BY ${this.random.chance(0.5) ? `${this.expr(scope, this.random.pick(ORDERED), 2)}, ` : ''}${key}`;
    const fn = this.random.pick([
      `row_number() OVER (${partition}${order})`,
      `rank() OVER (${partition}ORDER BY ${this.random.pick(this.columns(scope, 'number').concat(this.columns(scope, 'text')))})`,
      `dense_rank() OVER (${partition}ORDER BY ${this.random.pick(this.columns(scope, 'number').concat(this.columns(scope, 'text')))})`,
      `sum(${number}) OVER (${partition}${order})`,
      `count(*) OVER (${partition.trim()})`,
      `max(${number}) OVER (${partition}${order})`,
      `lag(${number}) OVER (${partition}${order})`,
      `first_value(${number}) OVER (${partition}${order})`,
      `avg(${number}) OVER (${partition.trim()})`,
    ]);
    const where = this.random.chance(0.5) ? ` WHERE ${this.predicate(scope, 1)}` : '';
    return `SELECT ${key}, ${fn} AS w FROM ${s.table.name} ${s.alias}${where}${this.random.chance(0.7) ? ' ORDER BY 1, 2' : ''}`;
  }

  /**
   * A transaction block in one query string: DML, then reading the table inside the transaction
   * (its own writes visible), then COMMIT or ROLLBACK. DML only: DSQL refuses DDL beside DML.
   */
  private transaction(): { sql: string; writes: FuzzTable } {
    const first = this.dml();
    const t = first.writes;
    const second = this.random.chance(0.5) ? `${this.dml().sql.replace(/ RETURNING \*$/, '')}; ` : '';
    const end = this.random.pick(['COMMIT', 'ROLLBACK']);
    return { sql: `BEGIN; ${first.sql}; ${second}SELECT * FROM ${t.name} ORDER BY ${t.key}; ${end}`, writes: t };
  }

  /** INSERT / UPDATE / DELETE … RETURNING, INSERT … ON CONFLICT; the table is read back after. */
  dml(): { sql: string; writes: FuzzTable } {
    const s = this.source(true);
    const t = s.table;
    const returning = this.random.chance(0.7) ? ' RETURNING *' : '';
    const r = this.random.next();
    if (r < 0.1 && t.key === 'id') {
      // INSERT … SELECT of shifted keys from the same table: new rows, or conflicts on both servers.
      const from = { alias: this.alias(), table: t };
      const items = t.columns.map((c) => (c.name === t.key ? `${from.alias}.id + ${this.random.int(5, 30)}` : `${from.alias}.${c.name}`));
      return { sql: `INSERT INTO ${t.name} SELECT ${items.join(', ')} FROM ${t.name} ${from.alias} WHERE ${this.predicate([from], 1)} ON CONFLICT (${t.key}) DO NOTHING${returning}`, writes: t };
    }
    if (r < 0.4) {
      const values = this.rowValues(t);
      const conflict = this.random.pick([
        '',
        ` ON CONFLICT (${t.key}) DO NOTHING`,
        ` ON CONFLICT (${t.key}) DO UPDATE SET ${this.assignment(t, 'EXCLUDED')}`,
        ` ON CONFLICT DO NOTHING`,
      ]);
      return { sql: `INSERT INTO ${t.name} VALUES ${values}${conflict}${returning}`, writes: t };
    }
    if (r < 0.5) {
      // UPDATE … FROM: the joined row's values; a target row joined twice is updated by either
      // match in PostgreSQL, so the join is on the other table's key to keep it to one.
      const other = this.source();
      const key = `${other.alias}.${other.table.key}`;
      const mine = this.columns([s], other.table.key === 'k' ? 'text' : 'number');
      const on = mine.length > 0 ? `${key} = ${this.random.pick(mine)}` : 'false';
      return { sql: `UPDATE ${t.name} ${s.alias} SET ${this.assignment(t, s.alias, [s, other])} FROM ${other.table.name} ${other.alias} WHERE ${on}${returning}`, writes: t };
    }
    if (r < 0.75) {
      const where = this.random.chance(0.85) ? ` WHERE ${this.predicate([s], 1)}` : '';
      return { sql: `UPDATE ${t.name} ${s.alias} SET ${this.assignment(t, s.alias, [s])}${where}${returning}`, writes: t };
    }
    return { sql: `DELETE FROM ${t.name} ${s.alias} WHERE ${this.predicate([s], 1)}${returning}`, writes: t };
  }

  private rowValues(t: FuzzTable): string {
    const rows = Array.from({ length: this.random.int(1, 3) }, () =>
      `(${t.columns.map((c) => (c.name === t.key ? this.keyLiteral(c) : literal(this.random, c.kind))).join(', ')})`);
    return rows.join(', ');
  }

  private keyLiteral(c: FuzzColumn): string {
    return c.kind === 'int' ? String(this.random.int(1, 40)) : `'k${this.random.int(1, 40)}'`;
  }

  /** `col = expr` for one or two non-key columns, from the row itself or EXCLUDED. */
  private assignment(t: FuzzTable, from: string, scope: Scope = []): string {
    const columns = this.random.some(t.columns.filter((c) => c.name !== t.key), this.random.int(1, 2));
    return columns.map((c) => {
      const family = FAMILY[c.kind];
      let value: string;
      if (from === 'EXCLUDED') value = this.random.chance(0.5) ? `EXCLUDED.${c.name}` : literal(this.random, c.kind);
      else if (family === 'number' && this.random.chance(0.4)) value = `${from}.${c.name} + 1`;
      else value = this.random.chance(0.5) && scope.length > 0 ? this.exprOfKind(scope, c) : literal(this.random, c.kind);
      return `${c.name} = ${value}`;
    }).join(', ');
  }

  /** A value for a column: its family's expression cast to its type (varchar's length applies). */
  private exprOfKind(scope: Scope, c: FuzzColumn): string {
    return `CAST(${this.expr(scope, FAMILY[c.kind], 2)} AS ${c.type})`;
  }
}
