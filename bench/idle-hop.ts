/**
 * One round trip between two processes after the pair sat idle: a 64-byte ping over loopback
 * TCP and its echo, nothing of Strata in it, `gapMs` apart. It is what each hop between roles
 * costs a read on an idle cluster — both processes asleep, woken by the message — where
 * bench/host-hop.ts measures back-to-back round trips. bench:distributed prints it beside the
 * idle reads: a read through the relay crosses three such process pairs (client–relay,
 * relay–QP, QP–replica), the embedded node one.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const MESSAGE = Buffer.alloc(64, 1);
const WARM_UP = 50;

/** One message in flight on `socket` to an echo server: each call sends `message` and resolves once all of it came back. */
export function roundTripper(socket: net.Socket, message: Buffer): () => Promise<void> {
  let answered: () => void = () => {};
  let waiting = 0;
  socket.on('data', (data) => {
    waiting -= data.length;
    if (waiting <= 0) answered();
  });
  return () => new Promise<void>((done) => {
    answered = done;
    waiting = message.length;
    socket.write(message);
  });
}

/** Round-trip times in ms, one every `gapMs`, against an echo server in a child process. */
export async function idleRoundTrips(count: number, gapMs: number): Promise<number[]> {
  const echo = fork(fileURLToPath(import.meta.url), ['--echo'], { stdio: 'inherit' });
  try {
    const port = await new Promise<number>((ready) => echo.once('message', (message) => ready(message as number)));
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise((connected) => socket.once('connect', connected));
    const roundTrip = roundTripper(socket, MESSAGE);
    for (let i = 0; i < WARM_UP; i++) await roundTrip();
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      const started = performance.now();
      await roundTrip();
      times.push(performance.now() - started);
    }
    socket.destroy();
    return times;
  } finally {
    echo.kill();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--echo')) {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as net.AddressInfo).port));
  process.on('disconnect', () => process.exit(0));
}
