/**
 * Random schemas and DML from a seed, for differential tests of writes against PostgreSQL 15:
 * two or three tables with single and composite primary keys, UNIQUE constraints and unique
 * indexes (multi-column, NULLs allowed, sometimes NULLS NOT DISTINCT), CHECK, NOT NULL, DEFAULT,
 * STORED generated columns and an identity column; then INSERT (multi-row, … SELECT, DEFAULT
 * VALUES, ON CONFLICT DO NOTHING / DO UPDATE … WHERE, ON CONSTRAINT), UPDATE (keys and unique
 * columns, … FROM, row assignments, swaps that are transiently duplicate) and DELETE (USING,
 * subqueries), all with RETURNING, some in BEGIN … COMMIT / ROLLBACK blocks. Values come from
 * small pools so that keys collide often. Nothing here depends on what the servers answer: the
 * statements are the seed's alone. What DSQL refuses by design (foreign keys' validation,
 * SAVEPOINT, sequences without CACHE, DDL beside DML) is left out.
 */
import { Random } from './expression-generator.js';

export { Random };

type ColumnType = 'int' | 'bigint' | 'text' | 'numeric' | 'bool' | 'date';

interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
  readonly defaultText?: string;
  /** The generation expression of a STORED generated column. */
  readonly generated?: string;
  /** An identity column: BY DEFAULT, or ALWAYS (then written only with OVERRIDING SYSTEM VALUE). */
  readonly identity?: 'BY DEFAULT' | 'ALWAYS';
}

interface UniqueKey {
  readonly columns: readonly string[];
  /** The constraint's name (ON CONSTRAINT); an index made by CREATE UNIQUE INDEX has none. */
  readonly constraint?: string;
}

export interface DmlTable {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  readonly uniques: readonly UniqueKey[];
}

/** A schema statement; `uniqueIndex` marks CREATE UNIQUE INDEX, which Strata runs as CREATE UNIQUE INDEX ASYNC. */
export interface SchemaStatement {
  readonly sql: string;
  readonly uniqueIndex?: boolean;
}

const VALUES: Record<ColumnType, readonly string[]> = {
  int: ['0', '1', '2', '3', '4', '5', '-1', 'NULL'],
  bigint: ['1', '2', '3', '10000000000', '-7', 'NULL'],
  text: ["'a'", "'b'", "'c'", "''", "'ab'", 'NULL'],
  numeric: ['1.5', '2', '2.50', '0', '-0.25', 'NULL'],
  bool: ['true', 'false', 'NULL'],
  date: ["'2024-01-01'", "'2024-02-29'", "'1999-12-31'", 'NULL'],
};

const CAST: Record<ColumnType, string> = { int: 'int', bigint: 'bigint', text: 'text', numeric: 'numeric', bool: 'bool', date: 'date' };

/** A literal of `type` (NULL only when `nullable`), typed where a bare literal would not be. */
function literal(random: Random, type: ColumnType, nullable = true): string {
  const pool = VALUES[type].filter((v) => nullable || v !== 'NULL');
  const value = random.pick(pool);
  return type === 'date' && value !== 'NULL' ? `${value}::date` : value;
}

/** A stored expression over column `c` of `type` with the same type (generated columns). */
function generation(type: ColumnType, c: string): string {
  return { int: `${c} * 2`, bigint: `${c} + 1`, text: `${c} || 'x'`, numeric: `${c} * 2`, bool: `NOT ${c}`, date: `${c} + 1` }[type];
}

/** A CHECK over column `c` of `type` that the value pools sometimes break. */
function check(random: Random, type: ColumnType, c: string): string {
  switch (type) {
    case 'int': return random.pick([`${c} >= -1`, `${c} <> 4`, `${c} < 100`]);
    case 'bigint': return `${c} > -5`;
    case 'text': return random.pick([`${c} <> 'c'`, `length(${c}) < 3`]);
    case 'numeric': return `${c} < 2.5`;
    case 'bool': return `${c} IS NOT NULL OR true`;
    case 'date': return `${c} > '2000-01-01'`;
  }
}

const TYPES: readonly ColumnType[] = ['int', 'bigint', 'text', 'numeric', 'bool', 'date'];

