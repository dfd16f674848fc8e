import { leftmostLocation } from './expr-location.js';
import { scanSync } from 'libpg-query';
import { SqlError } from '../../contracts/errors.js';
import { alterTableForm, objectTypeWords } from './statement-forms.js';
import { convertCopy } from './convert-copy.js';
import { LOCKING_NAMES } from './row-locks.js';
import type {
  AlterTableAction, Assignment, ColumnDefinition, CommonTableExpr, CreateIndexStatement, CreateTableStatement, Expr, FrameBound, FromItem, OnConflict,
  SelectStatement, SelectTarget, SortItem, Statement, TypeName, WindowSpec, CheckDefinition, ForeignKeyDefinition, RowLockStrength, RowLockClause,
} from './ast.js';
import { checkDefinition, convertAlterDomain, convertCreateDomain, convertRenameDomain, generatedText } from './convert-constraints.js';
import { convertAlterSequence, convertCreateSequence, convertDropSequence, convertIdentity, convertRenameSequence } from '../sequences/sequence-convert.js';
import { convertSchemaElements } from './schema-elements.js';
import { convertRoleStatement } from '../roles/role-convert.js';
import { parseTextValue, resolveColumnType } from './typesystem.js';
import { TypeOid, type IntervalValue } from '../../contracts/sql-value.js';
import { convertAlterOwner, convertAlterRelationOwner, convertSetSchema, ownerRole } from './convert-alter-object.js';
import { convertComment } from '../comments/comment-convert.js';

/**
 * Converts libpg-query's JSON (the real PostgreSQL grammar) into Strata's AST. Every node the
 * engine does not understand is refused with 0A000 here, with DSQL's text where
 * reference/dsql.md §2.1 records one, so nothing unknown reaches the planner.
 */

// libpg-query nodes are `{ NodeName: { ...fields } }` with every field optional.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function unsupported(message: string, location = -1): SqlError {
  return new SqlError('0A000', message, location >= 0 ? { position: location + 1 } : {});
}

function nodeName(node: Json): string {
  return Object.keys(node)[0]!;
}

function str(node: Json): string {
  return node.String.sval as string;
}

export function convertStatement(raw: Json, text: string): Statement {
  const name = nodeName(raw);
  const n = raw[name];
  const roleStatement = convertRoleStatement(name, n);
  if (roleStatement) return roleStatement;
  switch (name) {
    // SELECT … INTO is CREATE TABLE AS, which DSQL refuses; only a whole statement may say INTO.
    case 'SelectStmt': if (selectInto(n)) throw unsupported('unsupported statement: CreateTableAs'); return convertSelect(n);
    case 'InsertStmt': return convertInsert(n);
    case 'UpdateStmt': return convertUpdate(n);
    case 'DeleteStmt': return convertDelete(n);
    case 'CopyStmt': return convertCopy(n);
    case 'ExplainStmt': return convertExplain(n, text);
    case 'ViewStmt': return convertView(n, text);
    case 'AlterTableStmt': return n.objtype === 'OBJECT_VIEW' || n.objtype === 'OBJECT_SEQUENCE' ? convertAlterRelationOwner(n) : convertAlterTable(n, text);
    case 'AlterOwnerStmt': return convertAlterOwner(n);
    case 'CommentStmt': return convertComment(n);
    case 'AlterObjectSchemaStmt': return convertSetSchema(n);
    case 'RenameStmt': return convertRename(n);
    case 'CreateFunctionStmt': return convertCreateFunction(n, text);
    case 'CreateStmt': return convertCreateTable(n, text);
    case 'IndexStmt': return convertCreateIndex(n);
    case 'DropStmt': return n.removeType === 'OBJECT_SEQUENCE' ? convertDropSequence(n) : convertDrop(n);
    case 'CreateSeqStmt': return convertCreateSequence(n);
    case 'AlterSeqStmt': return convertAlterSequence(n);
    case 'CreateDomainStmt': return convertCreateDomain(n, text, (raw) => defaultSource(raw, text));
    case 'AlterDomainStmt': return convertAlterDomain(n, (raw) => defaultSource(raw, text));
    case 'CreateSchemaStmt':
      if (n.schemaElts) {
        // DSQL runs the elements as statements of their own: an index among them gets its refusal.
        if ((n.schemaElts as Json[]).some((e) => e.IndexStmt)) throw unsupported('unsupported mode. please use CREATE INDEX ASYNC.');
        const elements = convertSchemaElements(n.schemaname, n.schemaElts, (element) => convertStatement(element, text));
        return { kind: 'create-schema', name: n.schemaname, ifNotExists: !!n.if_not_exists, elements };
      }
      return { kind: 'create-schema', name: n.schemaname, ifNotExists: !!n.if_not_exists };
    case 'TransactionStmt': return convertTransaction(n);
    case 'VariableSetStmt': return convertSet(n);
    case 'VariableShowStmt': return { kind: 'show', name: String(n.name).toLowerCase() };
    case 'CallStmt': {
      const call = n.funccall;
      return { kind: 'call', name: call.funcname.map(str), args: (call.args ?? []).map(convertExpr) };
    }
    case 'DeallocateStmt':
      if (n.isall) return { kind: 'deallocate-all' };
      throw unsupported('DEALLOCATE is only supported as DEALLOCATE ALL');
    case 'TruncateStmt': throw unsupported('unsupported statement: Truncate');
    case 'CreateExtensionStmt': throw unsupported('unsupported statement: CreateExtension');
    case 'CreateTrigStmt': throw unsupported('CREATE TRIGGER not supported');
    case 'CreatedbStmt': throw unsupported('unsupported statement: Createdb');
    case 'CreateTableAsStmt': throw unsupported('unsupported statement: CreateTableAs');
    case 'CreateEnumStmt': throw unsupported('CREATE TYPE not supported');
    case 'DefineStmt': // CREATE TYPE name [(…)]: a shell or base type, refused as DSQL refuses every CREATE TYPE
      throw unsupported(n.kind === 'OBJECT_TYPE' ? 'CREATE TYPE not supported' : 'unsupported statement: Define');
    case 'CompositeTypeStmt': throw unsupported('unsupported statement: CompositeType');
    case 'CreateRangeStmt': throw unsupported('unsupported statement: CreateRange');
    case 'CreateTableSpaceStmt': throw unsupported('unsupported statement: CreateTableSpace');
    case 'CreateForeignTableStmt': throw unsupported('unsupported statement: CreateForeignTable');
    case 'VacuumStmt': throw unsupported('unsupported VACUUM statement');
    case 'ListenStmt': throw unsupported('unsupported statement: Listen');
    case 'NotifyStmt': throw unsupported('unsupported statement: Notify');
    case 'UnlistenStmt': throw unsupported('unsupported statement: Unlisten');
    case 'AlterSystemStmt': throw unsupported('unsupported statement: AlterSystem');
    case 'MergeStmt': throw unsupported('unsupported statement type: MERGE');
    case 'DoStmt': throw unsupported('unsupported statement: Do');
    case 'ReindexStmt': return convertReindex(n);
    case 'CreateFunctionStmt':
      if (n.is_procedure) throw unsupported('PROCEDURE is not supported');
      throw unsupported('unsupported statement: CreateFunction');
    default: {
      // "FooStmt" → "unsupported statement: Foo", the shape DSQL uses for statements it lacks.
      throw unsupported(`unsupported statement: ${name.replace(/Stmt$/, '')}`);
    }
  }
}

function convertReindex(n: Json): Statement {
  const target = String(n.kind).replace('REINDEX_OBJECT_', '').toLowerCase() as 'index' | 'table' | 'schema' | 'system' | 'database';
  const concurrently = ((n.params ?? []) as Json[]).some((p) => p.DefElem.defname === 'concurrently'
    && !/^(false|off|0|no)$/i.test(String(p.DefElem.arg?.String?.sval ?? p.DefElem.arg?.Boolean?.boolval ?? p.DefElem.arg?.Integer?.ival ?? 'true')));
  return {
    kind: 'reindex', target, concurrently, schema: n.relation?.schemaname ?? null, name: n.relation?.relname ?? n.name ?? null,
  };
}

function convertTransaction(n: Json): Statement {
  const kind: string = n.kind;
  let isolation: string | null = null;
  let readOnly: boolean | null = null;
  let deferrable = false;
  for (const option of n.options ?? []) {
    const def = option.DefElem;
    const value = def.arg?.A_Const;
    if (def.defname === 'transaction_isolation') isolation = value?.sval?.sval ?? null;
    if (def.defname === 'transaction_read_only') readOnly = !!(value?.ival?.ival ?? value?.boolval?.boolval);
    if (def.defname === 'transaction_deferrable') deferrable = !!(value?.ival?.ival ?? value?.boolval?.boolval);
  }
  switch (kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return { kind: 'transaction', action: 'begin', isolation, readOnly, deferrable, start: kind === 'TRANS_STMT_START' };
    case 'TRANS_STMT_COMMIT': return { kind: 'transaction', action: 'commit', isolation: null, readOnly: null, chain: !!n.chain };
    case 'TRANS_STMT_ROLLBACK': return { kind: 'transaction', action: 'rollback', isolation: null, readOnly: null, chain: !!n.chain };
    case 'TRANS_STMT_SAVEPOINT': throw unsupported('unsupported transaction statement: SAVEPOINT');
    case 'TRANS_STMT_RELEASE': throw unsupported('unsupported transaction statement: RELEASE');
    case 'TRANS_STMT_ROLLBACK_TO': throw unsupported('unsupported transaction statement: ROLLBACK TO');
    default: throw unsupported(`unsupported transaction statement: ${kind.replace('TRANS_STMT_', '')}`);
  }
}

function convertSet(n: Json): Statement {
  switch (n.kind) {
    case 'VAR_SET_VALUE':
      return { kind: 'set', name: String(n.name).toLowerCase(), values: (n.args ?? []).map(settingValue), local: !!n.is_local };
    case 'VAR_SET_DEFAULT': // `SET x TO DEFAULT` resets, but its command tag is SET
      return { kind: 'set', name: String(n.name).toLowerCase(), values: null, local: !!n.is_local };
    case 'VAR_RESET':
      return { kind: 'reset', name: String(n.name).toLowerCase() };
    case 'VAR_RESET_ALL':
      return { kind: 'reset', name: null };
    case 'VAR_SET_MULTI':
      // SET TRANSACTION … / SET SESSION CHARACTERISTICS: DSQL refuses them all.
      throw unsupported('setting configuration parameter "TRANSACTION" not supported');
    default:
      throw unsupported(`unsupported SET statement`);
  }
}

