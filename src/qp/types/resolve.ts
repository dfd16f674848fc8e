import { TypeOid } from '../../contracts/sql-value.js';
import { castContext } from './casts.js';
import { typeByOid } from './registry.js';

/**
 * PostgreSQL's overload resolution (func_select_candidate / oper_select_candidate), shared by
 * operators and functions: exact match, then implicit-coercion candidates narrowed by exact
 * matches, preferred types, and the categories that unknown literals can take.
 */

/** Pseudo-type anynonarray: accepts any non-array type (textanycat and friends). */
export const ANY_NONARRAY = 2776;
/** Pseudo-type "any" for variadic functions such as concat. */
export const ANY = 2276;
/** Pseudo-types anyarray and anyelement (array operators); anyelement takes non-arrays here. */
export const ANYARRAY = 2277;
export const ANYELEMENT = 2283;

export interface Signature { readonly args: readonly number[] }

function category(oid: number): string {
  if (oid === ANY_NONARRAY || oid === ANY || oid === ANYARRAY || oid === ANYELEMENT) return 'P';
  return typeByOid(oid)?.category ?? 'U';
}

function isPreferred(oid: number): boolean {
  return typeByOid(oid)?.preferred ?? false;
}

function accepts(param: number, arg: number): boolean {
  if (param === arg || arg === TypeOid.unknown) return true;
  if (param === ANY) return true;
  if (param === ANY_NONARRAY || param === ANYELEMENT) return category(arg) !== 'A';
  if (param === ANYARRAY) return category(arg) === 'A';
  return castContext(arg, param) === 'i';
}

function exactCount(sig: Signature, args: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < args.length; i++) if (sig.args[i] === args[i]) n++;
  return n;
}

function preferredCount(sig: Signature, args: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== TypeOid.unknown && sig.args[i] !== args[i] && isPreferred(sig.args[i]!)) n++;
  }
  return n;
}

function keepMax<T extends Signature>(list: T[], score: (s: T) => number): T[] {
  const best = Math.max(...list.map(score));
  return list.filter((s) => score(s) === best);
}

/** Narrows by the category each unknown argument resolves to (string wins, as in PostgreSQL). */
function resolveUnknowns<T extends Signature>(list: T[], args: readonly number[]): T[] | null {
  let out = list;
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== TypeOid.unknown) continue;
    const cats = new Set(out.map((s) => category(s.args[i]!)));
    let chosen: string;
    if (cats.has('S')) chosen = 'S';
    else if (cats.size === 1) chosen = [...cats][0]!;
    else return null;
    out = out.filter((s) => category(s.args[i]!) === chosen);
    const preferred = out.filter((s) => isPreferred(s.args[i]!));
    if (preferred.length > 0) out = preferred;
  }
  return out;
}

/**
 * Whether selectCandidate found no single candidate among several that take the arguments:
 * PostgreSQL's "is not unique" (42725) rather than "does not exist" (42883).
 */
export function isAmbiguous<T extends Signature>(all: readonly T[], args: readonly number[]): boolean {
  return selectCandidate(all, args) === null && all.filter((s) => s.args.length === args.length && s.args.every((p, i) => accepts(p, args[i]!))).length > 1;
}

export function selectCandidate<T extends Signature>(all: readonly T[], args: readonly number[]): T | null {
  const sameArity = all.filter((s) => s.args.length === args.length);
  if (sameArity.length === 0) return null;
  const unknowns = args.filter((a) => a === TypeOid.unknown).length;
  const known = args.filter((a) => a !== TypeOid.unknown);
  // A binary operator with one unknown side first tries the other side's type for it.
  if (unknowns > 0 && known.length > 0 && known.every((k) => k === known[0])) {
    const assumed = args.map((a) => (a === TypeOid.unknown ? known[0]! : a));
    const exact = sameArity.find((s) => s.args.every((p, i) => p === assumed[i]));
    if (exact) return exact;
  }
  const exact = sameArity.find((s) => s.args.every((p, i) => p === args[i]));
  if (exact) return exact;
  let candidates = sameArity.filter((s) => s.args.every((p, i) => accepts(p, args[i]!)));
  if (candidates.length <= 1) return candidates[0] ?? null;
  candidates = keepMax(candidates, (s) => exactCount(s, args));
  if (candidates.length === 1) return candidates[0]!;
  candidates = keepMax(candidates, (s) => preferredCount(s, args));
  if (candidates.length === 1) return candidates[0]!;
  if (unknowns > 0) {
    const narrowed = resolveUnknowns(candidates, args);
    if (narrowed && narrowed.length === 1) return narrowed[0]!;
    if (known.length > 0 && known.every((k) => k === known[0])) {
      const assumed = args.map((a) => (a === TypeOid.unknown ? known[0]! : a));
      const fitting = (narrowed ?? candidates).filter((s) => s.args.every((p, i) => accepts(p, assumed[i]!)));
      if (fitting.length === 1) return fitting[0]!;
    }
  }
  return null;
}
