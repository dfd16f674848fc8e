import { loadModule, parseSync } from 'libpg-query';
import { SqlError, resourceLimitError } from '../../contracts/errors.js';
import type { ParsedStatement, Statement } from './ast.js';
import { convertStatement } from './convert.js';
import { withViewTexts } from './schema-elements.js';
import { parseIamStatement } from '../roles/role-convert.js';
import { escapePlainLiterals } from './nonstandard-strings.js';
import { instantiate, literalShape, shapeTemplate, type ShapeCache } from './literal-shape.js';
import { parameterise, parameterPlaces, type Parameterised } from './auto-parameters.js';
import { isAscii, toStringIndexes } from './parse-locations.js';

/**
 * The real PostgreSQL grammar (libpg-query, WASM). `loadParser()` must finish once before
 * `parseSql` is used; parsing itself is synchronous (~10 µs for an OLTP statement).
 */
export async function loadParser(): Promise<void> {
  await loadModule();
}

/**
 * DSQL's `CREATE [UNIQUE] INDEX ASYNC` and `ALTER TABLE ASYNC` are not PostgreSQL syntax: the
 * keyword is blanked out (same length, so error positions stay right) and the statements it
 * belonged to are marked. `ALTER TABLE async ADD …` alters a table named async: the word is
 * the keyword only when a table name follows it.
 */
const ASYNC_INDEX = /\b(?:create\s+(?:unique\s+)?index\s+(async)\b|alter\s+table\s+(async)\b(?!\s+(?:add|drop|alter|validate|rename|set|owner|reset|enable|disable|no|of|inherit|replica|cluster|attach|detach|force)\b))/gi;

const ASYNC_WORD = /async/i;

function blankAsync(sql: string): { text: string; asyncOffsets: number[] } {
  const asyncOffsets: number[] = [];
  if (!ASYNC_WORD.test(sql)) return { text: sql, asyncOffsets };
  const text = sql.replace(ASYNC_INDEX, (match: string, indexKeyword: string | undefined, tableKeyword: string | undefined, offset: number) => {
    const keyword = (indexKeyword ?? tableKeyword)!;
    const at = match.toLowerCase().lastIndexOf(keyword.toLowerCase());
    asyncOffsets.push(offset + at);
    return match.slice(0, at) + '     ' + match.slice(at + keyword.length);
  });
  return { text, asyncOffsets };
}

/**
 * Parses a query string into statements; throws SqlError 42601 with a position on syntax errors.
 * With standard_conforming_strings off, plain literals are read with backslash escapes (the
 * statements' texts are then the rewritten ones, E'…', which read the same either way).
 */
export function parseSql(query: string, standardConformingStrings = true, shapes?: ShapeCache): ParsedStatement[] {
  // An empty (or all-whitespace/comment) query is EmptyQueryResponse, not an error; libpg-query
  // refuses a literally empty string, so answer it here.
  if (query.trim() === '') return [];
  const iam = parseIamStatement(query);
  if (iam) return [{ statement: iam, text: query, offset: 0 }];
  const sql = standardConformingStrings ? query : escapePlainLiterals(query);
  const { text, asyncOffsets } = blankAsync(sql);
  const result = shapes !== undefined && standardConformingStrings && text === sql ? parseByShape(text, shapes) : grammar(text);
  return statementsOf(result, sql, text, asyncOffsets);
}

/**
 * A simple query's text as one statement with its values as parameters, when its literal shape
 * is kept and allows that (auto-parameters.ts): the plan key, the parameters, and the statement
 * (made only when asked: a session that planned the key before needs only the values).
 */
export function parameterisedSql(query: string, shapes: ShapeCache): { parameterised: Parameterised; statement: () => ParsedStatement } | null {
  if (ASYNC_WORD.test(query)) return null;
  const shape = literalShape(query);
  // A text's own $n would be taken for the literals' parameters (it is 42P02 in a simple query).
  if (shape === null || shape.params) return null;
  const template = shapes.get(shape);
  if (!template) return null;
  if (template.places === undefined) template.places = parameterPlaces(template);
  if (template.places === null) return null;
  const parameterised = parameterise(template, template.places, shape);
  if (parameterised === null) return null;
  const statement = (): ParsedStatement => {
    const params: number[] = [];
    parameterised.literals.forEach((literal, i) => { params[literal] = i + 1; });
    return statementsOf(instantiate(template, shape, params) as ParseTree, query, query, [])[0]!;
  };
  return { parameterised, statement };
}

