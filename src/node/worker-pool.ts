import { fileURLToPath } from 'node:url';
import type { Adjudicator, CommitOutcome } from '../contracts/adjudicator.js';
import type { Timers } from '../contracts/time.js';
import type { HandOffSocket, Log } from '../env/env.js';
import type { ProcessChannel, Processes } from '../env/processes.js';
import { decodeCommits, encodeOutcomes, type ChannelOutcome } from './commit-codec.js';
import type { ToPrimary, ToWorker } from './worker-protocol.js';

const WORKER_MODULE = fileURLToPath(new URL('./qp-worker.js', import.meta.url));
/** Bound of one outcomes message (a worker has at most 10,000 commits waiting). */
const MAX_OUTCOMES_PER_MESSAGE = 1024;

interface Worker {
  readonly index: number;
  channel: ProcessChannel;
  open: number;
  ready: boolean;
  /** Outcomes decided in this turn, sent together after it. */
  unsent: ChannelOutcome[];
  answerScheduled: boolean;
}

export interface WorkerPoolOptions {
  readonly processes: Processes;
  readonly adjudicator: Adjudicator;
  readonly timers: Timers;
  readonly log: Log;
  readonly dataDir: string;
  readonly quiet: boolean;
  /** A worker received a CancelRequest: the session may be in this process. */
  readonly onCancelRequest: (processId: number, secretKey: number) => void;
}

/**
 * The embedded node's query-processor workers: one process each, serving the connections the
 * primary accepts and hands over (to the worker with the fewest), committing through the
 * primary's adjudicator. A worker that dies takes only its sessions with it and is replaced.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private stopping = false;
  private nextClockId = 1;
  private readonly clockAcks = new Map<number, { left: number; done: () => void }>();

  private constructor(private readonly options: WorkerPoolOptions) {}

  static async start(options: WorkerPoolOptions, count: number): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    await Promise.all(Array.from({ length: count }, (_, index) => pool.spawn(index)));
    return pool;
  }

  pids(): number[] {
    return this.workers.filter((w) => w.ready).map((w) => w.channel.pid);
  }

  /** The fewest connections any live worker has (Infinity when none is up). */
  leastOpen(): number {
    let least = Infinity;
    for (const worker of this.workers) if (worker.ready && worker.open < least) least = worker.open;
    return least;
  }

  /** Asks every worker to cancel the session with this key (each ignores keys it lacks). */
  cancel(processId: number, secretKey: number): void {
    for (const worker of this.workers) if (worker.ready) worker.channel.send({ type: 'cancel', processId, secretKey } satisfies ToWorker);
  }

  /** Connections open across all workers. */
  get openConnections(): number {
    let open = 0;
    for (const worker of this.workers) open += worker.open;
    return open;
  }

  /** Hands an accepted connection (and the bytes peeked from it) to the least loaded worker that is up. */
  dispatch(socket: HandOffSocket, preface?: Uint8Array): boolean {
    let chosen: Worker | null = null;
    for (const worker of this.workers) {
      if (worker.ready && (chosen === null || worker.open < chosen.open)) chosen = worker;
    }
    if (chosen === null) return false;
    chosen.open++;
    chosen.channel.send((preface === undefined || preface.length === 0 ? { type: 'connection' } : { type: 'connection', preface }) satisfies ToWorker, socket.handle);
    return true;
  }

  /** Moves every worker's clock (tests of time limits); resolves once all have. */
  advanceClock(micros: number): Promise<void> {
    const live = this.workers.filter((w) => w.ready);
    if (live.length === 0) return Promise.resolve();
    const id = this.nextClockId++;
    return new Promise((done) => {
      this.clockAcks.set(id, { left: live.length, done });
      for (const worker of live) worker.channel.send({ type: 'advance-clock', id, micros } satisfies ToWorker);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers.map((worker) => new Promise<void>((exited) => {
      worker.channel.onExit(() => exited());
      worker.channel.send({ type: 'stop' } satisfies ToWorker);
    })));
  }

  private spawn(index: number): Promise<void> {
    const channel = this.options.processes.fork(WORKER_MODULE, []);
    const worker: Worker = { index, channel, open: 0, ready: false, unsent: [], answerScheduled: false };
    this.workers[index] = worker;
    return new Promise((ready, failed) => {
      channel.onMessage((raw) => {
        const message = raw as ToPrimary;
        if (message.type === 'ready') { worker.ready = true; ready(); return; }
        if (message.type === 'failed') { failed(new Error(`query-processor worker ${index} failed to start: ${message.message}`)); return; }
        this.handle(worker, message);
      });
      channel.onExit((code) => {
        worker.ready = false;
        if (this.stopping || this.workers[index] !== worker) return;
        this.options.log.warn(`query-processor worker ${index} exited (${code ?? 'signal'}); its sessions are gone, starting another`);
        failed(new Error(`query-processor worker ${index} exited during startup`));
        this.spawn(index).catch((error: unknown) => this.options.log.error((error as Error).message));
      });
      channel.send({ type: 'start', dataDir: this.options.dataDir, index, quiet: this.options.quiet } satisfies ToWorker);
    });
  }

  private handle(worker: Worker, message: ToPrimary): void {
    switch (message.type) {
      case 'commits':
        for (const { id, request } of decodeCommits(message.bytes)) {
          this.options.adjudicator.commit(request).then(
            (outcome) => this.answer(worker, id, outcome),
            (error: unknown) => this.answer(worker, id, { kind: 'unavailable', reason: (error as Error).message }),
          );
        }
        return;
      case 'connection-closed':
        worker.open = Math.max(0, worker.open - 1);
        return;
      case 'cancel':
        // The session may live in any process; each ignores keys it does not have.
        this.cancel(message.processId, message.secretKey);
        this.options.onCancelRequest(message.processId, message.secretKey);
        return;
      case 'clock-advanced': {
        const ack = this.clockAcks.get(message.id);
        if (ack && --ack.left === 0) { this.clockAcks.delete(message.id); ack.done(); }
        return;
      }
      default:
        return;
    }
  }

  /**
   * Queues a commit's outcome for its worker. A journal write acknowledges its whole group in
   * one turn, so the outcomes of that turn go to each worker in one message.
   */
  private answer(worker: Worker, id: number, outcome: CommitOutcome): void {
    if (worker.unsent.length >= MAX_OUTCOMES_PER_MESSAGE) this.sendOutcomes(worker);
    worker.unsent.push({ id, outcome });
    if (worker.answerScheduled) return;
    worker.answerScheduled = true;
    this.options.timers.setImmediate(() => {
      worker.answerScheduled = false;
      this.sendOutcomes(worker);
    });
  }

  private sendOutcomes(worker: Worker): void {
    if (worker.unsent.length === 0) return;
    const bytes = encodeOutcomes(worker.unsent);
    worker.unsent = [];
    worker.channel.send({ type: 'commit-outcomes', bytes } satisfies ToWorker);
  }
}
