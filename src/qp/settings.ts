import { SqlError } from '../contracts/errors.js';
import type { OutputStyle } from './types/output-style.js';
import { parseSessionZone } from './types/session-zone.js';
import type { IntervalStyle } from './types/interval-styles.js';

/**
 * Session settings (SET/SHOW/RESET) for what drivers and psql send. Values are PostgreSQL's
 * defaults with DSQL's fixed ones (server_version 16, UTF8, UTC, repeatable read).
 */
interface SettingSpec {
  readonly value: string;
  /** Sent as ParameterStatus at startup and when changed (GUC_REPORT). */
  readonly reported?: boolean;
  /** Cannot be changed by SET. */
  readonly fixed?: string;
  readonly normalize?: (value: string) => string;
}

const SPECS: Record<string, SettingSpec> = {
  server_version: { value: '16.15', reported: true, fixed: 'parameter "server_version" cannot be changed' },
  server_version_num: { value: '160015', fixed: 'parameter "server_version_num" cannot be changed' },
  server_encoding: { value: 'UTF8', reported: true, fixed: 'parameter "server_encoding" cannot be changed' },
  client_encoding: { value: 'UTF8', reported: true, normalize: normalizeEncoding },
  datestyle: { value: 'ISO, MDY', reported: true, normalize: normalizeDateStyle },
  timezone: { value: 'UTC', reported: true, normalize: normalizeTimeZone },
  integer_datetimes: { value: 'on', reported: true, fixed: 'parameter "integer_datetimes" cannot be changed' },
  // Off: plain literals take backslash escapes (sql/nonstandard-strings.ts).
  standard_conforming_strings: { value: 'on', reported: true, normalize: booleanSetting('standard_conforming_strings') },
  intervalstyle: { value: 'postgres', reported: true, normalize: normalizeIntervalStyle },
  is_superuser: { value: 'off', reported: true, fixed: 'parameter "is_superuser" cannot be changed' },
  session_authorization: { value: 'admin', reported: true, fixed: 'parameter "session_authorization" cannot be changed' },
  application_name: { value: '', reported: true },
  default_transaction_read_only: { value: 'off', reported: true, fixed: 'setting configuration parameter "default_transaction_read_only" not supported' },
  in_hot_standby: { value: 'off', reported: true, fixed: 'parameter "in_hot_standby" cannot be changed' },
  search_path: { value: '"$user", public' },
  extra_float_digits: { value: '1', normalize: integerSetting('extra_float_digits', -15, 3) },
  // Enforced: a statement running longer is cancelled with 57014 (session.ts).
  statement_timeout: { value: '0', normalize: millisecondsSetting('statement_timeout') },
  // Kept and shown: nothing in Strata waits for a lock (optimistic concurrency control).
  lock_timeout: { value: '0', normalize: millisecondsSetting('lock_timeout') },
  // Enforced by the connection (protocol/connection.ts): a session idle longer ends with FATAL.
  idle_in_transaction_session_timeout: { value: '0', normalize: millisecondsSetting('idle_in_transaction_session_timeout') },
  idle_session_timeout: { value: '0', normalize: millisecondsSetting('idle_session_timeout') },
  transaction_isolation: { value: 'repeatable read', fixed: 'setting configuration parameter "transaction_isolation" not supported' },
  default_transaction_isolation: { value: 'repeatable read', fixed: 'setting configuration parameter "default_transaction_isolation" not supported' },
  transaction_read_only: { value: 'off', fixed: 'setting configuration parameter "transaction_read_only" not supported' },
  max_identifier_length: { value: '63', fixed: 'parameter "max_identifier_length" cannot be changed' },
  bytea_output: { value: 'hex', normalize: enumSetting('bytea_output', ['escape', 'hex']) },
  client_min_messages: { value: 'notice' },
  row_security: { value: 'on' },
  jit: { value: 'off' },
  synchronous_commit: { value: 'on' },
  timezone_abbreviations: { value: 'Default' },
  lc_messages: { value: 'C' },
  lc_monetary: { value: 'C' },
  lc_numeric: { value: 'C' },
  lc_time: { value: 'C' },
  work_mem: { value: '4MB' },
  max_connections: { value: '10000', fixed: 'parameter "max_connections" cannot be changed without restarting the server' },
  block_size: { value: '8192', fixed: 'parameter "block_size" cannot be changed' },
  transaction_deferrable: { value: 'off', fixed: 'setting configuration parameter "transaction_deferrable" not supported' },
  escape_string_warning: { value: 'on', normalize: booleanSetting('escape_string_warning') },
  maintenance_work_mem: { value: '64MB' },
  // pg_dump turns it off; Strata's scans never synchronize, so it changes nothing.
  synchronize_seqscans: { value: 'on' },
  // force_custom_plan plans every simple query's text on its own, not its literal shape's
  // parameterised statement (sql/auto-parameters.ts); prepared statements keep their plan.
  plan_cache_mode: { value: 'auto', normalize: enumSetting('plan_cache_mode', ['auto', 'force_generic_plan', 'force_custom_plan']) },
  ...plannerSettings(),
};

