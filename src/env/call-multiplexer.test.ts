import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, FakeTimers } from '../sim/fake-clock.js';
import { approximateBytes, batchesOf, CallMultiplexer, MAX_BATCH_BYTES, type CallFailures, type CallMessage, type IncomingAnswer, type OutgoingCall } from './call-multiplexer.js';

class FailedCall extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

const failures: CallFailures = {
  deadlineExceeded: (method) => new FailedCall(`deadline ${method}`),
  streamLost: (error) => new FailedCall(`lost: ${error?.message ?? 'ended'}`),
};

/** A stream whose other side the test plays: it sees each batch sent and answers or breaks. */
class FakeStream {
  readonly batches: OutgoingCall[][] = [];
  endedByCaller = false;
  constructor(readonly onAnswers: (answers: readonly IncomingAnswer[]) => void, readonly onEnd: (error: Error | null) => void) {}
  get calls(): OutgoingCall[] {
    return this.batches.flat();
  }
  answer(id: number, reply: CallMessage): void {
    this.onAnswers([{ id, reply }]);
  }
}

function harness() {
  const clock = new FakeClock(1_000_000);
  const timers = new FakeTimers(clock);
  const streams: FakeStream[] = [];
  const multiplexer = new CallMultiplexer((onAnswers, onEnd) => {
    const stream = new FakeStream(onAnswers, onEnd);
    streams.push(stream);
    return { send: (calls) => { stream.batches.push([...calls]); }, end: () => { stream.endedByCaller = true; } };
  }, timers, failures);
  return { timers, streams, multiplexer };
}

/** Lets microtasks (the fake setImmediate) and settled promises run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Records how each call settled, and how often (a call settled twice would show here). */
function track(promise: Promise<CallMessage>, log: string[]): void {
  promise.then((reply) => log.push(`ok ${JSON.stringify(reply)}`), (error: Error) => log.push(`failed ${error.message}`));
}

test('calls made in one turn go out as one batch and each gets the reply with its own id, in any order', async () => {
  const { streams, multiplexer } = harness();
  const replies = [multiplexer.call('Get', { key: 'a' }, 1_000), multiplexer.call('Read', { key: 'b' }, 1_000), multiplexer.call('Commit', { key: 'c' }, 1_000)];
  await turn();
  assert.equal(streams.length, 1);
  assert.equal(streams[0]!.batches.length, 1, 'three calls of one turn travel as one message');
  const sent = streams[0]!.calls;
  assert.deepEqual(sent.map((c) => c.method), ['Get', 'Read', 'Commit']);
  assert.equal(new Set(sent.map((c) => c.id)).size, 3, 'ids are distinct');
  // Answered in reverse order, each with its request's key.
  streams[0]!.onAnswers([...sent].reverse().map((c) => ({ id: c.id, reply: { echo: c.request['key'] } })));
  assert.deepEqual(await Promise.all(replies), [{ echo: 'a' }, { echo: 'b' }, { echo: 'c' }]);
  assert.equal(multiplexer.pending, 0);
  // A later call reuses the open stream.
  const later = multiplexer.call('Get', { key: 'd' }, 1_000);
  await turn();
  assert.equal(streams.length, 1);
  streams[0]!.answer(streams[0]!.calls[3]!.id, { echo: 'd' });
  assert.deepEqual(await later, { echo: 'd' });
});

test('an error answer fails only its own call', async () => {
  const { streams, multiplexer } = harness();
  const log: string[] = [];
  track(multiplexer.call('Get', {}, 1_000), log);
  track(multiplexer.call('Get', {}, 1_000), log);
  await turn();
  const [first, second] = streams[0]!.calls;
  streams[0]!.onAnswers([{ id: first!.id, error: new FailedCall('refused') }, { id: second!.id, reply: { value: 1 } }]);
  await turn();
  assert.deepEqual(log.sort(), ['failed refused', 'ok {"value":1}']);
});

