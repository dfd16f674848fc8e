import { SqlError } from '../../contracts/errors.js';
import { InetValue } from '../../contracts/sql-value.js';

/**
 * inet and cidr values in and out, as PostgreSQL 15 reads and prints them: network.c's
 * network_in / network_out / network_recv / network_send, inet_net_pton.c (the parsers, ported
 * step for step so odd inputs fail or pass as they do there), src/port/inet_net_ntop.c (the
 * output form) and inet_cidr_ntop.c (abbrev of a cidr). Addresses are byte arrays in network
 * order; `bits` is the netmask length.
 */

const maxBits = (family: 4 | 6): number => (family === 4 ? 32 : 128);

// ---------------------------------------------------------------------------------------------
// Text input

/** The C parsers read a NUL-terminated string: past its end every character is "\0". */
const END = '';
const charAt = (s: string, i: number): string => (i < s.length ? s[i]! : END);
const isDigit = (c: string): boolean => c.length === 1 && c >= '0' && c <= '9';
const isXDigit = (c: string): boolean => c.length === 1 && /[0-9a-fA-F]/.test(c);
const digitValue = (c: string): number => c.charCodeAt(0) - 48;

/**
 * inet_net_pton_ipv4: four dotted decimal octets, or fewer with a /bits that covers no more
 * than them ('1.2.3/24'); the missing octets are zero. -1 when the text is not one.
 */
function inetPtonIpv4(src: string, dst: Uint8Array): number {
  let p = 0;
  let n = 0;
  let ch: string;
  for (;;) {
    ch = charAt(src, p++);
    if (!isDigit(ch)) break;
    let tmp = 0;
    do {
      tmp = tmp * 10 + digitValue(ch);
      if (tmp > 255) return -1;
      ch = charAt(src, p++);
    } while (ch !== END && isDigit(ch));
    if (n === 4) return -1;
    dst[n++] = tmp;
    if (ch === END || ch === '/') break;
    if (ch !== '.') return -1;
  }
  const mask = slashBits(src, p, ch, n);
  if (mask === null || mask.ch !== END) return -1;
  let bits = mask.bits;
  if (bits === -1) {
    if (n !== 4) return -1;
    bits = 32;
  }
  if (n === 0 || Math.floor(bits / 8) > n) return -1;
  return bits;
}

/** A /bits width from `p` (just past the slash) to the end of the text, at most `max`; else null. */
function readBits(src: string, p: number, max: number): number | null {
  let bits = 0;
  let ch = charAt(src, p++);
  do {
    bits = bits * 10 + digitValue(ch);
    ch = charAt(src, p++);
  } while (ch !== END && isDigit(ch));
  return ch !== END || bits > max ? null : bits;
}

/**
 * inet_cidr_pton_ipv4: a network number — dotted decimal octets, or a 0x hex string — with its
 * /bits, or with a width its class implies when none is given ('10' is 10.0.0.0/8, '192.168'
 * 192.168.0.0/24, '224' 224.0.0.0/4), widened to cover the octets written.
 */
