/**
 * Strata's own SQL syntax tree: kind-tagged, readonly nodes converted at the boundary from
 * libpg-query's JSON (see convert.ts). Only what the engine understands has a node; anything
 * else is refused at conversion with 0A000, so an unknown construct can never run wrongly.
 * `location` is a 0-based character offset into the statement text (-1 when unknown).
 */

import type { RoleStatement } from '../roles/role-ast.js';
import type { CommentStatement } from '../comments/comment-ast.js';

export interface TypeName {
  readonly names: readonly string[];
  readonly typmods: readonly number[];
  readonly arrayBounds: number;
  readonly location: number;
}

export type Expr =
  | { readonly kind: 'const'; readonly literal: 'integer' | 'numeric' | 'string' | 'boolean' | 'null' | 'bitstring'; readonly text: string; readonly location: number }
  | { readonly kind: 'param'; readonly index: number; readonly location: number }
  | { readonly kind: 'column'; readonly table: string | null; readonly schema: string | null; readonly name: string; readonly location: number }
  | { readonly kind: 'star'; readonly table: string | null; readonly location: number }
  | { readonly kind: 'op'; readonly op: string; readonly left: Expr | null; readonly right: Expr; readonly location: number }
  | { readonly kind: 'and' | 'or'; readonly args: readonly Expr[]; readonly location: number }
  | { readonly kind: 'not'; readonly arg: Expr; readonly location: number }
  | { readonly kind: 'null-test'; readonly arg: Expr; readonly isNull: boolean; readonly location: number }
  | { readonly kind: 'bool-test'; readonly arg: Expr; readonly test: 'true' | 'not-true' | 'false' | 'not-false' | 'unknown' | 'not-unknown'; readonly location: number }
  | { readonly kind: 'cast'; readonly arg: Expr; readonly type: TypeName; readonly location: number }
  | { readonly kind: 'func'; readonly name: string; readonly schema: string | null; readonly args: readonly Expr[]; readonly star: boolean; readonly distinct: boolean; readonly filter: Expr | null;
      /** Set for a window function call: `f(…) OVER (…)` or `OVER name`. */
      readonly over?: WindowSpec | null;
      /** An aggregate's own ORDER BY: `string_agg(x, ',' ORDER BY x)`. */
      readonly aggOrder?: readonly SortItem[];
      /** An identity column's nextval: PostgreSQL checks no sequence privilege for it (INSERT on the table suffices). */
      readonly identity?: true;
      /** An ordered-set aggregate call, `f(direct args) WITHIN GROUP (ORDER BY …)`: aggOrder holds the ORDER BY. */
      readonly withinGroup?: true;
      /** `VARIADIC x` where x is an array value, not ARRAY[…] (which is spread into args). */
      readonly variadicArray?: boolean;
      /** `f(a => 1)`: each argument's name, null for a positional one (set only when one is named). */
      readonly argNames?: readonly (string | null)[];
      /** `SET j[k1][k2]… = v`, as a call of (j, v, k1, k2, …): not a function, compile.ts's compileSubscriptAssignment. */
      readonly subscriptAssignment?: true;
      /** `SET j[a:b] = v`: a slice assignment, refused when compiled; where PostgreSQL reports it (-1: nowhere). */
      readonly sliceAt?: number;
      readonly location: number }
  | { readonly kind: 'case'; readonly subject: Expr | null; readonly whens: readonly { readonly when: Expr; readonly then: Expr; /** The WHEN keyword's (a simple CASE's `=` is reported there). */ readonly location?: number }[]; readonly otherwise: Expr | null; readonly location: number }
  | { readonly kind: 'coalesce' | 'greatest' | 'least'; readonly args: readonly Expr[]; readonly location: number }
  | { readonly kind: 'nullif'; readonly left: Expr; readonly right: Expr; readonly location: number }
  | { readonly kind: 'in'; readonly arg: Expr; readonly list: readonly Expr[]; readonly negated: boolean; readonly location: number }
  | { readonly kind: 'between'; readonly arg: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean; readonly location: number }
  | { readonly kind: 'like'; readonly arg: Expr; readonly pattern: Expr; readonly negated: boolean; readonly caseInsensitive: boolean; readonly location: number }
  | { readonly kind: 'distinct-from'; readonly left: Expr; readonly right: Expr; readonly negated: boolean; readonly location: number }
  /** `typmod`: the precision written (CURRENT_TIME(0)), else -1. */
  | { readonly kind: 'sql-value'; readonly name: 'current_timestamp' | 'current_date' | 'current_time' | 'localtimestamp' | 'localtime' | 'current_user' | 'session_user' | 'current_schema' | 'current_catalog'; readonly typmod: number; readonly location: number }
  // GROUPING(a, b, …): which of the arguments the current grouping set leaves out (a bit each).
  | { readonly kind: 'grouping'; readonly args: readonly Expr[]; readonly location: number }
  // ARRAY[a, b, …] (one dimension).
  | { readonly kind: 'array'; readonly elements: readonly Expr[]; readonly location: number }
  /** `arr[i]`, or a slice `arr[lower:upper]` (either bound may be left out). */
  /** `continued`: a further subscript of the same list (`a[1][2]`: another dimension). */
  | { readonly kind: 'subscript'; readonly arg: Expr; readonly lower: Expr | null; readonly upper: Expr | null; readonly slice: boolean; readonly continued?: true; readonly location: number }
  // `left op ANY (array)` / `left op ALL (array)`.
  | { readonly kind: 'any'; readonly op: string; readonly all: boolean; readonly left: Expr; readonly right: Expr; readonly location: number }
  // (SELECT …), ARRAY(SELECT …), EXISTS (SELECT …), `left op ANY/ALL (SELECT …)` (IN is `= ANY`). Over tables they
  // run as subplans (src/qp/sql/subplans.ts), over system catalogs in the expression (src/qp/system/catalog-subquery.ts);
  // `unsupported` holds the 0A000 message of a subquery whose form cannot be converted, raised only if it is evaluated.
  | { readonly kind: 'subquery'; readonly mode: 'scalar' | 'array' | 'exists' | 'any' | 'all'; readonly select: SelectStatement | null; readonly unsupported: string | null;
      readonly left?: Expr; readonly op?: string; readonly location: number;
      /** `(a, b) op ANY/ALL (SELECT x, y …)`, `(a, b) op (SELECT x, y …)`: `left` is a row, compared with each result row pair by pair. */
      readonly rowCompare?: boolean;
      /**
       * `SET (a, b) = (SELECT x, y …)`: a scalar subquery whose row is one record (fields f1, f2, …);
       * each column's assignment takes its field of this same node, and the subquery runs once per row.
       */
      readonly wholeRow?: boolean }
  /** ROW(a, b, …) or (a, b, …): a row value (src/qp/sql/row-values.ts). */
  | { readonly kind: 'row'; readonly args: readonly Expr[]; readonly location: number;
      /** The fields take the names of the columns `t.*` gives (a whole-row reference), not f1, f2, …. */
      readonly named?: boolean }
  /** `(x).name`, or `(x).*` (name null): a field of a row value. */
  | { readonly kind: 'field'; readonly arg: Expr; readonly name: string | null; readonly location: number;
      /** SET (a, b) = ROW(v.*): the row must have exactly this many fields (42601 otherwise). */
      readonly width?: number };