function randomTable(random: Random, name: string, withIdentity: boolean): DmlTable {
  const columns: Column[] = [];
  const composite = random.next() < 0.4;
  const primaryKey = composite ? ['k1', 'k2'] : ['id'];
  if (composite) {
    columns.push({ name: 'k1', type: 'int', notNull: true }, { name: 'k2', type: random.pick(['text', 'int', 'date'] as const), notNull: true });
  } else {
    columns.push({ name: 'id', type: random.pick(['int', 'int', 'bigint'] as const), notNull: true, defaultText: random.next() < 0.3 ? '0' : undefined });
  }
  const count = 3 + Math.floor(random.next() * 3);
  for (let i = 0; i < count; i++) {
    const type = random.pick(TYPES);
    const notNull = random.next() < 0.25;
    const defaultText = random.next() < 0.4 ? literal(random, type, false) : undefined;
    columns.push({ name: `${type[0]}${i}`, type, notNull, defaultText });
  }
  const plain = columns.filter((c) => !primaryKey.includes(c.name));
  if (random.next() < 0.7) {
    const base = random.pick(plain);
    columns.push({ name: 'g', type: base.type, notNull: false, generated: generation(base.type, base.name) });
  }
  if (withIdentity) columns.push({ name: 'idn', type: 'bigint', notNull: false, identity: random.pick(['BY DEFAULT', 'ALWAYS'] as const) });
  const uniques: UniqueKey[] = [{ columns: primaryKey, constraint: `${name}_pkey` }];
  const candidates = columns.filter((c) => !primaryKey.includes(c.name) && !c.identity);
  const keys = 1 + Math.floor(random.next() * 3);
  for (let i = 0; i < keys; i++) {
    const width = 1 + Math.floor(random.next() * 2);
    const chosen = [...new Set(Array.from({ length: width }, () => random.pick(candidates).name))];
    if (random.next() < 0.3 && !primaryKey.every((k) => chosen.includes(k))) chosen.push(primaryKey[0]!);
    if (uniques.some((u) => u.columns.join() === chosen.join())) continue;
    uniques.push({ columns: chosen, constraint: random.next() < 0.6 ? `${name}_u${i}` : undefined });
  }
  return { name, columns, primaryKey, uniques };
}

/** Two or three tables named `prefix` and 0, 1, 2; one of them may hold an identity column. */
export function randomSchema(random: Random, prefix: string): DmlTable[] {
  const count = 2 + Math.floor(random.next() * 2);
  const identityAt = random.next() < 0.5 ? Math.floor(random.next() * count) : -1;
  return Array.from({ length: count }, (_, i) => randomTable(random, `${prefix}${i}`, i === identityAt));
}

/** CREATE TABLE and CREATE UNIQUE INDEX statements for `tables`. */
export function schemaStatements(random: Random, tables: readonly DmlTable[]): SchemaStatement[] {
  const statements: SchemaStatement[] = [];
  for (const t of tables) {
    const parts = t.columns.map((c) => {
      let text = `${c.name} ${CAST[c.type]}`;
      if (c.identity) return `${text} GENERATED ${c.identity} AS IDENTITY (CACHE 1)`;
      if (c.generated) return `${text} GENERATED ALWAYS AS (${c.generated}) STORED`;
      if (c.notNull && !t.primaryKey.includes(c.name)) text += ' NOT NULL';
      if (c.defaultText !== undefined) text += ` DEFAULT ${c.defaultText}`;
      if (!t.primaryKey.includes(c.name) && random.next() < 0.3) text += ` CHECK (${check(random, c.type, c.name)})`;
      return text;
    });
    parts.push(`PRIMARY KEY (${t.primaryKey.join(', ')})`);
    const indexes: string[] = [];
    t.uniques.slice(1).forEach((u, i) => {
      const nulls = random.next() < 0.2 ? ' NULLS NOT DISTINCT' : '';
      if (u.constraint) parts.push(`CONSTRAINT ${u.constraint} UNIQUE${nulls} (${u.columns.join(', ')})`);
      else indexes.push(`CREATE UNIQUE INDEX ${t.name}_x${i} ON ${t.name} (${u.columns.join(', ')})${nulls}`);
    });
    statements.push({ sql: `CREATE TABLE ${t.name} (${parts.join(', ')})` });
    for (const sql of indexes) statements.push({ sql, uniqueIndex: true });
  }
  return statements;
}

/** INSERTs of four rows into `t` with keys 1 to 4 and random values (which CHECKs and UNIQUE may refuse). */
function firstRows(random: Random, t: DmlTable): string[] {
  const columns = writable(t).filter((c) => !c.identity);
  return [1, 2, 3, 4].map((i) => {
    const values = columns.map((c) => (t.primaryKey.includes(c.name) ? keyValue(t, c.name, i) : literal(random, c.type, !c.notNull)));
    return `INSERT INTO ${t.name} (${columns.map((c) => c.name).join(', ')}) VALUES (${values.join(', ')})`;
  });
}

