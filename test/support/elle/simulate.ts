/**
 * A tiny in-memory multi-version list store that runs list-append transactions from several
 * logical processes, interleaved step by step by a seeded scheduler, and records the history.
 * It exists to test the checker against databases whose isolation we know:
 *
 *   serial              each transaction runs alone: serializable
 *   snapshot-isolation  reads at the start snapshot, first committer wins: SI (write skew only)
 *   no-first-committer  snapshot reads, but every commit succeeds: lost updates (planted bug)
 *   read-committed      each read sees the latest commit (no write locks either): read skew,
 *                       non-repeatable reads, lost updates (planted bug)
 *
 * Some transactions fail on purpose (an abort before COMMIT) and some end in info (the outcome
 * is lost; the commit happens or not at random), as under fault injection.
 */
import { HistoryRecorder } from './recorder.js';
import type { Element, Key, MicroOp, Op } from './history.js';
import { seededRandom } from '../../../src/sim/seeded-random.js';

export type SimulatedIsolation = 'serial' | 'snapshot-isolation' | 'no-first-committer' | 'read-committed';

export interface SimulationOptions {
  readonly isolation: SimulatedIsolation;
  readonly transactions: number;
  readonly processes?: number;
  readonly seed?: number;
  /** Keys being appended to at once; a key retires after maxAppendsPerKey appends. */
  readonly activeKeys?: number;
  readonly maxAppendsPerKey?: number;
  /** Probability that a transaction aborts before COMMIT (recorded as fail). */
  readonly abortRate?: number;
  /** Probability that a COMMIT's outcome is lost (recorded as info). */
  readonly infoRate?: number;
}

export { seededRandom };

interface Version {
  readonly commit: number;
  readonly list: readonly Element[];
}

interface Running {
  readonly handle: ReturnType<HistoryRecorder['invoke']>;
  readonly txn: MicroOp[];
  readonly start: number;
  readonly appends: Map<Key, Element[]>;
  pc: number;
}

class Store {
  private readonly versions = new Map<Key, Version[]>();
  clock = 0;

  read(key: Key, at: number): readonly Element[] {
    const versions = this.versions.get(key) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.commit <= at) return versions[i]!.list;
    return [];
  }

  changedSince(key: Key, at: number): boolean {
    const versions = this.versions.get(key) ?? [];
    return versions.length > 0 && versions[versions.length - 1]!.commit > at;
  }

  commit(appends: Map<Key, Element[]>): void {
    const commit = ++this.clock;
    for (const [key, elements] of appends) {
      const list = [...this.read(key, commit), ...elements];
      let versions = this.versions.get(key);
      if (versions === undefined) this.versions.set(key, (versions = []));
      versions.push({ commit, list });
    }
  }
}

class Generator {
  private readonly active: Key[] = [];
  private readonly used = new Map<Key, number>();
  private nextKey = 0;
  private nextElement = 0;

  constructor(
    private readonly random: () => number,
    private readonly activeKeys: number,
    private readonly maxAppendsPerKey: number,
  ) {
    for (let i = 0; i < activeKeys; i++) this.active.push(this.nextKey++);
  }

  txn(): MicroOp[] {
    const length = 1 + Math.floor(this.random() * 4);
    const txn: MicroOp[] = [];
    for (let i = 0; i < length; i++) {
      const slot = Math.floor(this.random() * this.activeKeys);
      const key = this.active[slot]!;
      if (this.random() < 0.5) {
        txn.push(['r', key, null]);
        continue;
      }
      txn.push(['append', key, this.nextElement++]);
      const used = (this.used.get(key) ?? 0) + 1;
      this.used.set(key, used);
      if (used >= this.maxAppendsPerKey) this.active[slot] = this.nextKey++;
    }
    return txn;
  }
}

export function simulate(options: SimulationOptions): Op[] {
  const random = seededRandom(options.seed ?? 1);
  const processes = options.isolation === 'serial' ? 1 : (options.processes ?? 5);
  let tick = 0;
  const recorder = new HistoryRecorder({ clock: () => tick++ });
  const store = new Store();
  const generator = new Generator(random, options.activeKeys ?? 6, options.maxAppendsPerKey ?? 16);
  const running = new Map<number, Running>();
  const processIds: number[] = Array.from({ length: processes }, (_, i) => i);
  let nextProcess = processes;
  let started = 0;
  while (started < options.transactions || running.size > 0) {
    const slot = Math.floor(random() * processIds.length);
    const process = processIds[slot]!;
    const txn = running.get(process);
    if (txn === undefined) {
      if (started >= options.transactions) continue;
      started++;
      const value = generator.txn();
      running.set(process, { handle: recorder.invoke(process, value), txn: value, start: store.clock, appends: new Map(), pc: 0 });
    } else if (txn.pc < txn.txn.length) {
      step(store, txn, options.isolation);
    } else {
      running.delete(process);
      const crashed = finish(store, recorder, txn, options, random);
      // A process whose outcome is unknown may still be running: Jepsen gives it a new id.
      if (crashed) processIds[slot] = nextProcess++;
    }
  }
  return recorder.history();
}

function step(store: Store, txn: Running, isolation: SimulatedIsolation): void {
  const mop = txn.txn[txn.pc]!;
  const [f, key, v] = mop;
  if (f === 'append') {
    const list = txn.appends.get(key) ?? [];
    list.push(v as Element);
    txn.appends.set(key, list);
  } else {
    const at = isolation === 'read-committed' ? store.clock : txn.start;
    const own = txn.appends.get(key) ?? [];
    txn.txn[txn.pc] = ['r', key, [...store.read(key, at), ...own]];
  }
  txn.pc++;
}

/** Commits (or not) and records the outcome; true when the outcome was lost (info). */
function finish(store: Store, recorder: HistoryRecorder, txn: Running, options: SimulationOptions, random: () => number): boolean {
  if (random() < (options.abortRate ?? 0.05)) {
    recorder.fail(txn.handle);
    return false;
  }
  const firstCommitterWins = options.isolation === 'snapshot-isolation';
  if (firstCommitterWins && [...txn.appends.keys()].some((k) => store.changedSince(k, txn.start))) {
    recorder.fail(txn.handle);
    return false;
  }
  if (random() < (options.infoRate ?? 0.02)) {
    if (random() < 0.5) store.commit(txn.appends);
    recorder.info(txn.handle);
    return true;
  }
  store.commit(txn.appends);
  recorder.ok(txn.handle, txn.txn);
  return false;
}
