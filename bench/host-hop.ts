/**
 * What one hop between processes costs this host, with nothing of Strata in it: two Node
 * processes play ping-pong over loopback TCP (64-byte messages, Nagle off, one message in
 * flight), and each reports the CPU it spent per round trip — one wake-up, one read and one
 * write per side, the least any message between two roles can cost. Run three ways: both
 * processes on one core (`taskset`), as the scheduler places them, and in one process. The
 * distributed commit's CPU budget is read against this (docs/performance.md, "The host's price
 * of a wake-up").
 *
 *   npm run build && node dist/bench/host-hop.js [--round-trips 20000] [--runs 3]
 */
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { roundTripper } from './idle-hop.js';
import { option } from './options.js';

const ROUND_TRIPS = option('round-trips', 20_000);
const RUNS = option('runs', 3);
const WARM_UP = 2_000;
const MESSAGE = Buffer.alloc(64, 1);

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** The echo side: answers every byte it reads, and tells its CPU time when asked. */
function serveEcho(): Promise<number> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  return new Promise((listening) => server.listen(0, '127.0.0.1', () => listening((server.address() as net.AddressInfo).port)));
}

async function pingPong(port: number, askPeerCpu: () => Promise<number>): Promise<{ client: number; server: number; wall: number }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((connected) => socket.once('connect', connected));
  const roundTrip = roundTripper(socket, MESSAGE);
  for (let i = 0; i < WARM_UP; i++) await roundTrip();
  const peerBefore = await askPeerCpu();
  const before = cpuMicros();
  const started = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await roundTrip();
  const wall = (performance.now() - started) * 1000;
  const client = cpuMicros() - before;
  const server = (await askPeerCpu()) - peerBefore;
  socket.destroy();
  return { client: client / ROUND_TRIPS, server: server / ROUND_TRIPS, wall: wall / ROUND_TRIPS };
}

async function acrossProcesses(oneCore: boolean): Promise<{ client: number; server: number; wall: number }> {
  const echo: ChildProcess = fork(fileURLToPath(import.meta.url), ['--echo'], { stdio: 'inherit' });
  try {
    const port = await new Promise<number>((ready) => echo.once('message', (message) => ready(message as number)));
    if (oneCore) {
      execFileSync('taskset', ['-p', '-c', '0', String(echo.pid)], { stdio: 'ignore' });
      execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    }
    const askPeerCpu = () => new Promise<number>((answer) => {
      echo.once('message', (message) => answer(message as number));
      echo.send('cpu');
    });
    return await pingPong(port, askPeerCpu);
  } finally {
    echo.kill();
    if (oneCore) execFileSync('taskset', ['-p', '-c', '0-1023', String(process.pid)], { stdio: 'ignore' });
  }
}

async function inOneProcess(): Promise<{ client: number; server: number; wall: number }> {
  const port = await serveEcho();
  // Both sides share this process's CPU time: report it as the client's.
  return pingPong(port, async () => 0);
}

function line(name: string, r: { client: number; server: number; wall: number }): string {
  return `${name.padEnd(34)} CPU per round trip: ${r.client.toFixed(1)} + ${r.server.toFixed(1)} µs, wall ${r.wall.toFixed(1)} µs`;
}

async function main(): Promise<void> {
  if (process.argv.includes('--echo')) {
    const port = await serveEcho();
    process.on('message', (message) => { if (message === 'cpu') process.send!(cpuMicros()); });
    process.send!(port);
    return;
  }
  const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  console.log(`${ROUND_TRIPS} round trips of ${MESSAGE.length} B, one in flight, loopback TCP; ${RUNS} runs each`);
  for (let run = 0; run < RUNS; run++) {
    if (canPin) console.log(line('two processes, one core', await acrossProcesses(true)));
    console.log(line('two processes, placed by the kernel', await acrossProcesses(false)));
    console.log(line('one process (both sides)', await inOneProcess()));
  }
  if (!canPin) console.log('(taskset not available: the one-core runs were skipped)');
  process.exit(0);
}

await main();