function statementsOf(result: ParseTree, sql: string, text: string, asyncOffsets: readonly number[]): ParsedStatement[] {
  const out: ParsedStatement[] = [];
  for (const raw of result.stmts ?? []) {
    const offset = raw.stmt_location ?? 0;
    const length = raw.stmt_len ?? text.length - offset;
    const statementText = sql.slice(offset, offset + length);
    let statement: Statement = convertOrMark(raw.stmt, text);
    if (statement.kind === 'create-view') statement = { ...statement, queryText: sql.slice(statement.queryStart, offset + length).trim() };
    if (statement.kind === 'create-schema' && statement.elements) statement = { ...statement, elements: withViewTexts(statement.elements, sql, offset + length) };
    if ((statement.kind === 'create-index' || statement.kind === 'alter-table') && asyncOffsets.some((at) => at >= offset && at < offset + length)) {
      statement = { ...statement, async: true };
    }
    out.push({ statement, text: statementText, offset });
  }
  return out;
}

type ParseTree = { stmts?: { stmt: unknown; stmt_location?: number; stmt_len?: number }[] };

function grammar(text: string): ParseTree {
  let tree: ParseTree;
  try {
    tree = parseSync(text) as ParseTree;
  } catch (error) {
    throw toSyntaxError(error);
  }
  if (!isAscii(text)) toStringIndexes(tree as Parameters<typeof toStringIndexes>[0], text);
  return tree;
}

/**
 * The grammar's tree for `text`, from the template of its literal shape when one is kept (see
 * literal-shape.ts); a shape's second text makes its template.
 */
function parseByShape(text: string, shapes: ShapeCache): ParseTree {
  const shape = literalShape(text);
  if (shape === null) return grammar(text);
  const kept = shapes.get(shape);
  if (kept) return instantiate(kept, shape) as ParseTree;
  const tree = grammar(text);
  if (kept === undefined && shapes.wanted(shape)) {
    const template = shapeTemplate(text, shape, tree as Parameters<typeof shapeTemplate>[2]);
    shapes.set(shape, template);
    // The template keeps `tree`; the statements are converted from a copy of it.
    if (template) return instantiate(template, shape) as ParseTree;
  }
  return tree;
}

/**
 * Errors of statements the grammar accepts but Strata cannot convert (a refusal, a form not
 * built). PostgreSQL meets those after its failed-transaction-block check, so in a failed block
 * the session answers 25P02 for them instead (`isPastGrammarError`) — but for the statements
 * that may end the block (COMMIT, ROLLBACK, ROLLBACK TO, PREPARE and friends).
 */
const pastGrammar = new WeakSet<SqlError>();

/** The transaction statements PostgreSQL runs in a failed block (IsTransactionExitStmt). */
const BLOCK_EXITS: ReadonlySet<string> = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_ROLLBACK_TO', 'TRANS_STMT_PREPARE', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_ROLLBACK_PREPARED']);

function convertOrMark(node: Parameters<typeof convertStatement>[0], text: string): Statement {
  try {
    return convertStatement(node, text);
  } catch (error) {
    const kind = (node as { TransactionStmt?: { kind?: string } }).TransactionStmt?.kind;
    if (error instanceof SqlError && !(kind !== undefined && BLOCK_EXITS.has(kind))) pastGrammar.add(error);
    throw error;
  }
}

/** Whether PostgreSQL would raise `error` only after checking for a failed transaction block. */
export function isPastGrammarError(error: unknown): boolean {
  return error instanceof SqlError && pastGrammar.has(error);
}

function toSyntaxError(error: unknown): SqlError {
  const limit = resourceLimitError(error);
  if (limit !== null) return limit;
  const details = (error as { sqlDetails?: { message: string; cursorPosition?: number; fileName?: string; functionName?: string } }).sqlDetails;
  const message = details?.message ?? (error as Error).message;
  const position = details?.cursorPosition;
  // A zero byte in an escape string fails the server encoding's check, not the grammar.
  if (details?.fileName?.includes('mbutils')) return new SqlError('22021', message);
  // pg_query reports a 0-based cursor; the wire protocol's P field is 1-based. The grammar's
  // few non-syntax errors keep their own SQLSTATE (pg_query does not pass it on): the lexer
  // reports a bad \u in an E'' string as 22025, the parser a bad escape in U&'' as 42601.
  const at = position !== undefined ? { position: position + 1 } : {};
  if (message === 'invalid Unicode escape' && details?.functionName === 'core_yylex') {
    return new SqlError('22025', message, { ...at, hint: 'Unicode escapes must be \\uXXXX or \\UXXXXXXXX.' });
  }
  if (message === 'invalid Unicode escape' && details?.functionName === 'str_udeescape') {
    return new SqlError('42601', message, { ...at, hint: 'Unicode escapes must be \\XXXX or \\+XXXXXX.' });
  }
  // gram.y raises a few feature refusals of its own (FEATURE_NOT_SUPPORTED), not syntax errors.
  const code = /^frame (start|end|starting)/.test(message) ? '42P20' : message === 'CREATE SCHEMA IF NOT EXISTS cannot include schema elements' ? '0A000' : '42601';
  return new SqlError(code, message, at);
}
