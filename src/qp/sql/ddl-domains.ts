import { SqlError } from '../../contracts/errors.js';
import { CatalogChange, type CatalogSnapshot, type CheckInfo, type DomainInfo } from '../catalog/catalog.js';
import type { CheckDefinition, DomainStatement, TypeName } from './ast.js';
import { coerce, compileExpr, type CompileContext } from './compile.js';
import type { CompiledExpr } from './compiled.js';
import { DomainCheck } from './row-rules.js';
import { Scope } from './scope.js';
import { compileCheck, domainValueScope, parseExpression, positionedIn, type ExpressionHost } from './table-expressions.js';
import * as types from './typesystem.js';

/**
 * CREATE / ALTER / DROP DOMAIN as DSQL allows them (reference/dsql.md §2.2), and domains as
 * column types and cast targets. A column of a domain type stores its base type (so storage,
 * comparison and the wire's RowDescription see the base type, as PostgreSQL sends it) and
 * remembers the domain, whose constraints are tested where values are written or cast.
 */

export interface DomainDdlResult {
  readonly tag: string;
  readonly writes: ReturnType<CatalogChange['finish']>;
  readonly notice?: string;
}

/**
 * The domain a type name names, if it is not a built-in type (pg_catalog comes first on the search
 * path). A qualified name's schema is looked up first, as PostgreSQL's LookupTypeName does: a
 * missing one is 3F000 whatever the type.
 */
export function domainForTypeName(catalog: CatalogSnapshot, name: TypeName, schemas: readonly string[]): DomainInfo | undefined {
  const parts = name.names;
  if (parts.length > 1) {
    checkTypeSchema(catalog, name);
    const schema = parts[parts.length - 2]!;
    return schema === 'pg_catalog' ? undefined : catalog.domain(schema, parts[parts.length - 1]!);
  }
  try {
    types.resolveTypeName(name);
    return undefined;
  } catch {
    for (const schema of schemas) {
      const domain = catalog.domain(schema, parts[0]!);
      if (domain) return domain;
    }
    return undefined;
  }
}

/** A qualified type name's schema must exist: PostgreSQL's LookupTypeName says so (3F000) before it looks for the type. */
export function checkTypeSchema(catalog: CatalogSnapshot, name: TypeName): void {
  const schema = name.names.length > 1 ? name.names[name.names.length - 2]! : null;
  if (schema === null || catalog.schema(schema)) return;
  throw new SqlError('3F000', `schema "${schema}" does not exist`, name.location >= 0 ? { position: name.location + 1 } : {});
}

/** A column's type: a built-in type DSQL allows, or a domain over one. */
export function resolveColumnOrDomainType(catalog: CatalogSnapshot, name: TypeName, schemas: readonly string[]): { oid: number; typmod: number; domainOid?: number } {
  const domain = domainForTypeName(catalog, name, schemas);
  if (!domain) return types.resolveColumnType(name);
  if (name.arrayBounds > 0) throw new SqlError('0A000', `datatype ${domain.name}[] not supported`);
  if (name.typmods.length > 0) throw new SqlError('42601', `type modifier is not allowed for type "${domain.name}"`);
  return { oid: domain.baseOid, typmod: domain.baseTypmod, domainOid: domain.id };
}

/**
 * DSQL refuses an array column type from the statement's text, before it looks any type up: so
 * `x sometype[]` answers "datatype sometype[] not supported" even where `sometype` does not
 * exist (a domain or composite type DSQL refused earlier), and before another column's unknown
 * type. Called over all of a statement's column types before any is resolved.
 */
export function refuseArrayColumnTypes(catalog: CatalogSnapshot, names: readonly TypeName[], schemas: readonly string[]): void {
  for (const name of names) {
    if (name.arrayBounds === 0) continue;
    try {
      resolveColumnOrDomainType(catalog, name, schemas);
    } catch (error) {
      if (error instanceof SqlError && error.code === '0A000') throw error;
      throw new SqlError('0A000', `datatype ${name.names[name.names.length - 1]!.toLowerCase()}[] not supported`, name.location >= 0 ? { position: name.location + 1 } : {});
    }
  }
}