function settingValue(node: Json): string {
  const c = node.A_Const;
  if (c) {
    if (c.sval) return c.sval.sval;
    if (c.ival) return String(c.ival.ival ?? 0);
    if (c.fval) return c.fval.fval;
    if (c.boolval) return c.boolval.boolval ? 'on' : 'off';
    return '0';
  }
  if (node.TypeCast) {
    const target = convertTypeName(node.TypeCast.typeName);
    return target.names[target.names.length - 1] === 'interval' ? intervalSettingValue(node.TypeCast.arg, target) : settingValue(node.TypeCast.arg);
  }
  throw unsupported('unsupported SET value');
}

/** SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE: the offset as hours east, as PostgreSQL takes it. */
function intervalSettingValue(arg: Json, target: TypeName): string {
  const text = settingValue(arg);
  // A field list (HOUR TO MINUTE) changes only what a bare number means ('5' HOUR is 5 hours).
  if (target.typmods.length > 0 && /^\s*[+-]?[\d.]+\s*$/.test(text)) throw unsupported('SET TIME ZONE INTERVAL with a bare number and fields is not supported');
  const span = parseTextValue(TypeOid.interval, -1, text) as IntervalValue;
  if (span.months !== 0 || span.days !== 0) throw new SqlError('22023', `invalid interval value for time zone: ${span.months !== 0 ? 'month' : 'day'} not allowed`);
  return String(Number(span.micros) / 3_600_000_000);
}

function rangeVar(n: Json): { schema: string | null; name: string; alias: string | null; location: number } {
  if (n.catalogname) throw unsupported('cross-database references are not implemented', n.location ?? -1);
  return { schema: n.schemaname ?? null, name: n.relname, alias: n.alias?.aliasname ?? null, location: n.location ?? -1 };
}

export function convertSelect(n: Json): SelectStatement {
  if (!n.withClause) return convertSelectBody(n);
  return { ...convertSelectBody({ ...n, withClause: undefined }), with: convertWith(n.withClause) };
}

/** WITH [RECURSIVE] name [(columns)] AS (SELECT …, or INSERT/UPDATE/DELETE … RETURNING), …. */
function convertWith(w: Json): NonNullable<SelectStatement['with']> {
  const ctes = ((w.ctes ?? []) as Json[]).map((node): CommonTableExpr => {
    const cte = node.CommonTableExpr;
    if (cte.search_clause || cte.cycle_clause) throw unsupported('SEARCH and CYCLE clauses are not supported yet', cte.location ?? -1);
    const q = cte.ctequery;
    const query = q.SelectStmt ? convertSelect(q.SelectStmt)
      : (q.InsertStmt ? convertInsert(q.InsertStmt) : q.UpdateStmt ? convertUpdate(q.UpdateStmt) : q.DeleteStmt ? convertDelete(q.DeleteStmt) : null);
    if (query === null) throw unsupported('this statement in WITH is not supported', cte.location ?? -1);
    if (query.kind !== 'select' && query.kind !== 'insert' && query.kind !== 'update' && query.kind !== 'delete') throw new Error(`WITH query converted to ${query.kind}`);
    return {
      name: cte.ctename, columnAliases: ((cte.aliascolnames ?? []) as Json[]).map((a) => String(a.String.sval)),
      query, location: cte.location ?? -1,
    };
  });
  return { recursive: !!w.recursive, ctes };
}

/** A statement's INTO: on the SELECT, or on the first branch of a UNION (where the grammar leaves it). */
function selectInto(n: Json): Json | null {
  return n.intoClause ?? (n.larg ? selectInto(n.larg) : null);
}

function convertSelectBody(n: Json): SelectStatement {
  if (n.op && n.op !== 'SETOP_NONE') return convertSetOperation(n);
  if (n.intoClause) throw new SqlError('42601', 'SELECT ... INTO is not allowed here', n.intoClause.rel?.location >= 0 ? { position: n.intoClause.rel.location + 1 } : {});
  // DISTINCT is a list holding one empty node; DISTINCT ON lists its expressions.
  const distinctOn = n.distinctClause && n.distinctClause.length > 0 && Object.keys(n.distinctClause[0]).length > 0
    ? (n.distinctClause as Json[]).map(convertExpr) : null;
  const locking = lockingOf(n.lockingClause);
  const withTies = n.limitOption === 'LIMIT_OPTION_WITH_TIES';
  if (withTies && !(n.sortClause ?? []).length) throw new SqlError('42601', 'WITH TIES cannot be specified without ORDER BY clause');
  if (withTies && n.limitCount?.A_Const?.isnull) { // a literal NULL only, as transformLimitClause checks
    const at = n.limitCount.A_Const.location;
    throw new SqlError('2201W', 'row count cannot be null in FETCH FIRST ... WITH TIES clause', at !== undefined ? { position: at + 1 } : {});
  }
  const values = n.valuesLists ? n.valuesLists.map((list: Json) => list.List.items.map(convertExpr)) : null;
  return {
    kind: 'select',
    targets: (n.targetList ?? []).map(convertTarget),
    from: (n.fromClause ?? []).map(convertFrom),
    where: n.whereClause ? convertExpr(n.whereClause) : null,
    ...(withTies ? { withTies } : {}),
    groupBy: (n.groupClause ?? []).some((g: Json) => g.GroupingSet) ? [] : (n.groupClause ?? []).map(convertExpr),
    groupingSets: (n.groupClause ?? []).some((g: Json) => g.GroupingSet) ? groupingSets(n.groupClause) : null,
    ...(n.groupDistinct ? { groupDistinct: true } : {}),
    having: n.havingClause ? convertExpr(n.havingClause) : null,
    orderBy: (n.sortClause ?? []).map(convertSort),
    limit: n.limitCount ? convertExpr(n.limitCount) : null,
    offset: n.limitOffset ? convertExpr(n.limitOffset) : null,
    distinct: !!n.distinctClause && distinctOn === null,
    distinctOn,
    values,
    locking,
    windows: ((n.windowClause ?? []) as Json[]).map((w) => ({ name: String(w.WindowDef.name), spec: convertWindow(w.WindowDef) })),
  };
}

/** A locking clause's strength; DSQL refuses FOR SHARE and FOR NO KEY UPDATE. */
function lockStrength(lock: Json): RowLockStrength {
  switch (lock.LockingClause.strength) {
    case 'LCS_FORUPDATE': return 'update';
    case 'LCS_FORKEYSHARE': return 'key-share';
    default: throw unsupported('locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported');
  }
}

/**
 * A SELECT's locking clauses, in order (row-locks.ts resolves their OF names when the SELECT is
 * planned). NOWAIT is accepted: nothing in Strata waits for a row lock (a conflict fails the
 * later committer at COMMIT), so its promise holds as written. SKIP LOCKED is refused: a row
 * another transaction has locked is not visible to this one (the lock lives in that
 * transaction's commit bundle until it commits), so the rows PostgreSQL would skip would be
 * returned, and two workers taking "the next unlocked row" would take the same one.
 */
function lockingOf(clauses: readonly Json[] | undefined): RowLockClause[] | null {
  if (!clauses || clauses.length === 0) return null;
  return clauses.map((lock): RowLockClause => {
    const strength = lockStrength(lock);
    if (lock.LockingClause.waitPolicy === 'LockWaitSkip') throw unsupported('SKIP LOCKED is not supported');
    const rels = (lock.LockingClause.lockedRels ?? []) as Json[];
    const of = rels.length === 0 ? null : rels.map((r) => ({
      name: String(r.RangeVar.relname), qualified: !!(r.RangeVar.schemaname || r.RangeVar.catalogname), location: r.RangeVar.location ?? -1,
    }));
    return { strength, of };
  });
}

/** UNION/INTERSECT/EXCEPT [ALL]: the branches are planned by plan-setop.ts; ORDER BY/LIMIT sit on the node. */
function convertSetOperation(n: Json): SelectStatement {
  const ops: Record<string, 'union' | 'intersect' | 'except'> = { SETOP_UNION: 'union', SETOP_INTERSECT: 'intersect', SETOP_EXCEPT: 'except' };
  const op = ops[n.op as string];
  if (!op) throw unsupported(`set operation ${String(n.op)} is not supported`);
  // DSQL refuses the other locking strengths before PostgreSQL's own set-operation check.
  // PostgreSQL checks each branch too: `(SELECT … FOR UPDATE) UNION SELECT …`.
  for (const node of [n.larg, n.rarg, n]) {
    const strengths = ((node.lockingClause ?? []) as Json[]).map(lockStrength);
    if (strengths.length > 0) throw unsupported(`${LOCKING_NAMES[strengths[0]!]} is not allowed with UNION/INTERSECT/EXCEPT`);
  }
  return {
    kind: 'select', targets: [], from: [], where: null, groupBy: [], having: null,
    orderBy: (n.sortClause ?? []).map(convertSort),
    limit: n.limitCount ? convertExpr(n.limitCount) : null,
    offset: n.limitOffset ? convertExpr(n.limitOffset) : null,
    distinct: false, values: null, locking: null,
    setOperation: { op, all: !!n.all, left: convertSelect(n.larg), right: convertSelect(n.rarg) },
  };
}

/**
 * A subquery in an expression. One whose form we cannot convert keeps its 0A000 message and
 * raises it only if it is evaluated (psql's describe queries carry such subqueries over
 * catalogs that are always empty in Strata).
 */
function convertSubLink(n: Json, location: number): Expr {
  const modes: Record<string, 'scalar' | 'array' | 'exists' | 'any' | 'all'> = {
    EXPR_SUBLINK: 'scalar', ARRAY_SUBLINK: 'array', EXISTS_SUBLINK: 'exists', ANY_SUBLINK: 'any', ALL_SUBLINK: 'all',
  };
  const mode = modes[n.subLinkType as string];
  if (!mode) throw unsupported(`${String(n.subLinkType)} subqueries are not supported yet`, location);
  let quantified: { left: Expr; op: string } | null = null;
  let rowCompare = false;
  if (mode === 'any' || mode === 'all') {
    const names = (n.operName ?? []) as Json[];
    // IN (SELECT …) has no operator name: it is = ANY.
    const op = names.length === 0 ? '=' : String(names[names.length - 1].String.sval);
    quantified = { left: convertExpr(n.testexpr), op };
    rowCompare = !!n.testexpr?.RowExpr;
  }
  try {
    return { kind: 'subquery', mode, select: convertSelect(n.subselect.SelectStmt), unsupported: null, ...quantified, ...(rowCompare ? { rowCompare } : {}), location };
  } catch (error) {
    if (error instanceof SqlError && error.code === '0A000') return { kind: 'subquery', mode, select: null, unsupported: error.message, ...quantified, ...(rowCompare ? { rowCompare } : {}), location };
    throw error;
  }
}

