import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, FunctionInfo, TableInfo } from '../catalog/catalog.js';
import type { Expr, Statement } from '../sql/ast.js';
import type { ObjectKind } from './acl.js';
import { columnsAllow } from './column-privileges.js';
import { hasPrivilege, permissionDenied } from './object-privileges.js';

/**
 * What a planned statement touches, recorded by the planner, checked at each execution against
 * the role running it (a plan outlives SET ROLE, its accesses do not change). PostgreSQL's
 * order: schema USAGE at name lookup, then the range table's privileges; relations read through
 * a view are checked against the view's owner, as PostgreSQL does.
 */
export interface RelationUse {
  readonly oid: number;
  readonly kind: ObjectKind;
  readonly schema: string;
  readonly name: string;
  /** Named with its schema: a missing USAGE is then 42501; unqualified it is "does not exist". */
  readonly qualified: boolean;
  /** Privilege letters needed. */
  readonly letters: string;
  /** The view this use was planned through (its owner's privileges count), or null. */
  readonly via: number | null;
  /** A function call as its error names it when the schema is not usable (`f(integer)`). */
  readonly call?: string;
  /**
   * For a table: per privilege letter, the columns whose column privileges may stand in for the
   * missing table privilege (null: every column; empty: any one). A letter without an entry
   * (DELETE, TRUNCATE) needs the table privilege.
   */
  readonly columns?: Readonly<Record<string, readonly string[] | null>>;
}

export class AccessLog {
  constructor(
    /** The statement whose target `target` describes (INSERT/UPDATE/DELETE), or null. */
    private readonly statement: Statement | null,
    private readonly via: number | null = null,
    readonly uses: RelationUse[] = [],
  ) {}

  /** A relation read; for a table, the names of the columns the statement may read (null: all of them). */
  read(oid: number, kind: ObjectKind, schema: string, name: string, qualified: boolean, columns: readonly string[] | null = null): void {
    this.uses.push({ oid, kind, schema, name, qualified, letters: 'r', via: this.via, ...(kind === 'table' ? { columns: { r: columns } } : {}) });
  }

  /** The table an INSERT, UPDATE or DELETE changes. */
  target(table: TableInfo, qualified: boolean): void {
    const needs = this.statement ? targetNeeds(this.statement, table) : { letters: '', columns: {} };
    this.uses.push({ oid: table.id, kind: 'table', schema: table.schema, name: table.name, qualified, letters: needs.letters, via: this.via, columns: needs.columns });
  }

  /**
   * A SQL function called, `call` its name and argument types as written. PostgreSQL checks
   * EXECUTE when the executor starts, as the current user, even for a call inside a view's
   * query or another function's body: the view owner's privileges count only for relations.
   */
  execute(fn: FunctionInfo, qualified: boolean, call: string): void {
    this.uses.push({ oid: fn.id, kind: 'function', schema: fn.schema, name: fn.name, qualified, letters: 'X', via: this.via, call });
  }

  /** The log for a view's own query: same list, checked as the view's owner. */
  throughView(viewOid: number): AccessLog {
    return new AccessLog(null, viewOid, this.uses);
  }
}

/**
 * INSERT needs INSERT, UPDATE needs UPDATE, DELETE needs DELETE; each needs SELECT too when it
 * reads the target's columns (WHERE, SET expressions, RETURNING), and ON CONFLICT DO UPDATE
 * needs UPDATE and SELECT (PostgreSQL's rules). Column privileges may stand in for the table's
 * INSERT (on the columns inserted), UPDATE (the columns set) and SELECT (the columns read).
 */
