import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcesses } from './processes.js';

/** Resolves with `value`, or fails saying what was awaited after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, fail) => { timer = setTimeout(() => fail(new Error(`no ${what} within ${ms} ms`)), ms); }),
  ]);
}

test('a connection handed to a child that dies before reading it is closed, not left open and unanswered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-processes-'));
  // The child says it is up, then never runs its event loop again: it cannot read (or
  // acknowledge) the handle, as a worker that dies mid-handoff.
  const child = join(dir, 'busy.mjs');
  writeFileSync(child, "process.send('up'); for (;;) {}\n");
  const server = createServer({ pauseOnConnect: true });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const channel = new NodeProcesses().fork(child, []);
  const sockets: Socket[] = [];
  try {
    await within(new Promise<void>((up) => channel.onMessage(() => up())), 30_000, "child's first message");
    const accepted = new Promise<Socket>((ok) => server.once('connection', ok));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    sockets.push(client);
    const closed = new Promise<void>((ok) => { client.on('close', () => ok()); client.on('error', () => {}); });
    const serverEnd = await accepted;
    sockets.push(serverEnd);
    channel.send({ type: 'connection' }, serverEnd);
    // Once the message is written (the child may never read it), the child goes.
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<void>((ok) => channel.onExit(() => ok()));
    channel.kill();
    await within(exited, 30_000, 'child exit');
    await within(closed, 10_000, "close of the client's connection (this side still holds its copy?)");
  } finally {
    for (const socket of sockets) socket.destroy();
    channel.kill();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
