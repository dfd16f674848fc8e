import { SqlError } from '../contracts/errors.js';
import type { Statement } from './sql/ast.js';
import { TypeOid } from '../contracts/sql-value.js';
import { binaryInetLength } from './types/network.js';
import * as t from './types/index.js';

/**
 * Checks of statement parameters that PostgreSQL makes at Parse and Bind, before a statement is
 * planned or run: type hints naming no type, parameters whose type nothing determines, binary
 * values of the wrong width.
 */

/** Parse's type hints: 0 is "unspecified"; any other must be a type (PostgreSQL: XX000 cache lookup). */
export function checkParameterHints(hints: readonly number[]): void {
  for (const oid of hints) {
    if (oid !== 0 && !t.typeByOid(oid)) throw new SqlError('XX000', `cache lookup failed for type ${oid}`);
  }
}

/** The $n numbers a statement refers to (a walk over its syntax tree). */
export function referencedParameters(statement: Statement): Set<number> {
  const found = new Set<number>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const record = node as Record<string, unknown>;
    if (record['kind'] === 'param' && typeof record['index'] === 'number') found.add(record['index']);
    for (const value of Object.values(record)) visit(value);
  };
  visit(statement);
  return found;
}

/**
 * A parameter that the statement never uses and the client gave no type: PostgreSQL cannot
 * determine its type (42P18). One it uses that no context gives a type is parameter-use.ts's;
 * one a context coerces without naming a type (a select list, text operators) is text.
 */
export function checkUndetermined(types: readonly number[], hints: readonly number[], statement: Statement): void {
  let referenced: Set<number> | null = null;
  for (let i = 0; i < types.length; i++) {
    if (types[i] !== 0 || (hints[i] ?? 0) !== 0) continue;
    referenced ??= referencedParameters(statement);
    if (!referenced.has(i + 1)) throw new SqlError('42P18', `could not determine data type of parameter $${i + 1}`);
  }
}

/**
 * A binary parameter of a fixed-width type must have that width: shorter runs off the end of
 * the message (08P01 in PostgreSQL), longer leaves bytes over (22P03).
 */
export function checkBinaryWidth(oid: number, raw: Uint8Array, position: number): void {
  const width = t.typeLength(oid);
  if (width <= 0 || raw.length === width) return;
  if (raw.length < width) throw new SqlError('08P01', 'insufficient data left in message');
  throw new SqlError('22P03', `incorrect binary data format in bind parameter ${position}`);
}

/**
 * Bytes a variable-length type's receive function left unread (inet and cidr read a header and
 * the address its length byte announces): PostgreSQL refuses them after the value is read.
 */
export function checkBinaryRest(oid: number, raw: Uint8Array, position: number): void {
  if ((oid === TypeOid.inet || oid === TypeOid.cidr) && raw.length > binaryInetLength(raw)) {
    throw new SqlError('22P03', `incorrect binary data format in bind parameter ${position}`);
  }
}
