/**
 * What the harness needs to know about a statement, read from PostgreSQL's own grammar
 * (libpg-query): its kind, whether its rows come in a defined order, which objects it names and
 * which it creates. Independent of Strata's parser: the harness judges Strata, it does not ask it.
 */
import { loadModule, parseSync } from 'libpg-query';

export type Node = Record<string, unknown>;

export interface SortKey {
  /** 1-based output position (ORDER BY 2). */
  readonly position?: number;
  /** An output column name or a plain column reference (ORDER BY a). */
  readonly name?: string;
}

export interface Ordering {
  /** The top level has ORDER BY: rows are compared in order (ties allowed to permute). */
  readonly ordered: boolean;
  /** ORDER BY items, when each is an output position or a plain name; null when some is not. */
  readonly keys: readonly SortKey[] | null;
  /** The top level has LIMIT/OFFSET/FETCH. */
  readonly limited: boolean;
}

export interface StatementInfo {
  /** The node's type name (SelectStmt, CreateStmt, …). */
  readonly type: string;
  readonly node: Node;
  readonly ordering: Ordering;
  /** EXPLAIN: plans differ by design; only success and the column are compared. */
  readonly explain: boolean;
  /** Lower-case names of relations, types, functions and indexes the statement mentions. */
  readonly names: ReadonlySet<string>;
  /** Lower-case names of objects the statement creates. */
  readonly creates: readonly string[];
  /** Names of objects it changes (tables written or altered, objects dropped). */
  readonly writes: readonly string[];
  /**
   * The string constants passed to function calls: what a call to a function a refused
   * statement made may have made or changed (a PL/pgSQL function that creates the table it is
   * given by name).
   */
  readonly callArguments: readonly string[];
  readonly ddl: boolean;
  readonly dml: boolean;
}

let loaded = false;
export async function loadAnalyzer(): Promise<void> {
  if (!loaded) await loadModule();
  loaded = true;
}

/** DSQL's `CREATE INDEX ASYNC` is not PostgreSQL syntax: drop the keyword before parsing. */
export function withoutAsync(sql: string): string {
  return sql.replace(/\b(create\s+(?:unique\s+)?index)\s+async\b/gi, '$1');
}

/** The statements of a query string, or null when PostgreSQL's grammar rejects it. */
export function analyze(sql: string): StatementInfo[] | null {
  if (!loaded) throw new Error('loadAnalyzer() first');
  let parsed: { stmts?: { stmt: Node }[] };
  try {
    parsed = parseSync(withoutAsync(sql)) as typeof parsed;
  } catch {
    return null;
  }
  return (parsed.stmts ?? []).map((raw) => describe(raw.stmt));
}

export function nodeType(node: Node): [string, Node] {
  const type = Object.keys(node)[0]!;
  return [type, node[type] as Node];
}

const DDL = new Set([
  'CreateStmt', 'CreateTableAsStmt', 'ViewStmt', 'IndexStmt', 'AlterTableStmt', 'DropStmt', 'RenameStmt',
  'CreateSeqStmt', 'AlterSeqStmt', 'CreateFunctionStmt', 'AlterFunctionStmt', 'CreateDomainStmt', 'AlterDomainStmt',
  'CreateSchemaStmt', 'CreateEnumStmt', 'CompositeTypeStmt', 'CreateRangeStmt', 'DefineStmt', 'CreateTrigStmt',
  'AlterObjectSchemaStmt', 'CreateExtensionStmt', 'CreateStatsStmt', 'AlterEnumStmt',
]);
const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

function describe(stmt: Node): StatementInfo {
  const [type, body] = nodeType(stmt);
  const names = new Set<string>();
  collectNames(stmt, names);
  let explain = false;
  let target: [string, Node] = [type, body];
  if (type === 'ExplainStmt') {
    explain = true;
    target = nodeType(body.query as Node);
  }
  const dml = DML.has(target[0]) || (target[0] === 'SelectStmt' && target[1].intoClause !== undefined);
  return {
    type, node: body, explain, names,
    ordering: target[0] === 'SelectStmt' && !explain ? orderingOf(target[1]) : { ordered: false, keys: null, limited: false },
    creates: createdNames(type, body),
    writes: writtenNames(type, body),
    callArguments: callArguments(stmt),
    ddl: DDL.has(type) || (type === 'SelectStmt' && body.intoClause !== undefined),
    dml: dml && !DDL.has(type),
  };
}