/**
 * PostgreSQL's planner switches and costs: scripts and tests set them. They are kept per
 * session and shown back, and change nothing here — Strata's planner has its own rules.
 */
function plannerSettings(): Record<string, SettingSpec> {
  const switches = ['enable_async_append', 'enable_bitmapscan', 'enable_gathermerge', 'enable_hashagg', 'enable_hashjoin',
    'enable_incremental_sort', 'enable_indexonlyscan', 'enable_indexscan', 'enable_material', 'enable_memoize', 'enable_mergejoin',
    'enable_nestloop', 'enable_parallel_append', 'enable_parallel_hash', 'enable_partition_pruning', 'enable_seqscan', 'enable_sort',
    'enable_tidscan', 'enable_presorted_aggregate'];
  const specs: Record<string, SettingSpec> = {};
  for (const name of switches) specs[name] = { value: 'on', normalize: booleanSetting(name) };
  for (const name of ['enable_partitionwise_join', 'enable_partitionwise_aggregate']) specs[name] = { value: 'off', normalize: booleanSetting(name) };
  const numbers: Record<string, string> = {
    seq_page_cost: '1', random_page_cost: '4', cpu_tuple_cost: '0.01', cpu_index_tuple_cost: '0.005', cpu_operator_cost: '0.0025',
    parallel_tuple_cost: '0.1', parallel_setup_cost: '1000', min_parallel_table_scan_size: '8MB', min_parallel_index_scan_size: '512kB',
    max_parallel_workers_per_gather: '2', jit_above_cost: '100000', jit_inline_above_cost: '500000', jit_optimize_above_cost: '500000',
    effective_cache_size: '4GB', default_statistics_target: '100', from_collapse_limit: '8', join_collapse_limit: '8',
  };
  for (const [name, value] of Object.entries(numbers)) specs[name] = { value };
  return specs;
}

function booleanSetting(name: string): (value: string) => string {
  return (value) => {
    const v = value.trim().toLowerCase();
    if (['on', 'true', 'yes', '1', 't', 'y'].includes(v)) return 'on';
    if (['off', 'false', 'no', '0', 'f', 'n'].includes(v)) return 'off';
    throw new SqlError('22023', `parameter "${name}" requires a Boolean value`);
  };
}

/** The names PostgreSQL prints in ParameterStatus (case matters to clients). */
const DISPLAY: Record<string, string> = { datestyle: 'DateStyle', timezone: 'TimeZone', intervalstyle: 'IntervalStyle' };

/** A setting's name as ParameterStatus and SHOW's column print it. */
export function settingDisplayName(key: string): string {
  return DISPLAY[key] ?? key;
}

function normalizeEncoding(value: string): string {
  const v = value.toUpperCase().replace(/[-_]/g, '');
  if (v === 'UTF8' || v === 'UNICODE') return 'UTF8';
  throw new SqlError('0A000', `client encoding "${value}" is not supported; only UTF8 is available`);
}

