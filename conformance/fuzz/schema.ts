/**
 * The fuzzer's schema: a few small tables over the types issue 4 names (int, bigint, numeric,
 * text, varchar, bool, date, timestamptz, float8, jsonb), with NULLs and duplicate values, two
 * secondary indexes and a view. The rows come from the seed, so both servers get the same data.
 */
import type { Random } from './random.js';

export type Kind = 'int' | 'bigint' | 'numeric' | 'text' | 'bool' | 'date' | 'timestamptz' | 'float8' | 'jsonb';

export interface FuzzColumn {
  readonly name: string;
  readonly kind: Kind;
  /** The SQL type in CREATE TABLE. */
  readonly type: string;
}

export interface FuzzTable {
  readonly name: string;
  readonly columns: readonly FuzzColumn[];
  /** The primary key column (its values are unique and never NULL). */
  readonly key: string;
  /** A view is read, never written. */
  readonly view: boolean;
}

const col = (name: string, kind: Kind, type: string = kind): FuzzColumn => ({ name, kind, type });

export const TABLES: readonly FuzzTable[] = [
  {
    name: 'ft1', key: 'id', view: false,
    columns: [col('id', 'int'), col('a', 'int'), col('b', 'bigint'), col('c', 'numeric', 'numeric(10,2)'), col('d', 'text'), col('e', 'text', 'varchar(12)'), col('f', 'bool'), col('g', 'date')],
  },
  {
    name: 'ft2', key: 'id', view: false,
    columns: [col('id', 'int'), col('t1', 'int'), col('h', 'timestamptz'), col('x', 'float8'), col('j', 'jsonb'), col('d', 'text'), col('n', 'numeric')],
  },
  {
    name: 'ft3', key: 'k', view: false,
    columns: [col('k', 'text'), col('a', 'int'), col('f', 'bool'), col('b', 'bigint')],
  },
  {
    name: 'fv1', key: 'id', view: true,
    columns: [col('id', 'int'), col('a', 'int'), col('d', 'text'), col('c', 'numeric')],
  },
];

const VIEW = 'CREATE VIEW fv1 AS SELECT id, a, d, c FROM ft1 WHERE f IS NOT FALSE';

/** Indexes, as PostgreSQL spells them (Strata's get ASYNC and are waited for). */
export const INDEXES: readonly string[] = ['CREATE INDEX ft1_a ON ft1 (a)', 'CREATE INDEX ft2_t1 ON ft2 (t1, d)'];

export function createStatements(): string[] {
  const tables = TABLES.filter((t) => !t.view).map((t) =>
    `CREATE TABLE ${t.name} (${t.columns.map((c) => `${c.name} ${c.type}${c.name === t.key ? ' PRIMARY KEY' : ''}`).join(', ')})`);
  return [...tables, VIEW];
}

export const DROP_STATEMENTS = [
  'SET search_path = public', 'DROP VIEW IF EXISTS fv1', 'DROP TABLE IF EXISTS ft1', 'DROP TABLE IF EXISTS ft2', 'DROP TABLE IF EXISTS ft3',
  'DROP TABLE IF EXISTS fz2.ft1',
];

/**
 * A second schema with a table of the same name and other rows: statements switch the search path
 * to it and back, and the view (bound to public.ft1 when made) must keep reading public.ft1.
 */
export const SECOND_SCHEMA = 'fz2';

export function secondSchemaStatements(random: Random, rows: number): string[] {
  const ft1 = TABLES[0]!;
  const create = `CREATE TABLE ${SECOND_SCHEMA}.ft1 (${ft1.columns.map((c) => `${c.name} ${c.type}${c.name === ft1.key ? ' PRIMARY KEY' : ''}`).join(', ')})`;
  const fill = fillStatements(random, rows)[0]!.replace('INSERT INTO ft1 ', `INSERT INTO ${SECOND_SCHEMA}.ft1 `);
  return [`CREATE SCHEMA IF NOT EXISTS ${SECOND_SCHEMA}`, create, fill];
}

const WORDS = ['alpha', 'beta', 'Beta', 'gamma', 'delta', 'a%b', 'x_y', '', ' pad', 'zeta'];

/** A literal of this kind: small, often repeated, sometimes NULL. */
export function literal(random: Random, kind: Kind, nulls = true): string {
  if (nulls && random.chance(0.15)) return 'NULL';
  switch (kind) {
    case 'int': return String(random.int(-3, 12));
    case 'bigint': return String(random.pick([0, 1, 7, 100, -5, 4_000_000_000, 42]));
    case 'numeric': return random.pick(['0', '1.5', '2.25', '-3.10', '10', '99.99', '1.5']);
    case 'text': return `'${random.pick(WORDS)}'`;
    case 'bool': return random.pick(['true', 'false']);
    case 'date': return `'2024-0${random.int(1, 3)}-${String(random.int(1, 28)).padStart(2, '0')}'::date`;
    case 'timestamptz': return `'2024-01-${String(random.int(1, 9)).padStart(2, '0')} ${String(random.int(0, 23)).padStart(2, '0')}:30:00+00'::timestamptz`;
    // Binary fractions only: their shortest decimal text is the same on every float printer.
    case 'float8': return random.pick(['0.5', '1.25', '-2', '3', '0', '1e10', '-0.75']);
    case 'jsonb': return `'${random.pick(['{"a": 1}', '{"a": 2, "b": [1, 2]}', '[1, "x"]', '{"b": null}', '"s"', '3', '{"a": "1"}'])}'::jsonb`;
  }
}

/** INSERTs of `rows` rows per table, keys 1..rows (ft3's keys from a few words, so fewer). */
export function fillStatements(random: Random, rows: number): string[] {
  const out: string[] = [];
  for (const table of TABLES.filter((t) => !t.view)) {
    const values: string[] = [];
    const keys = new Set<string>();
    for (let i = 1; i <= rows; i++) {
      const row = table.columns.map((c) => {
        if (c.name !== table.key) return literal(random, c.kind);
        return c.kind === 'int' ? String(i) : `'k${random.int(1, rows)}'`;
      });
      const key = row[table.columns.findIndex((c) => c.name === table.key)]!;
      if (keys.has(key)) continue;
      keys.add(key);
      values.push(`(${row.join(', ')})`);
    }
    out.push(`INSERT INTO ${table.name} VALUES ${values.join(', ')}`);
  }
  return out;
}