/** COLLATE: the database's collation is "C", so the default, "C" and "POSIX" collations change nothing. */
function convertCollate(n: Json, location: number): Expr {
  const names: string[] = n.collname.map(str);
  const name = names[names.length - 1]!;
  if (names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog') || !['default', 'C', 'POSIX'].includes(name)) {
    throw unsupported(`collation "${names.join('.')}" is not supported`, location);
  }
  return convertExpr(n.arg);
}

function convertSort(node: Json): SortItem {
  const s = node.SortBy;
  // ORDER BY x USING < (or >) is ascending (descending) order by the type's own comparison.
  const using = s.useOp ? (s.useOp as Json[]).map(str).join('.').replace(/^pg_catalog\./, '') : null;
  if (using !== null && using !== '<' && using !== '>') throw unsupported(`ORDER BY USING ${using} is not supported`);
  return {
    expr: convertExpr(s.node),
    descending: s.sortby_dir === 'SORTBY_DESC' || using === '>',
    nullsFirst: s.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : s.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : null,
  };
}

function convertTarget(node: Json): SelectTarget {
  const t = node.ResTarget;
  return { expr: convertExpr(t.val), alias: t.name ?? null, location: t.location ?? -1 };
}

function convertFrom(node: Json): FromItem {
  const name = nodeName(node);
  const n = node[name];
  if (name === 'RangeVar') {
    const columnAliases = ((n.alias?.colnames ?? []) as Json[]).map(str);
    return { kind: 'table', ...rangeVar(n), ...(columnAliases.length > 0 ? { columnAliases } : {}) };
  }
  if (name === 'JoinExpr') {
    const joinType = ({ JOIN_INNER: 'inner', JOIN_LEFT: 'left', JOIN_RIGHT: 'right', JOIN_FULL: 'full' } as const)[n.jointype as 'JOIN_INNER'];
    if (!joinType) throw unsupported(`join type ${n.jointype} is not supported`);
    const crossJoin = joinType === 'inner' && !n.quals && !n.usingClause && !n.isNatural;
    return {
      kind: 'join',
      joinType: crossJoin ? 'cross' : joinType,
      left: convertFrom(n.larg),
      right: convertFrom(n.rarg),
      on: n.quals ? convertExpr(n.quals) : null,
      using: n.usingClause ? n.usingClause.map(str) : null,
      natural: !!n.isNatural,
      location: -1,
      ...(n.alias ? { alias: { name: String(n.alias.aliasname), columns: ((n.alias.colnames ?? []) as Json[]).map(str) } } : {}),
    };
  }
  if (name === 'RangeSubselect') {
    // PostgreSQL 16 (which DSQL and our server_version follow) no longer requires the alias.
    return {
      kind: 'subquery', query: convertSelect(n.subquery.SelectStmt), alias: n.alias?.aliasname ?? 'unnamed_subquery',
      columnAliases: (n.alias?.colnames ?? []).map(str), lateral: !!n.lateral, location: -1,
    };
  }
  if (name === 'RangeFunction') {
    const single = n.functions.length === 1 ? n.functions[0].List.items : null;
    if (single && !single[0]?.FuncCall && !(single[1] && Object.keys(single[1]).length > 0) && !n.ordinality && !n.coldeflist) {
      return scalarFromItem(single[0], n.alias);
    }
    // Functions in FROM are LATERAL whether or not it is written: `lateral` adds nothing.
    const calls = (n.functions as Json[]).map((item) => {
      const [call, columnDefinitions] = item.List.items;
      if ((columnDefinitions && Object.keys(columnDefinitions).length > 0) || !call?.FuncCall) throw unsupported('this form of function in FROM is not supported yet');
      const f = convertFuncCall(call.FuncCall);
      if (f.kind !== 'func' || f.over || f.star || f.distinct || f.filter) throw unsupported('this form of function in FROM is not supported yet');
      return { name: f.name, args: f.args, location: f.location, ...(f.argNames ? { argNames: f.argNames } : {}), ...(f.schema && f.schema !== 'pg_catalog' ? { schema: f.schema } : {}) };
    });
    const columnDefinitions = n.coldeflist === undefined ? undefined : (n.coldeflist as Json[]).map((d) => {
      const c = d.ColumnDef;
      return { name: c.colname as string, type: convertTypeName(c.typeName), location: c.location ?? -1 };
    });
    return {
      kind: 'function', name: calls[0]!.name, args: calls[0]!.args, calls, ordinality: n.ordinality === true,
      alias: n.alias?.aliasname ?? null, columnAliases: (n.alias?.colnames ?? []).map(str), location: calls[0]!.location,
      ...(columnDefinitions === undefined ? {} : { columnDefinitions }),
    };
  }
  // DSQL's text (reference/dsql.md §2.1).
  if (name === 'RangeTableSample') throw unsupported('TABLESAMPLE clause not supported');
  throw unsupported(`FROM item ${name} is not supported`);
}

/**
 * A FROM item that is an expression of the function-like forms other than a call (CURRENT_DATE,
 * USER, COALESCE(…), CAST(…)): one row of its value, as PostgreSQL's function RTE of it — the
 * column named as a select list would name it, the item by that name too; an alias names both.
 */
function scalarFromItem(node: Json, alias: Json | undefined): FromItem {
  const query = convertSelect({ targetList: [{ ResTarget: { val: node, location: -1 } }], limitOption: 'LIMIT_OPTION_DEFAULT', op: 'SETOP_NONE' });
  const columnAliases: string[] = (alias?.colnames ?? []).map(str);
  const named: string = alias?.aliasname ?? scalarColumnName(node);
  return { kind: 'subquery', query, alias: named, columnAliases: columnAliases.length > 0 ? columnAliases : [named], lateral: true, location: -1 };
}

/** FigureColname of the forms scalarFromItem takes. */
function scalarColumnName(node: Json): string {
  const SQL_VALUE_NAMES: Record<string, string> = {
    SVFOP_CURRENT_DATE: 'current_date', SVFOP_CURRENT_TIME: 'current_time', SVFOP_CURRENT_TIME_N: 'current_time',
    SVFOP_CURRENT_TIMESTAMP: 'current_timestamp', SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp', SVFOP_LOCALTIME: 'localtime',
    SVFOP_LOCALTIME_N: 'localtime', SVFOP_LOCALTIMESTAMP: 'localtimestamp', SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
    SVFOP_CURRENT_ROLE: 'current_role', SVFOP_CURRENT_USER: 'current_user', SVFOP_USER: 'user', SVFOP_SESSION_USER: 'session_user',
    SVFOP_CURRENT_CATALOG: 'current_catalog', SVFOP_CURRENT_SCHEMA: 'current_schema',
  };
  if (node.SQLValueFunction) return SQL_VALUE_NAMES[node.SQLValueFunction.op] ?? '?column?';
  if (node.CoalesceExpr) return 'coalesce';
  if (node.A_Expr?.kind === 'AEXPR_NULLIF') return 'nullif';
  if (node.MinMaxExpr) return node.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least';
  if (node.TypeCast) {
    const names = (node.TypeCast.typeName.names as Json[]).map(str);
    return names[names.length - 1]!;
  }
  return '?column?';
}

export function convertTypeName(t: Json): TypeName {
  const names: string[] = t.names.map(str);
  const typmods: number[] = (t.typmods ?? []).map((m: Json) => {
    const c = m.A_Const;
    if (!c || !c.ival) throw new SqlError('42601', 'type modifiers must be simple constants or identifiers');
    return c.ival.ival ?? 0;
  });
  return { names, typmods, arrayBounds: t.arrayBounds ? t.arrayBounds.length : 0, location: t.location ?? -1 };
}

export function convertExpr(node: Json): Expr {
  const name = nodeName(node);
  const n = node[name];
  const location: number = n.location ?? -1;
  switch (name) {
    case 'A_Const': return convertConst(n);
    case 'ParamRef': return { kind: 'param', index: n.number, location };
    case 'ColumnRef': return convertColumnRef(n);
    case 'A_Indirection': {
      const indirection = n.indirection as Json[];
      let arg = convertExpr(n.arg);
      const where = arg.location ?? location;
      // `(x).f`, `(x).*` select fields of a row value; `a[i]` subscripts an array (one dimension),
      // `j['k'][0]` a jsonb value step by step.
      for (let i = 0; i < indirection.length; i++) {
        const step = indirection[i];
        if (step.String || step.A_Star) {
          arg = { kind: 'field', arg, name: step.String ? str(step) : null, location: where };
          continue;
        }
        const index = step.A_Indices;
        // `a[1][2]` (one list) subscripts two dimensions; `(a[2:])[1]` subscripts the slice.
        const continued = arg.kind === 'subscript' && i > 0;
        arg = {
          kind: 'subscript', arg, slice: index.is_slice === true, location: where,
          lower: index.lidx ? convertExpr(index.lidx) : null, upper: index.uidx ? convertExpr(index.uidx) : null,
          ...(continued ? { continued: true } : {}),
        };
      }
      return arg;
    }
    case 'A_Expr': return convertAExpr(n);
    case 'BoolExpr': {
      const args = n.args.map(convertExpr);
      if (n.boolop === 'NOT_EXPR') return { kind: 'not', arg: args[0], location };
      return { kind: n.boolop === 'AND_EXPR' ? 'and' : 'or', args, location };
    }
    case 'NullTest': return { kind: 'null-test', arg: convertExpr(n.arg), isNull: n.nulltesttype === 'IS_NULL', location };
    case 'BooleanTest': {
      const map: Record<string, 'true' | 'not-true' | 'false' | 'not-false' | 'unknown' | 'not-unknown'> = {
        IS_TRUE: 'true', IS_NOT_TRUE: 'not-true', IS_FALSE: 'false', IS_NOT_FALSE: 'not-false', IS_UNKNOWN: 'unknown', IS_NOT_UNKNOWN: 'not-unknown',
      };
      return { kind: 'bool-test', arg: convertExpr(n.arg), test: map[n.booltesttype]!, location };
    }
    case 'TypeCast': return { kind: 'cast', arg: convertExpr(n.arg), type: convertTypeName(n.typeName), location };
    case 'FuncCall': return convertFuncCall(n);
    case 'CaseExpr':
      return {
        kind: 'case',
        subject: n.arg ? convertExpr(n.arg) : null,
        whens: n.args.map((w: Json) => ({ when: convertExpr(w.CaseWhen.expr), then: convertExpr(w.CaseWhen.result), location: w.CaseWhen.location ?? -1 })),
        otherwise: n.defresult ? convertExpr(n.defresult) : null,
        location,
      };
    case 'CoalesceExpr': return { kind: 'coalesce', args: n.args.map(convertExpr), location };
    case 'MinMaxExpr': return { kind: n.op === 'IS_GREATEST' ? 'greatest' : 'least', args: n.args.map(convertExpr), location };
    case 'SQLValueFunction': return convertSqlValueFunction(n);
    case 'SubLink': return convertSubLink(n, location);
    case 'GroupingFunc': return { kind: 'grouping', args: (n.args ?? []).map(convertExpr), location };
    case 'A_ArrayExpr': {
      const elements = (n.elements ?? []) as Json[];
      if (elements.some((e) => e.A_ArrayExpr)) throw unsupported('multidimensional arrays are not supported yet', location);
      return { kind: 'array', elements: elements.map(convertExpr), location };
    }
    case 'RowExpr': return { kind: 'row', args: (n.args ?? []).map(convertExpr), location };
    case 'CollateClause': return convertCollate(n, location);
    default: throw unsupported(`expression ${name} is not supported`, location);
  }
}

