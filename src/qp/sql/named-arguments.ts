import { SqlError } from '../../contracts/errors.js';
import type { Expr } from './ast.js';
import { NO_FUNCTION_HINT } from './compile.js';

type FuncExpr = Extract<Expr, { kind: 'func' }>;

/**
 * `f(a => 1, b => 2)`: named arguments of the built-in functions that have parameter names in
 * PostgreSQL's catalog, put in declaration order with the parameters' defaults filling gaps
 * (user functions' named arguments: user-function-calls.ts).
 */
interface Signature { readonly names: readonly string[]; readonly defaults: readonly (Expr | null)[] }

const zero: Expr = { kind: 'const', literal: 'integer', text: '0', location: -1 };
const bool = (v: boolean): Expr => ({ kind: 'const', literal: 'boolean', text: v ? 'true' : 'false', location: -1 });
const required = (names: string[], defaults: (Expr | null)[] = []): Signature => ({ names, defaults: names.map((_, i) => defaults[i] ?? null) });

const SIGNATURES: Record<string, Signature> = {
  parse_ident: required(['str', 'strict'], [null, bool(true)]),
  make_interval: required(['years', 'months', 'weeks', 'days', 'hours', 'mins', 'secs'], [zero, zero, zero, zero, zero, zero, { kind: 'const', literal: 'numeric', text: '0.0', location: -1 }]),
  make_date: required(['year', 'month', 'day']),
  make_time: required(['hour', 'min', 'sec']),
  make_timestamp: required(['year', 'month', 'mday', 'hour', 'min', 'sec']),
  make_timestamptz: required(['year', 'month', 'mday', 'hour', 'min', 'sec', 'timezone'], [null, null, null, null, null, null, null]),
  jsonb_set: required(['jsonb_in', 'path', 'replacement', 'create_if_missing'], [null, null, null, bool(true)]),
  jsonb_insert: required(['jsonb_in', 'path', 'replacement', 'insert_after'], [null, null, null, bool(false)]),
};

/**
 * The call with its arguments positional; throws as PostgreSQL does when they do not fit. Null
 * for a function other than those built-ins: a user's SQL function, whose parameter names the
 * catalog has (user-function-calls.ts matches those).
 */
export function positionalCall(expr: FuncExpr): FuncExpr | null {
  const names = expr.argNames!;
  const firstNamed = names.findIndex((n) => n !== null);
  const positional = names.findIndex((n, i) => i > firstNamed && n === null);
  if (positional >= 0) {
    // PostgreSQL points at the positional argument.
    const location = expr.args[positional]!.location >= 0 ? expr.args[positional]!.location : expr.location;
    throw new SqlError('42601', 'positional argument cannot follow named argument', location >= 0 ? { position: location + 1 } : {});
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (name === null) continue;
    if (seen.has(name)) throw new SqlError('42601', `argument name "${name}" used more than once`, expr.location >= 0 ? { position: expr.location + 1 } : {});
    seen.add(name);
  }
  const signature = SIGNATURES[expr.name];
  const missing = (): SqlError => new SqlError('42883', `function ${expr.name}(${names.map((n) => (n === null ? '…' : `${n} => …`)).join(', ')}) does not exist`, {
    ...(expr.location >= 0 ? { position: expr.location + 1 } : {}),
    hint: NO_FUNCTION_HINT,
  });
  if (!signature || expr.schema && expr.schema !== 'pg_catalog') return null;
  const slots: (Expr | null)[] = signature.names.map((_, i) => (i < firstNamed ? expr.args[i]! : null));
  names.forEach((name, i) => {
    if (name === null) return;
    const at = signature.names.indexOf(name);
    if (at < 0 || at < firstNamed) throw missing();
    slots[at] = expr.args[i]!;
  });
  // Trailing parameters with nothing given are left off (the overloads take fewer arguments);
  // a gap before a given one takes the parameter's default.
  let last = slots.length - 1;
  while (last >= 0 && slots[last] === null) last--;
  const args = slots.slice(0, last + 1).map((slot, i) => {
    if (slot !== null) return slot;
    const fallback = signature.defaults[i];
    if (!fallback) throw missing();
    return fallback;
  });
  const { argNames: _omit, ...rest } = expr;
  return { ...rest, args };
}