function keyValue(t: DmlTable, column: string, i: number): string {
  const type = t.columns.find((c) => c.name === column)!.type;
  return type === 'text' ? `'${'abcd'[i - 1]}'` : type === 'date' ? `'2024-01-0${i}'::date` : String(i);
}

/** The statement that reads all of `t`, in primary-key order. */
export function tableContents(t: DmlTable): string {
  return `SELECT * FROM ${t.name} ORDER BY ${t.primaryKey.join(', ')}`;
}

const writable = (t: DmlTable): Column[] => t.columns.filter((c) => !c.generated);
const ofType = (t: DmlTable, type: ColumnType): Column[] => t.columns.filter((c) => c.type === type);

/** An expression of `type` for a row of `t` (named `alias`): a column, a literal, or arithmetic on one. */
function valueOf(random: Random, t: DmlTable, alias: string, type: ColumnType): string {
  const columns = ofType(t, type);
  const r = random.next();
  if (columns.length === 0 || r < 0.35) return literal(random, type);
  const c = `${alias}.${random.pick(columns).name}`;
  if (r < 0.6) return c;
  switch (type) {
    case 'int': case 'bigint': return random.pick([`${c} + 1`, `${c} - 1`, `${c} * 2`, `coalesce(${c}, 0) + 10`]);
    case 'text': return random.pick([`${c} || 'b'`, `upper(${c})`, `coalesce(${c}, 'a')`]);
    case 'numeric': return `${c} + 0.5`;
    case 'bool': return `NOT ${c}`;
    case 'date': return `${c} + 1`;
  }
}

/** A condition on a row of `t` called `alias`, on one of `usable` (by default any column). */
function condition(random: Random, t: DmlTable, alias: string, tables: readonly DmlTable[], usable = t.columns): string {
  const c = random.pick(usable);
  const ref = `${alias}.${c.name}`;
  switch (Math.floor(random.next() * 8)) {
    case 0: return `${ref} IS NULL`;
    case 1: return `${ref} IN (${literal(random, c.type, false)}, ${literal(random, c.type)})`;
    case 2: return c.type === 'bool' ? `${ref}` : `${ref} > ${literal(random, c.type, false)}`;
    case 3: {
      const other = random.pick(tables);
      const same = ofType(other, c.type);
      if (same.length === 0) return `${ref} IS NOT NULL`;
      const o = random.pick(same).name;
      return random.next() < 0.5 ? `${ref} IN (SELECT ${o} FROM ${other.name})` : `NOT EXISTS (SELECT 1 FROM ${other.name} o WHERE o.${o} = ${ref})`;
    }
    case 4: return 'true';
    case 5: return `${alias}.${t.primaryKey[0]} = ${keyValue(t, t.primaryKey[0]!, 1 + Math.floor(random.next() * 5))}`;
    default: return `${ref} = ${literal(random, c.type, false)}`;
  }
}

/** A RETURNING clause of `t`'s columns (`t.*`, not `*`: a USING table's matching row is any one of several). */
function returning(random: Random, t: DmlTable): string {
  const r = random.next();
  if (r < 0.2) return '';
  // A subquery over the table reads it as the statement began, not the rows the statement writes.
  if (r < 0.28) return ` RETURNING ${t.primaryKey.map((k) => `${t.name}.${k}`).join(', ')}, (SELECT count(*) FROM ${t.name} c) AS n`;
  if (r < 0.6) return random.next() < 0.5 ? ' RETURNING *' : ` RETURNING ${t.name}.*`;
  return ` RETURNING ${[random.pick(t.columns).name, ...t.primaryKey].map((c) => `${t.name}.${c}`).join(', ')}`;
}

/** The columns of `t` that some unique key holds. */
const keyColumns = (t: DmlTable): Set<string> => new Set(t.uniques.flatMap((u) => u.columns));

/**
 * An INSERT into `t`. INSERT … SELECT orders its rows by the source's key: which of two
 * conflicting rows is written (or updated) first depends on the order.
 */