function convertConst(n: Json): Expr {
  const location: number = n.location ?? -1;
  if (n.isnull) return { kind: 'const', literal: 'null', text: '', location };
  if (n.ival) return { kind: 'const', literal: 'integer', text: String(n.ival.ival ?? 0), location };
  if (n.fval) {
    // make_const: a "float" that is an integer is int4 when it fits (-2147483648 arrives negated as a float).
    const text: string = n.fval.fval;
    if (/^-?\d+$/.test(text) && Number(text) >= -2147483648 && Number(text) <= 2147483647) return { kind: 'const', literal: 'integer', text, location };
    return { kind: 'const', literal: 'numeric', text, location };
  }
  if (n.sval) return { kind: 'const', literal: 'string', text: n.sval.sval ?? '', location };
  if (n.boolval) return { kind: 'const', literal: 'boolean', text: n.boolval.boolval ? 't' : 'f', location };
  if (n.bsval) return { kind: 'const', literal: 'bitstring', text: n.bsval.bsval, location };
  // Zero values are omitted by pg_query's JSON: `{ ival: {} }` is 0, `{ sval: {} }` is ''.
  return { kind: 'const', literal: 'integer', text: '0', location };
}

function convertColumnRef(n: Json): Expr {
  const fields: Json[] = n.fields;
  const location: number = n.location ?? -1;
  const last = fields[fields.length - 1];
  if (last.A_Star) {
    if (fields.length > 2) throw unsupported('cross-database references are not implemented', location);
    return { kind: 'star', table: fields.length === 2 ? str(fields[0]) : null, location };
  }
  const names = fields.map(str);
  if (names.length === 1) return { kind: 'column', schema: null, table: null, name: names[0]!, location };
  if (names.length === 2) return { kind: 'column', schema: null, table: names[0]!, name: names[1]!, location };
  if (names.length === 3) return { kind: 'column', schema: names[0]!, table: names[1]!, name: names[2]!, location };
  throw unsupported('cross-database references are not implemented', location);
}

function convertAExpr(n: Json): Expr {
  const location: number = n.location ?? -1;
  const op: string = n.name.map(str).join('.').replace(/^pg_catalog\./, '');
  if (n.lexpr?.RowExpr && (n.kind === 'AEXPR_OP' || n.kind === 'AEXPR_IN')) return convertRowComparison(n, op, location);
  const left = n.lexpr ? convertExpr(n.lexpr) : null;
  switch (n.kind) {
    case 'AEXPR_OP': return { kind: 'op', op, left, right: convertExpr(n.rexpr), location };
    case 'AEXPR_IN': {
      const list = n.rexpr.List ? n.rexpr.List.items.map(convertExpr) : null;
      if (!list) throw unsupported('subqueries are not supported yet', location);
      return { kind: 'in', arg: left!, list, negated: op === '<>', location };
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      const [low, high] = n.rexpr.List.items.map(convertExpr);
      return { kind: 'between', arg: left!, low, high, negated: n.kind === 'AEXPR_NOT_BETWEEN', location };
    }
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      // As PostgreSQL's transformAExprBetween spells them: either order of the bounds.
      const [low, high] = n.rexpr.List.items.map(convertExpr) as [Expr, Expr];
      const between = (a: Expr, b: Expr): Expr => ({ kind: 'between', arg: left!, low: a, high: b, negated: n.kind === 'AEXPR_NOT_BETWEEN_SYM', location });
      return { kind: n.kind === 'AEXPR_BETWEEN_SYM' ? 'or' : 'and', args: [between(low, high), between(high, low)], location };
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE':
      return { kind: 'like', arg: left!, pattern: convertExpr(n.rexpr), negated: op.startsWith('!'), caseInsensitive: n.kind === 'AEXPR_ILIKE', location };
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT':
      return { kind: 'distinct-from', left: left!, right: convertExpr(n.rexpr), negated: n.kind === 'AEXPR_NOT_DISTINCT', location };
    case 'AEXPR_NULLIF':
      return { kind: 'nullif', left: left!, right: convertExpr(n.rexpr), location };
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return { kind: 'any', op, all: n.kind === 'AEXPR_OP_ALL', left: left!, right: convertExpr(n.rexpr), location };
    case 'AEXPR_SIMILAR':
      // The grammar has already wrapped the pattern in similar_to_escape(pattern [, escape]):
      // `a SIMILAR TO p` is `a ~ similar_to_escape(p)`, NOT SIMILAR TO is !~.
      return { kind: 'op', op, left, right: convertExpr(n.rexpr), location };
    default:
      throw unsupported(`operator form ${n.kind} is not supported`, location);
  }
}

function convertFuncCall(n: Json): Expr {
  const names: string[] = n.funcname.map(str);
  const location: number = n.location ?? -1;
  if (n.agg_within_group && n.over) throw unsupported(`OVER is not supported for ordered-set aggregate ${names[names.length - 1]!.toLowerCase()}`, location);
  let rawArgs = (n.args ?? []) as Json[];
  let variadicArray = false;
  if (n.func_variadic) {
    // VARIADIC ARRAY[a, b, …] passes the elements as the variadic arguments; an array that is
    // not written out element by element (a NULL array, a column) is spread when the call runs.
    const last = rawArgs[rawArgs.length - 1];
    const array = last?.A_ArrayExpr;
    if (array) rawArgs = [...rawArgs.slice(0, -1), ...((array.elements ?? []) as Json[])];
    else variadicArray = true;
  }
  const schema = names.length > 1 ? names[0]! : null;
  const argNames = rawArgs.map((a) => (a.NamedArgExpr ? String(a.NamedArgExpr.name) : null));
  return {
    kind: 'func',
    name: names[names.length - 1]!.toLowerCase(),
    schema,
    args: rawArgs.map((a) => convertExpr(a.NamedArgExpr ? a.NamedArgExpr.arg : a)),
    ...(argNames.some((a) => a !== null) ? { argNames } : {}),
    star: !!n.agg_star,
    distinct: !!n.agg_distinct,
    filter: n.agg_filter ? convertExpr(n.agg_filter) : null,
    over: n.over ? convertWindow(n.over, true) : null,
    ...(n.agg_order ? { aggOrder: (n.agg_order as Json[]).map(convertSort) } : {}),
    ...(variadicArray ? { variadicArray } : {}),
    ...(n.agg_within_group ? { withinGroup: true as const } : {}),
    location,
  };
}

// Frame option bits of PostgreSQL's WindowDef (nodes/parsenodes.h).
const FRAME = {
  RANGE: 0x2, ROWS: 0x4, GROUPS: 0x8,
  START_UNBOUNDED_PRECEDING: 0x20, START_UNBOUNDED_FOLLOWING: 0x80, START_CURRENT_ROW: 0x200,
  END_UNBOUNDED_PRECEDING: 0x40, END_UNBOUNDED_FOLLOWING: 0x100, END_CURRENT_ROW: 0x400,
  START_OFFSET_PRECEDING: 0x800, END_OFFSET_PRECEDING: 0x1000, START_OFFSET_FOLLOWING: 0x2000, END_OFFSET_FOLLOWING: 0x4000,
  EXCLUDE_CURRENT_ROW: 0x8000, EXCLUDE_GROUP: 0x10000, EXCLUDE_TIES: 0x20000, NONDEFAULT: 0x1,
};

/** A window definition; in an OVER clause, `OVER name` puts the window's name in `name`. */
function convertWindow(w: Json, inOver = false): WindowSpec {
  const options: number = w.frameOptions ?? 0;
  let frame: WindowSpec['frame'] = null;
  if (options & FRAME.NONDEFAULT) {
    const bound = (end: boolean): FrameBound => {
      const o = (start: number, finish: number) => (options & (end ? finish : start)) !== 0;
      if (o(FRAME.START_UNBOUNDED_PRECEDING, FRAME.END_UNBOUNDED_PRECEDING)) return { kind: 'unbounded-preceding', offset: null };
      if (o(FRAME.START_UNBOUNDED_FOLLOWING, FRAME.END_UNBOUNDED_FOLLOWING)) return { kind: 'unbounded-following', offset: null };
      if (o(FRAME.START_CURRENT_ROW, FRAME.END_CURRENT_ROW)) return { kind: 'current-row', offset: null };
      const offset = convertExpr(end ? w.endOffset : w.startOffset);
      return { kind: o(FRAME.START_OFFSET_PRECEDING, FRAME.END_OFFSET_PRECEDING) ? 'preceding' : 'following', offset };
    };
    frame = {
      mode: options & FRAME.ROWS ? 'rows' : options & FRAME.GROUPS ? 'groups' : 'range',
      start: bound(false), end: bound(true),
      exclusion: options & FRAME.EXCLUDE_CURRENT_ROW ? 'current-row' : options & FRAME.EXCLUDE_GROUP ? 'group' : options & FRAME.EXCLUDE_TIES ? 'ties' : 'no-others',
    };
  }
  return {
    refName: w.refname ?? (inOver ? w.name ?? null : null),
    ...(inOver && !w.refname && w.name ? { byName: true } : {}),
    partitionBy: (w.partitionClause ?? []).map(convertExpr),
    orderBy: (w.orderClause ?? []).map(convertSort),
    frame,
    location: w.location ?? -1,
  };
}

