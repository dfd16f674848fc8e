import { SqlError } from '../contracts/errors.js';

/**
 * READ ONLY transaction blocks (`BEGIN READ ONLY`, `START TRANSACTION READ ONLY`): PostgreSQL
 * refuses every statement that would write — DML when it starts executing, DDL and GRANT before
 * they run — with 25006 naming the command. DSQL refuses only the SET TRANSACTION form of the
 * mode (reference/dsql.md §2.1); BEGIN's options are PostgreSQL's.
 */

/** A transaction block's characteristics, as BEGIN / START TRANSACTION set them. */
export interface BlockMode {
  readonly readOnly: boolean;
  readonly deferrable: boolean;
}

export const READ_WRITE: BlockMode = { readOnly: false, deferrable: false };

export function readOnlyRefusal(command: string): SqlError {
  return new SqlError('25006', `cannot execute ${command} in a read-only transaction`);
}

/** PostgreSQL's name for a DDL or role statement in that refusal (its command tag). */
export function writingCommandName(statement: { readonly kind: string; readonly grant?: boolean; readonly objectType?: string }): string {
  switch (statement.kind) {
    case 'drop': return `DROP ${String(statement.objectType).toUpperCase()}`;
    case 'grant-privileges': return statement.grant ? 'GRANT' : 'REVOKE';
    case 'grant-role': return statement.grant ? 'GRANT ROLE' : 'REVOKE ROLE';
    default: return statement.kind.replace(/-/g, ' ').toUpperCase();
  }
}
