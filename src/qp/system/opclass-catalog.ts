import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';

/**
 * pg_opclass: PostgreSQL 15's default btree operator classes for the types Strata can index
 * (oids, names, families and input types as PostgreSQL's pg_opclass.dat assigns them), and the
 * class of each index key column (pg_index.indclass). Strata's indexes are all btree, each key
 * column compared by its type's default order, which is exactly what these classes stand for;
 * DSQL refuses an explicit opclass on an index key. drizzle-kit joins pg_index to pg_opclass.
 */
const BTREE_AM = 403;
const PG_CATALOG_NAMESPACE = 11;
const BOOTSTRAP_SUPERUSER = 10;
const CSTRING = 2275;

interface OperatorClass {
  readonly oid: number;
  readonly name: string;
  readonly family: number;
  readonly inputType: number;
  /** opckeytype: the type stored in the index when it is not the input type (name_ops stores cstring). */
  readonly keyType: number;
}

const DEFAULT_BTREE_CLASSES: readonly OperatorClass[] = [
  { oid: 10003, name: 'bool_ops', family: 424, inputType: TypeOid.bool, keyType: 0 },
  { oid: 10004, name: 'bpchar_ops', family: 426, inputType: TypeOid.bpchar, keyType: 0 },
  { oid: 10006, name: 'bytea_ops', family: 428, inputType: TypeOid.bytea, keyType: 0 },
  { oid: 10007, name: 'char_ops', family: 429, inputType: TypeOid.char, keyType: 0 },
  { oid: 3122, name: 'date_ops', family: 434, inputType: TypeOid.date, keyType: 0 },
  { oid: 10012, name: 'float4_ops', family: 1970, inputType: TypeOid.float4, keyType: 0 },
  { oid: 3123, name: 'float8_ops', family: 1970, inputType: TypeOid.float8, keyType: 0 },
  { oid: 1979, name: 'int2_ops', family: 1976, inputType: TypeOid.int2, keyType: 0 },
  { oid: 1978, name: 'int4_ops', family: 1976, inputType: TypeOid.int4, keyType: 0 },
  { oid: 3124, name: 'int8_ops', family: 1976, inputType: TypeOid.int8, keyType: 0 },
  { oid: 10022, name: 'interval_ops', family: 1982, inputType: TypeOid.interval, keyType: 0 },
  { oid: 10088, name: 'jsonb_ops', family: 4033, inputType: TypeOid.jsonb, keyType: 0 },
  { oid: 10028, name: 'name_ops', family: 1994, inputType: TypeOid.name, keyType: CSTRING },
  { oid: 3125, name: 'numeric_ops', family: 1988, inputType: TypeOid.numeric, keyType: 0 },
  { oid: 1981, name: 'oid_ops', family: 1989, inputType: TypeOid.oid, keyType: 0 },
  { oid: 3126, name: 'text_ops', family: 1994, inputType: TypeOid.text, keyType: 0 },
  { oid: 10038, name: 'time_ops', family: 1996, inputType: TypeOid.time, keyType: 0 },
  { oid: 3128, name: 'timestamp_ops', family: 434, inputType: TypeOid.timestamp, keyType: 0 },
  { oid: 3127, name: 'timestamptz_ops', family: 434, inputType: TypeOid.timestamptz, keyType: 0 },
  { oid: 10065, name: 'uuid_ops', family: 2968, inputType: TypeOid.uuid, keyType: 0 },
];

const CLASS_BY_INPUT_TYPE = new Map<number, OperatorClass>(DEFAULT_BTREE_CLASSES.map((c) => [c.inputType, c]));

/** pg_opclass rows: oid opcmethod opcname opcnamespace opcowner opcfamily opcintype opcdefault opckeytype. */
export function pgOpclassRows(): SqlValue[][] {
  return DEFAULT_BTREE_CLASSES.map((c) => [c.oid, BTREE_AM, c.name, PG_CATALOG_NAMESPACE, BOOTSTRAP_SUPERUSER, c.family, c.inputType, true, c.keyType]);
}

/**
 * The default btree class of a key column's type, as PostgreSQL's GetDefaultOpClass picks it:
 * varchar is binary-coercible to text and takes text_ops. 0 when there is none.
 */
export function defaultBtreeOpclass(typeOid: number): number {
  const input = typeOid === TypeOid.varchar ? TypeOid.text : typeOid;
  return CLASS_BY_INPUT_TYPE.get(input)?.oid ?? 0;
}