function targetNeeds(statement: Statement, table: TableInfo): { letters: string; columns: Record<string, readonly string[] | null> } {
  const alias = 'alias' in statement && typeof statement.alias === 'string' ? statement.alias : table.name;
  const read = (nodes: readonly unknown[]): readonly string[] | null | undefined => referencedColumns(nodes, table, alias);
  switch (statement.kind) {
    case 'insert': {
      const update = statement.onConflict?.action === 'update';
      const inserted = statement.columns?.map((c) => c.name)
        ?? (statement.rows ? table.columns.slice(0, Math.max(0, ...statement.rows.map((r) => r.length))).map((c) => c.name) : null);
      // ON CONFLICT DO UPDATE reads the conflicting row: every column, to be safe.
      const selected = update ? null : read([statement.returning]);
      const columns: Record<string, readonly string[] | null> = { a: inserted };
      if (update) columns['w'] = statement.onConflict!.set.map((s) => s.column);
      if (selected !== undefined) columns['r'] = selected;
      return { letters: 'a' + (update ? 'w' : '') + (selected !== undefined ? 'r' : ''), columns };
    }
    case 'update': {
      const selected = read([statement.where, statement.returning, statement.set.map((s) => s.value)]);
      const columns: Record<string, readonly string[] | null> = { w: statement.set.map((s) => s.column) };
      if (selected !== undefined) columns['r'] = selected;
      return { letters: 'w' + (selected !== undefined ? 'r' : ''), columns };
    }
    case 'delete': {
      const selected = read([statement.where, statement.returning]);
      return { letters: 'd' + (selected !== undefined ? 'r' : ''), columns: selected !== undefined ? { r: selected } : {} };
    }
    default: return { letters: '', columns: {} };
  }
}

/**
 * The target's columns an AST fragment refers to, at any depth: undefined for none, null for
 * the whole row (`*`), else their names (a name that is also another relation's column counts:
 * the check errs towards asking for more).
 */
function referencedColumns(node: unknown, table: TableInfo, alias: string): readonly string[] | null | undefined {
  const names = new Set<string>();
  let whole = false;
  const visit = (n: unknown, depth: number): void => {
    if (whole || n === null || typeof n !== 'object' || depth > 200) return;
    if (Array.isArray(n)) { for (const child of n) visit(child, depth + 1); return; }
    const expr = n as Partial<Expr> & Record<string, unknown>;
    if (expr.kind === 'star') { if (expr.table === null || expr.table === alias) whole = true; return; }
    if (expr.kind === 'column') {
      const ref = expr as Extract<Expr, { kind: 'column' }>;
      if (ref.table === alias && !table.columns.some((c) => c.name === ref.name)) whole = true; // a whole-row or field reference
      else if (ref.table === alias || (ref.table === null && table.columns.some((c) => c.name === ref.name))) names.add(ref.name);
      else if (ref.table === null && ref.name === alias) whole = true;
      return;
    }
    for (const value of Object.values(expr)) visit(value, depth + 1);
  };
  visit(node, 0);
  if (whole) return null;
  return names.size > 0 ? [...names] : undefined;
}

/** Checks a statement's recorded uses for `roleOid`; throws PostgreSQL's error for the first refusal. */
export function checkAccess(uses: readonly RelationUse[], catalog: CatalogSnapshot, roleOid: number): void {
  for (const use of uses) {
    if (use.via !== null) continue;
    const schema = catalog.schema(use.schema);
    if (!schema || hasPrivilege(catalog, roleOid, schema.oid, 'schema', 'U')) continue;
    if (use.qualified) throw new SqlError('42501', `permission denied for schema ${use.schema}`);
    if (use.call !== undefined) {
      throw new SqlError('42883', `function ${use.call} does not exist`, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
    }
    throw new SqlError('42P01', `relation "${use.name}" does not exist`);
  }
  // The range table's privileges come first, functions' EXECUTE when the executor starts.
  for (const use of uses) {
    if (use.kind !== 'function') checkLetters(use, use.via === null ? roleOid : catalog.access.ownerOf(use.via), catalog);
  }
  for (const use of uses) {
    if (use.kind === 'function') checkLetters(use, roleOid, catalog);
  }
}

function checkLetters(use: RelationUse, role: number, catalog: CatalogSnapshot): void {
  for (const letter of use.letters) {
    if (hasPrivilege(catalog, role, use.oid, use.kind, letter)) continue;
    const columns = use.columns?.[letter];
    const table = columns !== undefined ? catalog.tableById(use.oid) : undefined;
    if (table && columnsAllow(catalog, role, table, letter, columns!)) continue;
    throw permissionDenied(use.kind, use.name);
  }
}