/** `expr::domain`: the cast to the base type, then the domain's constraints. The result has the base type (as the wire shows it). */
export function compileDomainCast(arg: CompiledExpr, domain: DomainInfo, ctx: CompileContext, location: number): CompiledExpr {
  const base = coerce(arg, domain.baseOid, domain.baseTypmod, 'explicit', location);
  const check = new DomainCheck(domain, { catalog: ctx.catalog!, currentSchema: ctx.currentSchema, sessionUser: ctx.sessionUser, searchPath: ctx.searchPath ?? [] });
  const f = base.eval;
  return { ...base, rowIndependent: false, eval: (row, c) => { const v = f(row, c); check.test(v, c); return v; }, name: domain.name };
}

function checkDefault(text: string, domain: { baseOid: number; baseTypmod: number }, host: ExpressionHost): void {
  const ctx: CompileContext = { scope: new Scope([]), paramTypes: [], aggregates: null, aggregateBase: 0, clause: 'DEFAULT expressions', sessionUser: host.sessionUser, currentSchema: host.currentSchema, catalog: host.catalog };
  try {
    coerce(compileExpr(parseExpression(text), ctx), domain.baseOid, domain.baseTypmod, 'assignment', -1);
  } catch (error) {
    positionedIn(error, undefined); // (relative to the text put in front of it: PostgreSQL gives none)
  }
}

/** Constraint names a new one must not take: PostgreSQL's are unique among a schema's constraints. */
export function constraintNamesInSchema(catalog: CatalogSnapshot, schema: string): Set<string> {
  const names = new Set<string>();
  for (const t of catalog.allTables()) {
    if (t.schema !== schema) continue;
    for (const i of t.indexes) if (i.constraintName) names.add(i.constraintName);
    for (const c of t.checks ?? []) names.add(c.name);
    for (const fk of t.foreignKeys ?? []) names.add(fk.name);
  }
  for (const d of catalog.allDomains()) if (d.schema === schema) for (const c of d.checks) names.add(c.name);
  return names;
}

/** `name`, else `name1`, `name2`… (PostgreSQL's ChooseConstraintName). */
export function chooseConstraintName(base: string, taken: Set<string>): string {
  const fit = (s: string) => (Buffer.byteLength(s) > 63 ? Buffer.from(s).subarray(0, 63).toString() : s);
  let candidate = fit(base);
  for (let n = 1; taken.has(candidate); n++) candidate = fit(`${base}${n}`);
  return candidate;
}

function domainChecks(definitions: readonly CheckDefinition[], domainName: string, scope: Scope, host: ExpressionHost, taken: Set<string>): CheckInfo[] {
  const checks: CheckInfo[] = [];
  for (const definition of definitions) {
    compileCheck(definition.text, scope, host);
    const name = definition.name ?? chooseConstraintName(`${domainName}_check`, taken);
    if (checks.some((c) => c.name === name)) throw new SqlError('42710', `constraint "${name}" for domain "${domainName}" already exists`);
    taken.add(name);
    checks.push({ name, text: definition.text, validated: true, noInherit: false });
  }
  return checks;
}

export function executeDomainDdl(statement: DomainStatement | { kind: 'drop'; names: readonly (readonly string[])[]; ifExists: boolean }, catalog: CatalogSnapshot, host: ExpressionHost): DomainDdlResult {
  if (statement.kind === 'create-domain') return createDomain(statement, catalog, host);
  if (statement.kind === 'alter-domain') return alterDomain(statement, catalog, host);
  return dropDomains(statement.names, statement.ifExists, catalog, host);
}

function createDomain(statement: Extract<DomainStatement, { kind: 'create-domain' }>, catalog: CatalogSnapshot, host: ExpressionHost): DomainDdlResult {
  const schema = statement.schema ?? host.currentSchema;
  if (!catalog.schema(schema)) throw new SqlError('3F000', `schema "${schema}" does not exist`);
  if (catalog.domain(schema, statement.name) || catalog.relationExists(schema, statement.name)) throw new SqlError('42710', `type "${statement.name}" already exists`);
  if (domainForTypeName(catalog, statement.type, [schema, ...host.searchPath])) throw new SqlError('0A000', 'domains over domains are not supported yet');
  const base = types.resolveColumnType(statement.type);
  const domain = { baseOid: base.oid, baseTypmod: base.typmod };
  if (statement.defaultText !== null) checkDefault(statement.defaultText, domain, host);
  const checks = domainChecks(statement.checks, statement.name, domainValueScope(base.oid, base.typmod), host, constraintNamesInSchema(catalog, schema));
  const change = new CatalogChange(catalog);
  change.putDomain({ id: change.allocateId(), schema, name: statement.name, ...domain, notNull: statement.notNull, defaultText: statement.defaultText, checks });
  return { tag: 'CREATE DOMAIN', writes: change.finish() };
}