function cidrPtonIpv4(src: string, dst: Uint8Array): number {
  let p = 0;
  let n = 0;
  let ch = charAt(src, p++);
  if (ch === '0' && (charAt(src, p) === 'x' || charAt(src, p) === 'X') && isXDigit(charAt(src, p + 1))) {
    let dirty = 0;
    let tmp = 0;
    p++;
    while ((ch = charAt(src, p++)) !== END && isXDigit(ch)) {
      const nybble = parseInt(ch, 16);
      tmp = dirty === 0 ? nybble : (tmp << 4) | nybble;
      if (++dirty === 2) {
        if (n === 4) return -1;
        dst[n++] = tmp;
        dirty = 0;
      }
    }
    if (dirty) {
      if (n === 4) return -1;
      dst[n++] = (tmp << 4) & 0xff;
    }
  } else if (isDigit(ch)) {
    for (;;) {
      let tmp = 0;
      do {
        tmp = tmp * 10 + digitValue(ch);
        if (tmp > 255) return -1;
      } while ((ch = charAt(src, p++)) !== END && isDigit(ch));
      if (n === 4) return -1;
      dst[n++] = tmp;
      if (ch === END || ch === '/') break;
      if (ch !== '.') return -1;
      ch = charAt(src, p++);
      if (!isDigit(ch)) return -1;
    }
  } else {
    return -1;
  }
  const mask = slashBits(src, p, ch, n);
  if (mask === null || mask.ch !== END || n === 0) return -1;
  let bits = mask.bits;
  if (bits === -1) {
    const first = dst[0]!;
    bits = first >= 240 ? 32 : first >= 224 ? 8 : first >= 192 ? 24 : first >= 128 ? 16 : 8;
    if (bits < n * 8) bits = n * 8;
    // A class D address with nothing after its first octet is the whole class.
    if (bits === 8 && first === 224) bits = 4;
  }
  return bits;
}

/**
 * The `/bits` after an IPv4 address's `n` octets (`ch` the character after them, `p` past it):
 * the width, or -1 with `ch` as it was when there is none; null when the width is malformed.
 */
function slashBits(src: string, p: number, ch: string, n: number): { bits: number; ch: string } | null {
  if (ch !== '/' || !isDigit(charAt(src, p)) || n === 0) return { bits: -1, ch };
  const bits = readBits(src, p, 32);
  return bits === null ? null : { bits, ch: END };
}

/** getbits: the width after an IPv6 address's slash: decimal, no leading zero, at most 128. */
function getBits(src: string, p: number): number | null {
  let val = 0;
  let digits = 0;
  for (let ch = charAt(src, p++); ch !== END; ch = charAt(src, p++)) {
    if (!isDigit(ch)) return null;
    if (digits++ !== 0 && val === 0) return null;
    val = val * 10 + digitValue(ch);
    if (val > 128) return null;
  }
  return digits === 0 ? null : val;
}

/**
 * getv4: the dotted quad that ends an IPv6 address, from `p` into dst at `at` (at most four
 * octets, no leading zeros), then any /bits. Its result: false when it is not one, else the
 * width found (-1 for none).
 */
function getV4(src: string, p: number, dst: Uint8Array, at: number): number | false {
  let val = 0;
  let digits = 0;
  let written = 0;
  for (let ch = charAt(src, p++); ch !== END; ch = charAt(src, p++)) {
    if (isDigit(ch)) {
      if (digits++ !== 0 && val === 0) return false;
      val = val * 10 + digitValue(ch);
      if (val > 255) return false;
      continue;
    }
    if (ch === '.' || ch === '/') {
      if (written > 3) return false;
      dst[at + written++] = val;
      if (ch === '/') return getBits(src, p) ?? false;
      val = 0;
      digits = 0;
      continue;
    }
    return false;
  }
  if (digits === 0 || written > 3) return false;
  dst[at + written] = val;
  return -1;
}

/**
 * inet_cidr_pton_ipv6 (inet and cidr read IPv6 alike): groups of up to four hex digits, one
 * `::` for a run of zero groups, a dotted quad at the end, then /bits (128 when absent).
 */