function insert(random: Random, t: DmlTable, tables: readonly DmlTable[]): string {
  const r = random.next();
  if (r < 0.06) return `INSERT INTO ${t.name} DEFAULT VALUES${returning(random, t)}`;
  // Keys and NOT NULL columns without a default mostly written: a session of 23502s tests little.
  const needed = (c: Column): boolean => t.primaryKey.includes(c.name) || (c.notNull && c.defaultText === undefined);
  const columns = writable(t).filter((c) => (needed(c) && random.next() < 0.95) || random.next() < 0.6);
  if (columns.some((c) => c.identity) && random.next() < 0.6) columns.splice(columns.findIndex((c) => c.identity), 1);
  const names = columns.map((c) => c.name).join(', ');
  let source: string;
  if (r < 0.3) {
    const from = random.pick(tables);
    const where = random.next() < 0.6 ? ` WHERE ${condition(random, from, 's', tables)}` : '';
    source = `SELECT ${columns.map((c) => valueOf(random, from, 's', c.type)).join(', ')} FROM ${from.name} s${where} ORDER BY ${from.primaryKey.map((k) => `s.${k}`).join(', ')}`;
  } else {
    const rows = 1 + Math.floor(random.next() * 3);
    source = 'VALUES ' + Array.from({ length: rows }, () => `(${columns.map((c) => (random.next() < 0.1 ? 'DEFAULT' : literal(random, c.type, !needed(c) || random.next() < 0.1))).join(', ')})`).join(', ');
  }
  const overriding = columns.some((c) => c.identity) && random.next() < 0.6 ? ' OVERRIDING SYSTEM VALUE' : '';
  return `INSERT INTO ${t.name} (${names})${overriding} ${source}${onConflict(random, t, tables)}${returning(random, t)}`;
}

function onConflict(random: Random, t: DmlTable, tables: readonly DmlTable[]): string {
  const r = random.next();
  if (r < 0.35) return '';
  const key = random.pick(t.uniques);
  let target: string;
  const t2 = random.next();
  if (t2 < 0.15 && key.constraint) target = ` ON CONSTRAINT ${key.constraint}`;
  else if (t2 < 0.25) target = '';
  else target = ` (${key.columns.join(', ')})`;
  if (r < 0.6 || target === '') return ` ON CONFLICT${target} DO NOTHING`;
  const sets = writable(t).filter((c) => !c.identity && random.next() < 0.4);
  if (sets.length === 0) sets.push(random.pick(writable(t).filter((c) => !c.identity)));
  const assignments = sets.map((c) => {
    const v = random.next();
    const value = v < 0.4 ? `EXCLUDED.${c.name}` : v < 0.6 ? valueOf(random, t, t.name, c.type) : v < 0.7 ? 'DEFAULT'
      : v < 0.8 && c.type !== 'bool' ? `(SELECT max(${c.name}) FROM ${t.name} m)` : literal(random, c.type);
    return `${c.name} = ${value}`;
  });
  const where = random.next() < 0.3 ? ` WHERE ${condition(random, t, random.pick([t.name, 'EXCLUDED']), tables)}` : '';
  return ` ON CONFLICT${target} DO UPDATE SET ${assignments.join(', ')}${where}`;
}

/**
 * An UPDATE of `t`. PostgreSQL checks a unique key row by row as it visits rows, so whether a
 * transiently duplicate key fails depends on the visiting order; Strata's is key order, and so
 * is PostgreSQL's on a table just clustered on its primary key, but not in a block after its
 * writes (`ordered` false): there a key column is updated in one row only.
 */
