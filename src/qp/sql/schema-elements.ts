import { SqlError } from '../../contracts/errors.js';
import type { Statement } from './ast.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * CREATE SCHEMA name CREATE TABLE … CREATE SEQUENCE … GRANT …: the elements, converted as
 * statements of their own, in PostgreSQL's order (sequences, tables, then grants, so that one may
 * name another written after it). The session runs them with the new schema first on the search
 * path, as PostgreSQL does, in the CREATE SCHEMA's own DDL transaction. A view element is refused:
 * Strata keeps a view's query as text and resolves its names where the view is read, so an
 * unqualified name would not mean the new schema's relation there.
 */
const ORDER = ['CreateSeqStmt', 'CreateStmt', 'GrantStmt'];

export function convertSchemaElements(schema: string, elements: readonly Json[], convert: (raw: Json) => Statement): Statement[] {
  for (const element of elements) {
    const type = Object.keys(element)[0]!;
    if (type === 'ViewStmt') throw new SqlError('0A000', 'CREATE VIEW inside CREATE SCHEMA is not supported yet');
    if (!ORDER.includes(type)) throw new SqlError('0A000', `${type.replace(/Stmt$/, '')} inside CREATE SCHEMA is not supported`);
    const relation = element[type].relation ?? element[type].sequence;
    if (relation?.schemaname && relation.schemaname !== schema) {
      throw new SqlError('42P15', `CREATE specifies a schema (${relation.schemaname}) different from the one being created (${schema})`,
        relation.location >= 0 ? { position: relation.location + 1 } : {});
    }
  }
  const ordered = ORDER.flatMap((type) => elements.filter((e) => Object.keys(e)[0] === type));
  return ordered.map(convert);
}
