/**
 * Random, well-formed SELECT queries from a seed, for differential tests against PostgreSQL: the
 * shapes of queries rather than of expressions (test/support/expression-generator.ts) — joins of
 * every kind (USING/ON, LATERAL), derived tables, VALUES lists and WITH queries (RECURSIVE too)
 * in FROM, subqueries as scalars and in EXISTS/IN/NOT IN/ANY/ALL (correlated or not, NULLs in
 * NOT IN), GROUP BY with HAVING and grouping sets, aggregates with DISTINCT/FILTER/ORDER BY,
 * DISTINCT and DISTINCT ON, window functions with frames, set operations, ORDER BY with NULLS
 * FIRST/LAST and LIMIT/OFFSET — over the small fixed schema of queryTables().
 *
 * Every query's answer is determined by the data: a window function or aggregate whose value
 * depends on the order of peers is ordered by a total order (its keys, then every relation's
 * unique `id`), LIMIT and DISTINCT ON come only under an ORDER BY that fixes which rows are
 * kept, and `ordered` says whether the rows' order is determined too (else compare them as a
 * multiset). Expressions stay clear of run-time errors (no division, small integers), so an
 * error in an answer is about the query's shape.
 */
import type pg from 'pg';
import { Random } from './expression-generator.js';

export { Random };

type Type = 'int' | 'text' | 'num' | 'date';

interface Column {
  readonly sql: string;
  readonly type: Type;
}

/** What a FROM clause (or a query's output) offers: its columns and the expressions that together tell its rows apart. */
interface Scope {
  readonly columns: Column[];
  readonly keys: string[];
  /** A column merged by JOIN … USING, referred to unqualified. */
  readonly merged: Column[];
}

/** A generated query: its text, and whether its rows come in a determined order. */
export interface GeneratedQuery {
  readonly sql: string;
  readonly ordered: boolean;
}

/** A relation's columns by name; every relation also has a unique `id int`. */
const TABLES: Record<string, [string, Type][]> = {
  qa: [['k', 'int'], ['v', 'int'], ['s', 'text'], ['n', 'num'], ['d', 'date']],
  qb: [['k', 'int'], ['w', 'int'], ['s', 'text'], ['n', 'num']],
  qc: [['k', 'int'], ['v', 'int'], ['d', 'date'], ['g', 'text']],
};

const TEXTS = ["'a'", "'b'", "'B'", "'c'", "''", "'ab'", "'a b'", 'NULL'];
const NUMS = ['1.50', '-2.25', '0', '3', '10.125', '2.5', 'NULL', '-0.5'];
const DATES = ["'2024-01-01'", "'2024-02-29'", "'2023-12-31'", "'2024-01-15'", 'NULL'];

function valueOf(random: Random, type: Type, nulls = 0.2): string {
  if (random.next() < nulls) return 'NULL';
  switch (type) {
    case 'int': return String(Math.floor(random.next() * 8) - 1);
    case 'text': return random.pick(TEXTS.slice(0, -1));
    case 'num': return random.pick(NUMS.filter((n) => n !== 'NULL'));
    case 'date': return random.pick(DATES.slice(0, -1));
  }
}

/** The schema's statements: three tables of a few dozen rows, with duplicates and NULLs (the same for every seed). */
export function queryTables(): string[] {
  const random = new Random(20240229);
  const sqlType = { int: 'int', text: 'text', num: 'numeric', date: 'date' } as const;
  const statements: string[] = [];
  for (const [name, columns] of Object.entries(TABLES)) {
    statements.push(`CREATE TABLE ${name} (id int PRIMARY KEY, ${columns.map(([c, t]) => `${c} ${sqlType[t]}`).join(', ')})`);
    const rows = name === 'qc' ? 18 : 30;
    const values = Array.from({ length: rows }, (_, i) => `(${i + 1}, ${columns.map(([, t]) => valueOf(random, t)).join(', ')})`);
    statements.push(`INSERT INTO ${name} VALUES ${values.join(', ')}`);
  }
  return statements;
}

const literal = (random: Random, type: Type): string => {
  const v = valueOf(random, type, 0.1);
  if (v === 'NULL') return `NULL::${{ int: 'int', text: 'text', num: 'numeric', date: 'date' }[type]}`;
  return type === 'date' ? `DATE ${v}` : v;
};

