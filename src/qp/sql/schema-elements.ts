import { scanSync } from 'libpg-query';
import { SqlError } from '../../contracts/errors.js';
import type { Statement } from './ast.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * CREATE SCHEMA name CREATE TABLE … CREATE SEQUENCE … CREATE VIEW … GRANT …: the elements, converted as
 * statements of their own, in PostgreSQL's order (sequences, tables, views, then grants, so that one may
 * name another written after it). The session runs them with the new schema first on the search
 * path, as PostgreSQL does, in the CREATE SCHEMA's own DDL transaction; a view made among them
 * keeps that search path (views bind when made).
 */
const ORDER = ['CreateSeqStmt', 'CreateStmt', 'ViewStmt', 'GrantStmt'];

export function convertSchemaElements(schema: string, elements: readonly Json[], convert: (raw: Json) => Statement): Statement[] {
  for (const element of elements) {
    const type = Object.keys(element)[0]!;
    if (!ORDER.includes(type)) throw new SqlError('0A000', `${type.replace(/Stmt$/, '')} inside CREATE SCHEMA is not supported`);
    const relation = element[type].relation ?? element[type].sequence ?? element[type].view;
    if (relation?.schemaname && relation.schemaname !== schema) {
      throw new SqlError('42P15', `CREATE specifies a schema (${relation.schemaname}) different from the one being created (${schema})`,
        relation.location >= 0 ? { position: relation.location + 1 } : {});
    }
  }
  const ordered = ORDER.flatMap((type) => elements.filter((e) => Object.keys(e)[0] === type));
  return ordered.map(convert);
}

/** The query text of each view element: from after its AS to the next element (or the statement's end). */
export function withViewTexts(elements: readonly Statement[], sql: string, end: number): Statement[] {
  return elements.map((e) => (e.kind === 'create-view' ? { ...e, queryText: sql.slice(e.queryStart, elementEnd(sql, e.queryStart, end)).trim() } : e));
}

/** Where the element whose text starts at `start` ends: the next CREATE or GRANT outside parentheses. */
function elementEnd(sql: string, start: number, end: number): number {
  let depth = 0;
  for (const token of scanSync(sql.slice(start, end)).tokens as { start: number; text: string }[]) {
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (depth === 0 && /^(create|grant)$/i.test(token.text)) return start + token.start;
  }
  return end;
}
