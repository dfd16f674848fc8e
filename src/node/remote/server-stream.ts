import type { Timers } from '../../contracts/time.js';
import type { GrpcClient, Message } from '../../env/grpc.js';

export interface ServerStreamOptions {
  /** Messages held here before the stream is paused (HTTP/2 flow control then holds the sender). */
  readonly maxQueued: number;
  /** A stream that sends nothing for `ms` fails (no bound without it). */
  readonly idle?: { readonly timers: Timers; readonly ms: number };
}

/**
 * A server stream's messages as an async sequence taken at the reader's pace: a copy of a whole
 * store (a replica's snapshot, a backup's read) never piles up in memory faster than it is
 * written out. The sequence owns `client`: the call is cancelled and the client closed when it
 * ends, however it ends.
 */
export async function* serverStream(client: GrpcClient, method: string, request: Message, options: ServerStreamOptions): AsyncGenerator<Message> {
  const queue: Message[] = [];
  let finished: Error | null | undefined;
  let wake: () => void = () => {};
  const call = client.stream(method, request, (message) => {
    queue.push(message);
    if (queue.length >= options.maxQueued) call.pause();
    wake();
  }, (error) => {
    finished = error;
    wake();
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        const message = queue.shift()!;
        call.resume();
        yield message;
        continue;
      }
      if (finished !== undefined) {
        if (finished !== null) throw finished;
        return;
      }
      const late = await new Promise<boolean>((resolve) => {
        const timer = options.idle ? options.idle.timers.setTimeout(() => resolve(true), options.idle.ms) : null;
        wake = () => {
          if (timer !== null) options.idle!.timers.clearTimeout(timer);
          resolve(false);
        };
      });
      wake = () => {};
      if (late) throw new Error(`no message within ${options.idle!.ms / 1000} s`);
    }
  } finally {
    call.cancel();
    client.close();
  }
}
