/**
 * Records a history while a workload runs, in the form the checkers read.
 *
 * The workload calls invoke() before it sends a transaction and exactly one of ok(), fail() or
 * info() when it knows the outcome:
 *   - ok(handle, resultTxn): COMMIT succeeded; resultTxn is the transaction with every read
 *     filled in (['r', k, [..]]).
 *   - fail(handle): the transaction certainly had no effect (an error before COMMIT, or COMMIT
 *     answered 40001: the adjudicator aborted it).
 *   - info(handle): the outcome is unknown (the connection died or timed out during COMMIT).
 *     Recording such a transaction as fail would make the checker cry G1a when it did commit.
 *
 * Like Jepsen, a process runs one transaction at a time; a process whose transaction ended in
 * info must not be reused (the workload takes a fresh process id), because its transaction may
 * still be in flight.
 *
 * Time comes from the injected clock (the recorder never reads the real clock itself).
 */
import { assert } from '../../../src/contracts/errors.js';
import type { Element, Key, MicroOp, Op, OpType, Process, Txn } from './history.js';

export interface InvocationHandle {
  readonly index: number;
  readonly process: Process;
}

export interface HistoryRecorderOptions {
  /** Any monotonic number; it is written as each op's `time`. */
  readonly clock: () => number;
}

export class HistoryRecorder {
  private readonly ops: Op[] = [];
  private readonly pending = new Map<Process, { handle: InvocationHandle; txn: Txn }>();
  private readonly crashed = new Set<Process>();
  /** key → elements appended to it, so a workload bug (a repeated element) fails at once. */
  private readonly appended = new Map<Key, Set<Element>>();
  private readonly clock: () => number;

  constructor(options: HistoryRecorderOptions) {
    this.clock = options.clock;
  }

  invoke(process: Process, txn: Txn): InvocationHandle {
    assert(!this.pending.has(process), `process ${process} already has a transaction in flight`);
    assert(!this.crashed.has(process), `process ${process} crashed (info); use a fresh process id`);
    for (const mop of txn) this.noteInvokedMop(mop);
    const handle: InvocationHandle = { index: this.ops.length, process };
    const value = txn.map((mop): MicroOp => (mop[0] === 'r' ? ['r', mop[1], null] : mop));
    this.push('invoke', process, value);
    this.pending.set(process, { handle, txn: value });
    return handle;
  }

  ok(handle: InvocationHandle, resultTxn: Txn): void {
    const invoked = this.peek(handle);
    assert(resultTxn.length === invoked.length, 'an ok transaction has as many micro-ops as its invocation');
    for (let i = 0; i < resultTxn.length; i++) {
      const [f, k] = resultTxn[i]!;
      const [invokedF, invokedK] = invoked[i]!;
      assert(f === invokedF && k === invokedK, `micro-op ${i} of the result matches the invocation`);
    }
    this.take(handle);
    this.push('ok', handle.process, resultTxn.map(copyMop));
  }

  fail(handle: InvocationHandle): void {
    this.push('fail', handle.process, this.take(handle));
  }

  info(handle: InvocationHandle): void {
    this.push('info', handle.process, this.take(handle));
    this.crashed.add(handle.process);
  }

  /** Transactions invoked and not yet completed. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The history so far (a copy). Transactions still in flight appear as bare invocations. */
  history(): Op[] {
    return this.ops.slice();
  }

  private peek(handle: InvocationHandle): Txn {
    const entry = this.pending.get(handle.process);
    assert(entry !== undefined && entry.handle === handle, `invocation ${handle.index} is in flight`);
    return entry.txn;
  }

  private take(handle: InvocationHandle): Txn {
    const txn = this.peek(handle);
    this.pending.delete(handle.process);
    return txn;
  }

  private noteInvokedMop(mop: MicroOp): void {
    const [f, k, v] = mop;
    assert(f === 'append' || f === 'r' || f === 'w', `unknown micro-op ${String(f)}`);
    if (f !== 'append') return;
    let elements = this.appended.get(k);
    if (elements === undefined) {
      elements = new Set();
      this.appended.set(k, elements);
    }
    assert(!elements.has(v as Element), `element ${String(v)} appended to key ${String(k)} twice`);
    elements.add(v as Element);
  }

  private push(type: OpType, process: Process, value: Txn): void {
    this.ops.push({ index: this.ops.length, type, process, value, time: this.clock() });
  }
}

function copyMop(mop: MicroOp): MicroOp {
  if (mop[0] === 'r' && Array.isArray(mop[2])) return ['r', mop[1], [...(mop[2] as Element[])]];
  return mop;
}