function orderingOf(select: Node): Ordering {
  const sort = (select.sortClause as Node[] | undefined) ?? [];
  const limited = select.limitCount !== undefined || select.limitOffset !== undefined;
  if (sort.length === 0) return { ordered: false, keys: null, limited };
  const keys: SortKey[] = [];
  for (const item of sort) {
    const expr = (item.SortBy as Node).node as Node;
    const [kind, value] = nodeType(expr);
    if (kind === 'A_Const' && value.ival !== undefined) {
      keys.push({ position: Number((value.ival as Node).ival ?? 0) });
    } else if (kind === 'ColumnRef') {
      const fields = value.fields as Node[];
      const last = fields[fields.length - 1]!;
      if (last.String) keys.push({ name: String((last.String as Node).sval) });
      else return { ordered: true, keys: null, limited };
    } else {
      return { ordered: true, keys: null, limited };
    }
  }
  return { ordered: true, keys, limited };
}

function lastName(list: unknown): string | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const last = list[list.length - 1] as Node;
  const str = last.String as Node | undefined;
  return str ? String(str.sval).toLowerCase() : null;
}

function relName(rangeVar: unknown): string | null {
  const rv = rangeVar as Node | undefined;
  return rv && typeof rv.relname === 'string' ? rv.relname.toLowerCase() : null;
}

/** Prepared statements and cursors: refused by DSQL, so what uses them follows a refusal. */
const PORTALS = new Set(['PrepareStmt', 'ExecuteStmt', 'DeallocateStmt', 'DeclareCursorStmt', 'FetchStmt', 'ClosePortalStmt']);

/** Fields that hold a bare RangeVar (not wrapped in { RangeVar: … }). */
const RANGEVAR_FIELDS = new Set(['relation', 'sequence', 'view', 'rel', 'typevar', 'pktable']);

/** Fields that hold a bare TypeName (a function's return type, a cast's two types). */
const TYPENAME_FIELDS = new Set(['returnType', 'sourcetype', 'targettype']);

/** Functions whose first argument is a sequence's name as text. */
const SEQUENCE_FUNCTIONS = new Set(['nextval', 'currval', 'setval']);

/** Functions whose first argument is a relation's name as text (their parameter is regclass). */
const RELATION_FUNCTIONS = new Set([
  'pg_partition_tree', 'pg_partition_ancestors', 'pg_partition_root', 'pg_relation_size', 'pg_table_size', 'pg_indexes_size',
  'pg_total_relation_size', 'pg_relation_filenode', 'pg_relation_filepath', 'to_regclass',
]);

/** Catalog columns that hold an object's or a schema's name: `relname = 'x'` names x. */
const CATALOG_NAME_COLUMNS = new Set([
  'relname', 'nspname', 'typname', 'proname', 'conname', 'indexrelname', 'tablename', 'indexname', 'schemaname',
  'viewname', 'sequencename', 'table_name', 'table_schema', 'schema_name', 'sequence_name',
]);

/** The text of a string constant node, or null. */
function stringConstant(node: unknown): string | null {
  const text = (((node as Node | undefined)?.A_Const as Node | undefined)?.sval as Node | undefined)?.sval;
  return typeof text === 'string' ? text : null;
}

/** `catalog_name_column = 'name'` (either way round): the name, lower-cased; else null. */
function catalogNameComparison(expr: Node): string | null {
  const name = (expr.name as Node[] | undefined)?.[0];
  if (expr.kind !== 'AEXPR_OP' || ((name?.String as Node | undefined)?.sval) !== '=') return null;
  for (const [column, value] of [[expr.lexpr, expr.rexpr], [expr.rexpr, expr.lexpr]] as const) {
    const fields = ((column as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
    const field = (fields?.[fields.length - 1]?.String as Node | undefined)?.sval;
    const text = stringConstant(value);
    if (typeof field === 'string' && CATALOG_NAME_COLUMNS.has(field) && text !== null) return text.toLowerCase();
  }
  return null;
}

function callArguments(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) callArguments(item, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Node)) {
      if (key === 'FuncCall') {
        for (const arg of ((child as Node).args as Node[] | undefined) ?? []) {
          const text = stringConstant(arg);
          if (text !== null && /^[a-z_][a-z0-9_$]*$/i.test(text)) out.push(text.toLowerCase());
        }
      }
      callArguments(child, out);
    }
  }
  return out;
}