test('a broken stream fails every call sent or queued on it with its error; the next call opens a new stream', async () => {
  const { streams, multiplexer } = harness();
  const log: string[] = [];
  track(multiplexer.call('Commit', { n: 1 }, 1_000), log);
  track(multiplexer.call('Commit', { n: 2 }, 1_000), log);
  await turn();
  track(multiplexer.call('Commit', { n: 3 }, 1_000), log); // queued, not yet sent
  streams[0]!.onEnd(new Error('UNAVAILABLE: connection reset'));
  await turn();
  assert.deepEqual(log, ['failed lost: UNAVAILABLE: connection reset', 'failed lost: UNAVAILABLE: connection reset', 'failed lost: UNAVAILABLE: connection reset']);
  assert.equal(multiplexer.pending, 0);
  assert.equal(streams[0]!.calls.length, 2, 'the queued call was not sent on the dead stream');
  // Answers arriving on the dead stream change nothing.
  streams[0]!.onAnswers(streams[0]!.calls.map((c) => ({ id: c.id, reply: {} })));
  const next = multiplexer.call('Commit', { n: 4 }, 1_000);
  await turn();
  assert.equal(streams.length, 2);
  streams[1]!.answer(streams[1]!.calls[0]!.id, { n: 4 });
  assert.deepEqual(await next, { n: 4 });
  await turn();
  assert.equal(log.length, 3, 'no call settled twice');
});

test('a stream that ends cleanly with calls unanswered fails them as lost', async () => {
  const { streams, multiplexer } = harness();
  const log: string[] = [];
  track(multiplexer.call('Get', {}, 1_000), log);
  await turn();
  streams[0]!.onEnd(null);
  await turn();
  assert.deepEqual(log, ['failed lost: ended']);
});

test('a stream that fails as it opens fails the call at once', async () => {
  const clock = new FakeClock(1_000_000);
  const timers = new FakeTimers(clock);
  const multiplexer = new CallMultiplexer((_onAnswers, onEnd) => {
    onEnd(new Error('channel closed'));
    return { send: () => assert.fail('nothing is sent on a stream that failed'), end: () => {} };
  }, timers, failures);
  await assert.rejects(multiplexer.call('Get', {}, 1_000), /lost: channel closed/);
  assert.equal(multiplexer.pending, 0);
  assert.equal(timers.pendingCount, 0, 'no deadline timer left behind');
});

test('a call past its deadline fails; its late answer is dropped and the stream stays open', async () => {
  const { timers, streams, multiplexer } = harness();
  const log: string[] = [];
  track(multiplexer.call('Get', { slow: true }, 100), log);
  track(multiplexer.call('Get', { slow: false }, 1_000), log);
  await turn();
  timers.advance(150_000);
  await turn();
  assert.deepEqual(log, ['failed deadline Get']);
  const [slow, fast] = streams[0]!.calls;
  streams[0]!.onAnswers([{ id: slow!.id, reply: { late: true } }, { id: fast!.id, reply: { late: false } }]);
  await turn();
  assert.deepEqual(log, ['failed deadline Get', 'ok {"late":false}']);
  assert.equal(streams.length, 1);
  assert.equal(timers.pendingCount, 0, 'answered calls leave no deadline timer');
});

test('close: calls in flight still get their answers, then the stream ends; new calls fail', async () => {
  const { streams, multiplexer } = harness();
  const inFlight = multiplexer.call('Commit', {}, 1_000);
  multiplexer.close();
  assert.equal(streams[0]!.calls.length, 1, 'a queued call is sent before the stream is half-closed');
  assert.equal(streams[0]!.endedByCaller, true);
  await assert.rejects(multiplexer.call('Commit', {}, 1_000), /lost: ended/);
  streams[0]!.answer(streams[0]!.calls[0]!.id, { kind: 'committed' });
  assert.deepEqual(await inFlight, { kind: 'committed' });
  streams[0]!.onEnd(null);
  assert.equal(streams.length, 1);
});

