import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';

/**
 * Processes the node starts itself (query-processor workers of the embedded cluster) and the
 * channel between them: structured-clone messages, plus OS handles (accepted sockets).
 */
export interface ProcessChannel {
  readonly pid: number;
  /** With a socket as `handle`, the socket moves to the other side: this side's copy is closed. */
  send(message: unknown, handle?: unknown): void;
  onMessage(handler: (message: unknown, handle: unknown) => void): void;
  /** Called once when the other side's process ends (or the channel to it does). */
  onExit(handler: (code: number | null) => void): void;
  kill(): void;
}

export interface Processes {
  /** Starts `modulePath` as a Node.js process with a channel to this one. */
  fork(modulePath: string, args: readonly string[]): ProcessChannel;
  /** The channel to the process that forked this one, or null when nobody did. */
  parent(): ProcessChannel | null;
}

class ChildChannel implements ProcessChannel {
  constructor(private readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(message: unknown, handle?: unknown): void {
    // Our copy of a handed socket is closed once the message carrying it is written (the socket
    // then lives in the message and in the child; a child that dies before reading it takes it
    // along and the client sees the connection close), or when the send fails. Node's
    // `keepOpen: false` would hold it until the child acknowledged it — forever if the child
    // died first — and with it the client's connection, open and unanswered.
    const release = () => { if (handle instanceof Socket) handle.destroy(); };
    if (!this.child.connected) { release(); return; }
    // A child that died between the check and the send reports an error event, not a throw.
    this.child.send(message as object, handle as never, { keepOpen: true }, release);
  }

  onMessage(handler: (message: unknown, handle: unknown) => void): void {
    this.child.on('message', (message, handle) => handler(message, handle));
  }

  onExit(handler: (code: number | null) => void): void {
    this.child.once('exit', (code) => handler(code));
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

class ParentChannel implements ProcessChannel {
  readonly pid = process.ppid;

  send(message: unknown, handle?: unknown): void {
    if (process.connected) process.send!(message, handle as never);
  }

  onMessage(handler: (message: unknown, handle: unknown) => void): void {
    process.on('message', (message, handle) => handler(message, handle));
  }

  onExit(handler: (code: number | null) => void): void {
    process.once('disconnect', () => handler(null));
  }

  kill(): void {
    process.exit(1);
  }
}

export class NodeProcesses implements Processes {
  fork(modulePath: string, args: readonly string[]): ProcessChannel {
    const child = fork(modulePath, [...args], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('error', () => {}); // a failed send to a dead child; its exit is reported separately
    return new ChildChannel(child);
  }

  parent(): ProcessChannel | null {
    return typeof process.send === 'function' ? new ParentChannel() : null;
  }
}

/**
 * Starts a process that outlives this one (the local launcher's nodes), its output appended to
 * `logFile`. Returns its pid.
 */
export function spawnDetached(command: string, args: readonly string[], logFile: string): number {
  const out = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', out, out], detached: true });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** A process's state letter from /proc (R, S, T: stopped by a signal, Z: zombie …); null where there is no /proc entry. */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** Whether the process is stopped by a signal (SIGSTOP: `strata local pause`), where /proc tells. */
export function processPaused(pid: number): boolean {
  return procState(pid) === 'T';
}

/** Whether a process with this pid is alive (and not a zombie we could reap). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed detached child of a launcher that already exited is reaped by init; one of ours
  // may linger as a zombie, which /proc shows as state Z.
  return procState(pid) !== 'Z';
}

/**
 * What tells a process from a later one the system gives the same pid: the boot it runs in
 * (/proc/sys/kernel/random/boot_id) and its start time (clock ticks since boot, field 22 of
 * /proc/PID/stat). A pid recorded in a file outlives its process — a laptop that rebooted, or
 * pids that wrapped around while a cluster was down — and another process may hold it by then.
 * Null where /proc has no entry for it: no such process, or no /proc (not Linux).
 */
export function processStamp(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name (which may hold spaces and parentheses) come fields 3 (state) onwards.
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (startTime === undefined) return null;
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${startTime}`;
  } catch {
    return null;
  }
}

/** Whether this system tells processes apart by processStamp (it has /proc). */
export function processStampsAvailable(): boolean {
  return processStamp(process.pid) !== null;
}

/** Whether the process recorded as `pid` with `stamp` (processStamp) still runs: alive, and the same process. */
export function recordedProcessAlive(pid: number, stamp: string): boolean {
  return processAlive(pid) && processStamp(pid) === stamp;
}