export interface SelectTarget {
  readonly expr: Expr;
  readonly alias: string | null;
  readonly location: number;
}

export type FromItem =
  | { readonly kind: 'table'; readonly schema: string | null; readonly name: string; readonly alias: string | null; readonly location: number;
      /** `FROM t AS f(a, b)`: new names for the first columns. */
      readonly columnAliases?: readonly string[] }
  | { readonly kind: 'subquery'; readonly query: SelectStatement; readonly alias: string; readonly columnAliases: readonly string[];
      /** LATERAL: the subquery may name columns of the FROM items before it (run per row of them). */
      readonly lateral?: boolean; readonly location: number }
  | {
    readonly kind: 'function'; readonly name: string; readonly args: readonly Expr[]; readonly alias: string | null; readonly columnAliases: readonly string[]; readonly location: number;
    /** Every call: one, or several for ROWS FROM (…) (the first is `name(args)`). */
    readonly calls: readonly { readonly name: string; readonly args: readonly Expr[]; readonly location: number;
      /** `f(a => 1)`: each argument's name, null for a positional one (set only when one is named). */
      readonly argNames?: readonly (string | null)[];
      /** The schema that qualifies the name, other than pg_catalog. */
      readonly schema?: string }[];
    /** WITH ORDINALITY: a last bigint column numbering the rows from 1. */
    readonly ordinality: boolean;
    /** `AS r(a int, b text)`: the columns of a function returning record (jsonb_to_record). */
    readonly columnDefinitions?: readonly { readonly name: string; readonly type: TypeName; readonly location: number }[];
  }
  | { readonly kind: 'join'; readonly joinType: 'inner' | 'left' | 'right' | 'full' | 'cross'; readonly left: FromItem; readonly right: FromItem; readonly on: Expr | null; readonly using: readonly string[] | null; readonly natural: boolean; readonly location: number;
      /** `(a JOIN b …) AS j [(c1, …)]`: one relation named j; a and b are hidden behind it. */
      readonly alias?: { readonly name: string; readonly columns: readonly string[] } }

