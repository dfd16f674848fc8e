/**
 * A standby's view of whether the adjudicator leader's process is alive. The standby holds a
 * Watermarks stream to the leader; a stream that breaks as unreachable, followed by a fresh
 * connection that fails too, means the process is gone (the port of a killed process refuses
 * at once). The standby can then depose the leader instead of waiting out its lease: a crash
 * costs a failover of milliseconds, and the lease still bounds it when the leader's machine or
 * network goes quiet instead.
 *
 * Deposing a leader that is in fact alive is safe: its journal appends are fenced by its key's
 * create revision, so its next append fails and it exits (adjudicator-role.ts).
 */
import type { Timers } from '../../contracts/time.js';
import { grpcClient, TransportError } from '../../env/grpc.js';
import type { LinkTls } from '../../env/link-tls.js';

/** Pause before asking again when the leader ends the stream itself (it is still rebuilding). */
const RECONNECT_MS = 100;
/** Unreachable answers in a row, without a notice between them, that mean the leader is gone. */
const FAILURES_FOR_DOWN = 2;

export interface LeaderLiveness {
  /** Resolves once the leader at the address is seen to be gone. */
  readonly down: Promise<void>;
  cancel(): void;
}

export function watchLeaderLiveness(timers: Timers, address: string, tls: LinkTls | null = null): LeaderLiveness {
  const client = grpcClient('Adjudicator', address, tls);
  let cancelled = false;
  let failures = 0;
  let stream: { cancel(): void } | null = null;
  let retry: ReturnType<Timers['setTimeout']> | null = null;
  let markDown: () => void = () => {};
  const down = new Promise<void>((resolve) => { markDown = resolve; });

  const connect = (): void => {
    retry = null;
    if (cancelled) return;
    // Liveness only: the leader sends the first notice (proof that it answers) and nothing else.
    stream = client.stream('Watermarks', { liveness_only: true }, () => { failures = 0; }, (error) => {
      stream = null;
      if (cancelled) return;
      if (error instanceof TransportError && error.unreachable) {
        if (++failures >= FAILURES_FOR_DOWN) {
          markDown();
          return;
        }
        connect();
        return;
      }
      failures = 0;
      retry = timers.setTimeout(connect, RECONNECT_MS);
    });
  };
  connect();

  return {
    down,
    cancel() {
      cancelled = true;
      if (retry !== null) timers.clearTimeout(retry);
      stream?.cancel();
      client.close();
    },
  };
}