function findDomain(catalog: CatalogSnapshot, schema: string | null, name: string, host: ExpressionHost): DomainInfo {
  const domain = domainForTypeName(catalog, { names: schema ? [schema, name] : [name], typmods: [], arrayBounds: 0, location: -1 }, [host.currentSchema, ...host.searchPath]);
  if (!domain) throw new SqlError('42704', `type "${name}" does not exist`);
  return domain;
}

function alterDomain(statement: Extract<DomainStatement, { kind: 'alter-domain' }>, catalog: CatalogSnapshot, host: ExpressionHost): DomainDdlResult {
  const domain = findDomain(catalog, statement.schema, statement.name, host);
  const action = statement.action;
  let changed: DomainInfo = domain;
  let notice: string | undefined;
  switch (action.kind) {
    case 'set-default':
      if (action.defaultText !== null) checkDefault(action.defaultText, domain, host);
      changed = { ...domain, defaultText: action.defaultText };
      break;
    case 'drop-not-null': changed = { ...domain, notNull: false }; break;
    case 'drop-constraint':
      if (!domain.checks.some((c) => c.name === action.name)) {
        if (!action.ifExists) throw new SqlError('42704', `constraint "${action.name}" of domain "${domain.name}" does not exist`);
        notice = `constraint "${action.name}" of domain "${domain.name}" does not exist, skipping`;
      }
      changed = { ...domain, checks: domain.checks.filter((c) => c.name !== action.name) };
      break;
    case 'rename':
      if (catalog.domain(domain.schema, action.newName) || catalog.relationExists(domain.schema, action.newName)) throw new SqlError('42710', `type "${action.newName}" already exists`);
      changed = { ...domain, name: action.newName };
      break;
    case 'rename-constraint': {
      if (!domain.checks.some((c) => c.name === action.name)) throw new SqlError('42704', `constraint "${action.name}" for domain "${domain.name}" does not exist`);
      if (constraintNamesInSchema(catalog, domain.schema).has(action.newName)) throw new SqlError('42710', `constraint "${action.newName}" for domain "${domain.name}" already exists`);
      changed = { ...domain, checks: domain.checks.map((c) => (c.name === action.name ? { ...c, name: action.newName } : c)) };
      break;
    }
  }
  if (changed === domain) return { tag: 'ALTER DOMAIN', writes: [], notice };
  const change = new CatalogChange(catalog);
  change.putDomain(changed);
  return { tag: 'ALTER DOMAIN', writes: change.finish(), notice };
}

/** DROP DOMAIN: refused while a column uses the domain (DSQL refuses CASCADE, so there is no way around that but to drop the column's table). */
function dropDomains(names: readonly (readonly string[])[], ifExists: boolean, catalog: CatalogSnapshot, host: ExpressionHost): DomainDdlResult {
  const change = new CatalogChange(catalog);
  const notices: string[] = [];
  for (const parts of names) {
    const name = parts[parts.length - 1]!;
    const schema = parts.length > 1 ? parts[parts.length - 2]! : null;
    const domain = schema ? catalog.domain(schema, name) : [host.currentSchema, ...host.searchPath].map((s) => catalog.domain(s, name)).find((d) => d);
    if (!domain) {
      const missing = schema !== null && !catalog.schema(schema) ? `schema "${schema}"` : `type "${name}"`;
      if (ifExists) { notices.push(`${missing} does not exist, skipping`); continue; }
      if (missing.startsWith('schema')) throw new SqlError('3F000', `${missing} does not exist`);
      throw new SqlError('42704', `type "${name}" does not exist`);
    }
    const users: string[] = [];
    for (const t of catalog.allTables()) for (const c of t.columns) if (c.domainOid === domain.id) users.push(`column ${c.name} of table ${t.name} depends on type ${domain.name}`);
    if (users.length > 0) {
      throw new SqlError('2BP01', `cannot drop type ${domain.name} because other objects depend on it`, { detail: users.join('\n'), hint: 'Use DROP ... CASCADE to drop the dependent objects too.' });
    }
    change.deleteDomain(domain.id);
  }
  const notice = notices.join('\n') || undefined;
  if (change.writes.length === 0) return { tag: 'DROP DOMAIN', writes: [], notice };
  return { tag: 'DROP DOMAIN', writes: change.finish(), notice };
}