function ptonIpv6(src: string, dst: Uint8Array): number {
  const tmp = new Uint8Array(16);
  let tp = 0;
  let colonp = -1;
  let p = 0;
  if (charAt(src, p) === ':') {
    if (charAt(src, ++p) !== ':') return -1;
  }
  let curtok = p;
  let sawXDigit = false;
  let val = 0;
  let digits = 0;
  let bits = -1;
  for (let ch = charAt(src, p++); ch !== END; ch = charAt(src, p++)) {
    if (isXDigit(ch)) {
      val = (val << 4) | parseInt(ch, 16);
      if (++digits > 4) return -1;
      sawXDigit = true;
      continue;
    }
    if (ch === ':') {
      curtok = p;
      if (!sawXDigit) {
        if (colonp >= 0) return -1;
        colonp = tp;
        continue;
      } else if (charAt(src, p) === END) {
        return -1;
      }
      if (tp + 2 > 16) return -1;
      tmp[tp++] = (val >> 8) & 0xff;
      tmp[tp++] = val & 0xff;
      sawXDigit = false;
      digits = 0;
      val = 0;
      continue;
    }
    if (ch === '.' && tp + 4 <= 16) {
      const v4 = getV4(src, curtok, tmp, tp);
      if (v4 !== false) {
        bits = v4;
        tp += 4;
        sawXDigit = false;
        break;
      }
    }
    if (ch === '/') {
      const width = getBits(src, p);
      if (width !== null) {
        bits = width;
        break;
      }
    }
    return -1;
  }
  if (sawXDigit) {
    if (tp + 2 > 16) return -1;
    tmp[tp++] = (val >> 8) & 0xff;
    tmp[tp++] = val & 0xff;
  }
  if (bits === -1) bits = 128;
  if (colonp >= 0) {
    // Shift what followed the :: to the end; the run of zeros between is the ::.
    const n = tp - colonp;
    if (tp === 16) return -1;
    for (let i = 1; i <= n; i++) {
      tmp[16 - i] = tmp[colonp + n - i]!;
      tmp[colonp + n - i] = 0;
    }
    tp = 16;
  }
  if (tp !== 16) return -1;
  dst.set(tmp);
  return bits;
}

/** addressOK: no bit of the address is set right of the mask (what a cidr requires). */
function hostBitsClear(address: Uint8Array, bits: number): boolean {
  for (let i = 0; i < address.length; i++) {
    const kept = bits - 8 * i;
    if (kept >= 8) continue;
    const hostMask = kept <= 0 ? 0xff : 0xff >> kept;
    if ((address[i]! & hostMask) !== 0) return false;
  }
  return true;
}

/**
 * network_in: an address with a colon is IPv6, anything else IPv4; a cidr's host bits must be
 * zero. Both errors are 22P02, as in PostgreSQL.
 */
export function parseInet(text: string, cidr: boolean): InetValue {
  const family: 4 | 6 = text.includes(':') ? 6 : 4;
  const address = new Uint8Array(family === 4 ? 4 : 16);
  const bits = family === 6 ? ptonIpv6(text, address) : cidr ? cidrPtonIpv4(text, address) : inetPtonIpv4(text, address);
  if (bits < 0 || bits > maxBits(family)) {
    throw new SqlError('22P02', `invalid input syntax for type ${cidr ? 'cidr' : 'inet'}: "${text}"`);
  }
  if (cidr && !hostBitsClear(address, bits)) {
    throw new SqlError('22P02', `invalid cidr value: "${text}"`, { detail: 'Value has bits set to right of mask.' });
  }
  return new InetValue(family, bits, address);
}

// ---------------------------------------------------------------------------------------------
// Order

/**
 * bitncmp: the first `n` bits of two addresses, compared as unsigned numbers. Whole bytes compare
 * as glibc's memcmp does, by the difference of the first bytes that differ, which network_cmp()
 * shows; a partial byte gives ±1.
 */