function convertSqlValueFunction(n: Json): Expr {
  const location: number = n.location ?? -1;
  const map: Record<string, Extract<Expr, { kind: 'sql-value' }>['name']> = {
    SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
    SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
    SVFOP_CURRENT_DATE: 'current_date',
    SVFOP_CURRENT_TIME: 'current_time',
    SVFOP_CURRENT_TIME_N: 'current_time',
    SVFOP_LOCALTIMESTAMP: 'localtimestamp',
    SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
    SVFOP_LOCALTIME: 'localtime',
    SVFOP_LOCALTIME_N: 'localtime',
    SVFOP_CURRENT_USER: 'current_user',
    SVFOP_USER: 'current_user',
    SVFOP_CURRENT_ROLE: 'current_user',
    SVFOP_SESSION_USER: 'session_user',
    SVFOP_CURRENT_SCHEMA: 'current_schema',
    SVFOP_CURRENT_CATALOG: 'current_catalog',
  };
  const name = map[n.op];
  if (!name) throw unsupported(`${n.op} is not supported yet`, location);
  // The _N forms carry the precision written (the grammar takes no sign); the others -1.
  return { kind: 'sql-value', name, typmod: typeof n.op === 'string' && n.op.endsWith('_N') ? n.typmod ?? 0 : -1, location };
}

function convertReturning(n: Json): SelectTarget[] {
  const list = n.returningClause?.exprs ?? n.returningList ?? [];
  return list.map(convertTarget);
}

/** The relation an UPDATE or INSERT writes, as its SET expressions name it. */
interface AssignedRelation {
  readonly schema: string | null;
  readonly name: string;
  readonly alias: string | null;
}

function convertAssignments(list: Json[], target: AssignedRelation): Assignment[] {
  return mergeSubscriptAssignments(convertAssignmentList(list, target));
}

/**
 * `SET j['a'] = 1, j['b'] = 2`: several element assignments to one column are one, each applied
 * to what the one before made, as PostgreSQL's rewriter nests them (any other repeat stays 42601).
 */
function mergeSubscriptAssignments(assignments: Assignment[]): Assignment[] {
  const merged: Assignment[] = [];
  for (const a of assignments) {
    const at = merged.findIndex((m) => m.column === a.column);
    const earlier = at < 0 ? undefined : merged[at]!;
    if (earlier === undefined || !isSubscriptAssignment(earlier.value) || !isSubscriptAssignment(a.value)) {
      merged.push(a);
      continue;
    }
    const [, ...rest] = a.value.args;
    merged[at] = { ...earlier, value: { ...a.value, args: [earlier.value, ...rest] } };
  }
  return merged;
}

function isSubscriptAssignment(value: Expr | null): value is Extract<Expr, { kind: 'func' }> {
  return value !== null && value.kind === 'func' && value.subscriptAssignment === true;
}

function convertAssignmentList(list: Json[], target: AssignedRelation): Assignment[] {
  // The sub-select of SET (a, b) = (SELECT …), one node for all its columns (the grammar repeats it).
  const rowSubqueries = new Map<number, Expr>();
  return list.map((node) => {
    const t = node.ResTarget;
    if (t.indirection) return subscriptAssignment(t, target);
    if (t.val?.MultiAssignRef) {
      // SET (a, b) = (x, y): each column takes its element of the row.
      const multi = t.val.MultiAssignRef;
      const row = multi.source?.RowExpr;
      const sublink = multi.source?.SubLink;
      if (!row && sublink?.subselect?.SelectStmt) {
        // SET (a, b) = (SELECT x, y …): the subquery's row as one record, run once per target row;
        // each column takes its field (more columns or fewer than targets: 42601, as PostgreSQL).
        let shared = rowSubqueries.get(sublink.location);
        if (!shared) {
          shared = { kind: 'subquery', mode: 'scalar', select: convertSelect(sublink.subselect.SelectStmt), unsupported: null, location: sublink.location ?? -1, wholeRow: true };
          rowSubqueries.set(sublink.location, shared);
        }
        const value: Expr = { kind: 'field', arg: shared, name: `f${multi.colno}`, width: multi.ncolumns, location: t.location ?? -1 };
        return { column: t.name, value, location: t.location ?? -1 };
      }
      // PostgreSQL's own refusal (SET (a, b) = v.* and the like).
      if (!row) throw unsupported('source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression', t.location ?? -1);
      if ((row.args ?? []).some((a: Json) => a.ColumnRef?.fields?.some((f: Json) => f.A_Star))) {
        // SET (a, b) = ROW(v.*): how many values `v.*` gives is known when planning; each column
        // takes its field of the row (row-values.ts).
        const value: Expr = { kind: 'field', arg: convertExpr(multi.source), name: `f${multi.colno}`, width: multi.ncolumns, location: row.location ?? -1 };
        return { column: t.name, value, location: t.location ?? -1 };
      }
      if ((row.args ?? []).length !== multi.ncolumns) throw new SqlError('42601', 'number of columns does not match number of values', { position: (row.location ?? 0) + 1 });
      const element = row.args[multi.colno - 1];
      return { column: t.name, value: element.SetToDefault ? null : convertExpr(element), location: t.location ?? -1 };
    }
    if (t.val.SetToDefault) return { column: t.name, value: null, location: t.location ?? -1 };
    const value = convertExpr(t.val);
    // SET c = v.*: v's whole row, one record value (not v's columns, as in a select list).
    return { column: t.name, value: value.kind === 'star' ? { kind: 'row', args: [value], location: value.location } : value, location: t.location ?? -1 };
  });
}

/**
 * `SET c[k1][k2]… = v`: the column takes c with the element set, a call compile.ts reads
 * (subscriptAssignment) of the column's value as the row has it, v and the subscripts. Fields of
 * a composite (`SET c.f = v`) are not supported; a slice is refused when the column's type is known.
 */
function subscriptAssignment(t: Json, target: AssignedRelation): Assignment {
  const location: number = t.location ?? -1;
  const steps = t.indirection as Json[];
  if (steps.some((step) => !step.A_Indices) || t.val?.MultiAssignRef) {
    throw unsupported('assignment to a field or a slice is not supported', location);
  }
  if (t.val?.SetToDefault) throw unsupported('assignment of DEFAULT to an element is not supported', location);
  const column: Expr = { kind: 'column', table: target.alias ?? target.name, schema: target.alias ? null : target.schema, name: t.name, location };
  if (steps.some((step) => step.A_Indices.is_slice)) {
    // What a slice means depends on the column's type (jsonb refuses it with 42804); compile.ts
    // decides. PostgreSQL reports it at the first subscript's upper bound (else its lower).
    const first = steps[0].A_Indices;
    const bound = first.uidx ?? first.lidx;
    const sliceAt = bound ? leftmostLocation(convertExpr(bound)) : -1;
    const value: Expr = {
      kind: 'func', name: 'subscript assignment', schema: null, args: [column, convertExpr(t.val)],
      star: false, distinct: false, filter: null, subscriptAssignment: true, sliceAt, location,
    };
    return { column: t.name, value, location };
  }
  const subscripts = steps.map((step) => convertExpr(step.A_Indices.uidx));
  const value: Expr = {
    kind: 'func', name: 'subscript assignment', schema: null, args: [column, convertExpr(t.val), ...subscripts],
    star: false, distinct: false, filter: null, subscriptAssignment: true, location,
  };
  return { column: t.name, value, location };
}

/** WITH … INSERT/UPDATE/DELETE: the WITH queries are visible to the whole statement (plan-modify.ts binds them). */
function withQueries(statement: Statement, w: Json): Statement {
  if (statement.kind !== 'insert' && statement.kind !== 'update' && statement.kind !== 'delete') throw new Error('WITH on a statement that is not INSERT, UPDATE or DELETE');
  return { ...statement, with: convertWith(w) };
}

function convertInsert(n: Json): Statement {
  if (n.withClause) return withQueries(convertInsert({ ...n, withClause: undefined }), n.withClause);
  const target = rangeVar(n.relation);
  let rows: (Expr | null)[][] | null = null;
  let query: SelectStatement | null = null;
  const select = n.selectStmt?.SelectStmt;
  if (select?.valuesLists && !select.sortClause && !select.limitCount) {
    rows = select.valuesLists.map((list: Json) => list.List.items.map((item: Json) => (item.SetToDefault ? null : convertExpr(item))));
  } else if (select) {
    query = convertSelect(select);
  } else {
    rows = [[]]; // INSERT … DEFAULT VALUES
  }
  return {
    kind: 'insert',
    schema: target.schema,
    table: target.name,
    alias: target.alias,
    columns: n.cols ? n.cols.map((c: Json) => {
      if (c.ResTarget.indirection) throw unsupported('assignment to a field or array element is not supported', c.ResTarget.location ?? -1);
      return { name: c.ResTarget.name, location: c.ResTarget.location ?? -1 };
    }) : null,
    rows,
    query,
    onConflict: n.onConflictClause ? convertOnConflict(n.onConflictClause, target) : null,
    returning: convertReturning(n),
    location: target.location,
    overriding: n.override === 'OVERRIDING_SYSTEM_VALUE' ? 'system' : n.override === 'OVERRIDING_USER_VALUE' ? 'user' : null,
  };
}

function convertOnConflict(n: Json, target: AssignedRelation): OnConflict {
  const infer = n.infer;
  if (infer?.whereClause) throw unsupported('ON CONFLICT with a WHERE on the conflict target is not supported yet');
  return {
    action: n.action === 'ONCONFLICT_UPDATE' ? 'update' : 'nothing',
    targetColumns: (infer?.indexElems ?? []).map((e: Json) => {
      if (!e.IndexElem.name) throw unsupported('ON CONFLICT on expressions is not supported yet');
      return e.IndexElem.name as string;
    }),
    constraint: infer?.conname ?? null,
    set: convertAssignments(n.targetList ?? [], target),
    where: n.whereClause ? convertExpr(n.whereClause) : null,
  };
}

function convertUpdate(n: Json): Statement {
  if (n.withClause) return withQueries(convertUpdate({ ...n, withClause: undefined }), n.withClause);
  const target = rangeVar(n.relation);
  return {
    kind: 'update', schema: target.schema, table: target.name, alias: target.alias,
    set: convertAssignments(n.targetList, target),
    from: (n.fromClause ?? []).map(convertFrom),
    where: n.whereClause ? convertExpr(n.whereClause) : null,
    returning: convertReturning(n),
    location: target.location,
  };
}