/** One end of a window frame; `offset` for `n PRECEDING` / `n FOLLOWING`. */
export interface FrameBound {
  readonly kind: 'unbounded-preceding' | 'preceding' | 'current-row' | 'following' | 'unbounded-following';
  readonly offset: Expr | null;
}

/** A frame's EXCLUDE clause: which of the current row and its peers leave the frame. */
export type FrameExclusion = 'no-others' | 'current-row' | 'group' | 'ties';

export interface WindowSpec {
  /** `OVER name` or `OVER (name …)`: a window of the WINDOW clause this one builds on. */
  readonly refName: string | null;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly SortItem[];
  /** null: the default frame (RANGE UNBOUNDED PRECEDING to CURRENT ROW), or the named window's. */
  readonly frame: { readonly mode: 'rows' | 'range' | 'groups'; readonly start: FrameBound; readonly end: FrameBound; readonly exclusion: FrameExclusion } | null;
  /** `OVER w` without parentheses: the named window itself, frame and all. */
  readonly byName?: boolean;
  readonly location: number;
}

export interface SortItem {
  readonly expr: Expr;
  readonly descending: boolean;
  /** null = the default (NULLS LAST for ascending, NULLS FIRST for descending). */
  readonly nullsFirst: boolean | null;
}

export interface CommonTableExpr {
  readonly name: string;
  readonly columnAliases: readonly string[];
  /** A SELECT, or a data-modifying statement whose RETURNING rows the CTE holds (data-modifying-with.ts). */
  readonly query: SelectStatement | InsertStatement | UpdateStatement | DeleteStatement;
  readonly location: number;
}

/**
 * The locking clauses DSQL accepts (reference/dsql.md §4.2): FOR UPDATE adjudicates the rows as
 * if written; FOR KEY SHARE only against concurrent deletes, key changes and FOR UPDATE.
 */
export type RowLockStrength = 'update' | 'key-share';

/** One `FOR UPDATE [OF a, b]` / `FOR KEY SHARE [OF …]` clause of a SELECT. */
export interface RowLockClause {
  readonly strength: RowLockStrength;
  /** The FROM items named by OF (PostgreSQL insists on unqualified names); null: every one. */
  readonly of: readonly { readonly name: string; readonly qualified: boolean; readonly location: number }[] | null;
}

