/**
 * Fuzzing the PostgreSQL wire decoder (src/wire/frontend.ts), which reads every byte a client
 * sends before and after authentication: real message streams (startup, simple and extended
 * query, COPY), mutated from fixed seeds and fed in random splits. The only error allowed is
 * ProtocolError (the connection answers FATAL 08P01); what it decodes is the same however the
 * bytes are split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrontendDecoder, ProtocolError, type FrontendMessage } from '../../src/wire/frontend.js';
import { mutate, Prng } from './mutate.js';

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstr = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');
const int16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };

const STARTUP_BODY = Buffer.concat([int32(196608), cstr('user'), cstr('admin'), cstr('database'), cstr('postgres'), Buffer.from([0])]);
const STARTUP = Buffer.concat([int32(STARTUP_BODY.length + 4), STARTUP_BODY]);
const SESSION = Buffer.concat([
  message('p', cstr('token')),
  message('Q', cstr('SELECT 1; SELECT \'é\'')),
  message('P', Buffer.concat([cstr('s1'), cstr('SELECT $1::int, $2::text'), int16(2), int32(23), int32(25)])),
  message('B', Buffer.concat([cstr(''), cstr('s1'), int16(1), int16(0), int16(2), int32(1), Buffer.from('7'), int32(-1), int16(1), int16(1)])),
  message('D', Buffer.concat([Buffer.from('P'), cstr('')])),
  message('E', Buffer.concat([cstr(''), int32(0)])),
  message('C', Buffer.concat([Buffer.from('S'), cstr('s1')])),
  message('S', Buffer.alloc(0)),
  message('d', Buffer.from('1\tone\n')),
  message('c', Buffer.alloc(0)),
  message('f', cstr('no')),
  message('H', Buffer.alloc(0)),
  message('X', Buffer.alloc(0)),
]);

/** Decodes `bytes` fed in random chunks: the messages, or the ProtocolError (any other throw fails). */
function decode(random: Prng, bytes: Uint8Array, startupPhase: boolean): FrontendMessage[] | ProtocolError {
  const decoder = new FrontendDecoder();
  decoder.startupPhase = startupPhase;
  const out: FrontendMessage[] = [];
  try {
    for (let at = 0; at < bytes.length;) {
      const size = 1 + random.int(Math.min(bytes.length - at, random.int(2) === 0 ? 7 : 4096));
      out.push(...decoder.feed(bytes.subarray(at, at + size)));
      at += size;
    }
    return out;
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
}

test('mutated startup packets and sessions: messages or a ProtocolError, never another throw', () => {
  const random = new Prng(0x5eed31);
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const startup = random.int(3) === 0;
    const input = mutate(random, startup ? Buffer.concat([STARTUP, SESSION]) : SESSION);
    if (decode(random, input, startup) instanceof ProtocolError) refused++;
  }
  assert.ok(refused > 0 && refused < 3000, `${refused} of 3000 refused`);
});

test('the same bytes decode to the same messages however they are split', () => {
  const random = new Prng(0x5eed32);
  for (let i = 0; i < 300; i++) {
    const input = mutate(random, SESSION);
    const one = decode(new Prng(i + 1), input, false);
    const two = decode(new Prng(i + 1000), input, false);
    if (one instanceof ProtocolError || two instanceof ProtocolError) {
      // A refusal may come after some messages, but never for one split and not the other.
      assert.equal(one instanceof ProtocolError, two instanceof ProtocolError);
      continue;
    }
    assert.deepEqual(one, two);
  }
});

test('a length field claiming more than the limit is refused at once, not waited for', () => {
  const decoder = new FrontendDecoder();
  decoder.startupPhase = false;
  assert.throws(() => decoder.feed(Buffer.concat([Buffer.from('Q'), int32(0x7fffffff)])), ProtocolError);
  const startup = new FrontendDecoder();
  assert.throws(() => startup.feed(int32(-1)), ProtocolError);
  assert.throws(() => new FrontendDecoder().feed(int32(10_001)), ProtocolError);
});
