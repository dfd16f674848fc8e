/**
 * How SQL values live in memory inside a query processor. Every expression has a static SQL
 * type, so values carry no tag; `null` is SQL NULL for every type.
 *
 * | SQL type                    | JS representation                                             |
 * |-----------------------------|---------------------------------------------------------------|
 * | bool                        | boolean                                                       |
 * | int2, int4, oid             | number (integer)                                              |
 * | int8                        | bigint                                                        |
 * | float4, float8              | number (float4 values are rounded with Math.fround)           |
 * | numeric                     | NumericValue                                                  |
 * | text, varchar, bpchar, name | string (bpchar keeps its trailing blanks, as PostgreSQL does) |
 * | bytea                       | Uint8Array                                                    |
 * | uuid                        | string, canonical lowercase 8-4-4-4-12                        |
 * | date                        | number: days since 2000-01-01; ±Infinity for ±infinity        |
 * | timestamp, timestamptz      | bigint: µs since 2000-01-01 00:00 UTC (PostgreSQL's epoch);   |
 * |                             | TIMESTAMP_INFINITY / -TIMESTAMP_INFINITY for ±infinity        |
 * | time                        | bigint: µs since midnight, 0 to 86 400 000 000 (24:00:00)     |
 * | timetz (time with time zone)| TimeTzValue                                                   |
 * | interval                    | IntervalValue                                                 |
 * | inet, cidr                  | InetValue                                                     |
 * | json, jsonb                 | string (the text form; jsonb normalized)                     |
 * | record (row values)         | RecordValue                                                   |
 */
export type SqlValue = null | boolean | number | bigint | string | Uint8Array | NumericValue | IntervalValue | TimeTzValue | InetValue | RecordValue;

/** One field of a row type: its name (f1, f2, … for ROW(…)) and its type. */
export interface RecordField {
  readonly name: string;
  readonly oid: number;
  readonly typmod: number;
}

/**
 * A row value (`ROW(1, 'a')`, a whole-row reference `t`): the field values with the fields'
 * types. The static type of such a value is `record` (OID 2249) whatever its fields, so the value
 * carries its fields' types: printing, comparing and hashing it need them. `fields` is shared by
 * every value one expression produces; only `values` is per row.
 */
export class RecordValue {
  constructor(readonly fields: readonly RecordField[], readonly values: readonly SqlValue[]) {}
}

/**
 * Arbitrary-precision decimal: value = coefficient × 10^-scale, scale >= 0.
 * `special` marks NaN and the infinities (coefficient 0, scale 0 then).
 */
export interface NumericValue {
  readonly coefficient: bigint;
  readonly scale: number;
  readonly special?: 'NaN' | 'Infinity' | '-Infinity';
}

export interface IntervalValue {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
}

/**
 * A time with time zone, as PostgreSQL's TimeTzADT keeps it: the local time of day in µs (0 to
 * 24:00:00 inclusive) and the zone's offset in seconds WEST of UTC (so `13:45+02` has zone
 * -7200; output prints the offset -zone). A class, so that code over values of any type can tell
 * it from the other object-valued representations.
 */
export class TimeTzValue {
  constructor(readonly micros: bigint, readonly zone: number) {}
}

/**
 * An inet or cidr value, as PostgreSQL's inet struct keeps it: the address family (4 or 6), the
 * netmask length in bits, and the address (4 or 16 bytes, network order). A cidr has no bit set
 * right of the mask. The value does not say which of the two types it is: as in PostgreSQL,
 * cidr → inet is binary coercible, and the static type picks the output function. A class, so
 * that code over values of any type can tell it from the other object-valued representations.
 */
export class InetValue {
  constructor(readonly family: 4 | 6, readonly bits: number, readonly address: Uint8Array) {}
}

/** PostgreSQL stores ±infinity timestamps as the extreme int64 values. */
export const TIMESTAMP_INFINITY = 0x7fffffffffffffffn;

/** Type OIDs as PostgreSQL assigns them (pg_type.oid); clients rely on these numbers. */
export const TypeOid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  regproc: 24,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timetz: 1266,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  regclass: 2205,
  regtype: 2206,
  regnamespace: 4089,
  regrole: 4096,
  uuid: 2950,
  inet: 869,
  cidr: 650,
  jsonb: 3802,
  jsonpath: 4072,
  record: 2249,
  void: 2278,
  nameArray: 1003,
  int2Array: 1005,
  int4Array: 1007,
  textArray: 1009,
  int8Array: 1016,
  oidArray: 1028,
  float8Array: 1022,
} as const;
export type TypeOidValue = (typeof TypeOid)[keyof typeof TypeOid];
