/**
 * A follower's stream of the adjudicator leader's notices (storage replicas, query processors),
 * taken only from the leader epoch the follower sees in etcd: the leader key's address and
 * create revision. A notice of another epoch comes from a deposed leader still running at that
 * address, or from a newer one the follower's etcd watch has not reported yet: the stream is
 * dropped and asked for again after a pause (by then the watch has moved on, or this leader
 * ends). This is the follower's half of the fencing; the leader's half (promise-fence.ts) keeps
 * what a deposed leader says before a follower learns of its successor below every commit of
 * the successor, so the guarantee does not depend on how late the watch is.
 */
import type { Key } from '../../contracts/kv.js';
import type { Timers } from '../../contracts/time.js';
import { grpcClient, type Message } from '../../env/grpc.js';
import type { LinkTls } from '../../env/link-tls.js';

const RECONNECT_MS = 100;

/** The leader as etcd names it. */
export interface LeaderEpoch {
  readonly address: string;
  /** The leader key's create revision. */
  readonly epoch: number;
}

/** Opens the leader's notice stream for the watched keys (a gRPC stream; tests pass their own). */
export type NoticeSubscriber = (address: string, watchKeys: readonly Key[], onNotice: (notice: Message) => void,
  onEnd: () => void) => { cancel(): void };

/**
 * `follower`: the node name given to the leader, so the Notify requests naming it (a storage
 * replica read from, a query processor reading) are answered on its stream; `shard`: a storage
 * replica's shard, whose writes alone the leader sends it.
 */
export function grpcNoticeSubscriberAs(follower: string, tls: LinkTls | null = null, shard?: number): NoticeSubscriber {
  return (address, watchKeys, onNotice, onEnd) => {
    const client = grpcClient('Adjudicator', address, tls);
    const call = client.stream('Watermarks', { watch_keys: watchKeys.map((key) => Buffer.from(key)), follower, ...(shard === undefined ? {} : { shard }) },
      onNotice, () => onEnd());
    return {
      cancel() {
        call.cancel();
        client.close();
      },
    };
  };
}

export const grpcNoticeSubscriber: NoticeSubscriber = grpcNoticeSubscriberAs('');

export interface NoticeHandlers {
  /** A notice of the leader's epoch; `first`: the first of a new stream. */
  onNotice(notice: Message, first: boolean): void;
  /** The stream ended or was dropped; another is asked for after a pause. */
  onEnd(): void;
}

/** Follows `leader`'s notices until cancelled, reconnecting as long as it lasts. */
export function followLeaderNotices(subscribe: NoticeSubscriber, timers: Timers, leader: LeaderEpoch, watchKeys: readonly Key[],
  handlers: NoticeHandlers): { cancel(): void } {
  let cancelled = false;
  let call: { cancel(): void } | null = null;
  let retry: ReturnType<Timers['setTimeout']> | null = null;
  const connect = (): void => {
    retry = null;
    let first = true;
    let ended = false;
    const end = () => {
      if (ended || cancelled) return;
      ended = true;
      call = null;
      handlers.onEnd();
      retry = timers.setTimeout(connect, RECONNECT_MS);
    };
    call = subscribe(leader.address, watchKeys, (notice) => {
      if (ended || cancelled) return;
      if (Number(notice['epoch']) !== leader.epoch) {
        call?.cancel();
        end();
        return;
      }
      handlers.onNotice(notice, first);
      first = false;
    }, end);
  };
  connect();
  return {
    cancel() {
      cancelled = true;
      if (retry !== null) timers.clearTimeout(retry);
      call?.cancel();
      call = null;
    },
  };
}