function update(random: Random, t: DmlTable, tables: readonly DmlTable[], ordered: boolean): string {
  const keys = keyColumns(t);
  const targets = writable(t).filter((c) => !c.identity && (ordered || !keys.has(c.name)));
  if (!ordered && (targets.length === 0 || random.next() < 0.3)) {
    const c = random.pick(writable(t).filter((x) => !x.identity));
    const where = t.primaryKey.map((k) => `${k} = ${keyValue(t, k, 1 + Math.floor(random.next() * 4))}`).join(' AND ');
    return `UPDATE ${t.name} SET ${c.name} = ${valueOf(random, t, t.name, c.type)} WHERE ${where}${returning(random, t)}`;
  }
  const r = ordered ? random.next() : 0.15 + random.next() * 0.85;
  // Not on a unique index's column: Strata would visit the rows in that index's order.
  const unindexed = t.columns.filter((c) => t.primaryKey.includes(c.name) || !keys.has(c.name));
  const where = (): string => (random.next() < 0.8 ? ` WHERE ${condition(random, t, t.name, tables, unindexed)}` : '');
  if (r < 0.15) {
    // Keys shifted by one: transiently duplicate in PostgreSQL's row-by-row checks, or not, by the order.
    const key = random.pick(t.uniques.flatMap((u) => u.columns).map((n) => t.columns.find((c) => c.name === n)!).filter((c) => !c.generated && (c.type === 'int' || c.type === 'bigint')));
    if (key) return `UPDATE ${t.name} SET ${key.name} = ${key.name} ${random.pick(['+', '-'])} 1${where()}${returning(random, t)}`;
  }
  if (r < 0.25) {
    // Two rows trade a unique value: a duplicate after the first row, in any order.
    const unique = random.pick(t.uniques);
    const c = t.columns.find((x) => x.name === unique.columns[0])!;
    if (!c.generated) {
      const [a, b] = [literal(random, c.type, false), literal(random, c.type, false)];
      return `UPDATE ${t.name} SET ${c.name} = CASE WHEN ${c.name} = ${a} THEN ${b} WHEN ${c.name} = ${b} THEN ${a} ELSE ${c.name} END WHERE ${c.name} IN (${a}, ${b})${returning(random, t)}`;
    }
  }
  if (r < 0.4) {
    // UPDATE … FROM a VALUES list with distinct keys: at most one source row per target row. A
    // join may visit the rows in the list's order, so the column set is in no unique key.
    const key = random.pick(t.columns.filter((c) => c.type === 'int' || c.type === 'text'));
    const c = random.pick(targets.filter((x) => !keys.has(x.name)));
    if (key && c) {
      const values = key.type === 'int' ? ['1', '2', '3'] : ["'a'", "'b'", "'c'"];
      const rows = values.map((k) => `(${k}, ${literal(random, c.type)})`).join(', ');
      return `UPDATE ${t.name} SET ${c.name} = v.x FROM (VALUES ${rows}) AS v(k, x) WHERE ${t.name}.${key.name} = v.k${returning(random, t)}`;
    }
  }
  if (r < 0.5 && targets.length >= 2) {
    const [a, b] = [random.pick(targets), random.pick(targets)];
    if (a.name !== b.name) {
      const values = a.type === b.type && random.next() < 0.5 ? `${b.name}, ${a.name}` : `${valueOf(random, t, t.name, a.type)}, ${valueOf(random, t, t.name, b.type)}`;
      return `UPDATE ${t.name} SET (${a.name}, ${b.name}) = (${values})${where()}${returning(random, t)}`;
    }
  }
  if (r < 0.58) {
    const other = random.pick(tables.filter((o) => o !== t));
    const c = random.pick(targets);
    const same = ofType(other, c.type);
    if (same.length > 0 && c.type !== 'bool') return `UPDATE ${t.name} SET ${c.name} = (SELECT max(${random.pick(same).name}) FROM ${other.name})${where()}${returning(random, t)}`;
  }
  const sets = targets.filter(() => random.next() < 0.35);
  if (sets.length === 0) sets.push(random.pick(targets));
  const assignments = sets.map((c) => `${c.name} = ${random.next() < 0.1 ? 'DEFAULT' : valueOf(random, t, t.name, c.type)}`);
  return `UPDATE ${t.name} SET ${assignments.join(', ')}${where()}${returning(random, t)}`;
}

function remove(random: Random, t: DmlTable, tables: readonly DmlTable[]): string {
  const r = random.next();
  if (r < 0.3) {
    const other = random.pick(tables.filter((o) => o !== t));
    const c = random.pick(t.columns);
    const same = ofType(other, c.type);
    if (same.length > 0) return `DELETE FROM ${t.name} USING ${other.name} o WHERE ${t.name}.${c.name} = o.${random.pick(same).name}${returning(random, t).replace(' RETURNING *', ` RETURNING ${t.name}.*`)}`;
  }
  return `DELETE FROM ${t.name} WHERE ${condition(random, t, t.name, tables)}${returning(random, t)}`;
}

/**
 * A random DML session over `tables`: `count` statements, some in BEGIN … COMMIT / ROLLBACK
 * blocks (a block still open at the end is committed), and after every few a read of one table.
 * Outside blocks the statements assume PostgreSQL visits rows in primary-key order (its tables
 * clustered before each one: see dml-differential.ts).
 */
export function randomSession(random: Random, tables: readonly DmlTable[], count: number): string[] {
  const statements = tables.flatMap((t) => firstRows(random, t));
  let open = 0;
  for (let i = 0; i < count; i++) {
    if (open === 0 && random.next() < 0.08) {
      statements.push('BEGIN');
      open = 2 + Math.floor(random.next() * 5);
    }
    const t = random.pick(tables);
    const r = random.next();
    statements.push(r < 0.45 ? insert(random, t, tables) : r < 0.8 ? update(random, t, tables, open === 0) : remove(random, t, tables));
    if (random.next() < 0.25) statements.push(tableContents(random.pick(tables)));
    if (open > 0 && --open === 0) statements.push(random.next() < 0.6 ? 'COMMIT' : 'ROLLBACK');
  }
  if (open > 0) statements.push('COMMIT');
  return statements;
}
