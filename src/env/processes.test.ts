import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { NodeProcesses, processStamp, recordedProcessAlive } from './processes.js';

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

test('a process stamp tells a process from another given the same pid later', async () => {
  const own = processStamp(process.pid);
  if (own === null) return; // no /proc: pids are all there is to go by
  assert.equal(processStamp(process.pid), own, 'the same process, the same stamp');
  assert.ok(recordedProcessAlive(process.pid, own));
  // This pid held by another process than the one recorded (what a reboot or pid wrap-around makes).
  const other = own.replace(/\/(\d+)$/, (_, ticks: string) => `/${Number(ticks) + 1}`);
  assert.equal(recordedProcessAlive(process.pid, other), false);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const stamp = processStamp(child.pid!);
  assert.ok(stamp !== null && stamp !== own);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(processStamp(child.pid!), null, 'gone: no stamp');
  assert.equal(recordedProcessAlive(child.pid!, stamp), false);
});
