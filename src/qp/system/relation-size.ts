import { SqlError } from '../../contracts/errors.js';
import type { Key } from '../../contracts/kv.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, TableInfo } from '../catalog/catalog.js';
import type { Expr } from '../sql/ast.js';
import { coerce, compileExpr, noSuchFunction, type CompileContext } from '../sql/compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from '../sql/compiled.js';
import { breathe, type Row, type Runtime } from '../sql/operators.js';
import { RowCall, subplanSlot } from '../sql/subplans.js';
import { compileRegCast } from './catalog-functions.js';
import { DATABASE } from './database-privileges.js';

/**
 * pg_relation_size, pg_table_size, pg_indexes_size, pg_total_relation_size and
 * pg_database_size. Storage keeps no per-relation byte counts, so a size is measured: the
 * bytes (key plus value) of the live rows in the relation's key range — `[table id][index id]`
 * (docs/architecture.md "Keys") — as committed at the statement's snapshot, counted by storage
 * (StorageNode.measure) in bounded batches. The cost is that of reading the range: linear in
 * the relation's rows, with the event loop given turns and cancellation honoured between
 * batches. What is counted, and how it differs from PostgreSQL's 8 kB pages: docs/sql.md.
 *
 * Measuring is asynchronous and expressions evaluate synchronously, so (as nextval does,
 * sequence-functions.ts) each call runs as a per-row subplan before the row's expressions.
 */
export const RELATION_SIZE_FUNCTIONS = new Set(['pg_relation_size', 'pg_table_size', 'pg_indexes_size', 'pg_total_relation_size', 'pg_database_size']);

/** Keys storage counts per measure call. */
const MEASURE_BATCH = 10_000;
const PRIMARY_INDEX_ID = 1;
/** Every user key: table ids start at 1 (0 is storage's own metadata). */
const ALL_USER_KEYS: Span = { start: Buffer.from([0, 0, 0, 1]), end: Buffer.alloc(6, 0xff) };
const FORKS = new Set(['main', 'fsm', 'vm', 'init']);

interface Span { readonly start: Key; readonly end: Key }
/** Measures for one row; `ctx` is the row's context (its outer rows), `rt` the statement's runtime. */
type Measure = (rt: Runtime, ctx: ExecContext, row: Row) => Promise<SqlValue>;
type Part = 'relation' | 'table' | 'indexes' | 'total';

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

export function compileRelationSizeCall(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  const { name, args, location } = expr;
  const catalog = ctx.catalog;
  if (!catalog) throw new SqlError('0A000', `${name}() is not available here`, at(location));
  const measure = name === 'pg_database_size' ? databaseSize(args, ctx, location) : relationSize(name, args, ctx, catalog, location);
  if (!ctx.subqueries || ctx.clause === 'window functions') throw new SqlError('0A000', `${name}() is not supported in ${ctx.clause}`, at(location));
  const collector = ctx.subqueries.collector;
  const index = collector.add({ plan: { columns: [{ name, oid: TypeOid.int8, typmod: -1 }], build: () => new RowCall(`Relation Size ${name}`, measure) }, mode: 'scalar', correlated: true });
  return { oid: TypeOid.int8, typmod: -1, eval: subplanSlot(collector, index), rowIndependent: false, name, location };
}

/** A regclass argument: a name literal is looked up now, as PostgreSQL's regclass input does; an oid is taken as is. */
function relationArgument(name: string, args: readonly Expr[], ctx: CompileContext, catalog: CatalogSnapshot, location: number): Evaluator {
  const arg = args[0]!;
  const compiled = compileExpr(arg, ctx);
  // text → regclass is an implicit cast in PostgreSQL: the name is looked up per row.
  if (compiled.unknownLiteral !== undefined || compiled.oid === TypeOid.text || compiled.oid === TypeOid.varchar) {
    return compileRegCast(compiled, 'regclass', { catalog, searchPath: ctx.searchPath ?? [] }, arg.location).eval;
  }
  if (!REGCLASS_IMPLICIT.has(compiled.oid)) throw noSuchFunction(name, args.map((a, i) => (i === 0 ? compiled.oid : compileExpr(a, ctx).oid)), location);
  return coerce(compiled, TypeOid.oid, -1, 'implicit', arg.location).eval;
}

const REGCLASS_IMPLICIT = new Set<number>([TypeOid.regclass, TypeOid.oid, TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.unknown]);

