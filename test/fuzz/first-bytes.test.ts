/**
 * Fuzzing the shared port's peek (src/control/first-bytes.ts), which reads untrusted bytes
 * before any authentication: real ClientHellos (node:tls, with and without SNI) and
 * SSLRequest/startup packets, mutated from fixed seeds. Every call must return a verdict of the
 * documented kinds, never throw; a whole input fed a byte at a time must give the same verdict.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFirstBytes, MAX_PEEK_BYTES, type PeekVerdict } from '../../src/control/first-bytes.js';
import { routeConnection } from '../../src/control/connection-route.js';
import { mutate, Prng } from './mutate.js';
import { clientHello } from '../support/client-hello.js';

const ITERATIONS = 4000;
const KINDS = new Set(['more', 'ssl-request', 'gssenc-request', 'plain', 'tls', 'malformed']);

const ENDPOINT = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws';
const SSL_REQUEST = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const STARTUP = Uint8Array.from(Buffer.concat([
  Buffer.from([0, 0, 0, 41, 0, 3, 0, 0]), Buffer.from('user\0admin\0database\0postgres\0\0', 'latin1'),
]));

function checkVerdict(verdict: PeekVerdict): void {
  assert.ok(KINDS.has(verdict.kind), `unknown verdict ${verdict.kind}`);
  if (verdict.kind === 'tls') assert.ok(verdict.serverName === null || typeof verdict.serverName === 'string');
  if (verdict.kind === 'malformed') assert.equal(typeof verdict.reason, 'string');
}

let hellos: Uint8Array[];

before(async () => {
  hellos = [await clientHello(ENDPOINT), await clientHello('localhost'), await clientHello(undefined)];
});

test('mutated ClientHellos, SSLRequests and startups: a verdict every time, never a throw', () => {
  const random = new Prng(0x5eed01);
  const seeds = [...hellos, SSL_REQUEST, STARTUP];
  const seen = new Map<string, number>();
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(random, random.pick(seeds));
    for (const afterSslRequest of [false, true]) {
      const verdict = classifyFirstBytes(input, afterSslRequest);
      checkVerdict(verdict);
      seen.set(verdict.kind, (seen.get(verdict.kind) ?? 0) + 1);
      if (verdict.kind === 'tls' && verdict.serverName !== null) {
        // Whatever name the bytes carry, routing answers (no plane: the default cluster).
        assert.ok(['default', 'refuse'].includes(routeConnection(verdict.serverName, 'default.dsql.us-east-1.on.aws', null).kind));
      }
    }
  }
  // The mutations reach every branch that matters, or the test proves little.
  for (const kind of ['more', 'plain', 'tls', 'malformed']) assert.ok((seen.get(kind) ?? 0) > 0, `no input gave ${kind}`);
});

test('random junk of any length up to the peek limit: a verdict, never a throw', () => {
  const random = new Prng(0x5eed02);
  for (let i = 0; i < 300; i++) {
    const input = random.bytes(random.int(MAX_PEEK_BYTES + 64));
    if (random.int(2) === 0 && input.length > 0) input[0] = 0x16; // a TLS record header, then junk
    checkVerdict(classifyFirstBytes(input, random.int(2) === 0));
  }
});

test('a ClientHello fed a byte at a time gives the whole one\'s verdict, and only at its end', () => {
  for (const hello of hellos) {
    const whole = classifyFirstBytes(hello, true);
    assert.equal(whole.kind, 'tls');
    for (let length = 1; length < hello.length; length++) assert.equal(classifyFirstBytes(hello.subarray(0, length), true).kind, 'more');
  }
});

test('a ClientHello split across many one-byte TLS records still gives its SNI', () => {
  // The handshake message may span records (RFC 8446 §5.1); a client may fragment it to the byte.
  const hello = hellos[0]!;
  const message = hello.subarray(5);
  const records: number[] = [];
  for (const byte of message) records.push(0x16, 0x03, 0x01, 0x00, 0x01, byte);
  const verdict = classifyFirstBytes(Uint8Array.from(records), true);
  // Six bytes per message byte may not fit the peek's bound: then it is refused, never read on.
  if (records.length <= MAX_PEEK_BYTES) assert.deepEqual(verdict, { kind: 'tls', serverName: ENDPOINT });
  else assert.equal(verdict.kind, 'malformed');
});