/** One query generator: `next()` makes the next query of its seed. */
export class QueryGenerator {
  private readonly random: Random;
  private aliases = 0;

  constructor(seed: number) {
    this.random = new Random(seed);
  }

  next(): GeneratedQuery {
    this.aliases = 0;
    const r = this.chance.bind(this);
    if (r(0.12)) return this.setOperation();
    if (r(0.04)) return this.valuesQuery();
    return this.select(true);
  }

  private chance(p: number): boolean {
    return this.random.next() < p;
  }

  private pick<T>(items: readonly T[]): T {
    return this.random.pick(items);
  }

  private alias(): string {
    return `r${++this.aliases}`;
  }

  private columnsOf(scope: Scope, type?: Type): Column[] {
    const all = [...scope.columns, ...scope.merged];
    return type === undefined ? all : all.filter((c) => c.type === type);
  }

  private column(scope: Scope, type: Type): string {
    const fitting = this.columnsOf(scope, type);
    return fitting.length > 0 && !this.chance(0.08) ? this.pick(fitting).sql : literal(this.random, type);
  }

  // ---- FROM ----

  /** A relation in FROM: a table, a derived table, a VALUES list or a WITH query; each has a unique `id`. */
  private relation(ctes: Scope[], ctenames: string[], depth: number): { sql: string; scope: Scope; names: string[] } {
    const alias = this.alias();
    const roll = this.random.next();
    if (roll < 0.1 && ctes.length > 0) {
      const i = Math.floor(this.random.next() * ctes.length);
      const named = this.named(`${ctenames[i]} AS ${alias}`, alias, ctes[i]!.columns.map((c) => [c.sql, c.type] as [string, Type]));
      return { ...named, scope: { ...named.scope, keys: [...named.scope.keys, ...ctes[i]!.keys.map((k) => `${alias}.${k}`)] } };
    }
    if (roll < 0.2 && depth < 2) {
      const table = this.pick(Object.keys(TABLES));
      const columns = TABLES[table]!.filter(() => this.chance(0.7));
      const inner = this.alias();
      const innerScope = this.tableScope(table, inner);
      const where = this.chance(0.6) ? ` WHERE ${this.predicate(innerScope, depth + 1)}` : '';
      const list = columns.map(([c, t]) => (t === 'int' && this.chance(0.3) ? `${inner}.${c} + 1 AS ${c}` : `${inner}.${c}`));
      return this.named(`(SELECT ${[`${inner}.id`, ...list].join(', ')} FROM ${table} AS ${inner}${where}) AS ${alias}`, alias, columns);
    }
    if (roll < 0.27) {
      const rows = 1 + Math.floor(this.random.next() * 5);
      const types: Type[] = ['int', this.pick(['text', 'num', 'date', 'int'] as const)];
      const values = Array.from({ length: rows }, (_, i) => `(${i + 1}, ${types.map((t, j) => (i === 0 ? literal(this.random, t) : valueOf(this.random, t))).join(', ')})`);
      return this.named(`(VALUES ${values.join(', ')}) AS ${alias}(id, k, x)`, alias, [['k', types[0]!], ['x', types[1]!]]);
    }
    const table = this.pick(Object.keys(TABLES));
    return this.named(`${table} AS ${alias}`, alias, TABLES[table]!);
  }

  private named(sql: string, alias: string, columns: [string, Type][]): { sql: string; scope: Scope; names: string[] } {
    return {
      sql,
      scope: { columns: [{ sql: `${alias}.id`, type: 'int' }, ...columns.map(([c, t]) => ({ sql: `${alias}.${c}`, type: t }))], keys: [`${alias}.id`], merged: [] },
      names: ['id', ...columns.map(([c]) => c)],
    };
  }

  private tableScope(table: string, alias: string): Scope {
    return this.named(`${table} AS ${alias}`, alias, TABLES[table]!).scope;
  }