export interface SelectStatement {
  readonly kind: 'select';
  readonly targets: readonly SelectTarget[];
  readonly from: readonly FromItem[];
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
  readonly orderBy: readonly SortItem[];
  readonly limit: Expr | null;
  /** FETCH FIRST n ROWS WITH TIES: rows that tie with the last one on the ORDER BY keys come too. */
  readonly withTies?: boolean;
  readonly offset: Expr | null;
  readonly distinct: boolean;
  /** DISTINCT ON (…): the first row (in ORDER BY order) of each group of equal values. */
  readonly distinctOn?: readonly Expr[] | null;
  /** VALUES lists (then targets/from are empty). */
  readonly values: readonly (readonly Expr[])[] | null;
  /** The locking clauses on this SELECT, in order (row-locks.ts); null when there are none. */
  readonly locking: readonly RowLockClause[] | null;
  /** GROUP BY with ROLLUP / CUBE / GROUPING SETS: every grouping set, spelled out (then groupBy is empty). */
  readonly groupingSets?: readonly (readonly Expr[])[] | null;
  /** GROUP BY DISTINCT: grouping sets that group by the same expressions count once. */
  readonly groupDistinct?: boolean;
  /** WINDOW name AS (…): windows that OVER clauses name. */
  readonly windows?: readonly { readonly name: string; readonly spec: WindowSpec }[];
  /** WITH [RECURSIVE]: named subqueries its FROM items (and its subqueries') may read. */
  readonly with?: { readonly recursive: boolean; readonly ctes: readonly CommonTableExpr[] } | null;
  /** Set for `left UNION [ALL] right` (then targets/from/where are empty; ORDER BY/LIMIT apply to the union). */
  readonly setOperation?: { readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; readonly left: SelectStatement; readonly right: SelectStatement } | null;
}

export interface InsertStatement {
  /** WITH queries the statement (its query, subqueries and FROM items) may read. */
  readonly with?: SelectStatement['with'];
  readonly kind: 'insert';
  readonly schema: string | null;
  readonly table: string;
  readonly alias: string | null;
  readonly columns: readonly { readonly name: string; readonly location: number }[] | null;
  /** Rows of expressions; null inside means DEFAULT. */
  readonly rows: readonly (readonly (Expr | null)[])[] | null;
  readonly query: SelectStatement | null;
  readonly onConflict: OnConflict | null;
  readonly returning: readonly SelectTarget[];
  readonly location: number;
  /** OVERRIDING SYSTEM VALUE / OVERRIDING USER VALUE (identity columns). */
  readonly overriding?: 'system' | 'user' | null;
}

/** One option of CREATE/ALTER SEQUENCE or of an identity column's `(…)` (src/qp/sequences). */
export interface SequenceOption {
  readonly name: string;
  readonly value:
    | { readonly kind: 'number'; readonly text: string }
    | { readonly kind: 'names'; readonly names: readonly string[] }
    | { readonly kind: 'bool'; readonly value: boolean }
    | { readonly kind: 'type'; readonly type: TypeName }
    | null;
  readonly location: number;
}

export interface OnConflict {
  readonly action: 'nothing' | 'update';
  readonly targetColumns: readonly string[];
  readonly constraint: string | null;
  readonly set: readonly Assignment[];
  readonly where: Expr | null;
}

export interface Assignment {
  readonly column: string;
  readonly value: Expr | null; // null = DEFAULT
  readonly location: number;
}

export interface UpdateStatement {
  /** WITH queries the statement (its query, subqueries and FROM items) may read. */
  readonly with?: SelectStatement['with'];
  readonly kind: 'update';
  readonly schema: string | null;
  readonly table: string;
  readonly alias: string | null;
  readonly set: readonly Assignment[];
  /** UPDATE … FROM: more tables joined to the target by the WHERE clause. */
  readonly from: readonly FromItem[];
  readonly where: Expr | null;
  readonly returning: readonly SelectTarget[];
  readonly location: number;
}

export interface DeleteStatement {
  /** WITH queries the statement (its query, subqueries and FROM items) may read. */
  readonly with?: SelectStatement['with'];
  readonly kind: 'delete';
  readonly schema: string | null;
  readonly table: string;
  readonly alias: string | null;
  /** DELETE … USING: more tables joined to the target by the WHERE clause. */
  readonly using: readonly FromItem[];
  readonly where: Expr | null;
  readonly returning: readonly SelectTarget[];
  readonly location: number;
}

