import type { TypeName } from '../sql/ast.js';

/** What COMMENT ON names: the object kinds Strata has that PostgreSQL 15 takes a comment on. */
export type CommentObjectType =
  | 'table' | 'view' | 'index' | 'sequence' | 'column' | 'schema' | 'function' | 'procedure' | 'routine'
  | 'table-constraint' | 'domain-constraint' | 'domain' | 'type' | 'role' | 'database';

/**
 * COMMENT ON kind name IS 'text' | NULL (src/qp/comments/comment-ddl.ts). `names` is the
 * qualified name as written: for a column and a table constraint the relation's name then the
 * column's or constraint's; for a domain constraint the domain's name then the constraint's.
 */
export interface CommentStatement {
  readonly kind: 'comment';
  readonly objectType: CommentObjectType;
  readonly names: readonly string[];
  /** A routine's argument types; null when not given (the name alone must then be unique). */
  readonly argTypes: readonly TypeName[] | null;
  /** NULL (or '') removes the comment. */
  readonly description: string | null;
}
