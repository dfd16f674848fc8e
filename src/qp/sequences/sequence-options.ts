import { SqlError } from '../../contracts/errors.js';
import type { SequenceInfo } from '../catalog/catalog.js';
import type { SequenceOption } from '../sql/ast.js';
import * as types from '../sql/typesystem.js';
import { TypeOid } from '../../contracts/sql-value.js';

/**
 * CREATE/ALTER SEQUENCE options checked with PostgreSQL's rules (sequence.c init_params) and
 * DSQL's (reference/dsql.md §2.2): the type must be bigint, and CACHE must be given and be 1 or
 * at least 65536 — a QP takes CACHE values per commit on the sequence row, so a small cache
 * would mean a commit every few values without the one-at-a-time order CACHE 1 gives.
 */
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;
export const MIN_BLOCK_CACHE = 65536n;

const CACHE_RULE = 'please define CACHE greater than or equal to 65536 or equal to 1';
export const SEQUENCE_CACHE_REFUSAL = `CREATE SEQUENCE is not supported without an explicit cache size. ${CACHE_RULE}`;
export const IDENTITY_CACHE_REFUSAL = `identity column is not supported without an explicit cache size. ${CACHE_RULE}`;

/** The options as given, each at most once. */
export interface GivenOptions {
  readonly type?: SequenceOption;
  readonly increment?: bigint;
  /** null: NO MINVALUE / NO MAXVALUE (the default for the direction). */
  readonly minValue?: bigint | null;
  readonly maxValue?: bigint | null;
  readonly start?: bigint;
  /** null: RESTART without a value (restart at START). */
  readonly restart?: bigint | null;
  readonly cache?: bigint;
  readonly cycle?: boolean;
  /** OWNED BY: [table, column] or [schema, table, column]; null for OWNED BY NONE. */
  readonly ownedBy?: readonly string[] | null;
  /** Identity columns may name their sequence: SEQUENCE NAME x. */
  readonly sequenceName?: readonly string[];
}

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

function int8(option: SequenceOption): bigint {
  const value = option.value;
  if (!value || value.kind !== 'number' || !/^[+-]?\d+$/.test(value.text)) {
    throw new SqlError('42601', `${option.name.toUpperCase()} requires a numeric value`, at(option.location));
  }
  const n = BigInt(value.text);
  if (n < INT8_MIN || n > INT8_MAX) throw new SqlError('22003', `value "${value.text}" is out of range for type bigint`, at(option.location));
  return n;
}

export function readOptions(options: readonly SequenceOption[], forIdentity: boolean): GivenOptions {
  const given: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const option of options) {
    const key = option.name === 'restart' ? 'restart' : option.name;
    if (seen.has(key)) throw new SqlError('42601', 'conflicting or redundant options', at(option.location));
    seen.add(key);
    switch (option.name) {
      case 'as': given.type = option; break;
      case 'increment': given.increment = int8(option); break;
      case 'minvalue': given.minValue = option.value === null ? null : int8(option); break;
      case 'maxvalue': given.maxValue = option.value === null ? null : int8(option); break;
      case 'start': given.start = int8(option); break;
      case 'restart': given.restart = option.value === null ? null : int8(option); break;
      case 'cache': given.cache = int8(option); break;
      case 'cycle': given.cycle = option.value?.kind === 'bool' ? option.value.value : true; break;
      case 'owned_by': {
        if (forIdentity) throw new SqlError('42601', 'invalid sequence option OWNED BY', at(option.location));
        const names = option.value?.kind === 'names' ? option.value.names : [];
        given.ownedBy = names.length === 1 && names[0] === 'none' ? null : names;
        break;
      }
      case 'sequence_name': {
        if (!forIdentity) throw new SqlError('42601', 'invalid sequence option SEQUENCE NAME', at(option.location));
        given.sequenceName = option.value?.kind === 'names' ? option.value.names : [];
        break;
      }
      default: throw new SqlError('42601', `option "${option.name}" not recognized`, at(option.location));
    }
  }
  return given as GivenOptions;
}

/** DSQL's rule: CACHE given, and 1 or at least 65536. */
export function checkDsqlCache(cache: bigint | undefined, refusal: string): void {
  if (cache === undefined || (cache !== 1n && cache < MIN_BLOCK_CACHE)) throw new SqlError('0A000', refusal);
}

/** DSQL's rule: sequences are bigint only. */
export function checkSequenceType(given: GivenOptions): void {
  const option = given.type;
  if (!option || option.value?.kind !== 'type') return;
  const oid = types.resolveTypeName(option.value.type).oid;
  if (oid === TypeOid.int8) return;
  if (oid !== TypeOid.int2 && oid !== TypeOid.int4) {
    throw new SqlError('22023', 'sequence type must be smallint, integer, or bigint', at(option.location));
  }
  throw new SqlError('0A000', `datatype ${types.formatType(oid, -1)} not supported, sequence type must be bigint`, at(option.location));
}

type Definition = Pick<SequenceInfo, 'increment' | 'minValue' | 'maxValue' | 'start' | 'cache' | 'cycle'>;

/**
 * The definition after applying `given` to `base` (null for CREATE: PostgreSQL's defaults),
 * with PostgreSQL's cross-checks.
 */
export function applyOptions(base: Definition | null, given: GivenOptions): Definition {
  const increment = given.increment ?? (base ? BigInt(base.increment) : 1n);
  if (increment === 0n) throw new SqlError('22023', 'INCREMENT must not be zero');
  const ascending = increment > 0n;
  const maxValue = given.maxValue ?? (given.maxValue === null || !base ? (ascending ? INT8_MAX : -1n) : BigInt(base.maxValue));
  const minValue = given.minValue ?? (given.minValue === null || !base ? (ascending ? 1n : INT8_MIN) : BigInt(base.minValue));
  if (minValue >= maxValue) throw new SqlError('22023', `MINVALUE (${minValue}) must be less than MAXVALUE (${maxValue})`);
  const start = given.start ?? (base ? BigInt(base.start) : ascending ? minValue : maxValue);
  if (start < minValue) throw new SqlError('22023', `START value (${start}) cannot be less than MINVALUE (${minValue})`);
  if (start > maxValue) throw new SqlError('22023', `START value (${start}) cannot be greater than MAXVALUE (${maxValue})`);
  const cache = given.cache ?? (base ? BigInt(base.cache) : 1n);
  if (cache <= 0n) throw new SqlError('22023', `CACHE (${cache}) must be greater than zero`);
  const cycle = given.cycle ?? (base ? base.cycle : false);
  return { increment: String(increment), minValue: String(minValue), maxValue: String(maxValue), start: String(start), cache: String(cache), cycle };
}

/** PostgreSQL's check of a RESTART value (or the current value, when MINVALUE/MAXVALUE change). */
export function checkRestart(definition: Definition, value: bigint): void {
  if (value < BigInt(definition.minValue)) throw new SqlError('22023', `RESTART value (${value}) cannot be less than MINVALUE (${definition.minValue})`);
  if (value > BigInt(definition.maxValue)) throw new SqlError('22023', `RESTART value (${value}) cannot be greater than MAXVALUE (${definition.maxValue})`);
}