function convertDelete(n: Json): Statement {
  if (n.withClause) return withQueries(convertDelete({ ...n, withClause: undefined }), n.withClause);
  const target = rangeVar(n.relation);
  return {
    kind: 'delete', schema: target.schema, table: target.name, alias: target.alias,
    using: (n.usingClause ?? []).map(convertFrom),
    where: n.whereClause ? convertExpr(n.whereClause) : null,
    returning: convertReturning(n),
    location: target.location,
  };
}

function convertCreateTable(n: Json, text: string): CreateTableStatement {
  const relation = n.relation;
  if (relation.relpersistence === 't') throw unsupported('TEMPORARY or TEMP table not supported for CREATE TABLE');
  if (relation.relpersistence === 'u') throw unsupported('UNLOGGED table not supported for CREATE TABLE');
  if (n.inhRelations) throw unsupported('INHERITS is not supported');
  if (n.partspec || n.partbound) throw unsupported('PARTITION is not supported');
  const columns: ColumnDefinition[] = [];
  let primaryKey: string[] | null = null;
  const uniques: { name: string | null; columns: string[]; nullsNotDistinct: boolean }[] = [];
  const foreignKeys: ForeignKeyDefinition[] = [];
  let refusedConstraint: SqlError | null = null;
  const checks: CheckDefinition[] = [];
  const setPrimaryKey = (keys: string[], location: number) => {
    if (primaryKey) throw new SqlError('42P16', `multiple primary keys for table "${relation.relname}" are not allowed`, { position: location + 1 });
    primaryKey = keys;
  };
  for (const element of n.tableElts ?? []) {
    if (element.ColumnDef) {
      const c = element.ColumnDef;
      let notNull = false;
      let primary = false;
      let unique = false;
      let defaultExpr: Expr | null = null;
      let defaultText: string | null = null;
      let generated: string | null = null;
      let generatedOffset = -1;
      let defaultOffset = -1;
      const columnChecks: CheckDefinition[] = [];
      let identity: ColumnDefinition['identity'] = null;
      let sawNullable = false;
      for (const constraintNode of c.constraints ?? []) {
        const k = constraintNode.Constraint;
        switch (k.contype) {
          case 'CONSTR_NOTNULL':
          case 'CONSTR_NULL': {
            // Both NULL and NOT NULL on one column is a contradiction PostgreSQL refuses, at the second.
            const wantsNotNull = k.contype === 'CONSTR_NOTNULL';
            if (sawNullable && notNull !== wantsNotNull) {
              throw new SqlError('42601', `conflicting NULL/NOT NULL declarations for column "${c.colname}" of table "${relation.relname}"`, { position: (k.location ?? 0) + 1 });
            }
            notNull = wantsNotNull;
            sawNullable = true;
            break;
          }
          case 'CONSTR_PRIMARY': primary = true; notNull = true; setPrimaryKey([c.colname], k.location ?? -1); break;
          case 'CONSTR_UNIQUE': unique = true; uniques.push({ name: k.conname ?? null, columns: [c.colname], nullsNotDistinct: !!k.nulls_not_distinct }); break;
          case 'CONSTR_DEFAULT':
            defaultExpr = convertExpr(k.raw_expr);
            defaultText = defaultSource(k.raw_expr, text);
            defaultOffset = findLocation(k.raw_expr);
            break;
          case 'CONSTR_IDENTITY':
            if (identity) throw new SqlError('42601', `multiple identity specifications for column "${c.colname}" of table "${relation.relname}"`, { position: (k.location ?? 0) + 1 });
            identity = convertIdentity(k);
            break;
          case 'CONSTR_GENERATED': ({ text: generated, offset: generatedOffset } = generatedText(k, text)); break;
          case 'CONSTR_CHECK': columnChecks.push(checkDefinition(k, text)); break;
          case 'CONSTR_FOREIGN': foreignKeys.push(convertForeignKey(k, [c.colname])); break;
          case 'CONSTR_ATTR_DEFERRABLE': case 'CONSTR_ATTR_NOT_DEFERRABLE': case 'CONSTR_ATTR_DEFERRED': case 'CONSTR_ATTR_IMMEDIATE':
            applyConstraintAttribute(k, c.constraints, constraintNode, foreignKeys);
            break;
          default: throw unsupported(`column constraint ${k.contype} is not supported`);
        }
      }
      if (c.collClause) throw unsupported('COLLATE is not supported');
      if (generated !== null && defaultText !== null) {
        throw new SqlError('42601', `both default and generation expression specified for column "${c.colname}" of table "${relation.relname}"`, { position: (c.location ?? 0) + 1 });
      }
      checks.push(...columnChecks);
      columns.push({ name: c.colname, type: convertTypeName(c.typeName), notNull, defaultExpr, defaultText, primaryKey: primary, unique, location: c.location ?? -1,
        checks: columnChecks, generatedText: generated, identity, defaultOffset, generatedOffset });
    } else if (element.Constraint) {
      const k = element.Constraint;
      const keys = (k.keys ?? []).map(str);
      if (k.contype === 'CONSTR_PRIMARY') setPrimaryKey(keys, k.location ?? -1);
      else if (k.contype === 'CONSTR_UNIQUE') uniques.push({ name: k.conname ?? null, columns: keys, nullsNotDistinct: !!k.nulls_not_distinct });
      else if (k.contype === 'CONSTR_CHECK') checks.push(checkDefinition(k, text));
      else if (k.contype === 'CONSTR_FOREIGN') foreignKeys.push(convertForeignKey(k, (k.fk_attrs ?? []).map(str)));
      else refusedConstraint ??= unsupported(`table constraint ${k.contype} is not supported`);
    } else {
      throw unsupported('LIKE in CREATE TABLE is not supported');
    }
  }
  if (refusedConstraint) {
    // DSQL refuses an unsupported column type before an unsupported constraint.
    for (const column of columns) {
      try {
        resolveColumnType(column.type);
      } catch (error) {
        if (error instanceof SqlError && error.code === '0A000') throw error;
      }
    }
    throw refusedConstraint;
  }
  return {
    kind: 'create-table', schema: relation.schemaname ?? null, table: relation.relname,
    ifNotExists: !!n.if_not_exists, columns, primaryKey, uniques, foreignKeys, location: relation.location ?? -1, checks,
  };
}

/**
 * A column constraint's DEFERRABLE / INITIALLY DEFERRED clause is a node of its own after the
 * constraint it qualifies; only foreign keys take it here (deferred unique keys are not built).
 */
function applyConstraintAttribute(k: Json, constraints: Json[], node: Json, foreignKeys: ForeignKeyDefinition[]): void {
  const clause = ({
    CONSTR_ATTR_DEFERRABLE: 'DEFERRABLE', CONSTR_ATTR_NOT_DEFERRABLE: 'NOT DEFERRABLE', CONSTR_ATTR_DEFERRED: 'INITIALLY DEFERRED', CONSTR_ATTR_IMMEDIATE: 'INITIALLY IMMEDIATE',
  } as Record<string, string>)[k.contype]!;
  let qualified: Json | undefined;
  for (let i = constraints.indexOf(node) - 1; i >= 0 && !qualified; i--) {
    const candidate = constraints[i].Constraint;
    if (!String(candidate.contype).startsWith('CONSTR_ATTR_')) qualified = candidate;
  }
  if (qualified?.contype === 'CONSTR_PRIMARY' || qualified?.contype === 'CONSTR_UNIQUE') throw unsupported('DEFERRABLE is only supported for foreign keys');
  if (qualified?.contype !== 'CONSTR_FOREIGN') throw new SqlError('42601', `misplaced ${clause} clause`, { position: (k.location ?? 0) + 1 });
  const last = foreignKeys[foreignKeys.length - 1]!;
  const deferrable = k.contype === 'CONSTR_ATTR_DEFERRABLE' || k.contype === 'CONSTR_ATTR_DEFERRED' ? true : k.contype === 'CONSTR_ATTR_NOT_DEFERRABLE' ? false : last.deferrable;
  const initiallyDeferred = k.contype === 'CONSTR_ATTR_DEFERRED' ? true : k.contype === 'CONSTR_ATTR_IMMEDIATE' ? false : last.initiallyDeferred;
  if (initiallyDeferred && k.contype === 'CONSTR_ATTR_NOT_DEFERRABLE') throw new SqlError('42601', 'constraint declared INITIALLY DEFERRED must be DEFERRABLE', { position: (k.location ?? 0) + 1 });
  foreignKeys[foreignKeys.length - 1] = { ...last, deferrable, initiallyDeferred };
}

/** A CONSTR_FOREIGN node (column REFERENCES or table FOREIGN KEY) as written. */
function convertForeignKey(k: Json, columns: string[]): ForeignKeyDefinition {
  if (k.fk_matchtype === 'p') throw unsupported('MATCH PARTIAL not yet implemented');
  return {
    name: k.conname ?? null, columns, referencedSchema: k.pktable.schemaname ?? null, referencedTable: k.pktable.relname,
    referencedColumns: k.pk_attrs ? k.pk_attrs.map(str) : null, match: k.fk_matchtype === 'f' ? 'full' : 'simple',
    onUpdate: k.fk_upd_action ?? 'a', onDelete: k.fk_del_action ?? 'a', deleteSetColumns: k.fk_del_set_cols ? k.fk_del_set_cols.map(str) : null,
    deferrable: !!k.deferrable, initiallyDeferred: !!k.initdeferred, notValid: !!k.skip_validation, location: k.location ?? -1,
  };
}

/** The source text of a DEFAULT expression, for the catalog (pg_attrdef shows it). */
function defaultSource(raw: Json, text: string): string | null {
  const start = findLocation(raw);
  if (start < 0) return null;
  // Take text up to the next top-level comma/closing paren or a constraint keyword.
  let depth = 0;
  let inString = false;
  let i = start;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) { if (ch === "'") inString = false; continue; }
    if (ch === "'") { inString = true; continue; }
    if (ch === '(') depth++;
    else if (ch === ')') { if (depth === 0) break; depth--; }
    else if (ch === ',' && depth === 0) break;
    else if (depth === 0 && /\s/.test(ch)) {
      const rest = text.slice(i).trimStart().toLowerCase();
      if (/^(not\s+null|null|primary|unique|check|references|constraint|default|generated|collate)\b/.test(rest)) break;
    }
  }
  return text.slice(start, i).trim();
}