test('under random answers, duplicates, deadlines and breaks, every call settles exactly once', async () => {
  const { timers, streams, multiplexer } = harness();
  let seed = 7;
  const random = (bound: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % bound;
  };
  const settled = new Map<number, number>();
  const answered = new Set<string>();
  let made = 0;
  for (let round = 0; round < 200; round++) {
    for (let i = random(5); i > 0; i--) {
      const n = made++;
      multiplexer.call('Get', { n }, 1 + random(50)).then(
        (reply) => {
          assert.equal(reply['n'], n, 'a call got another call\'s reply');
          settled.set(n, (settled.get(n) ?? 0) + 1);
        },
        () => settled.set(n, (settled.get(n) ?? 0) + 1),
      );
    }
    await turn();
    const stream = streams[streams.length - 1]!;
    const action = random(10);
    if (action === 0) stream.onEnd(random(2) === 0 ? null : new Error('reset'));
    else if (action < 3) timers.advance(random(40) * 1000);
    else {
      // Answer some sent calls (possibly again: a duplicate must be ignored).
      for (const call of stream.calls) {
        if (random(3) !== 0) continue;
        answered.add(`${streams.length}:${call.id}`);
        stream.answer(call.id, { n: call.request['n'] });
      }
    }
  }
  timers.advance(100_000);
  await turn();
  await turn();
  assert.equal(multiplexer.pending, 0);
  assert.equal(settled.size, made, 'every call settled');
  for (const [n, times] of settled) assert.equal(times, 1, `call ${n} settled ${times} times`);
  assert.ok(answered.size > 0 && streams.length > 1, 'the run exercised answers and broken streams');
});

test('batches stay under the byte bound, in order; a larger item goes alone', () => {
  const big = MAX_BATCH_BYTES - 10;
  const sizes = [big, 20, 5, MAX_BATCH_BYTES * 2, 1];
  const batches = batchesOf(sizes, (s) => s);
  assert.deepEqual(batches, [[big], [20, 5], [MAX_BATCH_BYTES * 2], [1]]);
  assert.equal(approximateBytes({ key: Buffer.alloc(100), writes: [{ value: new Uint8Array(50), tombstone: false }], id: 'abc' }), 100 + 50 + 8 + 3);
});

test('a one-way call travels in the turn\'s batch with id 0 and leaves nothing pending; it is dropped once the stream is lost or the multiplexer closed', async () => {
  const { streams, multiplexer } = harness();
  const log: string[] = [];
  track(multiplexer.call('Commit', { key: 'a' }, 1_000), log);
  multiplexer.send('Notify', { timestamp: 5 });
  multiplexer.send('Notify', { timestamp: 6 });
  await turn();
  assert.equal(streams[0]!.batches.length, 1, 'one-way calls share the turn\'s message');
  const sent = streams[0]!.calls;
  assert.deepEqual(sent.map((c) => [c.method, c.oneWay ?? false]), [['Commit', false], ['Notify', true], ['Notify', true]]);
  assert.deepEqual(sent.filter((c) => c.oneWay).map((c) => c.id), [0, 0]);
  assert.notEqual(sent[0]!.id, 0, 'an answered call never gets id 0');
  assert.equal(multiplexer.pending, 1, 'only the answered call waits');
  // The stream breaks: the answered call fails, the one-way ones are simply gone.
  streams[0]!.onEnd(new Error('reset'));
  await turn();
  assert.deepEqual(log, ['failed lost: reset']);
  assert.equal(multiplexer.pending, 0);
  // The next one-way call opens a new stream; after close nothing goes out.
  multiplexer.send('Notify', { timestamp: 7 });
  await turn();
  assert.equal(streams.length, 2);
  assert.deepEqual(streams[1]!.calls.map((c) => c.request['timestamp']), [7]);
  multiplexer.close();
  multiplexer.send('Notify', { timestamp: 8 });
  await turn();
  assert.deepEqual(streams[1]!.calls.map((c) => c.request['timestamp']), [7]);
  assert.equal(streams.length, 2);
});
