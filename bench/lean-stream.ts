/**
 * What a role's client pays per message on its long-lived gRPC streams, lean-grpc.ts against
 * @grpc/grpc-js, alone on the host's cores: a grpc-js server (serveGrpc, as every role runs) in
 * this process; the client in a child process of its own, whose CPU (process.cpuUsage) is
 * counted per message. Two paths, shaped as the cluster's:
 * - notices: a storage replica's Watermarks stream, one notice (a decision and a ~500 B journal
 *   batch) every millisecond, each its own wake-up, as the leader pushes them;
 * - calls: a query processor's Calls stream, one Get at a time (a round trip each).
 * Runs alternate the two transports (the host's load swings between minutes).
 *
 *   node dist/bench/lean-stream.js [--messages 3000] [--rounds 3]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { grpcClient, serveGrpc, type Message, type ServerStream, type StreamTransport } from '../src/env/grpc.js';

const NOTICE: Message = {
  epoch: 3, position: 1, watermark: 1.7e15, decided: 1.7e15, issued: 1.7e15, reserved: 0, journal_first: 1,
  decisions: [{ commit_timestamp: 1.7e15, keys: [Buffer.alloc(24, 1)] }], journal_frames: Buffer.alloc(500, 2),
};

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

interface ClientResult { readonly cpuUs: number; readonly messages: number }

/** The child: reads `messages` notices, then makes `messages` calls; prints its CPU for each. */
async function client(transport: StreamTransport, port: number, messages: number): Promise<void> {
  const address = `127.0.0.1:${port}`;
  const notices = grpcClient('Adjudicator', address, null, transport);
  let received = 0;
  let start = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    notices.stream('Watermarks', { follower: 'bench' }, () => {
      if (++received === 1) start = process.cpuUsage();
      if (received === messages) resolve();
    }, (error) => (error === null ? resolve() : reject(error)));
  });
  const noticeCpu = process.cpuUsage(start);
  notices.close();
  const calls = grpcClient('Storage', address, null, transport);
  const request = { key: Buffer.alloc(24, 1), read_timestamp: 1.7e15 };
  for (let i = 0; i < 100; i++) await calls.call('Get', request, 5_000);
  const callStart = process.cpuUsage();
  for (let i = 0; i < messages; i++) await calls.call('Get', request, 5_000);
  const callCpu = process.cpuUsage(callStart);
  calls.close();
  const result = (usage: NodeJS.CpuUsage, count: number): ClientResult => ({ cpuUs: usage.user + usage.system, messages: count });
  process.send!({ notices: result(noticeCpu, messages - 1), calls: result(callCpu, messages) });
}

async function runOnce(transport: StreamTransport, messages: number): Promise<{ notices: ClientResult; calls: ClientResult }> {
  let pushing: ReturnType<typeof setInterval> | null = null;
  const server = await serveGrpc('127.0.0.1', 0, {
    Adjudicator: {
      Watermarks: (_request: Message, stream: ServerStream) => {
        let sent = 0;
        pushing = setInterval(() => {
          stream.push({ ...NOTICE, position: ++sent });
          if (sent === messages) {
            clearInterval(pushing!);
            stream.end();
          }
        }, 1);
      },
    },
    Storage: { Get: async () => ({ value: Buffer.alloc(100, 3) }) },
  });
  try {
    const child = fork(fileURLToPath(import.meta.url), ['--child', transport, String(server.port), String(messages)]);
    return await new Promise((resolve, reject) => {
      child.on('message', (result) => resolve(result as { notices: ClientResult; calls: ClientResult }));
      child.on('exit', (code) => { if (code !== 0) reject(new Error(`the client exited with ${code}`)); });
    });
  } finally {
    if (pushing !== null) clearInterval(pushing);
    await server.close();
  }
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    await client(process.argv[child + 1] as StreamTransport, Number(process.argv[child + 2]), Number(process.argv[child + 3]));
    return;
  }
  const messages = argument('messages', 3_000);
  const rounds = argument('rounds', 3);
  const perMessage = (r: ClientResult) => (r.cpuUs / r.messages).toFixed(1);
  for (let round = 1; round <= rounds; round++) {
    for (const transport of (round % 2 === 1 ? ['grpc-js', 'lean'] : ['lean', 'grpc-js']) as StreamTransport[]) {
      const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
      const result = await runOnce(transport, messages);
      console.log(`round ${round} ${transport.padEnd(7)} (load ${load}): client CPU per notice received ${perMessage(result.notices)} µs, per call (one at a time) ${perMessage(result.calls)} µs`);
    }
  }
}

await main();
