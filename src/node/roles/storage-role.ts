/**
 * A storage replica as its own process (`strata node --role storage`): an MVCC store on LMDB
 * that follows the journal in etcd from the position it last applied (recorded atomically with
 * the data), and serves reads "as of τ" over gRPC once its safe time passes τ.
 *
 * Safe time: after applying through position P, every commit up to the last applied commit
 * timestamp is in (journal order is timestamp order); the adjudicator leader's watermark
 * notices (P', W) add "no commit ≤ W lies beyond P'", so once P ≥ P' safe time reaches W — that
 * is what lets an idle cluster serve a read within milliseconds.
 */
import { join } from 'node:path';
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { grpcClient, serveGrpc, type GrpcClient, type GrpcServer, type Message } from '../../env/grpc.js';
import { CoordinatedJournal } from '../../journal/coordinated-journal.js';
import type { JournalSubscription } from '../../contracts/journal.js';
import type { Timestamp } from '../../contracts/time.js';
import { MvccStorage } from '../../storage/mvcc-storage.js';
import { SafeTime } from '../../storage/safe-time.js';
import { columnKeyOf } from '../column-key.js';
import { addressOf, clusterPrefix, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { journalPrefix, leaderKey } from './adjudicator-role.js';
import { observeKey, register } from './leadership.js';
import { readRequestFromMessage, readResultToMessage } from '../remote/messages.js';

const MAX_PENDING_NOTICES = 10_000;
const REGISTRATION_TTL_SECONDS = 2;

export interface StorageRole {
  readonly port: number;
  readonly appliedPosition: number;
  stop(): Promise<void>;
}

export async function startStorageRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination): Promise<StorageRole> {
  await env.disk.mkdir(node.dataDir!);
  const safeTime = new SafeTime({ timers: env.timers });
  const storage = new MvccStorage(env.disk.openOrderedStore(join(node.dataDir!, 'storage')), safeTime, columnKeyOf);
  const notices: { position: number; watermark: Timestamp }[] = [];
  let lastCommitApplied: Timestamp = 0;

  const advance = () => {
    let reached = lastCommitApplied;
    while (notices.length > 0 && notices[0]!.position <= storage.appliedPosition) reached = Math.max(reached, notices.shift()!.watermark);
    if (reached > 0) safeTime.advance(reached);
  };

  // Apply the journal in order, one batch at a time.
  const journal = await CoordinatedJournal.open({ coordination, timers: env.timers, prefix: journalPrefix(config), log: env.log });
  let applying: Promise<void> = Promise.resolve();
  const subscription: JournalSubscription = await journal.follow(storage.appliedPosition, (records, last) => {
    applying = applying.then(async () => {
      await storage.apply(records, last);
      lastCommitApplied = records[records.length - 1]!.commitTimestamp;
      advance();
    }).catch((error: unknown) => {
      // Storage that cannot apply cannot serve correct reads: stop, and come back from the journal.
      env.log.error(`${node.name}: applying the journal failed: ${(error as Error).message}`);
      process.exitCode = 1;
      safeTime.close(error as Error);
    });
  });

  // Watermark notices from whichever adjudicator leads.
  let leaderStream: { cancel(): void } | null = null;
  let leaderClient: GrpcClient | null = null;
  const follow = (address: string | null) => {
    leaderStream?.cancel();
    leaderClient?.close();
    leaderStream = null;
    leaderClient = null;
    if (address === null) return;
    const client = grpcClient('Adjudicator', address);
    leaderClient = client;
    const connect = () => {
      leaderStream = client.stream('Watermarks', {}, (notice) => {
        if (notices.length >= MAX_PENDING_NOTICES) notices.shift();
        notices.push({ position: notice['position'], watermark: notice['watermark'] });
        advance();
      }, () => {
        // The stream ended (a standby, a restart): try again while this is still the leader.
        if (leaderClient === client) env.timers.setTimeout(() => { if (leaderClient === client) connect(); }, 100);
      });
    };
    connect();
  };
  const leader = await observeKey(coordination, env.timers, leaderKey(config), follow);

  const server: GrpcServer = await serveGrpc(node.host, node.port, {
    Storage: {
      Get: async (request: Message) => {
        const value = await storage.get(request['key'], request['read_timestamp']);
        return value === null ? {} : { value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
      },
      Read: async (request: Message) => readResultToMessage(await storage.read(readRequestFromMessage(request))),
      Status: async () => ({ applied_position: storage.appliedPosition, safe_time: safeTime.safeTime() }),
    },
  });
  const registration = await register(coordination, `${clusterPrefix(config)}nodes/${node.name}`,
    JSON.stringify({ role: 'storage', az: node.az, address: addressOf(node) }), REGISTRATION_TTL_SECONDS);
  const gc = env.timers.setInterval(() => {
    const horizon = safeTime.safeTime() - 300_000_000 - 1_000_000;
    storage.collectGarbage(horizon, 10_000).catch((error: unknown) => env.log.warn(`garbage collection: ${(error as Error).message}`));
  }, 10_000);

  return {
    port: server.port,
    get appliedPosition() {
      return storage.appliedPosition;
    },
    async stop() {
      env.timers.clearInterval(gc);
      await registration.revoke().catch(() => {});
      await leader.close();
      follow(null);
      await subscription.close();
      await journal.close();
      await applying;
      safeTime.close();
      await server.close();
      await storage.close();
    },
  };
}
