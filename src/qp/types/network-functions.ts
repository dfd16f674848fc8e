import { SqlError } from '../../contracts/errors.js';
import { InetValue, TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { bitncmp, cidrAbbrev, compareInet, formatInet, inetHost, inetShow, inetToBinary } from './network.js';

/**
 * The operators and functions of inet and cidr (PostgreSQL 15's network.c). They are declared on
 * inet: a cidr reaches them through the implicit binary-coercible cast, as in pg_operator and
 * pg_proc, except where a cidr version exists (abbrev, set_masklen).
 */
type DefineOperator = (name: string, left: number | null, right: number, result: number, impl: (a: SqlValue, b: SqlValue) => SqlValue) => void;
type DefineFunction = (name: string, args: number[], result: number, impl: (args: SqlValue[]) => SqlValue) => void;

const { inet: INET, cidr: CIDR, int4: I4, int8: I8, bool: B, text: T } = TypeOid;
const ip = (v: SqlValue): InetValue => v as InetValue;
const maxBits = (v: InetValue): number => (v.family === 4 ? 32 : 128);

/** cidr_set_masklen_internal: the address cut to `bits`, the rest zero (inet → cidr, network()). */
export function networkOf(v: InetValue, bits: number): InetValue {
  const address = new Uint8Array(v.address.length);
  for (let i = 0; i < address.length; i++) {
    const kept = bits - 8 * i;
    address[i] = kept >= 8 ? v.address[i]! : kept <= 0 ? 0 : v.address[i]! & (0xff << (8 - kept));
  }
  return new InetValue(v.family, bits, address);
}

/** The mask's bytes: `bits` ones from the left (reversed: from the right). */
function maskBytes(family: 4 | 6, bits: number, fromRight: boolean): Uint8Array {
  const out = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = 0; i < out.length; i++) {
    const index = fromRight ? out.length - 1 - i : i;
    const ones = Math.max(0, Math.min(8, bits - 8 * i));
    out[index] = fromRight ? (0xff >> (8 - ones)) & 0xff : (0xff << (8 - ones)) & 0xff;
  }
  return out;
}

function broadcast(v: InetValue): InetValue {
  const host = maskBytes(v.family, maxBits(v) - v.bits, true);
  return new InetValue(v.family, v.bits, v.address.map((b, i) => b | host[i]!));
}

/** inet_set_masklen / cidr_set_masklen: -1 is the family's whole length. */
function setMasklen(v: InetValue, requested: number, cidr: boolean): InetValue {
  const bits = requested === -1 ? maxBits(v) : requested;
  if (bits < 0 || bits > maxBits(v)) throw new SqlError('22023', `invalid mask length: ${requested}`);
  return cidr ? networkOf(v, bits) : new InetValue(v.family, bits, v.address);
}

/** inetand / inetor: the addresses bytewise, the longer mask. */
function bitwise(a: InetValue, b: InetValue, verb: 'AND' | 'OR'): InetValue {
  if (a.family !== b.family) throw new SqlError('22023', `cannot ${verb} inet values of different sizes`);
  const address = a.address.map((x, i) => (verb === 'AND' ? x & b.address[i]! : x | b.address[i]!));
  return new InetValue(a.family, Math.max(a.bits, b.bits), address);
}

const toBigint = (address: Uint8Array): bigint => address.reduce((n, b) => (n << 8n) | BigInt(b), 0n);

