import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemClock } from '../../env/clock.js';
import { serveGrpc, type Message } from '../../env/grpc.js';
import { SystemTimers } from '../../env/timers.js';
import { RemoteAdjudicator } from './remote-adjudicator.js';

/** A leader that never answers a Notify, recording the timestamps asked for. */
async function holdingLeader(): Promise<{ port: number; asked: number[]; close(): Promise<void> }> {
  const asked: number[] = [];
  const server = await serveGrpc('127.0.0.1', 0, {
    Adjudicator: {
      Notify: (request: Message) => {
        asked.push(Number(request['timestamp']));
        return new Promise(() => {});
      },
    },
  });
  return { port: server.port, asked, close: () => server.close() };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('each snapshot above those asked for goes to the leader at once, one way: a leader that never answers holds back none of them', async () => {
  const leader = await holdingLeader();
  const adjudicator = new RemoteAdjudicator({ clock: new SystemClock(0), timers: new SystemTimers() });
  try {
    adjudicator.setLeader(`127.0.0.1:${leader.port}`);
    adjudicator.requestNotice(100);
    adjudicator.requestNotice(200);
    adjudicator.requestNotice(150);
    await until(() => leader.asked.length >= 2);
    // More than the four the answered form allowed in flight, none answered.
    for (let t = 300; t <= 1_000; t += 100) adjudicator.requestNotice(t);
    adjudicator.requestNotice(1_000);
    await until(() => leader.asked.length >= 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(leader.asked, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000], 'a timestamp already covered is not asked for again');
  } finally {
    adjudicator.close();
    await leader.close();
  }
});
