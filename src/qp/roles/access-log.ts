import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, FunctionInfo, TableInfo } from '../catalog/catalog.js';
import type { Expr, Statement } from '../sql/ast.js';
import type { ObjectKind } from './acl.js';
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
}

export class AccessLog {
  constructor(
    /** The statement whose target `target` describes (INSERT/UPDATE/DELETE), or null. */
    private readonly statement: Statement | null,
    private readonly via: number | null = null,
    readonly uses: RelationUse[] = [],
  ) {}

  read(oid: number, kind: ObjectKind, schema: string, name: string, qualified: boolean): void {
    this.uses.push({ oid, kind, schema, name, qualified, letters: 'r', via: this.via });
  }

  /** The table an INSERT, UPDATE or DELETE changes. */
  target(table: TableInfo, qualified: boolean): void {
    const letters = this.statement ? targetLetters(this.statement, table) : '';
    this.uses.push({ oid: table.id, kind: 'table', schema: table.schema, name: table.name, qualified, letters, via: this.via });
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
 * needs UPDATE and SELECT (PostgreSQL's rules, at table level).
 */
function targetLetters(statement: Statement, table: TableInfo): string {
  const alias = 'alias' in statement && typeof statement.alias === 'string' ? statement.alias : table.name;
  const reads = (nodes: readonly unknown[]): boolean => nodes.some((node) => readsColumns(node, table, alias));
  switch (statement.kind) {
    case 'insert': {
      const update = statement.onConflict?.action === 'update';
      return 'a' + (update ? 'w' : '') + (update || reads(statement.returning) ? 'r' : '');
    }
    case 'update': return 'w' + (reads([statement.where, statement.returning, statement.set.map((s) => s.value)]) ? 'r' : '');
    case 'delete': return 'd' + (reads([statement.where, statement.returning]) ? 'r' : '');
    default: return '';
  }
}

/** Whether an AST fragment refers to a column of the target (`*` counts), at any depth. */
function readsColumns(node: unknown, table: TableInfo, alias: string, depth = 0): boolean {
  if (node === null || typeof node !== 'object' || depth > 200) return false;
  if (Array.isArray(node)) return node.some((n) => readsColumns(n, table, alias, depth + 1));
  const expr = node as Partial<Expr> & Record<string, unknown>;
  if (expr.kind === 'star') return expr.table === null || expr.table === alias;
  if (expr.kind === 'column') {
    const ref = expr as Extract<Expr, { kind: 'column' }>;
    return ref.table === alias || (ref.table === null && table.columns.some((c) => c.name === ref.name));
  }
  return Object.values(expr).some((v) => readsColumns(v, table, alias, depth + 1));
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
    if (!hasPrivilege(catalog, role, use.oid, use.kind, letter)) throw permissionDenied(use.kind, use.name);
  }
}
