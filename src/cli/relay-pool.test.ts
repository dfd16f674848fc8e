/**
 * The shared client port across real processes: clients connect without pause while relays
 * start (slowly, as under load), serve, are killed and start again. Every connection must be
 * answered or closed — never accepted and left waiting, which a relay holding the listening
 * socket before it can serve does to the connections it takes from the kernel's queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePorts } from '../env/ports.js';
import type { NodeConfig } from '../node/roles/cluster-config.js';
import { RELAY_READY, RelayPool } from './relay-pool.js';

/** How long a relay takes from its start until it serves (its module loading and etcd reads). */
const STARTUP_MS = 400;
/** A connection neither answered nor closed within this was left waiting. */
const ANSWER_MS = 5_000;

/** A relay process: answers "pong" to every connection once it serves. */
const RELAY = `
const { serveHandedOver } = await import(${JSON.stringify(new URL('./relay-pool.js', import.meta.url).href)});
await new Promise((resolve) => setTimeout(resolve, ${STARTUP_MS}));
const serve = (socket) => {
  socket.on('error', () => {});
  socket.once('data', () => socket.end('pong'));
};
serveHandedOver({ accept: serve, adopt: (listener) => listener.on('connection', serve) });
`;

type Outcome = 'answered' | 'closed';

/** One client: "ping", then the answer or the close; a wait past ANSWER_MS fails with what it waited for. */
function ping(port: number, openedAtMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('ping'));
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`a connection opened ${openedAtMs} ms in was neither answered nor closed within ${ANSWER_MS} ms`));
    }, ANSWER_MS);
    socket.on('data', (data) => { answer += String(data); });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer === 'pong' ? 'answered' : 'closed');
    });
  });
}

test('relays that start, serve and die leave no connection unanswered, and every ready one serves', { timeout: 60_000 }, async () => {
  const [port] = await freePorts(1);
  const node = (name: string): NodeConfig => ({ name, role: 'relay', region: 'local', az: 'az1', host: '127.0.0.1', port: port! });
  const children: ChildProcess[] = [];
  const pool = await RelayPool.open([node('relay-1'), node('relay-2')], {
    shared: () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', RELAY], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      return child;
    },
    alone: () => assert.fail('the pool binds the port'),
  }, () => {});
  const started = performance.now();
  const clients: Promise<Outcome>[] = [];
  let connecting = true;
  // Connections without pause, 5 ms apart, through every phase below.
  const load = (async () => {
    while (connecting) {
      clients.push(ping(port!, Math.round(performance.now() - started)));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));
  /** The relay said it serves (the pool, listening first, has handed it the socket by then). */
  const serving = (child: ChildProcess) => new Promise<void>((resolve) => {
    child.on('message', (message) => { if (message === RELAY_READY) resolve(); });
  });
  /** Starts a relay; resolves once it serves. */
  const start = (name: string) => {
    pool.start(node(name));
    return serving(children[children.length - 1]!);
  };
  try {
    await start('relay-1');
    const second = start('relay-2');
    await sleep(STARTUP_MS / 2);
    // relay-1 dies while relay-2 is still starting, and is started again; then relay-2 dies
    // while relay-1 serves, and is started again.
    children[0]!.kill('SIGKILL');
    await exited(children[0]!);
    await Promise.all([second, start('relay-1')]);
    children[1]!.kill('SIGKILL');
    await exited(children[1]!);
    await start('relay-2');
    const answeredBefore = (await Promise.all(clients)).filter((o) => o === 'answered').length;
    assert.ok(answeredBefore > 0, 'the relays answered connections');
    // With both relays serving, every new connection is answered.
    const settled = clients.length;
    await sleep(200);
    connecting = false;
    await load;
    const late = await Promise.all(clients.slice(settled));
    assert.ok(late.length > 0);
    assert.deepEqual(late.filter((o) => o !== 'answered'), [], 'every connection made while two relays serve is answered');
  } finally {
    connecting = false;
    await load;
    pool.close();
    for (const child of children) child.kill('SIGKILL');
  }
});
