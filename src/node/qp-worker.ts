import { join } from 'node:path';
import type { Timestamp } from '../contracts/time.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import { SqlError } from '../contracts/errors.js';
import type { Env } from '../env/env.js';
import { SystemClock } from '../env/clock.js';
import { SystemTimers } from '../env/timers.js';
import { SystemRandom } from '../env/random.js';
import { NodeDisk } from '../env/disk.js';
import { NodeNet } from '../env/net.js';
import { ConsoleLog, SilentLog } from '../env/log.js';
import { NodeProcesses, type ProcessChannel } from '../env/processes.js';
import { loadParser } from '../qp/sql/parse.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { loadOrCreateIdentity } from './identity.js';
import { ChannelAdjudicator } from './channel-adjudicator.js';
import { columnKeyOf } from './column-key.js';
import { decodeOutcomes } from './commit-codec.js';
import { startQueryService } from './query-service.js';
import type { ToPrimary, ToWorker } from './worker-protocol.js';

/** How long a read beyond what the store holds waits for the primary to apply it. */
const MAX_SAFE_TIME_WAIT_US = 10_000_000;
const SAFE_TIME_POLL_MS = 1;

/**
 * A query-processor worker of the embedded node: serves the connections the primary hands it,
 * reads the shared store as a follower and sends commits to the primary's adjudicator.
 */
async function runWorker(channel: ProcessChannel, start: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const clock = new SystemClock(0);
  const env: Env = {
    clock, timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(), net: new NodeNet(),
    log: start.quiet ? new SilentLog() : new ConsoleLog(),
  };
  await loadParser();
  const identity = await loadOrCreateIdentity(env.disk, env.random, env.clock, start.dataDir);
  const store = env.disk.openOrderedStore(join(start.dataDir, 'storage'));
  const storageRef: { node: MvccStorage | null } = { node: null };
  const safeTime = followerSafeTime(env, () => storageRef.node!);
  const storage = new MvccStorage(store, safeTime, columnKeyOf);
  storageRef.node = storage;
  const adjudicator = new ChannelAdjudicator(channel, env.timers, () => storage.readableThrough);
  const service = await startQueryService({
    env, storage, adjudicator, identity,
    snapshotTime: () => {
      storage.refresh();
      return storage.readableThrough;
    },
    resumeIndexBuilds: false, // the primary's own query processor does
    usage: { path: join(start.dataDir, 'usage', `qp-worker-${start.index}.json`) },
    onCancelRequest: (processId, secretKey) => channel.send({ type: 'cancel', processId, secretKey } satisfies ToPrimary),
    onConnectionClosed: () => channel.send({ type: 'connection-closed' } satisfies ToPrimary),
  });
  channel.onMessage((raw, handle) => {
    const message = raw as ToWorker;
    switch (message.type) {
      case 'connection': service.accept(env.net.adopt(handle, message.preface)); return;
      case 'commit-outcomes': adjudicator.settle(decodeOutcomes(message.bytes)); return;
      case 'cancel': service.cancel(message.processId, message.secretKey); return;
      case 'advance-clock':
        clock.advance(message.micros);
        channel.send({ type: 'clock-advanced', id: message.id } satisfies ToPrimary);
        return;
      case 'stop':
        service.closeAll();
        void (service.usage?.stop() ?? Promise.resolve()).finally(() => storage.close()).finally(() => process.exit(0));
        return;
      default: return;
    }
  });
  // Without the primary there is no commit, no new connection and nobody to stop us.
  channel.onExit(() => {
    adjudicator.fail('the node stopped');
    service.closeAll();
    process.exit(0);
  });
  channel.send({ type: 'ready' } satisfies ToPrimary);
}

/**
 * Safe time for a follower: what the store is readable through as of the last refresh. A read
 * beyond it (rare: transactions start at or below it) refreshes until the primary catches up.
 */
function followerSafeTime(env: Env, storage: () => MvccStorage): SafeTimeSource {
  return {
    safeTime: () => storage().readableThrough,
    waitFor(timestamp: Timestamp): Promise<void> {
      const deadline = env.clock.now().latest + MAX_SAFE_TIME_WAIT_US;
      return new Promise((resolve, reject) => {
        const check = () => {
          storage().refresh();
          if (storage().readableThrough >= timestamp) resolve();
          else if (env.clock.now().latest > deadline) reject(new SqlError('57014', 'canceling statement: storage did not reach the read timestamp in time'));
          else env.timers.setTimeout(check, SAFE_TIME_POLL_MS);
        };
        check();
      });
    },
  };
}

const channel = new NodeProcesses().parent();
if (channel) {
  channel.onMessage((raw) => {
    const message = raw as ToWorker;
    if (message.type !== 'start') return;
    runWorker(channel, message).catch((error: unknown) => {
      channel.send({ type: 'failed', message: (error as Error).stack ?? String(error) } satisfies ToPrimary);
      process.exit(1);
    });
  });
}