function fromBigint(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** internal_inetpl: the address plus a signed number, 22003 when it leaves the family's range. */
function plus(v: InetValue, addend: bigint): InetValue {
  const sum = toBigint(v.address) + addend;
  if (sum < 0n || sum >= 1n << BigInt(8 * v.address.length)) throw new SqlError('22003', 'result is out of range');
  return new InetValue(v.family, v.bits, fromBigint(sum, v.address.length));
}

/** inetmi: the difference of two addresses of one family, which must fit a bigint. */
function minus(a: InetValue, b: InetValue): bigint {
  if (a.family !== b.family) throw new SqlError('22023', 'cannot subtract inet values of different sizes');
  const difference = toBigint(a.address) - toBigint(b.address);
  if (difference !== BigInt.asIntN(64, difference)) throw new SqlError('22003', 'result is out of range');
  return difference;
}

/** bitncommon: how many leading bits (up to n) two addresses share. */
function bitncommon(l: Uint8Array, r: Uint8Array, n: number): number {
  let bits = 0;
  while (bits < n) {
    const byte = bits >> 3;
    const bit = 0x80 >> (bits & 7);
    if ((l[byte]! & bit) !== (r[byte]! & bit)) break;
    bits++;
  }
  return bits;
}

/** inet_merge: the smallest network holding both. */
function merge(a: InetValue, b: InetValue): InetValue {
  if (a.family !== b.family) throw new SqlError('22023', 'cannot merge addresses from different families');
  return networkOf(a, bitncommon(a.address, b.address, Math.min(a.bits, b.bits)));
}

/** The inclusion tests: addresses of different families are never inside one another. */
const contains = (outer: InetValue, inner: InetValue, strict: boolean): boolean =>
  outer.family === inner.family && (strict ? outer.bits < inner.bits : outer.bits <= inner.bits) && bitncmp(outer.address, inner.address, outer.bits) === 0;
const overlaps = (a: InetValue, b: InetValue): boolean => a.family === b.family && bitncmp(a.address, b.address, Math.min(a.bits, b.bits)) === 0;

export function defineNetworkOperators(op: DefineOperator): void {
  for (const [name, test] of [['=', (c: number) => c === 0], ['<>', (c: number) => c !== 0], ['<', (c: number) => c < 0], ['<=', (c: number) => c <= 0], ['>', (c: number) => c > 0], ['>=', (c: number) => c >= 0]] as const) {
    op(name, INET, INET, B, (a, b) => test(compareInet(ip(a), ip(b))));
  }
  op('<<', INET, INET, B, (a, b) => contains(ip(b), ip(a), true));
  op('<<=', INET, INET, B, (a, b) => contains(ip(b), ip(a), false));
  op('>>', INET, INET, B, (a, b) => contains(ip(a), ip(b), true));
  op('>>=', INET, INET, B, (a, b) => contains(ip(a), ip(b), false));
  op('&&', INET, INET, B, (a, b) => overlaps(ip(a), ip(b)));
  op('~', null, INET, INET, (_a, b) => new InetValue(ip(b).family, ip(b).bits, ip(b).address.map((x) => ~x & 0xff)));
  op('&', INET, INET, INET, (a, b) => bitwise(ip(a), ip(b), 'AND'));
  op('|', INET, INET, INET, (a, b) => bitwise(ip(a), ip(b), 'OR'));
  op('+', INET, I8, INET, (a, b) => plus(ip(a), b as bigint));
  op('+', I8, INET, INET, (a, b) => plus(ip(b), a as bigint));
  // inetmi_int8 negates in C's int64: -(-2^63) is -2^63 again.
  op('-', INET, I8, INET, (a, b) => plus(ip(a), BigInt.asIntN(64, -(b as bigint))));
  op('-', INET, INET, I8, (a, b) => minus(ip(a), ip(b)));
}

export function defineNetworkFunctions(fn: DefineFunction): void {
  fn('host', [INET], T, (a) => inetHost(ip(a[0]!)));
  fn('text', [INET], T, (a) => inetShow(ip(a[0]!)));
  fn('abbrev', [INET], T, (a) => formatInet(ip(a[0]!), false));
  fn('abbrev', [CIDR], T, (a) => cidrAbbrev(ip(a[0]!)));
  fn('masklen', [INET], I4, (a) => ip(a[0]!).bits);
  fn('family', [INET], I4, (a) => ip(a[0]!).family);
  fn('set_masklen', [INET, I4], INET, (a) => setMasklen(ip(a[0]!), a[1] as number, false));
  fn('set_masklen', [CIDR, I4], CIDR, (a) => setMasklen(ip(a[0]!), a[1] as number, true));
  fn('cidr', [INET], CIDR, (a) => networkOf(ip(a[0]!), ip(a[0]!).bits));
  fn('network', [INET], CIDR, (a) => networkOf(ip(a[0]!), ip(a[0]!).bits));
  fn('broadcast', [INET], INET, (a) => broadcast(ip(a[0]!)));
  fn('netmask', [INET], INET, (a) => { const v = ip(a[0]!); return new InetValue(v.family, maxBits(v), maskBytes(v.family, v.bits, false)); });
  fn('hostmask', [INET], INET, (a) => { const v = ip(a[0]!); return new InetValue(v.family, maxBits(v), maskBytes(v.family, maxBits(v) - v.bits, true)); });
  fn('inet_same_family', [INET, INET], B, (a) => ip(a[0]!).family === ip(a[1]!).family);
  fn('inet_merge', [INET, INET], CIDR, (a) => merge(ip(a[0]!), ip(a[1]!)));
  // The operators' functions, callable by name as in PostgreSQL.
  const compare = (a: SqlValue[]): number => compareInet(ip(a[0]!), ip(a[1]!));
  fn('network_cmp', [INET, INET], I4, (a) => compare(a));
  fn('network_eq', [INET, INET], B, (a) => compare(a) === 0);
  fn('network_ne', [INET, INET], B, (a) => compare(a) !== 0);
  fn('network_lt', [INET, INET], B, (a) => compare(a) < 0);
  fn('network_le', [INET, INET], B, (a) => compare(a) <= 0);
  fn('network_gt', [INET, INET], B, (a) => compare(a) > 0);
  fn('network_ge', [INET, INET], B, (a) => compare(a) >= 0);
  fn('network_larger', [INET, INET], INET, (a) => (compare(a) > 0 ? a[0]! : a[1]!));
  fn('network_smaller', [INET, INET], INET, (a) => (compare(a) < 0 ? a[0]! : a[1]!));
  fn('network_sub', [INET, INET], B, (a) => contains(ip(a[1]!), ip(a[0]!), true));
  fn('network_subeq', [INET, INET], B, (a) => contains(ip(a[1]!), ip(a[0]!), false));
  fn('network_sup', [INET, INET], B, (a) => contains(ip(a[0]!), ip(a[1]!), true));
  fn('network_supeq', [INET, INET], B, (a) => contains(ip(a[0]!), ip(a[1]!), false));
  fn('network_overlap', [INET, INET], B, (a) => overlaps(ip(a[0]!), ip(a[1]!)));
  fn('inetnot', [INET], INET, (a) => new InetValue(ip(a[0]!).family, ip(a[0]!).bits, ip(a[0]!).address.map((x) => ~x & 0xff)));
  fn('inetand', [INET, INET], INET, (a) => bitwise(ip(a[0]!), ip(a[1]!), 'AND'));
  fn('inetor', [INET, INET], INET, (a) => bitwise(ip(a[0]!), ip(a[1]!), 'OR'));
  fn('inetpl', [INET, I8], INET, (a) => plus(ip(a[0]!), a[1] as bigint));
  fn('int8pl_inet', [I8, INET], INET, (a) => plus(ip(a[1]!), a[0] as bigint));
  fn('inetmi_int8', [INET, I8], INET, (a) => plus(ip(a[0]!), BigInt.asIntN(64, -(a[1] as bigint))));
  fn('inetmi', [INET, INET], I8, (a) => minus(ip(a[0]!), ip(a[1]!)));
  fn('inet_send', [INET], TypeOid.bytea, (a) => inetToBinary(ip(a[0]!), false));
  fn('cidr_send', [CIDR], TypeOid.bytea, (a) => inetToBinary(ip(a[0]!), true));
}
