import { TypeOid } from '../../contracts/sql-value.js';

/**
 * PostgreSQL 15's volatility (pg_proc.provolatile) of the built-in functions Strata has, where it
 * is not IMMUTABLE: what the planner may evaluate once on constant arguments (eval_const_expressions
 * folds only immutable calls) and what a generation expression may use. Most names are immutable
 * in every overload; these are stable or volatile in every one, and `isMutableBuiltinCall`
 * decides the names whose overloads differ by their argument types.
 */
const MUTABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'clock_timestamp', 'gen_random_uuid', 'now', 'random', 'setseed', 'statement_timestamp', 'transaction_timestamp', 'timeofday',
  'concat', 'concat_ws', 'format', 'make_timestamptz', 'to_char', 'to_date', 'to_number',
  // Output functions of anyelement/anyarray are stable: their text depends on settings.
  'array_to_string', 'array_to_json', 'to_json', 'to_jsonb', 'json_build_array', 'json_build_object', 'jsonb_build_array', 'jsonb_build_object',
  'convert', 'convert_from', 'convert_to', 'textsend', 'bpcharsend', 'varcharsend', 'namesend',
  'current_setting', 'version', 'pg_backend_pid', 'current_database', 'current_schema',
  'inet_client_addr', 'inet_client_port', 'inet_server_addr', 'inet_server_port',
]);

const TIMETZ = TypeOid.timetz;
const TEXTS: ReadonlySet<number> = new Set([TypeOid.text, TypeOid.varchar, TypeOid.bpchar, TypeOid.name, TypeOid.unknown]);
/** Types whose output (DateStyle, IntervalStyle) or input (also the zone, 'now') reads settings. */
const STABLE_OUTPUT: ReadonlySet<number> = new Set([TypeOid.date, TypeOid.interval, TypeOid.timestamp, TypeOid.timestamptz]);
const STABLE_INPUT: ReadonlySet<number> = new Set([TypeOid.date, TypeOid.interval, TypeOid.timestamp, TypeOid.timestamptz, TypeOid.time, TIMETZ]);

/** Whether PostgreSQL's built-in `name(args)` (argument types after resolution) is stable or volatile. */
export function isMutableBuiltinCall(name: string, args: readonly number[]): boolean {
  if (MUTABLE_FUNCTIONS.has(name)) return true;
  switch (name) {
    case 'age': return args.length === 1 || args.includes(TypeOid.timestamptz);
    case 'date_part': case 'extract': case 'date_trunc': return args.includes(TypeOid.timestamptz);
    // timetz AT TIME ZONE a name takes the zone's offset now; a time becomes a timetz in the session zone.
    case 'timezone': return args[1] === TypeOid.time || (args[1] === TIMETZ && args[0] !== TypeOid.interval);
    case 'length': return args.length === 2;
    case 'quote_literal': case 'quote_nullable': return !TEXTS.has(args[0] ?? TypeOid.text);
    case 'to_timestamp': return args.length === 2;
    default: return false;
  }
}

/** Whether the cast from `from` to `to` is stable in PostgreSQL (text I/O of date/time types, zone conversions). */
export function isMutableCast(from: number, to: number): boolean {
  if (from === to) return false;
  if (TEXTS.has(to) && STABLE_OUTPUT.has(from)) return true;
  if (TEXTS.has(from) && STABLE_INPUT.has(to)) return true;
  const zoned = (a: number, b: number) => (a === TypeOid.timestamptz && ([TypeOid.date, TypeOid.time, TypeOid.timestamp, TIMETZ] as number[]).includes(b))
    || (b === TypeOid.timestamptz && ([TypeOid.date, TypeOid.timestamp] as number[]).includes(a)) || (a === TypeOid.time && b === TIMETZ);
  return zoned(from, to);
}

/** Whether `left op right` is stable in PostgreSQL (text || a date/time, timestamptz arithmetic, mixed-zone comparisons). */
export function isMutableOperator(op: string, left: number, right: number): boolean {
  if (op === '||') return (TEXTS.has(left) && STABLE_OUTPUT.has(right)) || (TEXTS.has(right) && STABLE_OUTPUT.has(left));
  if ((op === '+' || op === '-') && (left === TypeOid.timestamptz || right === TypeOid.timestamptz) && (left === TypeOid.interval || right === TypeOid.interval)) return true;
  const mixedZone = (left === TypeOid.timestamptz) !== (right === TypeOid.timestamptz)
    && ([TypeOid.date, TypeOid.timestamp] as number[]).includes(left === TypeOid.timestamptz ? right : left);
  return mixedZone && ['<', '<=', '=', '>=', '>', '<>', '!='].includes(op);
}