function normalizeDateStyle(value: string): string {
  const parts = value.split(',').map((p) => p.trim().toUpperCase());
  if (parts.some((p) => p !== 'ISO' && p !== 'MDY' && p !== 'DMY' && p !== 'YMD' && p !== 'EURO' && p !== 'US')) {
    throw new SqlError('0A000', `DateStyle "${value}" is not supported; only ISO output is available`);
  }
  const given = parts.find((p) => p !== 'ISO') ?? 'MDY';
  const order = given === 'EURO' ? 'DMY' : given === 'US' ? 'MDY' : given;
  // Date input reads 01/02/2024 as MDY only; another order would read it wrongly.
  if (order !== 'MDY') throw new SqlError('0A000', `DateStyle "${value}" is not supported; only the MDY field order is available`);
  return `ISO, ${order}`;
}

/** The zone as SHOW prints it; 22023 for a name PostgreSQL would not take. */
function normalizeTimeZone(value: string): string {
  return parseSessionZone(value).name;
}

/** sql_standard also changes how interval input reads ('-1 2:00' is all negative): not offered. */
function normalizeIntervalStyle(value: string): string {
  const v = value.trim().toLowerCase();
  if (v === 'sql_standard') throw new SqlError('0A000', `setting "IntervalStyle" to "${value}" is not supported`);
  return enumSetting('IntervalStyle', ['postgres', 'postgres_verbose', 'sql_standard', 'iso_8601'])(value);
}

function enumSetting(name: string, values: readonly string[]): (value: string) => string {
  return (value) => {
    const v = value.trim().toLowerCase();
    if (values.includes(v)) return v;
    throw new SqlError('22023', `invalid value for parameter "${name}": "${value}"`, { hint: `Available values: ${values.join(', ')}.` });
  };
}

function integerSetting(name: string, min: number, max: number): (value: string) => string {
  return (value) => {
    const v = value.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw new SqlError('22023', `invalid value for parameter "${name}": "${value}"`);
    const n = roundHalfEven(Number(v)); // parse_int rounds a fraction with rint()
    if (n < min || n > max) throw new SqlError('22023', `${n} is outside the valid range for parameter "${name}" (${min} .. ${max})`);
    return String(n);
  };
}

/** Milliseconds per unit of a time setting's value, largest first (GUC's time units). */
const TIME_UNITS: readonly [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000], ['ms', 1], ['us', 0.001]];
const INT_MAX = 2_147_483_647;

/**
 * A time setting kept in milliseconds (statement_timeout and the like), read as parse_int reads
 * one: a number, optionally with a unit (`5s`, `1.5min`; a fraction rounds to the nearest
 * millisecond), and shown as SHOW shows it, in the largest unit that holds it exactly (`5s`, `90s`,
 * `1min`, `1500ms`).
 */
