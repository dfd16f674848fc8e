import type { TransactionUsage, UsageRecorder } from '../../contracts/metering.js';
import { transactionReadDpu, transactionWriteDpu } from './dpu.js';

/** How a transaction ended, for its bill: its writes committed, lost to a conflict (OC000), or neither. */
export type TransactionEnd = 'committed' | 'conflict' | 'ended';

/** What the meter reads of a transaction when it ends (transaction.ts counts the bytes). */
export interface MeteredTransaction {
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly writeCount: number;
  /** It ran into the transaction age limit (Transaction.checkAge, or the adjudicator's too-old). */
  readonly ageLimitReached: boolean;
}

/**
 * A session's processing time, and its transactions' bills (reference/dsql.md §6.1).
 *
 * ComputeDPU is the seconds a query processor spends on a transaction's statements. Node gives
 * no per-session CPU clock, so the session times its own work on a monotonic clock: each Parse,
 * each simple-query Bind (where those statements are planned) and each Execute is a *span*,
 * from the call until its answer is ready (a promise settled). Inside a span the event loop
 * turns only when the statement waits — a pause between batches (`breathe`), pg_sleep, a
 * COMMIT's adjudication — and those waits are taken out; a wait for storage's safe time is not
 * (the reads of the embedded node do not wait). What it leaves out: wire decoding and sending,
 * the catalog refresh before a Parse, and the commit of an autocommit transaction (not
 * processing: adjudication, the journal's write, commit wait). One call of the stopwatch opens a
 * span and one closes it (~50 ns each), cheaper than CPU time (process.cpuUsage, a system call,
 * and for the whole process, not the session).
 */
export class SessionMeter {
  private computeUs = 0;
  private depth = 0;
  private spanStartUs = 0;
  /** One record, reused: the recorder copies what it keeps (UsageRecorder.record). */
  private readonly usage: { -readonly [K in keyof TransactionUsage]: TransactionUsage[K] } = {
    computeDpu: 0, readDpu: 0, writeDpu: 0, bytesRead: 0, bytesWritten: 0, readOnly: true, occConflict: false, ageLimit: false, commitLatencyUs: null,
  };

  constructor(readonly stopwatch: () => number, private readonly recorder: UsageRecorder | undefined) {}

  /** A span of processing begins (spans nest: the outermost counts). */
  begin(): void {
    if (this.depth++ === 0) this.spanStartUs = this.stopwatch();
  }

  end(): void {
    if (this.depth === 0) return;
    // Waits taken out overlap only if a statement waited on two things at once: never below zero.
    if (--this.depth === 0) this.computeUs += Math.max(0, this.stopwatch() - this.spanStartUs);
  }

  /** `end`, as a promise's fulfilment handler (made once, not per statement). */
  readonly endWith = <T>(value: T): T => {
    this.end();
    return value;
  };

  /** `end`, as a promise's rejection handler. */
  readonly endThrowing = (error: unknown): never => {
    this.end();
    throw error;
  };

  /** Time the running span spent waiting, not processing. */
  waited(micros: number): void {
    if (this.depth > 0) this.spanStartUs += micros;
  }

  /** Resolves with `wait`, its time taken out of the running span. */
  async waitFor<T>(wait: Promise<T>): Promise<T> {
    const began = this.stopwatch();
    try {
      return await wait;
    } finally {
      this.waited(this.stopwatch() - began);
    }
  }

  /** The running span's processing so far, in µs (EXPLAIN ANALYZE VERBOSE's Compute). */
  readonly spanMicros = (): number => (this.depth > 0 ? this.stopwatch() - this.spanStartUs : 0);

  /**
   * Bills an ended transaction: its processing time (a span still running is counted up to
   * now and goes on for the next transaction), its reads, and its writes if it committed them.
   */
  ended(txn: MeteredTransaction, end: TransactionEnd, commitLatencyUs: number | null): void {
    if (this.depth > 0) {
      const now = this.stopwatch();
      this.computeUs += Math.max(0, now - this.spanStartUs);
      this.spanStartUs = now;
    }
    const computeUs = this.computeUs;
    this.computeUs = 0;
    if (this.recorder === undefined) return;
    const usage = this.usage;
    const bytesWritten = end === 'committed' ? txn.bytesWritten : 0;
    usage.computeDpu = computeUs / 1e6;
    usage.bytesRead = txn.bytesRead;
    usage.readDpu = transactionReadDpu(txn.bytesRead);
    usage.bytesWritten = bytesWritten;
    usage.writeDpu = transactionWriteDpu(bytesWritten);
    usage.readOnly = txn.writeCount === 0;
    usage.occConflict = end === 'conflict';
    usage.ageLimit = txn.ageLimitReached;
    usage.commitLatencyUs = commitLatencyUs;
    this.recorder.record(usage);
  }
}
