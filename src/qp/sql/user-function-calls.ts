import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, FunctionInfo } from '../catalog/catalog.js';
import type { Expr } from './ast.js';
import { parseExpression } from './table-expressions.js';
import * as types from './typesystem.js';

/**
 * Which SQL-language function a call names, and the arguments it runs with, as PostgreSQL's
 * FuncnameGetCandidates / func_get_detail decide it: positional arguments fill the first
 * parameters, named ones (`f(b => 'x')`) the parameters so named, and parameters left out take
 * their defaults. Two functions of one schema that the call fits with the same parameter types
 * (`g(int)` and `g(int, int DEFAULT 2)` called as `g(1)`) make the call ambiguous (42725).
 */

export interface UserCall {
  readonly fn: FunctionInfo;
  /** For each argument given, in the call's order, the parameter (0-based) it goes to. */
  readonly positions: readonly number[];
}

/** The call's arguments: their types, and their names (null for a positional one) when any is named. */
export interface CallShape {
  readonly name: string;
  readonly argOids: readonly number[];
  readonly argNames?: readonly (string | null)[] | undefined;
  readonly location: number;
}

/**
 * The function among `schemas`' (first schema with one that fits) that takes the call: the
 * closest fit — exact types first, then an untyped literal going to a string type (PostgreSQL's
 * preference), then implicit casts. `accept` narrows the candidates (set-returning ones in FROM).
 */
export function resolveUserCall(catalog: CatalogSnapshot, schemas: readonly string[], call: CallShape, accept: (fn: FunctionInfo) => boolean = () => true): UserCall | null {
  for (const schema of schemas) {
    const fits: { call: UserCall; score: number; key: string }[] = [];
    for (const fn of catalog.functions(schema, call.name)) {
      if (!accept(fn)) continue;
      const positions = parameterPositions(fn, call);
      if (!positions) continue;
      const score = fitScore(fn, positions, call.argOids);
      if (score !== null) fits.push({ call: { fn, positions }, score, key: positions.map((p) => fn.args[p]!.typeOid).join(' ') });
    }
    if (fits.length === 0) continue;
    const best = fits.reduce((a, b) => (b.score > a.score ? b : a));
    if (fits.some((f) => f !== best && f.key === best.key)) {
      throw new SqlError('42725', `function ${callSignature(call)} is not unique`, {
        ...(call.location >= 0 ? { position: call.location + 1 } : {}),
        hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
      });
    }
    return best.call;
  }
  return null;
}

/** `f(integer, b => unknown)`: the call as PostgreSQL's errors print it. */
export function callSignature(call: CallShape): string {
  return `${call.name}(${call.argOids.map((oid, i) => {
    const name = call.argNames?.[i];
    return `${name ? `${name} => ` : ''}${types.formatType(oid, -1)}`;
  }).join(', ')})`;
}

/**
 * MatchNamedCall, and the plain case: where each argument goes, or null when the function
 * cannot take the call (too many arguments, a name it lacks or one that a positional argument
 * already filled, a parameter left without an argument or a default).
 */
function parameterPositions(fn: FunctionInfo, call: CallShape): number[] | null {
  const count = call.argOids.length;
  if (count > fn.args.length) return null;
  const positions: number[] = [];
  const filled = new Array<boolean>(fn.args.length).fill(false);
  for (let i = 0; i < count; i++) {
    const name = call.argNames?.[i] ?? null;
    const at = name === null ? i : fn.args.findIndex((a) => a.name === name);
    if (at < 0 || filled[at]) return null;
    filled[at] = true;
    positions.push(at);
  }
  return filled.every((given, i) => given || fn.args[i]!.default !== undefined) ? positions : null;
}

function fitScore(fn: FunctionInfo, positions: readonly number[], argOids: readonly number[]): number | null {
  let score = 0;
  for (let i = 0; i < argOids.length; i++) {
    const oid = argOids[i]!;
    const wanted = fn.args[positions[i]!]!.typeOid;
    if (oid === wanted) score += 3;
    else if (oid === TypeOid.unknown) score += types.isStringType(wanted) ? 2 : 1;
    else if (types.castContext(oid, wanted) !== 'i') return null;
  }
  return score;
}

/**
 * One argument per parameter, in the parameters' order: the ones given, and for the others the
 * parameter's default, parsed anew for this call (its positions are the call's).
 */
export function callArguments(resolved: UserCall, given: readonly Expr[], location: number): Expr[] {
  const { fn, positions } = resolved;
  const args = new Array<Expr | undefined>(fn.args.length);
  positions.forEach((p, i) => { args[p] = given[i]!; });
  return fn.args.map((parameter, p) => args[p] ?? atLocation(parseExpression(parameter.default!), location) as Expr);
}

/** A copy of the tree with every `location` set to `location`: a default's text is not the caller's. */
function atLocation(node: unknown, location: number): unknown {
  if (Array.isArray(node)) return node.map((child) => atLocation(child, location));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === 'location' ? location : atLocation(value, location)]));
}