export interface ColumnDefinition {
  readonly name: string;
  readonly type: TypeName;
  readonly notNull: boolean;
  readonly defaultExpr: Expr | null;
  readonly defaultText: string | null;
  readonly primaryKey: boolean;
  readonly unique: boolean;
  readonly location: number;
  /** Column CHECK constraints (absent: none). */
  readonly checks?: readonly CheckDefinition[];
  /** GENERATED ALWAYS AS (expr) STORED: the expression's source text. */
  readonly generatedText?: string | null;
  /** Where defaultText and generatedText start in the statement, for the positions of their errors. */
  readonly defaultOffset?: number;
  readonly generatedOffset?: number;
  /** GENERATED ALWAYS ('a') / BY DEFAULT ('d') AS IDENTITY [(options)]. */
  readonly identity?: { readonly generation: 'a' | 'd'; readonly options: readonly SequenceOption[] } | null;
}

/** A CHECK constraint as written: its expression's source text (kept in the catalog). */
export interface CheckDefinition {
  readonly name: string | null;
  readonly text: string;
  /** Where `text` starts in the statement (for its errors' positions); absent where unknown. */
  readonly textOffset?: number;
  readonly noInherit: boolean;
  /** False for NOT VALID. */
  readonly validate: boolean;
  readonly location: number;
}

/** A FOREIGN KEY clause as written (REFERENCES on a column, or a table constraint); foreign-key-ddl.ts resolves it. */
export interface ForeignKeyDefinition {
  readonly name: string | null;
  readonly columns: readonly string[];
  readonly referencedSchema: string | null;
  readonly referencedTable: string;
  /** Null: the referenced table's primary key. */
  readonly referencedColumns: readonly string[] | null;
  readonly match: 'simple' | 'full';
  readonly onUpdate: 'a' | 'r' | 'c' | 'n' | 'd';
  readonly onDelete: 'a' | 'r' | 'c' | 'n' | 'd';
  readonly deleteSetColumns: readonly string[] | null;
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
  readonly notValid: boolean;
  readonly location: number;
}

/** The ALTER TABLE forms DSQL allows and Strata builds (convert.ts refuses the rest with DSQL's texts). */
export type AlterTableAction =
  | { readonly kind: 'add-column'; readonly name: string; readonly type: TypeName; readonly ifNotExists: boolean }
  | { readonly kind: 'set-default'; readonly column: string; readonly defaultText: string | null }
  | { readonly kind: 'drop-not-null'; readonly column: string }
  | { readonly kind: 'rename-column'; readonly column: string; readonly newName: string }
  | { readonly kind: 'rename-table'; readonly newName: string }
  | { readonly kind: 'add-foreign-key'; readonly foreignKey: ForeignKeyDefinition }
  | { readonly kind: 'validate-constraint'; readonly name: string }
  | { readonly kind: 'add-check'; readonly check: CheckDefinition }
  | { readonly kind: 'drop-constraint'; readonly name: string; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'rename-constraint'; readonly name: string; readonly newName: string }
  | { readonly kind: 'drop-expression'; readonly column: string; readonly ifExists: boolean }
  | { readonly kind: 'drop-column'; readonly column: string; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'set-storage'; readonly column: string; readonly storage: string }
  /** OWNER TO: a role name (CURRENT_USER / SESSION_USER as null, resolved where it runs). */
  | { readonly kind: 'owner-to'; readonly role: string | null }
  | { readonly kind: 'add-unique-using-index'; readonly name: string | null; readonly index: string }
  | { readonly kind: 'add-identity'; readonly column: string; readonly generation: 'a' | 'd'; readonly options: readonly SequenceOption[] };

export interface CreateTableStatement {
  readonly kind: 'create-table';
  readonly schema: string | null;
  readonly table: string;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDefinition[];
  readonly primaryKey: readonly string[] | null;
  readonly uniques: readonly { readonly name: string | null; readonly columns: readonly string[]; readonly nullsNotDistinct: boolean }[];
  readonly foreignKeys: readonly ForeignKeyDefinition[];
  readonly location: number;
  /** CHECK constraints, column and table ones, in the order written (absent: none). */
  readonly checks?: readonly CheckDefinition[];
}