/**
 * A parameter's DEFAULT as written: from its first token to the `,` or `)` that ends the
 * parameter. The parser's locations skip opening parentheses (`DEFAULT (1) + 2` would start at
 * `1`), so those before the first location are taken back in.
 */
function parameterDefaultSource(raw: Json, text: string): { text: string; offset: number } | null {
  let start = findLocation(raw);
  if (start < 0) return null;
  for (let i = start - 1; i >= 0 && /[\s(]/.test(text[i]!); i--) if (text[i] === '(') start = i;
  let depth = 0;
  let i = start;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') { i = text.indexOf(ch, i + 1); if (i < 0) return null; continue; }
    const dollar = ch === '$' ? /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i)) : null;
    if (dollar) { i = text.indexOf(dollar[0], i + dollar[0].length); if (i < 0) return null; i += dollar[0].length - 1; continue; }
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') { if (depth === 0) break; depth--; }
    else if (ch === ',' && depth === 0) break;
  }
  return { text: text.slice(start, i).trim(), offset: start };
}

function findLocation(node: Json): number {
  if (node === null || typeof node !== 'object') return -1;
  let best = -1;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'location' && typeof value === 'number' && value >= 0) best = best < 0 ? value : Math.min(best, value);
    else if (typeof value === 'object') {
      const inner = findLocation(value);
      if (inner >= 0) best = best < 0 ? inner : Math.min(best, inner);
    }
  }
  return best;
}

function convertCreateIndex(n: Json): CreateIndexStatement {
  if (n.concurrent) throw unsupported('CONCURRENTLY not supported for CREATE INDEX');
  // DSQL first refuses an index without ASYNC (known only after the pre-parse rewrite), so the
  // other refusals wait in `refusal`.
  let refusal: string | null = null;
  const refuse = (message: string) => { refusal ??= message; };
  if (n.whereClause) refuse('partial indexes are not supported yet');
  if (n.accessMethod && n.accessMethod !== 'btree') refuse(`access method "${n.accessMethod}" is not supported`);
  const columns: string[] = [];
  for (const element of n.indexParams ?? []) {
    const e = element.IndexElem;
    if (e.ordering && e.ordering !== 'SORTBY_DEFAULT') refuse('specifying sort order not supported for index keys');
    if (e.opclass) refuse('opclass not supported for index keys');
    if (!e.name) refuse('expression indexes are not supported yet');
    else columns.push(e.name);
  }
  return {
    kind: 'create-index',
    name: n.idxname ?? null,
    schema: n.relation.schemaname ?? null,
    table: n.relation.relname,
    columns,
    include: (n.indexIncludingParams ?? []).map((e: Json) => e.IndexElem.name as string),
    unique: !!n.unique,
    ifNotExists: !!n.if_not_exists,
    async: false, // set by the ASYNC pre-parse rewrite (parse.ts)
    nullsNotDistinct: !!n.nulls_not_distinct,
    refusal,
  };
}

function convertDrop(n: Json): Statement {
  const types: Record<string, 'table' | 'index' | 'schema' | 'view'> = { OBJECT_TABLE: 'table', OBJECT_INDEX: 'index', OBJECT_SCHEMA: 'schema', OBJECT_VIEW: 'view' };
  const objectType = types[n.removeType];
  if (n.removeType === 'OBJECT_FUNCTION' || n.removeType === 'OBJECT_ROUTINE') {
    return {
      kind: 'drop-function', ifExists: !!n.missing_ok,
      functions: (n.objects as Json[]).map((o) => ({
        names: (o.ObjectWithArgs.objname as Json[]).map(str),
        argTypes: o.ObjectWithArgs.args_unspecified ? null : ((o.ObjectWithArgs.objargs ?? []) as Json[]).map((t) => convertTypeName(t.TypeName ?? t)),
      })),
    };
  }
  if (n.removeType === 'OBJECT_DOMAIN') {
    if (n.behavior === 'DROP_CASCADE') throw unsupported('DROP DOMAIN with CASCADE unsupported');
    const names = (n.objects as Json[]).map((o) => ((o.TypeName?.names ?? []) as Json[]).map(str));
    return { kind: 'drop', objectType: 'domain', names, ifExists: !!n.missing_ok, cascade: false };
  }
  if (!objectType) {
    if (n.removeType === 'OBJECT_TYPE') throw unsupported('unsupported object in DROP statement');
    throw unsupported(`DROP ${objectTypeWords(String(n.removeType))} is not supported`);
  }
  const names: string[][] = n.objects.map((o: Json) => (o.List ? o.List.items.map(str) : [str(o)]));
  return { kind: 'drop', objectType, names, ifExists: !!n.missing_ok, cascade: n.behavior === 'DROP_CASCADE', ...(n.concurrent ? { concurrently: true as const } : {}) };
}

/** EXPLAIN [ANALYZE] [VERBOSE] or EXPLAIN (option [value], …) of a query or a DML statement. */
function convertExplain(n: Json, text: string): Statement {
  let analyze = false;
  let verbose = false;
  for (const option of (n.options ?? []) as Json[]) {
    const name = String(option.DefElem.defname).toLowerCase();
    const arg = option.DefElem.arg;
    const value = arg === undefined ? true : !/^(false|off|0|no)$/i.test(String(arg.String?.sval ?? arg.Boolean?.boolval ?? arg.Integer?.ival ?? arg.A_Const?.ival?.ival ?? 'true'));
    if (name === 'analyze') analyze = value;
    else if (name === 'verbose') verbose = value;
    else if (name === 'format') {
      const format = String(arg?.String?.sval ?? '').toLowerCase();
      if (format !== 'text') throw unsupported(`EXPLAIN format ${format.toUpperCase()} is not supported yet`);
    } else if (!['costs', 'buffers', 'timing', 'summary', 'settings', 'wal'].includes(name)) {
      throw new SqlError('42601', `unrecognized EXPLAIN option "${name}"`);
    }
  }
  const inner = convertStatement(n.query, text);
  if (inner.kind !== 'select' && inner.kind !== 'insert' && inner.kind !== 'update' && inner.kind !== 'delete') {
    throw unsupported(`EXPLAIN of ${inner.kind} statements is not supported`);
  }
  return { kind: 'explain', analyze, verbose, statement: inner };
}

/** CREATE [OR REPLACE] VIEW name [(columns)] AS SELECT …: the query is kept as text. */
function convertView(n: Json, text: string): Statement {
  if (n.options && n.options.length > 0) throw unsupported('view options are not supported yet');
  if (n.view.relpersistence === 't') throw unsupported('temporary views are not supported');
  if (n.query.SelectStmt && selectInto(n.query.SelectStmt)) throw unsupported('views must not contain SELECT INTO');
  const location: number = n.view.location ?? 0;
  return {
    kind: 'create-view', schema: n.view.schemaname ?? null, name: n.view.relname,
    columnAliases: ((n.aliases ?? []) as Json[]).map((a) => String(a.String.sval)),
    query: convertSelect(n.query.SelectStmt), queryText: '', queryStart: queryStartAfterAs(text, location), replace: !!n.replace, location,
    checkOption: n.withCheckOption === 'LOCAL_CHECK_OPTION' ? 'local' : n.withCheckOption === 'CASCADED_CHECK_OPTION' ? 'cascaded' : null,
  };
}

/** Where the query of a CREATE VIEW begins: after the first AS outside parentheses past the name. */
function queryStartAfterAs(text: string, from: number): number {
  let depth = 0;
  for (const token of scanSync(text.slice(from)).tokens as { start: number; end: number; text: string }[]) {
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (depth === 0 && token.text.toUpperCase() === 'AS') return from + token.end;
  }
  throw unsupported('cannot find the query of CREATE VIEW');
}

/** ALTER TABLE: the forms DSQL allows that Strata builds; DSQL's refusals with its texts; the rest 0A000. */
function convertAlterTable(n: Json, text: string): Statement {
  if (n.objtype !== 'OBJECT_TABLE') throw unsupported(`ALTER ${objectTypeWords(String(n.objtype))} is not supported`);
  const actions: AlterTableAction[] = ((n.cmds ?? []) as Json[]).map((node): AlterTableAction => {
    const cmd = node.AlterTableCmd;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const def = cmd.def.ColumnDef;
        if ((def.constraints ?? []).length > 0) throw unsupported('ALTER TABLE ADD COLUMN with constraint not supported');
        return { kind: 'add-column', name: def.colname, type: convertTypeName(def.typeName), ifNotExists: !!cmd.missing_ok };
      }
      case 'AT_ColumnDefault': return { kind: 'set-default', column: cmd.name, defaultText: cmd.def ? defaultSource(cmd.def, text) : null };
      case 'AT_DropNotNull': return { kind: 'drop-not-null', column: cmd.name };
      case 'AT_SetNotNull': throw unsupported('unsupported ALTER TABLE ALTER COLUMN ... SET NOT NULL statement');
      case 'AT_AlterColumnType': throw unsupported('unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement');
      case 'AT_SetStatistics': throw unsupported('unsupported ALTER TABLE ALTER COLUMN ... SET STATISTICS statement');
      case 'AT_AddConstraint': {
        // DSQL adds a CHECK or FOREIGN KEY to an existing table only NOT VALID (existing rows are not
        // scanned; a foreign key is validated later by an async job).
        const k = cmd.def.Constraint;
        if (k.contype === 'CONSTR_UNIQUE' && k.indexname) return { kind: 'add-unique-using-index', name: k.conname ?? null, index: k.indexname };
        if (k.contype === 'CONSTR_FOREIGN' && k.skip_validation) return { kind: 'add-foreign-key', foreignKey: convertForeignKey(k, (k.fk_attrs ?? []).map(str)) };
        if (k.contype !== 'CONSTR_CHECK' || !k.skip_validation) throw unsupported('unsupported ALTER TABLE ADD CONSTRAINT statement');
        return { kind: 'add-check', check: checkDefinition(k, text) };
      }
      case 'AT_DropConstraint': return { kind: 'drop-constraint', name: cmd.name, ifExists: !!cmd.missing_ok, cascade: cmd.behavior === 'DROP_CASCADE' };
      case 'AT_ChangeOwner': return { kind: 'owner-to', role: ownerRole(cmd.newowner) };
      case 'AT_SetStorage': return { kind: 'set-storage', column: cmd.name, storage: String(cmd.def.String.sval) };
      case 'AT_DropColumn': return { kind: 'drop-column', column: cmd.name, ifExists: !!cmd.missing_ok, cascade: cmd.behavior === 'DROP_CASCADE' };
      case 'AT_DropExpression': return { kind: 'drop-expression', column: cmd.name, ifExists: !!cmd.missing_ok };
      case 'AT_ValidateConstraint': return { kind: 'validate-constraint', name: cmd.name };
      case 'AT_AddIdentity': return { kind: 'add-identity', column: cmd.name, ...convertIdentity(cmd.def.Constraint) };
      default: throw unsupported(`ALTER TABLE … ${alterTableForm(String(cmd.subtype))} is not supported`);
    }
  });
  return { kind: 'alter-table', schema: n.relation.schemaname ?? null, table: n.relation.relname, ifExists: !!n.missing_ok, actions };
}

