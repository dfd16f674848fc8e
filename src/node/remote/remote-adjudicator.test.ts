import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemClock } from '../../env/clock.js';
import { serveGrpc, type Message } from '../../env/grpc.js';
import { SystemTimers } from '../../env/timers.js';
import { RemoteAdjudicator } from './remote-adjudicator.js';

/** A leader whose Notify answers are held until released, recording the timestamps asked for. */
async function holdingLeader(): Promise<{ port: number; asked: number[]; release(): void; close(): Promise<void> }> {
  const asked: number[] = [];
  const held: (() => void)[] = [];
  const server = await serveGrpc('127.0.0.1', 0, {
    Adjudicator: {
      Notify: (request: Message) => {
        asked.push(Number(request['timestamp']));
        return new Promise((resolve) => held.push(() => resolve({})));
      },
    },
  });
  return {
    port: server.port, asked,
    release: () => { for (const answer of held.splice(0)) answer(); },
    close: () => server.close(),
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('a snapshot taken while an earlier Notify is unanswered asks at once; past the bound, requests wait and go as one', async () => {
  const leader = await holdingLeader();
  const adjudicator = new RemoteAdjudicator({ clock: new SystemClock(0), timers: new SystemTimers() });
  try {
    adjudicator.setLeader(`127.0.0.1:${leader.port}`);
    adjudicator.requestNotice(100);
    adjudicator.requestNotice(200);
    await until(() => leader.asked.length >= 2);
    assert.deepEqual(leader.asked, [100, 200], 'the second request did not wait for the first answer');
    adjudicator.requestNotice(150);
    adjudicator.requestNotice(300);
    adjudicator.requestNotice(400);
    await until(() => leader.asked.length >= 4);
    assert.deepEqual(leader.asked, [100, 200, 300, 400], 'a timestamp already covered is not asked for again');
    // Four in flight: the next ones wait, and go as one (the highest) once an answer comes.
    adjudicator.requestNotice(500);
    adjudicator.requestNotice(600);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(leader.asked, [100, 200, 300, 400]);
    leader.release();
    await until(() => leader.asked.length >= 5);
    assert.deepEqual(leader.asked, [100, 200, 300, 400, 600]);
    leader.release();
  } finally {
    adjudicator.close();
    await leader.close();
  }
});