/** CREATE DOMAIN and the ALTER DOMAIN forms DSQL allows. */
export type DomainStatement =
  | { readonly kind: 'create-domain'; readonly schema: string | null; readonly name: string; readonly type: TypeName; readonly notNull: boolean;
      readonly defaultText: string | null; readonly checks: readonly CheckDefinition[] }
  | { readonly kind: 'alter-domain'; readonly schema: string | null; readonly name: string; readonly action: DomainAction };

export type DomainAction =
  | { readonly kind: 'set-default'; readonly defaultText: string | null }
  | { readonly kind: 'drop-not-null' }
  | { readonly kind: 'drop-constraint'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'rename'; readonly newName: string }
  | { readonly kind: 'rename-constraint'; readonly name: string; readonly newName: string };

export interface CreateIndexStatement {
  readonly kind: 'create-index';
  readonly name: string | null;
  readonly schema: string | null;
  readonly table: string;
  readonly columns: readonly string[];
  readonly include: readonly string[];
  readonly unique: boolean;
  readonly ifNotExists: boolean;
  readonly async: boolean;
  readonly nullsNotDistinct: boolean;
  /** Why this index cannot be built (0A000), raised after DSQL's check for ASYNC, which comes first. */
  readonly refusal: string | null;
}

/** One COPY option as written (`FORMAT csv`, `FORCE_QUOTE *`, `HEADER`); copy-options.ts checks them. */
export interface CopyOption {
  readonly name: string;
  /** null: no argument; '*': FORCE_QUOTE *; an array: a column list. */
  readonly arg: string | number | boolean | readonly string[] | '*' | null;
  readonly location: number;
}

/** COPY table [(columns)] FROM STDIN / COPY table [(columns)] | (query) TO STDOUT. */
export interface CopyStatement {
  readonly kind: 'copy';
  readonly schema: string | null;
  readonly table: string | null;
  readonly columns: readonly string[] | null;
  readonly query: SelectStatement | null;
  readonly from: boolean;
  readonly options: readonly CopyOption[];
  readonly location: number;
}

