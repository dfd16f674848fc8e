/**
 * Texts of one literal shape for the fuzzer's `--shapes N` (conformance/README.md): a statement's
 * literals that Strata would turn into parameters (src/qp/sql/auto-parameters.ts) get other
 * values, the rest stay, so the variants share one plan key and, from the fourth text of a
 * shape on, are answered from Strata's shared plan. PostgreSQL answers each text afresh.
 */
import { parseSync } from 'libpg-query';
import { parameterPlaces } from '../../src/qp/sql/auto-parameters.js';
import { literalShape, shapeTemplate, type LiteralShape } from '../../src/qp/sql/literal-shape.js';
import { isAscii, toStringIndexes } from '../../src/qp/sql/parse-locations.js';
import type { Random } from './random.js';
import { TABLES, type FuzzColumn, type FuzzTable, type Kind } from './schema.js';

/** Integers that keep an int4 literal an int4 one (no sign: a minus is outside the literal). */
const INTEGERS = ['0', '1', '2', '3', '5', '7', '10', '42', '100', '2147483647'];
/** Strings of every family the schema has, and some that read as none. */
const STRINGS = ["''", "'a'", "'abc'", "'it''s'", "'2024-01-01'", "'2000-02-29 12:00:00+00'", "'true'", "'1'", "'-3'", "' x '", "'{\"a\": 1}'", "'NaN'"];

/** `count` texts of `sql`'s shape with its parameterisable literals changed; none when it has none. */
export function shapeVariants(sql: string, random: Random, count: number): string[] {
  const shape = literalShape(sql);
  if (shape === null) return [];
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch {
    return [];
  }
  if (!isAscii(sql)) toStringIndexes(tree as Parameters<typeof toStringIndexes>[0], sql);
  const template = shapeTemplate(sql, shape, tree as Parameters<typeof shapeTemplate>[2]);
  const places = template === null ? null : parameterPlaces(template);
  if (places === null) return [];
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(variant(sql, shape, (index) => places[index] !== undefined, random));
  return out;
}

function variant(sql: string, shape: LiteralShape, changes: (index: number) => boolean, random: Random): string {
  let out = '';
  let at = 0;
  shape.literals.forEach((literal, index) => {
    out += sql.slice(at, literal.start);
    const original = sql.slice(literal.start, literal.end);
    // A decimal stays in its key in a WHERE (auto-parameters.ts): leave numbers that are not integers alone.
    if (!changes(index) || literal.kind === 'f') out += original;
    else out += random.pick(literal.kind === 'i' ? INTEGERS : STRINGS);
    at = literal.end;
  });
  return out + sql.slice(at);
}

/** A value of `kind` as psql scripts and psycopg2 write it: plain literals, no casts. */
function plainLiteral(random: Random, kind: Kind): string {
  switch (kind) {
    case 'int': return String(random.int(-3, 12));
    case 'bigint': return random.pick(['0', '1', '7', '100', '-5', '4000000000', '42']);
    case 'numeric': return random.pick(['0', '1.5', '2.25', '-3.10', '10', '99.99']);
    case 'text': return random.pick(["'alpha'", "'beta'", "'zeta'", "' pad'", "''", "'it''s'", "'k1'", "'k3'"]);
    case 'bool': return random.pick(["'t'", "'false'", "'yes'", 'true']);
    case 'date': return `'2024-0${random.int(1, 3)}-${String(random.int(1, 28)).padStart(2, '0')}'`;
    case 'timestamptz': return `'2024-01-${String(random.int(1, 9)).padStart(2, '0')} ${String(random.int(0, 23)).padStart(2, '0')}:30:00+00'`;
    case 'float8': return random.pick(['0.5', '1.25', '-2', '3', '0', '1e10']);
    case 'jsonb': return random.pick([`'{"a": 1}'`, `'[1, "x"]'`, `'3'`]);
  }
}

const COMPARE = ['=', '<>', '<', '<=', '>', '>='];

function condition(random: Random, column: FuzzColumn): string {
  const r = random.next();
  if (column.kind === 'jsonb' || r < 0.5) return `${column.name} ${column.kind === 'jsonb' ? '=' : random.pick(COMPARE)} ${plainLiteral(random, column.kind)}`;
  if (r < 0.7) return `${column.name} ${random.chance(0.2) ? 'NOT IN' : 'IN'} (${[1, 2, 3].slice(0, random.int(1, 3)).map(() => plainLiteral(random, column.kind)).join(', ')})`;
  if (r < 0.85) return `${column.name} ${random.chance(0.2) ? 'NOT BETWEEN' : 'BETWEEN'} ${plainLiteral(random, column.kind)} AND ${plainLiteral(random, column.kind)}`;
  return `${plainLiteral(random, column.kind)} ${random.pick(COMPARE)} ${column.name}`;
}

/**
 * An OLTP statement with its values written in (`--shapes`): a read by one or two conditions,
 * an UPDATE of a number by a value, an INSERT of a row, a DELETE by key. The kind of statement
 * Strata answers from a plan per literal shape (src/qp/sql/auto-parameters.ts).
 */
export function oltpStatement(random: Random): { sql: string; writes: FuzzTable | null } {
  const table = random.pick(TABLES.filter((t) => !t.view));
  const key = table.columns.find((c) => c.name === table.key)!;
  const where = (): string => random.some(table.columns, random.int(1, 2)).map((c) => condition(random, c)).join(' AND ');
  const r = random.next();
  if (r < 0.55) {
    const columns = random.chance(0.3) ? '*' : random.some(table.columns, random.int(1, 3)).map((c) => c.name).join(', ');
    return { sql: `SELECT ${columns} FROM ${table.name} WHERE ${where()} ORDER BY ${table.key}${random.chance(0.3) ? ` LIMIT ${random.int(1, 3)}` : ''}`, writes: null };
  }
  if (r < 0.75) {
    const numbers = table.columns.filter((c) => c.name !== table.key && (c.kind === 'int' || c.kind === 'bigint' || c.kind === 'numeric'));
    const target = random.pick(numbers);
    return { sql: `UPDATE ${table.name} SET ${target.name} = ${target.name} ${random.pick(['+', '-'])} ${plainLiteral(random, random.pick(['int', 'numeric', 'text'] as const))} WHERE ${where()}`, writes: table };
  }
  if (r < 0.92) {
    const rows = Array.from({ length: random.int(1, 2) }, () => `(${table.columns.map((c) => c === key && c.kind === 'int' ? String(random.int(20, 60)) : plainLiteral(random, c.kind)).join(', ')})`);
    return { sql: `INSERT INTO ${table.name} (${table.columns.map((c) => c.name).join(', ')}) VALUES ${rows.join(', ')}`, writes: table };
  }
  return { sql: `DELETE FROM ${table.name} WHERE ${condition(random, key)}`, writes: table };
}