function relationSize(name: string, args: readonly Expr[], ctx: CompileContext, catalog: CatalogSnapshot, location: number): Measure {
  const forked = name === 'pg_relation_size' && args.length === 2;
  if (args.length !== 1 && !forked) throw noSuchFunction(name, args.map((a) => compileExpr(a, ctx).oid), location);
  const relation = relationArgument(name, args, ctx, catalog, location);
  const fork = forked ? coerce(compileExpr(args[1]!, ctx), TypeOid.text, -1, 'implicit', args[1]!.location).eval : null;
  const part: Part = name === 'pg_table_size' ? 'table' : name === 'pg_indexes_size' ? 'indexes' : name === 'pg_total_relation_size' ? 'total' : 'relation';
  return async (rt, ctx, row) => {
    const oid = relation(row, ctx);
    const forkName = fork === null ? 'main' : fork(row, ctx);
    if (oid === null || forkName === null) return null;
    if (!FORKS.has(forkName as string)) {
      throw new SqlError('22023', 'invalid fork name', { hint: 'Valid fork names are "main", "fsm", "vm", and "init".' });
    }
    const spans = relationSpans(catalog, Number(oid), part);
    if (spans === null) return null;
    // Strata keeps no free-space map, visibility map or init fork: only "main" has bytes.
    return forkName === 'main' ? measureSpans(rt, spans) : 0n;
  };
}

function databaseSize(args: readonly Expr[], ctx: CompileContext, location: number): Measure {
  if (args.length !== 1) throw noSuchFunction('pg_database_size', args.map((a) => compileExpr(a, ctx).oid), location);
  const compiled = compileExpr(args[0]!, ctx);
  const byName = compiled.unknownLiteral !== undefined || compiled.oid === TypeOid.name || compiled.oid === TypeOid.text || compiled.oid === TypeOid.varchar;
  const value = coerce(compiled, byName ? TypeOid.name : TypeOid.oid, -1, 'implicit', args[0]!.location).eval;
  return async (rt, ctx, row) => {
    const v = value(row, ctx);
    if (v === null) return null;
    if (byName && v !== DATABASE.name) throw new SqlError('3D000', `database "${String(v)}" does not exist`);
    // PostgreSQL answers NULL for an oid that names no database.
    if (!byName && Number(v) !== DATABASE.oid) return null;
    return measureSpans(rt, [ALL_USER_KEYS]);
  };
}

/**
 * The key ranges of a relation's part, or null when the oid names no relation. A table's rows
 * are its primary index (clustered on the primary key), so the primary-key index has no
 * entries of its own: they are the table's, counted once, under the table.
 */
function relationSpans(catalog: CatalogSnapshot, oid: number, part: Part): Span[] | null {
  const table = catalog.tableById(oid);
  if (table) {
    const rows = [indexSpan(table.id, PRIMARY_INDEX_ID)];
    const indexes = table.indexes.filter((i) => i.id !== PRIMARY_INDEX_ID).map((i) => indexSpan(table.id, i.id));
    if (part === 'indexes') return indexes;
    return part === 'total' ? [...rows, ...indexes] : rows;
  }
  const sequence = catalog.sequenceById(oid);
  if (sequence) return part === 'indexes' ? [] : [indexSpan(sequence.id, PRIMARY_INDEX_ID)];
  const owner = indexOwner(catalog, oid);
  if (owner) return part === 'indexes' || owner.indexId === PRIMARY_INDEX_ID ? [] : [indexSpan(owner.table.id, owner.indexId)];
  // Views and the system catalogs (computed from the catalog) store nothing.
  if ([...catalog.allViews()].some((v) => v.id === oid)) return [];
  return null;
}

function indexOwner(catalog: CatalogSnapshot, oid: number): { table: TableInfo; indexId: number } | null {
  for (const table of catalog.allTables()) {
    const index = table.indexes.find((i) => i.oid === oid);
    if (index) return { table, indexId: index.id };
  }
  return null;
}

/** `[table id][index id]` to the next index id: the keys of one index (or of the table's rows). */
function indexSpan(tableId: number, indexId: number): Span {
  const start = Buffer.alloc(6);
  start.writeUInt32BE(tableId, 0);
  start.writeUInt16BE(indexId, 4);
  const end = Buffer.from(start);
  end.writeUInt16BE(indexId + 1, 4);
  return { start, end };
}

async function measureSpans(rt: Runtime, spans: readonly Span[]): Promise<bigint> {
  let bytes = 0;
  for (const span of spans) {
    let start: Key | null = span.start;
    while (start !== null) {
      const measured = await rt.txn.measure(start, span.end, MEASURE_BATCH);
      bytes += measured.bytes;
      start = measured.resumeKey;
      await breathe(rt);
    }
  }
  return BigInt(bytes);
}