function millisecondsSetting(name: string): (value: string) => string {
  return (value) => {
    const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    if (!m) throw new SqlError('22023', `invalid value for parameter "${name}": "${value}"`);
    const unit = m[2]!;
    const scale = unit === '' ? 1 : TIME_UNITS.find(([u]) => u === unit)?.[1];
    if (scale === undefined) {
      throw new SqlError('22023', `invalid value for parameter "${name}": "${value}"`, { hint: 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".' });
    }
    const ms = roundHalfEven(Number(m[1]) * scale);
    if (Math.abs(ms) > INT_MAX) throw new SqlError('22023', `invalid value for parameter "${name}": "${value}"`, { hint: 'Value exceeds integer range.' });
    if (ms < 0) throw new SqlError('22023', `${ms} ms is outside the valid range for parameter "${name}" (0 .. ${INT_MAX})`);
    if (ms === 0) return '0';
    const [unitName, size] = TIME_UNITS.find(([, size]) => size >= 1 && ms % size === 0)!;
    return `${ms / size}${unitName}`;
  };
}

/** A time setting's value in milliseconds (as millisecondsSetting shows it). */
export function settingMilliseconds(shown: string): number {
  const m = /^(\d+)([a-z]*)$/.exec(shown);
  if (!m) return 0;
  return Number(m[1]) * (TIME_UNITS.find(([u]) => u === m[2])?.[1] ?? 1);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The settings in a startup packet's `options` ("-c TimeZone=UTC --DateStyle=ISO"), as a
 * backend's command line takes them; other words there (the relay's endpoint) are not settings.
 */
function commandLineSettings(options: string): [string, string][] {
  const words = options.match(/(?:\\.|\S)+/g) ?? [];
  const settings: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!.replace(/\\(.)/g, '$1');
    const assignment = word === '-c' && i + 1 < words.length ? words[++i]!.replace(/\\(.)/g, '$1') : word.startsWith('--') ? word.slice(2) : word.startsWith('-c') ? word.slice(2) : null;
    const equals = assignment?.indexOf('=') ?? -1;
    if (assignment && equals > 0) settings.push([assignment.slice(0, equals).replace(/-/g, '_'), assignment.slice(equals + 1)]);
  }
  return settings;
}

export class SessionSettings {
  private readonly values = new Map<string, string>();

  constructor(user: string, startup: ReadonlyMap<string, string>) {
    this.store('session_authorization', user);
    for (const [name, value] of [...startup, ...commandLineSettings(startup.get('options') ?? '')]) {
      const key = name.toLowerCase();
      const spec = SPECS[key];
      if (!spec || spec.fixed) continue;
      try {
        this.store(key, spec.normalize ? spec.normalize(value) : value);
      } catch {
        // A startup value we cannot take keeps the default; ParameterStatus then tells the
        // driver what the session really uses.
      }
    }
  }

  /** Every change of a value goes through here: it is what makes the cached output style stale. */
  private store(key: string, value: string | undefined): void {
    // A custom setting, once set, stays defined (as an empty string) when the set is undone, as
    // PostgreSQL keeps its placeholder variable.
    if (value === undefined && !SPECS[key] && key.includes('.')) this.values.set(key, '');
    else if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    this.styleCurrent = false;
    this.changes++;
  }

  private changes = 0;

  /** Counts every change of a value (a set that may have changed one): what a plan made under the same count was planned with. */
  get revision(): number {
    return this.changes;
  }

  get(name: string): string {
    const key = name.toLowerCase();
    const value = this.values.get(key) ?? SPECS[key]?.value;
    if (value === undefined) throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
    return value;
  }

  /**
   * Sets a value; returns the ParameterStatus to send when the setting is reported. Inside a
   * transaction block the change is undone if the block rolls back; a `local` one (SET LOCAL,
   * set_config(…, true)) is undone when the block ends either way.
   */
  set(name: string, value: string | null, local = false): { name: string; value: string } | null {
    const key = name.toLowerCase();
    const spec = SPECS[key];
    const before = this.values.get(key);
    if (!spec) {
      if (key.includes('.')) { // custom "namespace.name" settings are allowed, as in PostgreSQL
        this.store(key, value ?? '');
        this.remember(key, before, local);
        return null;
      }
      throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
    }
    if (spec.fixed) throw new SqlError(spec.fixed.startsWith('setting') ? '0A000' : '55P02', spec.fixed);
    const normalized = value === null ? spec.value : spec.normalize ? spec.normalize(value) : value;
    this.store(key, normalized);
    this.remember(key, before, local);
    return spec.reported ? { name: DISPLAY[key] ?? key, value: normalized } : null;
  }

  /** Values from before the open block changed them (null: no block is open). */
  private blockUndo: Map<string, string | undefined> | null = null;
  /** Values from before SET LOCAL changed them in the open block. */
  private localUndo = new Map<string, string | undefined>();

  private remember(key: string, before: string | undefined, local: boolean): void {
    if (!this.blockUndo) return;
    if (!this.blockUndo.has(key)) this.blockUndo.set(key, before);
    if (local) { if (!this.localUndo.has(key)) this.localUndo.set(key, before); } else this.localUndo.delete(key);
  }

  get inBlock(): boolean {
    return this.blockUndo !== null;
  }

  beginBlock(): void {
    this.blockUndo = new Map();
    this.localUndo = new Map();
  }

  /** The block ended: undoes its changes (all on rollback, SET LOCAL ones on commit). */
  endBlock(committed: boolean): { name: string; value: string }[] {
    const undo = committed ? this.localUndo : this.blockUndo ?? new Map<string, string | undefined>();
    this.blockUndo = null;
    this.localUndo = new Map();
    const changed: { name: string; value: string }[] = [];
    for (const [key, before] of undo) {
      const current = this.values.get(key);
      this.store(key, before);
      if (current !== before && SPECS[key]?.reported) changed.push({ name: DISPLAY[key] ?? key, value: this.get(key) });
    }
    return changed;
  }

  reset(name: string | null): { name: string; value: string }[] {
    const changed: { name: string; value: string }[] = [];
    const names = name === null ? [...this.values.keys()].filter((k) => !SPECS[k]?.fixed) : [name.toLowerCase()];
    for (const key of names) {
      const status = this.set(key, null);
      if (status) changed.push(status);
    }
    return changed;
  }

  /** How values print (bytea_output, extra_float_digits) and which zone timestamptz uses (TimeZone). */
  outputStyle(): OutputStyle {
    // Asked at every Bind and statement: read again only after a setting changed.
    if (this.styleCurrent) return this.lastStyle!.style;
    const bytea = this.get('bytea_output');
    const digits = this.get('extra_float_digits');
    const zone = this.get('timezone');
    const intervals = this.get('intervalstyle') as IntervalStyle;
    // The same settings give back the same object (and the same zone, whose offset cache then
    // lives as long as the setting does).
    const last = this.lastStyle;
    this.styleCurrent = true;
    if (last !== null && last.bytea === bytea && last.digits === digits && last.zone === zone && last.style.intervalStyle === intervals) return last.style;
    const timeZone = last !== null && last.zone === zone ? last.style.timeZone : parseSessionZone(zone);
    const style = { byteaEscape: bytea === 'escape', extraFloatDigits: Number(digits), timeZone, intervalStyle: intervals };
    this.lastStyle = { bytea, digits, zone, style };
    return style;
  }

  private lastStyle: { bytea: string; digits: string; zone: string; style: OutputStyle } | null = null;
  /** Whether lastStyle is what the values give now (no value changed since it was read). */
  private styleCurrent = false;

  /** Every setting and its value, by name (SHOW ALL). */
  all(): [string, string][] {
    const names = new Set([...Object.keys(SPECS), ...this.values.keys()]);
    return [...names].sort().map((name) => [DISPLAY[name] ?? name, this.get(name)]);
  }

  /** ParameterStatus messages for the startup sequence. */
  reported(): [string, string][] {
    return Object.entries(SPECS).filter(([, s]) => s.reported).map(([key]) => [DISPLAY[key] ?? key, this.get(key)]);
  }

  /** The schemas of search_path for `user` ($user replaced), kept until a setting changes: every statement's planning asks. */
  searchPath(user: string): readonly string[] {
    const kept = this.keptSearchPath;
    if (kept !== null && kept.revision === this.changes && kept.user === user) return kept.schemas;
    const schemas = this.get('search_path').split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1')).map((s) => (s === '$user' ? user : s)).filter((s) => s.length > 0);
    this.keptSearchPath = { revision: this.changes, user, schemas };
    return schemas;
  }

  private keptSearchPath: { readonly revision: number; readonly user: string; readonly schemas: readonly string[] } | null = null;
}

/** Every setting Strata knows, as pg_settings lists it: its display name, default, and whether SET may change it. */
export function settingDefinitions(): { name: string; key: string; bootValue: string; fixed: boolean }[] {
  return Object.entries(SPECS).map(([key, spec]) => ({ name: DISPLAY[key] ?? key, key, bootValue: spec.value, fixed: spec.fixed !== undefined }));
}