/** ALTER TABLE … RENAME [COLUMN] …. */
function convertRename(n: Json): Statement {
  const relation = { kind: 'alter-table' as const, schema: n.relation?.schemaname ?? null, table: n.relation?.relname, ifExists: !!n.missing_ok };
  if (n.renameType === 'OBJECT_TABLE') return { ...relation, actions: [{ kind: 'rename-table', newName: n.newname }] };
  if (n.renameType === 'OBJECT_SEQUENCE') return convertRenameSequence(n);
  if (n.renameType === 'OBJECT_COLUMN' && n.relationType === 'OBJECT_TABLE') return { ...relation, actions: [{ kind: 'rename-column', column: n.subname, newName: n.newname }] };
  if (n.renameType === 'OBJECT_TABCONSTRAINT') return { ...relation, actions: [{ kind: 'rename-constraint', name: n.subname, newName: n.newname }] };
  if (n.renameType === 'OBJECT_DOMAIN' || n.renameType === 'OBJECT_DOMCONSTRAINT') return convertRenameDomain(n);
  if (n.renameType === 'OBJECT_SCHEMA') return { kind: 'rename-schema', name: String(n.subname), newName: String(n.newname) };
  if (n.renameType === 'OBJECT_VIEW' || (n.renameType === 'OBJECT_COLUMN' && n.relationType === 'OBJECT_VIEW')) {
    const names = n.relation.schemaname ? [String(n.relation.schemaname), String(n.relation.relname)] : [String(n.relation.relname)];
    const object = { objectType: 'view' as const, names, argTypes: null, ifExists: !!n.missing_ok };
    return { kind: 'rename-object', object, rename: n.renameType === 'OBJECT_VIEW' ? { newName: String(n.newname) } : { column: String(n.subname), newColumn: String(n.newname) } };
  }
  throw unsupported('unsupported object in RENAME statement');
}

/** CREATE [OR REPLACE] FUNCTION … LANGUAGE sql: a one-SELECT body (or RETURN expr), kept as text. */
function convertCreateFunction(n: Json, text: string): Statement {
  const options = new Map<string, Json>(((n.options ?? []) as Json[]).map((o) => [String(o.DefElem.defname), o.DefElem.arg]));
  const language = String(options.get('language')?.String?.sval ?? (n.sql_body ? 'sql' : 'sql'));
  // DSQL runs SQL-language functions only; the others are refused with its text.
  if (language.toLowerCase() !== 'sql') throw unsupported(`CREATE FUNCTION with language ${language} not supported`);
  if (n.is_procedure) throw unsupported('PROCEDURE is not supported');
  if (!n.returnType) throw unsupported('functions without RETURNS are not supported yet');
  const args = ((n.parameters ?? []) as Json[]).map((p) => {
    const parameter = p.FunctionParameter;
    if (parameter.mode && parameter.mode !== 'FUNC_PARAM_DEFAULT' && parameter.mode !== 'FUNC_PARAM_IN') throw unsupported('OUT, INOUT, VARIADIC and TABLE parameters are not supported yet');
    const type = convertTypeName(parameter.argType);
    if (!parameter.defexpr) return { name: parameter.name ?? null, type };
    const written = parameterDefaultSource(parameter.defexpr, text);
    if (written === null) throw unsupported('cannot read the DEFAULT expression of this parameter');
    return { name: parameter.name ?? null, type, defaultText: written.text, defaultOffset: written.offset };
  });
  let body: string;
  if (n.sql_body) {
    const returned = n.sql_body.ReturnStmt?.returnval;
    if (!returned) throw unsupported('BEGIN ATOMIC function bodies are not supported yet');
    const source = defaultSource(returned, text);
    if (source === null) throw unsupported('cannot read the RETURN expression of this function');
    body = `SELECT ${source}`;
  } else {
    const items = (options.get('as')?.List?.items ?? []) as Json[];
    if (items.length !== 1) throw unsupported('this form of function body is not supported');
    body = String(items[0].String.sval);
  }
  const strict = options.get('strict')?.Boolean?.boolval === true;
  const volatility = String(options.get('volatility')?.String?.sval ?? 'volatile')[0] as 'i' | 's' | 'v';
  const names = (n.funcname as Json[]).map(str);
  return {
    kind: 'create-function', schema: names.length > 1 ? names[names.length - 2]! : null, name: names[names.length - 1]!,
    args, returnType: convertTypeName(n.returnType), body, strict, replace: !!n.replace, ...(n.returnType.setof ? { setof: true } : {}),
    ...(volatility !== 'v' ? { volatility } : {}), ...(n.sql_body ? { returnForm: true } : {}),
  };
}

/**
 * Row comparisons, `(a, b) op (x, y)` and `(a, b) [NOT] IN ((x, y), …)`, as PostgreSQL defines
 * them: = and <> pair by pair; <, <=, >, >= decided by the first pair that is not equal (a NULL
 * there makes the answer NULL) — written out as AND/OR of the pairs' comparisons.
 */
function convertRowComparison(n: Json, op: string, location: number): Expr {
  const rowOf = (node: Json): Expr[] => (node.RowExpr.args ?? []).map(convertExpr);
  const sublink = n.rexpr?.SubLink;
  if (n.kind === 'AEXPR_OP' && sublink?.subLinkType === 'EXPR_SUBLINK') {
    // `(a, b) op (SELECT x, y …)`: the subquery's one row, compared pair by pair.
    const subquery = convertSubLink(sublink, sublink.location ?? location);
    if (subquery.kind !== 'subquery') throw new Error('a sublink converts to a subquery');
    return { ...subquery, left: convertExpr(n.lexpr), op, rowCompare: true, location };
  }
  if (n.kind === 'AEXPR_OP' && !n.rexpr?.RowExpr) {
    // A row constructor against a row-valued expression: the record operator (row-values.ts).
    return { kind: 'op', op, left: convertExpr(n.lexpr), right: convertExpr(n.rexpr), location };
  }
  const left = rowOf(n.lexpr);
  const compare = (right: Expr[], op: string): Expr => {
    if (right.length !== left.length) throw new SqlError('42601', 'unequal number of entries in row expressions', { position: location + 1 });
    const pair = (i: number, o: string): Expr => ({ kind: 'op', op: o, left: left[i]!, right: right[i]!, location });
    if (op === '=') return { kind: 'and', args: left.map((_, i) => pair(i, '=')), location };
    if (op === '<>') return { kind: 'or', args: left.map((_, i) => pair(i, '<>')), location };
    if (!['<', '<=', '>', '>='].includes(op)) throw new SqlError('42883', `could not determine interpretation of row comparison operator ${op}`, { position: location + 1 });
    const strict = op[0]!;
    // (l1 < r1) OR (l1 = r1 AND ((l2 < r2) OR …)), the last pair with the operator itself.
    let expr: Expr = pair(left.length - 1, op);
    for (let i = left.length - 2; i >= 0; i--) {
      expr = { kind: 'or', args: [pair(i, strict), { kind: 'and', args: [pair(i, '='), expr], location }], location };
    }
    return expr;
  };
  if (n.kind === 'AEXPR_IN') {
    const items = n.rexpr.List?.items as Json[];
    // NOT IN arrives with the operator <>: it is NOT (… = … OR …). A list item that is not a
    // row constructor is a row-valued expression: record equality.
    const any: Expr = { kind: 'or', args: items.map((item) => (item.RowExpr ? compare(rowOf(item), '=') : { kind: 'op', op: '=', left: convertExpr(n.lexpr), right: convertExpr(item), location })), location };
    return op === '<>' ? { kind: 'not', arg: any, location } : any;
  }
  return compare(rowOf(n.rexpr), op);
}

/**
 * GROUP BY items with ROLLUP, CUBE and GROUPING SETS as the list of grouping sets they mean:
 * each item gives some sets, and the clause is their cross product (PostgreSQL's rule).
 */
function groupingSets(items: Json[]): Expr[][] {
  const setsOf = (node: Json): Expr[][] => {
    const g = node.GroupingSet;
    if (!g) return [node.RowExpr ? (node.RowExpr.args ?? []).map(convertExpr) : [convertExpr(node)]];
    const content = (g.content ?? []) as Json[];
    const unit = (c: Json): Expr[] => (c.RowExpr ? (c.RowExpr.args ?? []).map(convertExpr) : c.GroupingSet?.kind === 'GROUPING_SET_SIMPLE' ? (c.GroupingSet.content ?? []).map(convertExpr) : [convertExpr(c)]);
    switch (g.kind) {
      case 'GROUPING_SET_EMPTY': return [[]];
      case 'GROUPING_SET_SIMPLE': return [content.map(convertExpr)];
      case 'GROUPING_SET_ROLLUP': {
        const units = content.map(unit);
        return units.map((_, i) => units.slice(0, units.length - i).flat()).concat([[]]);
      }
      case 'GROUPING_SET_CUBE': {
        const units = content.map(unit);
        if (units.length > 12) throw new SqlError('54001', 'CUBE is limited to 12 elements');
        const sets: Expr[][] = [];
        for (let mask = (1 << units.length) - 1; mask >= 0; mask--) sets.push(units.filter((_, i) => mask & (1 << (units.length - 1 - i))).flat());
        return sets;
      }
      case 'GROUPING_SET_SETS': return content.flatMap(setsOf);
      default: throw unsupported(`grouping set ${String(g.kind)} is not supported`);
    }
  };
  let sets: Expr[][] = [[]];
  for (const item of items) {
    const next = setsOf(item);
    sets = sets.flatMap((left) => next.map((right) => [...left, ...right]));
  }
  if (sets.length > 4096) throw new SqlError('54001', 'too many grouping sets present (maximum 4096)');
  return sets;
}