export function bitncmp(l: Uint8Array, r: Uint8Array, n: number): number {
  const whole = Math.floor(n / 8);
  for (let i = 0; i < whole; i++) {
    if (l[i] !== r[i]) return l[i]! - r[i]!;
  }
  const rest = n % 8;
  if (rest === 0) return 0;
  const mask = (0xff << (8 - rest)) & 0xff;
  const a = l[whole]! & mask;
  const b = r[whole]! & mask;
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * network_cmp: IPv4 before IPv6; then the bits both masks cover, then the mask length, then the
 * whole address. So 10.0.0.0/8 < 10.0.0.0/16 < 10.0.0.1/16, and inet and cidr values compare
 * alike (1.2.3.0/24 as inet equals it as cidr).
 */
export function compareInet(a: InetValue, b: InetValue): number {
  // The differences themselves are what network_cmp() returns: the wire families differ by one.
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  const network = bitncmp(a.address, b.address, Math.min(a.bits, b.bits));
  if (network !== 0) return network;
  if (a.bits !== b.bits) return a.bits - b.bits;
  return bitncmp(a.address, b.address, maxBits(a.family));
}

// ---------------------------------------------------------------------------------------------
// Text output

/**
 * pg_inet_net_ntop: IPv4 as four octets; IPv6 in hex groups with the longest run of two or more
 * zero groups as `::` and an embedded IPv4 address (::a.b.c.d, ::ffff:a.b.c.d) dotted. The
 * width follows a slash unless it is the family's whole length (or `bits` is null).
 */
function ntop(v: InetValue, bits: number | null): string {
  const a = v.address;
  let out: string;
  if (v.family === 4) {
    out = `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  } else {
    const words: number[] = [];
    for (let i = 0; i < 8; i++) words.push((a[2 * i]! << 8) | a[2 * i + 1]!);
    const best = longestZeroRun(words);
    out = '';
    for (let i = 0; i < 8; i++) {
      if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
        if (i === best.base) out += ':';
        continue;
      }
      if (i !== 0) out += ':';
      if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 7 && words[7] !== 0x0001) || (best.len === 5 && words[5] === 0xffff))) {
        out += `${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
        break;
      }
      out += words[i]!.toString(16);
    }
    if (best.base !== -1 && best.base + best.len === 8) out += ':';
  }
  return bits !== null && bits !== maxBits(v.family) ? `${out}/${bits}` : out;
}