  /** A FROM clause of one to three relations joined every way; `outer` is what LATERAL and the ON conditions may read. */
  private from(ctes: Scope[], ctenames: string[], depth: number): { sql: string; scope: Scope } {
    let { sql, scope, names } = this.relation(ctes, ctenames, depth);
    const count = depth > 0 ? (this.chance(0.7) ? 1 : 2) : this.pick([1, 2, 2, 2, 3, 3]);
    let mergedNames = new Set<string>();
    for (let i = 1; i < count; i++) {
      const kind = this.pick(['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'CROSS JOIN', 'LATERAL']);
      if (kind === 'LATERAL') {
        const lateral = this.lateral(scope, depth);
        const join = this.pick(['CROSS JOIN', 'JOIN', 'LEFT JOIN']);
        sql = `${sql} ${join} LATERAL ${lateral.sql}${join === 'CROSS JOIN' ? '' : ` ON ${this.chance(0.5) ? 'true' : this.joinCondition(scope, lateral.scope)}`}`;
        scope = this.joined(scope, lateral.scope, join === 'LEFT JOIN' ? 'left' : 'inner');
        names = [];
        continue;
      }
      const right = this.relation(ctes, ctenames, depth);
      if (kind === 'CROSS JOIN') {
        sql = `${sql} CROSS JOIN ${right.sql}`;
      } else {
        const common = names.filter((n) => n !== 'id' && right.names.includes(n) && !mergedNames.has(n)
          && scope.columns.find((c) => c.sql.endsWith(`.${n}`))?.type === right.scope.columns.find((c) => c.sql.endsWith(`.${n}`))?.type);
        if (common.length > 0 && this.chance(0.4) && scope.merged.length === 0) {
          const using = common.filter(() => this.chance(0.6));
          if (using.length === 0) using.push(common[0]!);
          sql = `${sql} ${kind} ${right.sql} USING (${using.join(', ')})`;
          const merged = using.map((n) => ({ sql: n, type: scope.columns.find((c) => c.sql.endsWith(`.${n}`))!.type }));
          scope = this.joined(scope, right.scope, kind);
          scope = { ...scope, merged: count === 2 ? merged : [] };
          mergedNames = new Set(using);
          names = [];
          continue;
        }
        sql = `${sql} ${kind} ${right.sql} ON ${this.joinCondition(scope, right.scope, kind === 'FULL JOIN')}`;
      }
      scope = this.joined(scope, right.scope, kind);
      names = [];
    }
    return { sql, scope };
  }

  private joined(left: Scope, right: Scope, _kind: string): Scope {
    return { columns: [...left.columns, ...right.columns], keys: [...left.keys, ...right.keys], merged: [] };
  }

  /** An ON condition; a FULL JOIN's is equalities of a column on each side (PostgreSQL refuses others: 0A000). */
  private joinCondition(left: Scope, right: Scope, full = false): string {
    const equality = (type: Type): string | null => {
      const l = this.columnsOf(left, type).filter((c) => c.sql.includes('.'));
      const r = this.columnsOf(right, type);
      return l.length === 0 || r.length === 0 ? null : `${this.pick(l).sql} = ${this.pick(r).sql}`;
    };
    const type = this.pick(['int', 'int', 'int', 'text', 'num', 'date'] as const);
    if (full) return [equality(type) ?? equality('int')!, ...(this.chance(0.3) ? [equality('int')!] : [])].join(' AND ');
    const l = this.columnsOf(left, type).filter((c) => c.sql.includes('.'));
    const r = this.columnsOf(right, type);
    if (l.length === 0 || r.length === 0) return equality('int')!;
    let condition = `${this.pick(l).sql} ${this.pick(['=', '=', '=', '<', '<>', 'IS NOT DISTINCT FROM'])} ${this.pick(r).sql}`;
    if (this.chance(0.3)) condition += ` ${this.pick(['AND', 'OR'])} ${this.comparison({ columns: [...left.columns, ...right.columns], keys: [], merged: [] })}`;
    return condition;
  }

  /** A LATERAL subquery over `outer`: a few matching rows in order, or an aggregate of them (one row). */
  private lateral(outer: Scope, depth: number): { sql: string; scope: Scope } {
    const alias = this.alias();
    const inner = this.alias();
    const table = this.pick(Object.keys(TABLES));
    const innerScope = this.tableScope(table, inner);
    const outerInt = this.pick(this.columnsOf(outer, 'int').filter((c) => c.sql.includes('.'))).sql;
    const correlation = `${inner}.k ${this.pick(['=', '<', '>='])} ${outerInt}`;
    const extra = this.chance(0.3) ? ` AND ${this.predicate(innerScope, depth + 2)}` : '';
    if (this.chance(0.4)) {
      const sql = `(SELECT count(*) AS cnt, max(${inner}.id) AS mx, sum(${inner}.k) AS sk FROM ${table} AS ${inner} WHERE ${correlation}${extra}) AS ${alias}`;
      return { sql, scope: { columns: [{ sql: `${alias}.cnt`, type: 'int' }, { sql: `${alias}.mx`, type: 'int' }, { sql: `${alias}.sk`, type: 'int' }], keys: [], merged: [] } };
    }
    const limit = this.chance(0.6) ? ` ORDER BY ${inner}.id ${this.pick(['', 'DESC'])} LIMIT ${this.pick([1, 2, 3])}` : '';
    const sql = `(SELECT ${inner}.id, ${inner}.k FROM ${table} AS ${inner} WHERE ${correlation}${extra}${limit}) AS ${alias}`;
    return { sql, scope: { columns: [{ sql: `${alias}.id`, type: 'int' }, { sql: `${alias}.k`, type: 'int' }], keys: [`${alias}.id`], merged: [] } };
  }

  // ---- expressions and predicates ----

  private scalar(scope: Scope, type: Type, depth: number): string {
    const roll = this.random.next();
    if (type === 'int' && roll < 0.1) return `${this.column(scope, 'int')} ${this.pick(['+', '-', '*'])} ${this.column(scope, 'int')}`;
    if (roll < 0.16) return `coalesce(${this.column(scope, type)}, ${literal(this.random, type).replace(/^NULL::\w+$/, type === 'int' ? '0' : type === 'text' ? "'z'" : type === 'num' ? '0' : "DATE '2000-01-01'")})`;
    if (roll < 0.2) return `CASE WHEN ${this.comparison(scope)} THEN ${this.column(scope, type)} ELSE ${literal(this.random, type)} END`;
    if (roll < 0.25 && depth < 2 && type !== 'date') return this.scalarSubquery(scope, type, depth);
    if (type === 'text' && roll < 0.3) return `upper(${this.column(scope, 'text')})`;
    if (type === 'date' && roll < 0.3) return `${this.column(scope, 'date')} + ${this.pick([1, 7, -3])}`;
    return this.column(scope, type);
  }

  /** A subquery yielding at most one value: an aggregate, or a row found by its unique id; correlated with `scope` or not. */
  private scalarSubquery(scope: Scope, type: Type, depth: number): string {
    const table = this.pick(Object.keys(TABLES).filter((t) => TABLES[t]!.some(([, ct]) => ct === type)));
    const inner = this.alias();
    const innerScope = this.tableScope(table, inner);
    const column = this.pick(this.columnsOf(innerScope, type).filter((c) => c.sql !== `${inner}.id`)).sql;
    const outerInt = this.columnsOf(scope, 'int');
    const correlated = outerInt.length > 0 && this.chance(0.7);
    const where = correlated ? `${inner}.${this.pick(['k', 'id'])} = ${this.pick(outerInt).sql}` : this.predicate(innerScope, depth + 1);
    if (correlated && where.startsWith(`${inner}.id`) && this.chance(0.6)) return `(SELECT ${column} FROM ${table} AS ${inner} WHERE ${where})`;
    const aggregate = type === 'text' ? this.pick(['min', 'max']) : this.pick(['min', 'max', 'sum']);
    return `(SELECT ${aggregate}(${column}) FROM ${table} AS ${inner} WHERE ${where})`;
  }

  private comparison(scope: Scope): string {
    const type = this.pick(['int', 'int', 'int', 'text', 'num', 'date'] as const);
    const roll = this.random.next();
    const left = this.column(scope, type);
    if (roll < 0.15) return `${left} IS ${this.pick(['', 'NOT '])}NULL`;
    if (roll < 0.25) return `${left} ${this.pick(['', 'NOT '])}IN (${[1, 2, 3].slice(0, 1 + Math.floor(this.random.next() * 3)).map(() => literal(this.random, type)).join(', ')})`;
    if (roll < 0.3) return `${left} BETWEEN ${literal(this.random, type)} AND ${literal(this.random, type)}`;
    if (roll < 0.35) return `${left} IS DISTINCT FROM ${this.column(scope, type)}`;
    return `${left} ${this.pick(['=', '<>', '<', '<=', '>', '>='])} ${this.chance(0.5) ? this.column(scope, type) : literal(this.random, type)}`;
  }

  /** A WHERE/HAVING/ON-style condition over `scope`, with subqueries (correlated or not) below depth 2. */
  private predicate(scope: Scope, depth: number): string {
    const roll = this.random.next();
    if (roll < 0.15 && depth < 3) return `(${this.predicate(scope, depth + 1)} ${this.pick(['AND', 'OR'])} ${this.predicate(scope, depth + 1)})`;
    if (roll < 0.2 && depth < 3) return `NOT (${this.predicate(scope, depth + 1)})`;
    if (roll < 0.45 && depth < 2) return this.subqueryPredicate(scope, depth);
    return this.comparison(scope);
  }

  private subqueryPredicate(scope: Scope, depth: number): string {
    const table = this.pick(Object.keys(TABLES));
    const inner = this.alias();
    const innerScope = this.tableScope(table, inner);
    const outerInts = this.columnsOf(scope, 'int');
    const correlate = (): string => (outerInts.length > 0 && this.chance(0.5) ? ` AND ${inner}.${this.pick(['k', 'id'])} ${this.pick(['=', '<>', '<'])} ${this.pick(outerInts).sql}` : '');
    const filter = (): string => `${this.chance(0.5) ? this.predicate(innerScope, depth + 1) : 'true'}${correlate()}`;
    const kind = this.pick(['EXISTS', 'NOT EXISTS', 'IN', 'NOT IN', 'ANY', 'ALL']);
    if (kind === 'EXISTS' || kind === 'NOT EXISTS') return `${kind} (SELECT 1 FROM ${table} AS ${inner} WHERE ${filter()})`;
    const type = this.pick(TABLES[table]!.map(([, t]) => t));
    const inner_column = this.pick(this.columnsOf(innerScope, type)).sql;
    const left = this.column(scope, type);
    if (kind === 'IN' || kind === 'NOT IN') return `${left} ${kind} (SELECT ${inner_column} FROM ${table} AS ${inner} WHERE ${filter()})`;
    return `${left} ${this.pick(['=', '<>', '<', '>='])} ${kind} (SELECT ${inner_column} FROM ${table} AS ${inner} WHERE ${filter()})`;
  }

  // ---- SELECT ----

  private withClause(): { sql: string; ctes: Scope[]; names: string[] } {
    if (!this.chance(0.2)) return { sql: '', ctes: [], names: [] };
    if (this.chance(0.35)) {
      const table = this.pick(Object.keys(TABLES));
      const kind = this.pick(['UNION', 'UNION ALL']);
      const start = this.pick([1, 2, 3, 5]);
      const sql = `WITH RECURSIVE w(id, k, depth) AS (SELECT id, k, 0 FROM ${table} WHERE id <= ${start} ${kind} SELECT t.id, t.k, w.depth + 1 FROM w JOIN ${table} AS t ON t.id = w.k${this.pick(['', ' + 1', ' + w.depth'])} WHERE w.depth < ${this.pick([2, 4, 6])}) `;
      // A row may be reached twice, at different depths (and twice at one depth under UNION ALL, then alike).
      return { sql, ctes: [{ columns: [{ sql: 'k', type: 'int' }, { sql: 'depth', type: 'int' }], keys: ['depth'], merged: [] }], names: ['w'] };
    }
    const table = this.pick(Object.keys(TABLES));
    const inner = this.alias();
    const innerScope = this.tableScope(table, inner);
    if (this.chance(0.5)) {
      const sql = `WITH w AS ${this.pick(['', 'MATERIALIZED ', 'NOT MATERIALIZED '])}(SELECT ${inner}.k AS id, count(*) AS cnt, max(${inner}.s) AS s FROM ${table} AS ${inner} GROUP BY ${inner}.k) `;
      return { sql: sql.replace(/max\(\w+\.s\)/, table === 'qc' ? `max(${inner}.g)` : `max(${inner}.s)`), ctes: [{ columns: [{ sql: 'cnt', type: 'int' }, { sql: 's', type: 'text' }], keys: [], merged: [] }], names: ['w'] };
    }
    const sql = `WITH w AS (SELECT ${inner}.id, ${inner}.k, ${inner}.id * 2 AS v FROM ${table} AS ${inner} WHERE ${this.predicate(innerScope, 1)}) `;
    return { sql, ctes: [{ columns: [{ sql: 'k', type: 'int' }, { sql: 'v', type: 'int' }], keys: [], merged: [] }], names: ['w'] };
  }

  private select(top: boolean): GeneratedQuery {
    const w = top ? this.withClause() : { sql: '', ctes: [], names: [] };
    const { sql: from, scope } = this.from(w.ctes, w.names, 0);
    const where = this.chance(0.6) ? ` WHERE ${this.predicate(scope, 0)}` : '';
    const mode = this.random.next();
    if (mode < 0.35) return this.grouped(w.sql, from, where, scope);
    const items: string[] = [];
    const types: Type[] = [];
    const count = 1 + Math.floor(this.random.next() * 4);
    for (let i = 0; i < count; i++) {
      const type = this.pick(['int', 'int', 'text', 'num', 'date'] as const);
      items.push(`${this.scalar(scope, type, 0)}${this.chance(0.8) ? ` AS c${i}` : ''}`);
      types.push(type);
    }
    if (this.chance(0.2)) for (const m of scope.merged) items.push(m.sql);
    if (mode < 0.6) {
      const windows = 1 + Math.floor(this.random.next() * 2);
      for (let i = 0; i < windows; i++) items.push(`${this.windowFunction(scope)} AS w${i}`);
    }
    const distinct = this.random.next();
    if (distinct < 0.08 && mode >= 0.6) {
      // DISTINCT ON keeps the first row of each group: ordered by the group, then totally.
      const on = this.pick(this.columnsOf(scope)).sql;
      const order = [`${on} ${this.direction()}`, ...this.totalOrder(scope)];
      return { sql: `${w.sql}SELECT DISTINCT ON (${on}) ${items.join(', ')} FROM ${from}${where} ORDER BY ${order.join(', ')}`, ordered: true };
    }
    const head = distinct < 0.2 ? 'SELECT DISTINCT' : 'SELECT';
    return this.finish(`${w.sql}${head} ${items.join(', ')} FROM ${from}${where}`, items.length, head === 'SELECT' ? scope : null);
  }

  private direction(): string {
    return `${this.pick(['', 'ASC', 'DESC'])}${this.pick(['', ' NULLS FIRST', ' NULLS LAST'])}`.trim();
  }

  /** Every relation's id, so that each row has its own place. */
  private totalOrder(scope: Scope): string[] {
    return scope.keys.length > 0 ? scope.keys.map((k) => `${k} ${this.direction()}`) : scope.columns.map((c) => c.sql);
  }

  /** ORDER BY every output column (a total order of the answer), LIMIT/OFFSET under it; or ORDER BY some columns (rows compared as a multiset); or none. */
  private finish(sql: string, width: number, scope: Scope | null, sets = false): GeneratedQuery {
    const roll = this.random.next();
    if (roll < 0.45) {
      const positions = Array.from({ length: width }, (_, i) => i + 1);
      const order = positions.map((p) => `${p} ${this.direction()}`.trim());
      // PostgreSQL 15 drops a sort key over grouping sets that a join equates with an earlier one
      // (though one may read NULL where the other does not), so its order there is not the data's.
      if (sets) return { sql: `${sql} ORDER BY ${order.join(', ')}`, ordered: false };
      let limit = '';
      if (this.chance(0.5)) limit += ` LIMIT ${this.pick([0, 1, 3, 5, 10])}`;
      if (this.chance(0.4)) limit += ` OFFSET ${this.pick([0, 1, 2, 7])}`;
      return { sql: `${sql} ORDER BY ${order.join(', ')}${limit}`, ordered: true };
    }
    if (roll < 0.6 && scope !== null) {
      const column = this.pick(scope.columns).sql;
      return { sql: `${sql} ORDER BY ${column} ${this.direction()}`, ordered: false };
    }
    return { sql, ordered: false };
  }

  private windowFunction(scope: Scope): string {
    const partition = this.chance(0.6) ? `PARTITION BY ${this.pick(this.columnsOf(scope)).sql}` : '';
    const keys = [this.pick(this.columnsOf(scope)).sql];
    if (this.chance(0.3)) keys.push(this.pick(this.columnsOf(scope)).sql);
    const partial = keys.map((k) => `${k} ${this.direction()}`);
    const total = [...partial, ...this.totalOrder(scope)];
    const ints = this.columnsOf(scope, 'int');
    const arg = this.pick(ints).sql;
    const over = (order: string[], frame = ''): string => `OVER (${[partition, order.length > 0 ? `ORDER BY ${order.join(', ')}` : '', frame].filter((p) => p !== '').join(' ')})`;
    const roll = this.random.next();
    if (roll < 0.2) return `${this.pick(['rank()', 'dense_rank()', 'percent_rank()', 'cume_dist()'])} ${over(partial)}`;
    if (roll < 0.35) return `${this.pick(['row_number()', 'ntile(3)'])} ${over(total)}`;
    if (roll < 0.5) return `${this.pick(['lag', 'lead'])}(${arg}${this.pick(['', ', 2', ', 1, -1'])}) ${over(total)}`;
    if (roll < 0.6) return `${this.pick(['first_value', 'last_value'])}(${arg}) ${over(total, this.pick(['', 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING', 'ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING']))}`;
    const aggregate = `${this.pick(['sum', 'count', 'min', 'max'])}(${arg})`;
    if (roll < 0.7) return `${aggregate} ${over([])}`;
    if (roll < 0.85) {
      // Peers share a RANGE or GROUPS frame, so a partial order determines these.
      const single = keys[0]!;
      const type = this.columnsOf(scope).find((c) => c.sql === single)!.type;
      const offset = type === 'int' ? String(this.pick([1, 2])) : type === 'num' ? '1.5' : type === 'date' ? "'3 days'::interval" : null;
      const frames = ['RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW', 'GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW', 'GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING', 'RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING'];
      if (offset !== null) frames.push(`RANGE BETWEEN ${offset} PRECEDING AND ${offset} FOLLOWING`);
      return `${aggregate} ${over([`${single} ${this.direction()}`], this.pick(frames))}`;
    }
    const frame = this.pick(['ROWS BETWEEN 2 PRECEDING AND CURRENT ROW', 'ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING', 'ROWS UNBOUNDED PRECEDING', 'ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING', 'ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW']);
    return `${aggregate} ${over(total, frame)}`;
  }

  private aggregate(scope: Scope): string {
    // A column (not a literal): DISTINCT with ORDER BY wants the argument itself (42P10 for an unknown-typed literal).
    let type: Type = this.pick(['int', 'int', 'text', 'num', 'date'] as const);
    if (this.columnsOf(scope, type).length === 0) type = 'int';
    const arg = this.pick(this.columnsOf(scope, type)).sql;
    const filter = this.chance(0.2) ? ` FILTER (WHERE ${this.comparison(scope)})` : '';
    const distinct = this.chance(0.2) ? 'DISTINCT ' : '';
    const roll = this.random.next();
    if (roll < 0.15) return `count(*)${filter}`;
    if (roll < 0.3) return `count(${distinct}${arg})${filter}`;
    if (type === 'text' && roll < 0.5) return `string_agg(${distinct}${arg}, ',' ORDER BY ${arg} ${this.direction()})${filter}`;
    if (roll < 0.55) return `array_agg(${distinct}${arg} ORDER BY ${arg} ${this.direction()})${filter}`;
    if ((type === 'int' || type === 'num') && roll < 0.8) return `${this.pick(['sum', 'avg', 'min', 'max'])}(${distinct}${arg})${filter}`;
    if (type === 'int' && roll < 0.9) return `${this.pick(['bool_and', 'bool_or'])}(${arg} > 2)${filter}`;
    return `${this.pick(['min', 'max'])}(${arg})${filter}`;
  }

  private grouped(withSql: string, from: string, where: string, scope: Scope): GeneratedQuery {
    const nonKeys = this.columnsOf(scope).filter((c) => !scope.keys.includes(c.sql) || this.chance(0.2));
    const all = nonKeys.length > 0 ? nonKeys : this.columnsOf(scope);
    const groups = [...new Set([this.pick(all), this.pick(all), this.pick(all)].slice(0, 1 + Math.floor(this.random.next() * 3)).map((c) => c.sql))];
    const noGroup = this.chance(0.1);
    let groupBy = '';
    let groupingCall = '';
    if (!noGroup) {
      const roll = this.random.next();
      if (roll < 0.5) groupBy = ` GROUP BY ${groups.join(', ')}`;
      else if (roll < 0.65) groupBy = ` GROUP BY ROLLUP (${groups.join(', ')})`;
      else if (roll < 0.75) groupBy = ` GROUP BY CUBE (${groups.join(', ')})`;
      else if (roll < 0.9) {
        const sets = [[], ...groups.map((g) => [g]), groups].filter(() => this.chance(0.7));
        if (sets.length === 0) sets.push(groups);
        groupBy = ` GROUP BY GROUPING SETS (${sets.map((set) => `(${set.join(', ')})`).join(', ')})`;
        // GROUPING's arguments must be grouping expressions (42803 otherwise): those of some set.
        groups.splice(0, groups.length, ...groups.filter((g) => sets.some((set) => set.includes(g))));
      } else groupBy = ` GROUP BY ${groups[0]}, ROLLUP (${groups.slice(1).join(', ') || groups[0]})`;
      if (roll >= 0.5 && groups.length > 0) groupingCall = `grouping(${groups.join(', ')})`;
    }
    const items = noGroup ? [] : groups.filter(() => this.chance(0.8));
    const intGroups = noGroup ? [] : groups.filter((g) => g.includes('.') && all.find((c) => c.sql === g)?.type === 'int');
    if (intGroups.length > 0 && this.chance(0.2)) {
      const inner = this.alias();
      items.push(`(SELECT count(*) FROM qb AS ${inner} WHERE ${inner}.k = ${this.pick(intGroups)}) AS sub`);
    }
    if (groupingCall !== '' && this.chance(0.7)) items.push(groupingCall);
    const aggregates = 1 + Math.floor(this.random.next() * 3);
    for (let i = 0; i < aggregates; i++) items.push(`${this.aggregate(scope)} AS a${i}`);
    if (this.chance(0.15) && !noGroup) items.push(`${this.pick(['rank()', 'dense_rank()'])} OVER (ORDER BY count(*) ${this.direction()})`);
    let having = '';
    if (this.chance(0.3)) {
      having = ` HAVING ${this.pick([`count(*) > ${this.pick([0, 1, 2])}`, `${this.aggregate(scope)} IS NOT NULL`, `sum(${this.column(scope, 'int')}) ${this.pick(['>', '<'])} ${this.pick([0, 5, 20])}`])}`;
    }
    const distinct = this.chance(0.1) ? 'SELECT DISTINCT' : 'SELECT';
    return this.finish(`${withSql}${distinct} ${items.join(', ')} FROM ${from}${where}${groupBy}${having}`, items.length, null, groupingCall !== '');
  }

  /** Two or three simple SELECTs with the same column types under UNION/INTERSECT/EXCEPT (ALL). */
  private setOperation(): GeneratedQuery {
    const types = Array.from({ length: 1 + Math.floor(this.random.next() * 2) }, () => this.pick(['int', 'int', 'text', 'num', 'date'] as const));
    const arm = (): string => {
      const { sql: from, scope } = this.from([], [], 1);
      const where = this.chance(0.5) ? ` WHERE ${this.predicate(scope, 1)}` : '';
      return `SELECT ${types.map((t, i) => `${this.chance(0.8) ? this.column(scope, t) : literal(this.random, t)} AS u${i}`).join(', ')} FROM ${from}${where}`;
    };
    let sql = arm();
    const arms = this.pick([2, 2, 3]);
    for (let i = 1; i < arms; i++) sql = `${sql} ${this.pick(['UNION', 'UNION ALL', 'INTERSECT', 'INTERSECT ALL', 'EXCEPT', 'EXCEPT ALL'])} ${this.chance(0.2) ? `(${arm()})` : arm()}`;
    return this.finish(sql, types.length, null);
  }

  private valuesQuery(): GeneratedQuery {
    const types = [this.pick(['int', 'text', 'num'] as const), this.pick(['int', 'date'] as const)];
    const rows = Array.from({ length: 1 + Math.floor(this.random.next() * 4) }, () => `(${types.map((t) => valueOf(this.random, t)).join(', ')})`);
    // The first row types the columns: its values are never bare NULLs.
    rows[0] = `(${types.map((t) => literal(this.random, t).replace(/^NULL::(\w+)$/, 'NULL::$1')).join(', ')})`;
    return this.finish(`VALUES ${rows.join(', ')}`, 2, null);
  }
}

/**
 * A query's answer for comparison: column names and type oids and the rows (as arrays, sorted
 * unless the query's order is determined), or the error's SQLSTATE.
 */
export async function queryAnswer(client: pg.Client, query: GeneratedQuery): Promise<unknown> {
  try {
    const r = await client.query({ text: query.sql, rowMode: 'array' });
    const rows = (r.rows as unknown[][]).map((row) => JSON.stringify(row));
    return { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}`), rows: query.ordered ? rows : rows.sort() };
  } catch (error) {
    return { error: (error as pg.DatabaseError).code };
  }
}
