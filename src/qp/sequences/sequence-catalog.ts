import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, SequenceInfo, TableInfo } from '../catalog/catalog.js';
import { quoteIdent } from '../system/catalog-objects.js';
import type { CompileContext } from '../sql/compile.js';
import { Scope } from '../sql/scope.js';
import { SubplanCollector } from '../sql/subplans.js';

/** Finding sequences by name and by what owns them. */

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

/** Sequences OWNED BY a column of the table (identity sequences among them): dropped with it. */
export function ownedSequences(catalog: CatalogSnapshot, tableId: number): SequenceInfo[] {
  return [...catalog.allSequences()].filter((s) => s.ownedBy?.tableId === tableId);
}

/**
 * The sequence a `regclass` argument names (nextval('s'), 'x.s'::regclass): looked up on the
 * search path like any relation, and it must be a sequence.
 */
export function resolveSequenceName(catalog: CatalogSnapshot, searchPath: readonly string[], parts: readonly string[], text: string, location = -1): SequenceInfo {
  const name = parts[parts.length - 1] ?? '';
  const schemas = parts.length > 1 ? [parts[parts.length - 2]!] : ['pg_catalog', ...searchPath];
  if (parts.length > 1 && !catalog.schema(schemas[0]!)) throw new SqlError('3F000', `schema "${schemas[0]}" does not exist`, at(location));
  for (const schema of schemas) {
    const sequence = catalog.sequence(schema, name);
    if (sequence) return sequence;
    if (catalog.relationExists(schema, name)) throw new SqlError('42809', `"${name}" is not a sequence`, at(location));
  }
  throw new SqlError('42P01', `relation "${text}" does not exist`, at(location));
}

export function sequenceById(catalog: CatalogSnapshot, oid: number): SequenceInfo {
  const sequence = catalog.sequenceById(oid);
  if (sequence) return sequence;
  const table = catalog.tableById(oid);
  if (table) throw new SqlError('42809', `"${table.name}" is not a sequence`);
  throw new SqlError('XX000', `could not open relation with OID ${oid}`);
}

/** pg_get_serial_sequence: the schema-qualified name of the sequence a column owns, or null. */
export function serialSequenceName(catalog: CatalogSnapshot, table: TableInfo, column: string): string | null {
  const position = table.columns.findIndex((c) => c.name === column);
  if (position < 0) throw new SqlError('42703', `column "${column}" of relation "${table.name}" does not exist`);
  const identity = table.columns[position]!.identity;
  const sequence = identity ? catalog.sequenceById(identity.sequenceId) : ownedSequences(catalog, table.id).find((s) => s.ownedBy!.column === position);
  return sequence ? `${quoteIdent(sequence.schema)}.${quoteIdent(sequence.name)}` : null;
}

/**
 * What a DEFAULT is checked against at CREATE/ALTER TABLE: the catalog and search path (so
 * nextval('s') names an existing sequence), and a subquery host that refuses subqueries with
 * PostgreSQL's error.
 */
export function defaultCheckScope(catalog: CatalogSnapshot, currentSchema: string): Pick<CompileContext, 'catalog' | 'searchPath' | 'subqueries'> {
  const refuse = (): never => { throw new SqlError('0A000', 'cannot use subquery in DEFAULT expression'); };
  return { catalog, searchPath: [currentSchema], subqueries: { collector: new SubplanCollector(), outer: new Scope([]), plan: refuse } };
}