/** The first longest run of zero words, if at least two long (inet_net_ntop_ipv6's `best`). */
function longestZeroRun(words: readonly number[]): { base: number; len: number } {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < words.length; i++) {
    if (words[i] === 0) {
      if (cur.base === -1) cur = { base: i, len: 1 };
      else cur.len++;
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  return best.len < 2 ? { base: -1, len: 0 } : best;
}

/** network_out: inet_out omits a full-length width, cidr_out always shows it. */
export function formatInet(v: InetValue, cidr: boolean): string {
  const text = ntop(v, v.bits);
  return cidr && !text.includes('/') ? `${text}/${v.bits}` : text;
}

/** network_show, the cast to text: the whole address and always its width. */
export function inetShow(v: InetValue): string {
  return `${ntop(v, null)}/${v.bits}`;
}

/** network_host, host(): the whole address without a width. */
export function inetHost(v: InetValue): string {
  return ntop(v, null);
}

/**
 * inet_cidr_ntop, abbrev(cidr): only the octets (IPv4) or words (IPv6) the mask covers, host
 * bits cleared, then the width: 10.1.0.0/16 is 10.1/16.
 */
export function cidrAbbrev(v: InetValue): string {
  return v.family === 4 ? cidrNtopIpv4(v.address, v.bits) : cidrNtopIpv6(v.address, v.bits);
}

function cidrNtopIpv4(src: Uint8Array, bits: number): string {
  let out = bits === 0 ? '0' : '';
  const whole = Math.floor(bits / 8);
  for (let b = 0; b < whole; b++) out += (b > 0 ? '.' : '') + src[b];
  const partial = bits % 8;
  if (partial > 0) {
    const mask = ((1 << partial) - 1) << (8 - partial);
    out += (out !== '' ? '.' : '') + (src[whole]! & mask);
  }
  return `${out}/${bits}`;
}

function cidrNtopIpv6(src: Uint8Array, bits: number): string {
  if (bits === 0) return `::/${bits}`;
  const s = new Uint8Array(16);
  const covered = Math.ceil(bits / 8);
  s.set(src.subarray(0, covered));
  if (bits % 8 !== 0) s[covered - 1] = s[covered - 1]! & (0xff << (8 - (bits % 8)));
  let words = Math.ceil(bits / 16);
  if (words === 1) words = 2;
  // The longest run of zero words among those shown (the first, when runs tie).
  let zeroStart = 0;
  let zeroLen = 0;
  let runStart = 0;
  let runLen = 0;
  for (let i = 0; i < words; i++) {
    if ((s[2 * i]! | s[2 * i + 1]!) === 0) {
      if (runLen === 0) runStart = i;
      runLen++;
    } else if (runLen && zeroLen < runLen) {
      zeroStart = runStart;
      zeroLen = runLen;
      runLen = 0;
    }
  }
  if (runLen && zeroLen < runLen) {
    zeroStart = runStart;
    zeroLen = runLen;
  }
  const ipv4 = zeroLen !== words && zeroStart === 0
    && (zeroLen === 6 || (zeroLen === 5 && s[10] === 0xff && s[11] === 0xff) || (zeroLen === 7 && s[14] !== 0 && s[15] !== 1));
  let out = '';
  for (let p = 0; p < words; p++) {
    if (zeroLen !== 0 && p >= zeroStart && p < zeroStart + zeroLen) {
      if (p === zeroStart) out += ':';
      if (p === words - 1) out += ':';
      continue;
    }
    if (ipv4 && p > 5) {
      out += (p === 6 ? ':' : '.') + s[2 * p];
      // The last octet may be left out.
      if (p !== 7 || bits > 120) out += '.' + s[2 * p + 1];
    } else {
      if (out !== '') out += ':';
      out += ((s[2 * p]! << 8) | s[2 * p + 1]!).toString(16);
    }
  }
  return `${out}/${bits}`;
}

// ---------------------------------------------------------------------------------------------
// Binary I/O

/** The family byte on the wire: PGSQL_AF_INET (AF_INET, 2) and PGSQL_AF_INET6 (AF_INET + 1). */
const WIRE_FAMILY = { 4: 2, 6: 3 } as const;

/** network_send: family, bits, is_cidr, address length, then the address. */
export function inetToBinary(v: InetValue, cidr: boolean): Uint8Array {
  const out = new Uint8Array(4 + v.address.length);
  out[0] = WIRE_FAMILY[v.family];
  out[1] = v.bits;
  out[2] = cidr ? 1 : 0;
  out[3] = v.address.length;
  out.set(v.address, 4);
  return out;
}

/**
 * network_recv: the is_cidr byte is read and ignored; a cidr's host bits must be clear. Input
 * that ends early fails as pq_getmsgbyte does. Bytes after the address are the caller's to
 * refuse (binaryInetLength).
 */
export function inetFromBinary(bytes: Uint8Array, cidr: boolean): InetValue {
  const typeName = cidr ? 'cidr' : 'inet';
  const byte = (i: number): number => {
    if (i >= bytes.length) throw new SqlError('08P01', 'no data left in message');
    return bytes[i]!;
  };
  const wireFamily = byte(0);
  if (wireFamily !== WIRE_FAMILY[4] && wireFamily !== WIRE_FAMILY[6]) {
    throw new SqlError('22P03', `invalid address family in external "${typeName}" value`);
  }
  const family: 4 | 6 = wireFamily === WIRE_FAMILY[4] ? 4 : 6;
  const bits = byte(1);
  if (bits > maxBits(family)) throw new SqlError('22P03', `invalid bits in external "${typeName}" value`);
  byte(2);
  const length = byte(3);
  if (length !== (family === 4 ? 4 : 16)) throw new SqlError('22P03', `invalid length in external "${typeName}" value`);
  const address = new Uint8Array(length);
  for (let i = 0; i < length; i++) address[i] = byte(4 + i);
  if (cidr && !hostBitsClear(address, bits)) {
    throw new SqlError('22P03', 'invalid external "cidr" value', { detail: 'Value has bits set to right of mask.' });
  }
  return new InetValue(family, bits, address);
}

/** How many bytes network_recv reads of a value it accepted: the header and the address. */
export function binaryInetLength(bytes: Uint8Array): number {
  return 4 + (bytes[3] ?? 0);
}