export type Statement =
  | RoleStatement
  | CommentStatement
  | CopyStatement
  | SelectStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | CreateTableStatement
  | CreateIndexStatement
  | DomainStatement
  | { readonly kind: 'create-function'; readonly schema: string | null; readonly name: string;
      /** `defaultText`: the parameter's DEFAULT as written; `defaultOffset`: where it starts in the statement (for error positions). */
      readonly args: readonly { readonly name: string | null; readonly type: TypeName; readonly defaultText?: string; readonly defaultOffset?: number }[];
      readonly returnType: TypeName; readonly body: string; readonly strict: boolean; readonly replace: boolean;
      readonly volatility?: 'i' | 's' | 'v'; readonly returnForm?: boolean;
      /** RETURNS SETOF. */
      readonly setof?: boolean }
  | { readonly kind: 'drop-function'; readonly functions: readonly { readonly names: readonly string[]; readonly argTypes: readonly TypeName[] | null }[]; readonly ifExists: boolean }
  | { readonly kind: 'alter-table'; readonly schema: string | null; readonly table: string; readonly ifExists: boolean; readonly actions: readonly AlterTableAction[];
      /** DSQL's ALTER TABLE ASYNC (parse.ts marks it). */
      readonly async?: boolean }
  | { readonly kind: 'create-view'; readonly schema: string | null; readonly name: string; readonly columnAliases: readonly string[]; readonly query: SelectStatement;
      /** The SELECT's text (from `queryStart`, an offset into the whole query string, to the statement's end: set by parse.ts). */
      readonly queryText: string; readonly queryStart: number; readonly replace: boolean; readonly location: number;
      /** WITH [LOCAL | CASCADED] CHECK OPTION (view-modify.ts). */
      readonly checkOption?: 'local' | 'cascaded' | null }
  | {
    /** REINDEX: not built (Strata's indexes are written with their rows; there is nothing to rebuild), refused after PostgreSQL's checks. */
    readonly kind: 'reindex'; readonly target: 'index' | 'table' | 'schema' | 'system' | 'database';
    readonly schema: string | null; readonly name: string | null; readonly concurrently: boolean;
  }
  | {
    readonly kind: 'drop'; readonly objectType: 'table' | 'index' | 'schema' | 'view' | 'domain'; readonly names: readonly (readonly string[])[]; readonly ifExists: boolean; readonly cascade: boolean;
    /** DROP INDEX CONCURRENTLY: the same drop (no lock here waits for readers), with PostgreSQL's restrictions. */
    readonly concurrently?: true;
  }
  | { readonly kind: 'create-schema'; readonly name: string; readonly ifNotExists: boolean;
      /** CREATE SCHEMA's elements (schema-elements.ts), run after it in its transaction. */
      readonly elements?: readonly Statement[] }
  | AlterObjectStatement
  | RenameSchemaStatement
  | { readonly kind: 'create-sequence'; readonly schema: string | null; readonly name: string; readonly ifNotExists: boolean; readonly options: readonly SequenceOption[] }
  /** ALTER SEQUENCE: options, or RENAME TO `newName`. */
  | { readonly kind: 'alter-sequence'; readonly schema: string | null; readonly name: string; readonly ifExists: boolean; readonly options: readonly SequenceOption[]; readonly newName: string | null }
  | { readonly kind: 'drop-sequence'; readonly names: readonly (readonly string[])[]; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'transaction'; readonly action: 'begin' | 'commit' | 'rollback'; readonly isolation: string | null; readonly readOnly: boolean | null;
    /** Spelled START TRANSACTION (its command tag); DEFERRABLE; COMMIT/ROLLBACK AND CHAIN. */
    readonly start?: boolean; readonly deferrable?: boolean; readonly chain?: boolean }
  | { readonly kind: 'set'; readonly name: string; readonly values: readonly string[] | null; readonly local: boolean }
  | { readonly kind: 'reset'; readonly name: string | null }
  | { readonly kind: 'show'; readonly name: string }
  | { readonly kind: 'call'; readonly name: readonly string[]; readonly args: readonly Expr[] }
  | { readonly kind: 'deallocate-all' }
  | { readonly kind: 'explain'; readonly analyze: boolean; readonly verbose: boolean; readonly statement: SelectStatement | InsertStatement | UpdateStatement | DeleteStatement };

/** An object ALTER … OWNER TO and ALTER … SET SCHEMA name (ddl-alter-object.ts); a function's argTypes are null when not given. */
export interface AlteredObject {
  readonly objectType: 'table' | 'view' | 'sequence' | 'function' | 'schema';
  readonly names: readonly string[];
  readonly argTypes: readonly TypeName[] | null;
  readonly ifExists: boolean;
}

/** ALTER VIEW/SEQUENCE/FUNCTION/SCHEMA … OWNER TO (role null: CURRENT_USER / SESSION_USER) and ALTER TABLE/VIEW/SEQUENCE/FUNCTION … SET SCHEMA. */
export type AlterObjectStatement =
  | { readonly kind: 'alter-owner'; readonly object: AlteredObject; readonly role: string | null }
  | { readonly kind: 'set-schema'; readonly object: AlteredObject; readonly newSchema: string }
  /** ALTER VIEW … RENAME TO `newName` | RENAME COLUMN `column` TO `newColumn`. */
  | { readonly kind: 'rename-object'; readonly object: AlteredObject; readonly rename: { readonly newName: string } | { readonly column: string; readonly newColumn: string } };

/** ALTER SCHEMA name RENAME TO newName (ddl-rename-schema.ts). */
export interface RenameSchemaStatement {
  readonly kind: 'rename-schema';
  readonly name: string;
  readonly newName: string;
}

/** One statement of a query string, with where it sits in the text. */
export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement's own text (for plan caching and error positions). */
  readonly text: string;
  /** Offset of `text` inside the whole query string. */
  readonly offset: number;
}