/** Every relation, type, function and index name mentioned anywhere in the tree. */
function collectNames(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectNames(item, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const node = value as Node;
  for (const [key, child] of Object.entries(node)) {
    if (key === 'RangeVar' || RANGEVAR_FIELDS.has(key)) {
      const name = relName(child);
      if (name) out.add(name);
      // s.t names the schema s too (one a refused CREATE SCHEMA would have made).
      const schema = (child as Node | undefined)?.schemaname;
      if (typeof schema === 'string') out.add(schema.toLowerCase());
    } else if (key === 'TypeName' || key === 'typeName' || TYPENAME_FIELDS.has(key)) {
      const name = lastName((child as Node).names);
      if (name) out.add(name);
    } else if (key === 'FuncCall') {
      const name = lastName((child as Node).funcname);
      if (name) out.add(name);
      // nextval('s') and its kin name the sequence in a string, as 's'::regclass does.
      const first = (((child as Node).args as Node[] | undefined) ?? [])[0];
      const text = ((first?.A_Const as Node | undefined)?.sval as Node | undefined)?.sval;
      if (name && (SEQUENCE_FUNCTIONS.has(name) || RELATION_FUNCTIONS.has(name)) && typeof text === 'string') out.add(text.replace(/^.*\./, '').replace(/"/g, '').toLowerCase());
    } else if (key === 'A_Expr') {
      // WHERE relname = 'x': a catalog query about x.
      const name = catalogNameComparison(child as Node);
      if (name) out.add(name);
    } else if (key === 'DropStmt') {
      for (const object of ((child as Node).objects as unknown[]) ?? []) {
        const list = (object as Node).List ? ((object as Node).List as Node).items : undefined;
        const name = lastName(list) ?? lastName([object]) ?? lastName((object as Node).ObjectWithArgs ? ((object as Node).ObjectWithArgs as Node).objname : undefined)
          ?? lastName((object as Node).TypeName ? ((object as Node).TypeName as Node).names : undefined);
        if (name) out.add(name);
      }
    } else if (key === 'IndexStmt' && typeof (child as Node).idxname === 'string') {
      out.add(String((child as Node).idxname).toLowerCase());
    } else if (key === 'CreateSchemaStmt' && typeof (child as Node).schemaname === 'string') {
      out.add(String((child as Node).schemaname).toLowerCase());
    } else if (key === 'RenameStmt' && (child as Node).renameType === 'OBJECT_SCHEMA' && typeof (child as Node).subname === 'string') {
      // ALTER SCHEMA s RENAME TO …: the schema is a bare name.
      out.add(String((child as Node).subname).toLowerCase());
    } else if (key === 'Constraint' && typeof (child as Node).indexname === 'string') {
      // ADD UNIQUE / PRIMARY KEY USING INDEX i names the index.
      out.add(String((child as Node).indexname).toLowerCase());
    } else if (key === 'TypeCast') {
      // 'name'::regclass names a relation too.
      const cast = child as Node;
      const target = lastName((cast.typeName as Node | undefined)?.names);
      const arg = cast.arg as Node | undefined;
      const text = ((arg?.A_Const as Node | undefined)?.sval as Node | undefined)?.sval;
      if (target === 'regclass' && typeof text === 'string') out.add(text.replace(/^.*\./, '').replace(/"/g, '').toLowerCase());
    } else if (key === 'CommentStmt') {
      // COMMENT ON INDEX six: the object is a bare list of names.
      const name = lastName(((child as Node).object as Node | undefined)?.List ? (((child as Node).object as Node).List as Node).items : undefined);
      if (name) out.add(name);
    } else if (key === 'CreateFunctionStmt') {
      // A LANGUAGE sql body names what its statements read and write.
      for (const body of sqlFunctionBodies(child as Node)) for (const stmt of body) collectNames(stmt, out);
    } else if (PORTALS.has(key)) {
      const name = (child as Node).name ?? (child as Node).portalname;
      if (typeof name === 'string') out.add(name.toLowerCase());
    }
    collectNames(child, out);
  }
}

/** The parsed statements of a LANGUAGE sql function's body (none when it is another language or does not parse). */
function sqlFunctionBodies(create: Node): Node[][] {
  const options = (create.options as Node[] | undefined) ?? [];
  const option = (name: string) => options.map((o) => o.DefElem as Node).find((d) => d?.defname === name)?.arg as Node | undefined;
  const language = (option('language')?.String as Node | undefined)?.sval;
  if (typeof language !== 'string' || language.toLowerCase() !== 'sql') return [];
  const bodies: Node[][] = [];
  for (const item of ((option('as')?.List as Node | undefined)?.items as Node[] | undefined) ?? []) {
    const text = (item.String as Node | undefined)?.sval;
    if (typeof text !== 'string') continue;
    try {
      bodies.push(((parseSync(text) as { stmts?: { stmt: Node }[] }).stmts ?? []).map((s) => s.stmt));
    } catch {
      // A body that does not parse names nothing; the servers report it.
    }
  }
  return bodies;
}

function createdNames(type: string, body: Node): string[] {
  const out: (string | null)[] = [];
  switch (type) {
    case 'CreateStmt': out.push(relName(body.relation), ...constraintIndexNames(body)); break;
    case 'CreateTableAsStmt': out.push(relName((body.into as Node).rel)); break;
    case 'SelectStmt': if (body.intoClause) out.push(relName((body.intoClause as Node).rel)); break;
    case 'ViewStmt': out.push(relName(body.view)); break;
    case 'IndexStmt': out.push(typeof body.idxname === 'string' ? body.idxname.toLowerCase() : chosenIndexName(body)); break;
    case 'CreateSeqStmt': out.push(relName(body.sequence)); break;
    case 'CreateFunctionStmt': out.push(lastName(body.funcname)); break;
    case 'CreateEnumStmt': case 'CreateRangeStmt': out.push(lastName(body.typeName)); break;
    case 'CompositeTypeStmt': out.push(relName(body.typevar)); break;
    case 'DefineStmt': out.push(lastName(body.defnames)); break;
    case 'CreateDomainStmt': out.push(lastName(body.domainname)); break;
    case 'CreateTrigStmt': out.push(typeof body.trigname === 'string' ? body.trigname.toLowerCase() : null); break;
    case 'CreateSchemaStmt':
      out.push(typeof body.schemaname === 'string' ? body.schemaname.toLowerCase() : null);
      // CREATE SCHEMA s CREATE TABLE t … CREATE VIEW v …: its elements are made with it.
      for (const element of (body.schemaElts as Node[] | undefined) ?? []) out.push(...createdNames(...nodeType(element)));
      break;
    case 'PrepareStmt': out.push(typeof body.name === 'string' ? body.name.toLowerCase() : null); break;
    case 'ExplainStmt': out.push(...createdNames(...nodeType(body.query as Node))); break;
    case 'DoStmt': out.push(...doBlockCreates(body)); break;
    case 'AlterTableStmt':
      // ADD CONSTRAINT c PRIMARY KEY / UNIQUE makes an index named c.
      for (const cmd of (body.cmds as Node[] | undefined) ?? []) {
        const constraint = ((cmd.AlterTableCmd as Node | undefined)?.def as Node | undefined)?.Constraint as Node | undefined;
        if (constraint && (constraint.contype === 'CONSTR_PRIMARY' || constraint.contype === 'CONSTR_UNIQUE') && typeof constraint.conname === 'string') {
          out.push(constraint.conname.toLowerCase());
        }
      }
      break;
    case 'DeclareCursorStmt': out.push(typeof body.portalname === 'string' ? body.portalname.toLowerCase() : null); break;
    default: break;
  }
  return out.filter((n): n is string => n !== null);
}

/**
 * The name PostgreSQL gives an index made without one (ChooseIndexName): the table's name, its
 * columns' (`expr` for an expression) and `idx`, joined by underscores — a clash's number left out.
 */
function chosenIndexName(body: Node): string | null {
  const table = relName(body.relation);
  if (!table) return null;
  const columns = ((body.indexParams as Node[] | undefined) ?? []).map((p) => {
    const name = (p.IndexElem as Node | undefined)?.name;
    return typeof name === 'string' ? name.toLowerCase() : 'expr';
  });
  return [table, ...columns, 'idx'].join('_');
}

/**
 * What a DO block's `EXECUTE '…'` strings make (`EXECUTE 'CREATE TABLE t …'`): each quoted
 * string of its body that parses as SQL.
 */
function doBlockCreates(body: Node): string[] {
  const source = ((body.args as Node[] | undefined) ?? []).map((a) => (((a.DefElem as Node | undefined)?.arg as Node | undefined)?.String as Node | undefined)?.sval)
    .find((text): text is string => typeof text === 'string');
  if (!source) return [];
  const names: string[] = [];
  for (const match of source.matchAll(/'((?:[^']|'')*)'/g)) {
    let parsed: { stmts?: { stmt: Node }[] };
    try {
      parsed = parseSync(match[1]!.replace(/''/g, "'")) as typeof parsed;
    } catch {
      continue;
    }
    for (const raw of parsed.stmts ?? []) names.push(...createdNames(...nodeType(raw.stmt)));
  }
  return names;
}

/**
 * The indexes a CREATE TABLE's PRIMARY KEY, UNIQUE and EXCLUDE constraints make, by the names
 * PostgreSQL chooses when the constraint has none (`t_pkey`, `t_a_key`, `t_b_excl`).
 */
function constraintIndexNames(body: Node): string[] {
  const table = relName(body.relation);
  if (!table) return [];
  const names: string[] = [];
  const add = (constraint: Node | undefined, columns: string[]): void => {
    if (!constraint) return;
    const suffix = constraint.contype === 'CONSTR_PRIMARY' ? 'pkey' : constraint.contype === 'CONSTR_UNIQUE' ? 'key' : constraint.contype === 'CONSTR_EXCLUSION' ? 'excl' : null;
    if (suffix === null) return;
    if (typeof constraint.conname === 'string') names.push(constraint.conname.toLowerCase());
    else names.push(suffix === 'pkey' ? `${table}_pkey` : [table, ...columns, suffix].join('_'));
  };
  for (const element of (body.tableElts as Node[] | undefined) ?? []) {
    const column = element.ColumnDef as Node | undefined;
    if (column) {
      for (const c of (column.constraints as Node[] | undefined) ?? []) add(c.Constraint as Node | undefined, [String(column.colname).toLowerCase()]);
      continue;
    }
    const constraint = element.Constraint as Node | undefined;
    const keys = ((constraint?.keys as Node[] | undefined) ?? []).map((k) => String((k.String as Node | undefined)?.sval ?? '').toLowerCase());
    const excluded = ((constraint?.exclusions as Node[] | undefined) ?? []).map((e) => {
      const name = ((((e.List as Node | undefined)?.items as Node[] | undefined)?.[0]?.IndexElem) as Node | undefined)?.name;
      return typeof name === 'string' ? name.toLowerCase() : 'expr';
    });
    add(constraint, keys.length > 0 ? keys : excluded);
  }
  return names;
}

function writtenNames(type: string, body: Node): string[] {
  const out: (string | null)[] = [];
  switch (type) {
    case 'InsertStmt': case 'UpdateStmt': case 'DeleteStmt': case 'MergeStmt': case 'AlterTableStmt':
    case 'CreateTrigStmt': case 'IndexStmt': case 'RuleStmt': case 'CreatePolicyStmt':
      out.push(relName(body.relation));
      break;
    case 'TruncateStmt':
      for (const rel of (body.relations as Node[]) ?? []) out.push(relName(rel.RangeVar));
      break;
    case 'RenameStmt':
      out.push(relName(body.relation), typeof body.newname === 'string' ? body.newname.toLowerCase() : null);
      if (body.object) out.push(lastName(((body.object as Node).List as Node | undefined)?.items));
      break;
    case 'DropStmt': {
      const names = new Set<string>();
      collectNames({ DropStmt: body }, names);
      out.push(...names);
      break;
    }
    case 'AlterDomainStmt': out.push(lastName(body.typeName)); break;
    case 'AlterSeqStmt': out.push(relName(body.sequence)); break;
    case 'AlterEnumStmt': out.push(lastName(body.typeName)); break;
    case 'AlterObjectSchemaStmt': out.push(relName(body.relation)); break;
    default: break;
  }
  return [...out.filter((n): n is string => n !== null), ...createdNames(type, body)];
}
