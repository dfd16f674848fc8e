/**
 * A checker for list-append histories after Jepsen's Elle (Kingsbury & Alvaro, "Elle: Inferring
 * Isolation Anomalies from Experimental Observations", VLDB 2020).
 *
 * Every transaction appends unique elements to lists and reads whole lists, so each read reveals
 * the order of every append before it. From the longest read of each key we take the key's
 * version order, and from it the dependency edges:
 *   ww  T1 appended the element just before T2's in the version order;
 *   wr  T2 read a list whose last element T1 appended;
 *   rw  T1 read the list just before T2's append (an append no read ever shows must come after
 *       every observed one: the readers of the longest list anti-depend on it).
 * Cycles in that graph are G0 / G1c / G-single / G-nonadjacent / G2-item (see graph.ts). The
 * non-cycle anomalies come from the reads themselves: G1a (an aborted append seen), G1b (an
 * intermediate state seen), internal inconsistency, future reads, dirty updates, duplicate
 * elements, incompatible orders, lost updates, and garbage reads (an element nobody appended).
 */
import { findCycles } from './cycles.js';
import { DependencyGraph, type EdgeType, type Step } from './graph.js';
import {
  completedTransactions,
  showOp,
  showValue,
  type Element,
  type History,
  type Key,
  type Op,
  type Transaction,
} from './history.js';

export type ConsistencyModel = 'serializable' | 'snapshot-isolation' | 'read-committed';

export type AnomalyType =
  | 'G0'
  | 'G1a'
  | 'G1b'
  | 'G1c'
  | 'G-single'
  | 'G-nonadjacent'
  | 'G2-item'
  | 'lost-update'
  | 'internal'
  | 'future-read'
  | 'dirty-update'
  | 'duplicate-elements'
  | 'incompatible-order'
  | 'garbage-read';

export interface CycleStepReport {
  readonly type: EdgeType;
  readonly from: Op;
  readonly to: Op;
  readonly key: Key;
  /** The element read or overwritten; null for the initial (empty) state. */
  readonly value: Element | null;
  /** For ww and rw: the element appended next. */
  readonly next?: Element;
}

export interface Anomaly {
  readonly type: AnomalyType;
  /** True when the chosen consistency model permits this anomaly (G2-item under SI). */
  readonly allowed: boolean;
  readonly explanation: string;
  /** Cycle anomalies: the transactions in cycle order, the first repeated at the end. */
  readonly cycle?: readonly Op[];
  readonly steps?: readonly CycleStepReport[];
  /** Other anomalies: the transactions involved. */
  readonly ops?: readonly Op[];
  readonly key?: Key;
}

export interface CheckOptions {
  readonly consistencyModel?: ConsistencyModel;
  /** Anomalies listed per type (all are counted). Default 20. */
  readonly maxAnomaliesPerType?: number;
  /** Edge visits the bounded cycle searches may spend. Default 3,000,000. */
  readonly cycleSearchBudget?: number;
}

export interface CheckResult {
  readonly valid: boolean;
  readonly consistencyModel: ConsistencyModel;
  readonly anomalies: Anomaly[];
  /** Every anomaly found, by type (cycles: one per strongly connected component and class). */
  readonly counts: Partial<Record<AnomalyType, number>>;
  readonly stats: {
    readonly ok: number;
    readonly fail: number;
    readonly info: number;
    readonly edges: number;
    readonly components: number;
    readonly cycleSearchIncomplete: boolean;
  };
}

const ALL_TYPES: readonly AnomalyType[] = [
  'G0', 'G1a', 'G1b', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item', 'lost-update', 'internal',
  'future-read', 'dirty-update', 'duplicate-elements', 'incompatible-order', 'garbage-read',
];

/** What each model forbids (after Elle's consistency-model graph). */
const FORBIDDEN: Record<ConsistencyModel, ReadonlySet<AnomalyType>> = {
  serializable: new Set(ALL_TYPES),
  'snapshot-isolation': new Set(ALL_TYPES.filter((t) => t !== 'G2-item')),
  'read-committed': new Set<AnomalyType>([
    'G0', 'G1a', 'G1b', 'G1c', 'future-read', 'dirty-update', 'duplicate-elements', 'incompatible-order', 'garbage-read',
  ]),
};

/** The initial, empty state of a key in the indexes below. */
const INIT = Symbol('init');
type Version = Element | typeof INIT;

/** Indexes over the possibly-committed (ok and info) transactions. */
interface Indexes {
  readonly possible: Transaction[];
  /** key → element → the ok/info transaction that appended it. */
  readonly writer: Map<Key, Map<Element, Transaction>>;
  /** key → element → the transaction (any outcome) that appended it. */
  readonly anyWriter: Map<Key, Map<Element, Transaction>>;
  /** key → the version order: elements in append order. */
  readonly order: Map<Key, Element[]>;
  readonly position: Map<Key, Map<Element, number>>;
  /** key → last element read (INIT: empty) → transactions that read exactly that state. */
  readonly readers: Map<Key, Map<Version, Transaction[]>>;
  /** key → distinct observed lists, shortest first. */
  readonly observed: Map<Key, Element[][]>;
}

export function checkListAppend(history: History, options: CheckOptions = {}): CheckResult {
  const model = options.consistencyModel ?? 'snapshot-isolation';
  const limit = options.maxAnomaliesPerType ?? 20;
  const txns = completedTransactions(history);
  const indexes = buildIndexes(txns);
  const found: Anomaly[] = [];
  const add = (type: AnomalyType, fields: Omit<Anomaly, 'type' | 'allowed'>): void => {
    found.push({ type, allowed: !FORBIDDEN[model].has(type), ...fields });
  };
  const ok = txns.filter((t) => t.type === 'ok');
  for (const t of ok) internalCases(t, add);
  g1aCases(ok, txns, add);
  g1bCases(ok, txns, add);
  duplicateCases(indexes.possible, add);
  incompatibleOrderCases(indexes, add);
  garbageReadCases(indexes, add);
  dirtyUpdateCases(indexes, add);
  lostUpdateCases(ok, add);
  const graph = buildGraph(indexes);
  const search = findCycles(graph, { budgetSteps: options.cycleSearchBudget ?? 3_000_000 });
  for (const { cycleClass, steps } of search.cycles) {
    add(cycleClass, describeCycle(graph, indexes.possible, steps));
  }
  return summarize(found, model, limit, {
    ok: ok.length,
    fail: txns.filter((t) => t.type === 'fail').length,
    info: txns.filter((t) => t.type === 'info').length,
    edges: graph.edgeTotal,
    components: search.componentCount,
    cycleSearchIncomplete: search.searchIncomplete,
  });
}

function summarize(found: Anomaly[], model: ConsistencyModel, limit: number, stats: CheckResult['stats']): CheckResult {
  const counts: Partial<Record<AnomalyType, number>> = {};
  const anomalies: Anomaly[] = [];
  for (const type of ALL_TYPES) {
    const ofType = found.filter((a) => a.type === type);
    if (ofType.length === 0) continue;
    counts[type] = ofType.length;
    anomalies.push(...ofType.slice(0, limit));
  }
  return { valid: anomalies.every((a) => a.allowed), consistencyModel: model, anomalies, counts, stats };
}

type Add = (type: AnomalyType, fields: Omit<Anomaly, 'type' | 'allowed'>) => void;

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

function readList(value: unknown): Element[] {
  return Array.isArray(value) ? (value as Element[]) : [];
}

// ---------------------------------------------------------------------------------------------
// Indexes and the version order

function buildIndexes(txns: readonly Transaction[]): Indexes {
  const possible = txns.filter((t) => t.type !== 'fail');
  const writer = new Map<Key, Map<Element, Transaction>>();
  const anyWriter = new Map<Key, Map<Element, Transaction>>();
  const reads = new Map<Key, Map<string, Element[]>>();
  const appendsPerKey = new Map<Key, Element[]>();
  const readers = new Map<Key, Map<Version, Transaction[]>>();
  for (const t of txns) {
    for (const [f, k, v] of t.op.value) {
      if (f !== 'append') continue;
      getOrCreate(anyWriter, k, () => new Map()).set(v as Element, t);
      if (t.type === 'fail') continue;
      getOrCreate(writer, k, () => new Map()).set(v as Element, t);
      getOrCreate(appendsPerKey, k, () => []).push(v as Element);
    }
  }
  for (const t of possible) {
    for (const [f, k, v] of t.op.value) {
      if (f !== 'r') continue;
      // An info transaction's nil read is the invocation's placeholder, not an observation.
      if (v === null && t.type === 'info') continue;
      const list = readList(v);
      if (list.length > 0) getOrCreate(reads, k, () => new Map()).set(JSON.stringify(list), list);
      const last: Version = list.length > 0 ? list[list.length - 1]! : INIT;
      getOrCreate(getOrCreate(readers, k, () => new Map()), last, () => []).push(t);
    }
  }
  const { order, position, observed } = versionOrders(reads, appendsPerKey);
  return { possible, writer, anyWriter, order, position, readers, observed };
}

function versionOrders(reads: Map<Key, Map<string, Element[]>>, appendsPerKey: Map<Key, Element[]>) {
  const order = new Map<Key, Element[]>();
  const position = new Map<Key, Map<Element, number>>();
  const observed = new Map<Key, Element[][]>();
  for (const [k, lists] of reads) {
    const sorted = [...lists.values()].sort((a, b) => a.length - b.length);
    observed.set(k, sorted);
    order.set(k, [...new Set(sorted[sorted.length - 1]!)]);
  }
  // A key appended exactly once and never read non-empty still has a known order: [], [x].
  for (const [k, appends] of appendsPerKey) {
    if (!order.has(k) && appends.length === 1) order.set(k, [appends[0]!]);
  }
  for (const [k, elements] of order) position.set(k, new Map(elements.map((e, i) => [e, i])));
  return { order, position, observed };
}

/** The version an append of v to k overwrote: its predecessor, or the last observed one. */
function previousVersion(indexes: Indexes, k: Key, v: Element): Version {
  const order = indexes.order.get(k);
  if (order === undefined) return INIT;
  const at = indexes.position.get(k)!.get(v);
  if (at === undefined) return order.length > 0 ? order[order.length - 1]! : INIT;
  return at > 0 ? order[at - 1]! : INIT;
}

function buildGraph(indexes: Indexes): DependencyGraph {
  const vertex = new Map<Transaction, number>(indexes.possible.map((t, i) => [t, i]));
  const graph = new DependencyGraph(indexes.possible.length);
  for (const t of indexes.possible) {
    const me = vertex.get(t)!;
    for (const [f, k, v] of t.op.value) {
      if (f === 'append') {
        const previous = previousVersion(indexes, k, v as Element);
        const value = previous === INIT ? null : previous;
        const why = { key: k, value, next: v as Element };
        if (value !== null) {
          const w = indexes.writer.get(k)?.get(value);
          if (w !== undefined) graph.link(vertex.get(w)!, me, 'ww', why);
        }
        for (const r of indexes.readers.get(k)?.get(previous) ?? []) graph.link(vertex.get(r)!, me, 'rw', why);
      } else if (f === 'r') {
        const list = readList(v);
        if (list.length === 0) continue;
        const last = list[list.length - 1]!;
        const w = indexes.writer.get(k)?.get(last);
        if (w !== undefined) graph.link(vertex.get(w)!, me, 'wr', { key: k, value: last });
      }
    }
  }
  return graph;
}

// ---------------------------------------------------------------------------------------------
// Anomalies visible without the graph

/** A key's state as the transaction itself knows it; without a read, only a suffix is known. */
type Expected = { prefixKnown: boolean; elements: Element[] };

function matches(expected: Expected, list: readonly Element[]): boolean {
  const e = expected.elements;
  if (expected.prefixKnown) return e.length === list.length && e.every((x, i) => x === list[i]);
  const offset = list.length - e.length;
  return offset >= 0 && e.every((x, i) => x === list[offset + i]);
}

function showExpected(expected: Expected): string {
  const elements = expected.elements.map(showValue).join(' ');
  return expected.prefixKnown ? `[${elements}]` : `[... ${elements}]`;
}

/** A transaction's reads must agree with its own earlier reads and appends (and not foresee them). */
function internalCases(t: Transaction, add: Add): void {
  const state = new Map<Key, Expected>();
  const readElements = new Map<Key, Set<Element>>();
  for (const [f, k, v] of t.op.value) {
    if (f === 'append') {
      if (readElements.get(k)?.has(v as Element)) {
        add('future-read', { ops: [t.op], key: k, explanation: `${showOp(t.op)} read element ${showValue(v)} of key ${showValue(k)} before it appended it` });
      }
      const known = state.get(k) ?? { prefixKnown: false, elements: [] };
      state.set(k, { prefixKnown: known.prefixKnown, elements: [...known.elements, v as Element] });
    } else if (f === 'r') {
      const list = readList(v);
      const expected = state.get(k);
      if (expected !== undefined && !matches(expected, list)) {
        add('internal', {
          ops: [t.op],
          key: k,
          explanation: `${showOp(t.op)} read key ${showValue(k)} = ${showValue(list)} where its own earlier reads and appends imply ${showExpected(expected)}`,
        });
      }
      state.set(k, { prefixKnown: true, elements: list.slice() });
      const seen = getOrCreate(readElements, k, () => new Set<Element>());
      for (const e of list) seen.add(e);
    }
  }
}

function appendedBy(txns: readonly Transaction[], keep: (t: Transaction) => boolean): Map<Key, Map<Element, Transaction>> {
  const index = new Map<Key, Map<Element, Transaction>>();
  for (const t of txns) {
    if (!keep(t)) continue;
    for (const [f, k, v] of t.op.value) if (f === 'append') getOrCreate(index, k, () => new Map()).set(v as Element, t);
  }
  return index;
}

/** G1a: a committed read shows an element whose append certainly aborted. */
function g1aCases(ok: readonly Transaction[], txns: readonly Transaction[], add: Add): void {
  const failed = appendedBy(txns, (t) => t.type === 'fail');
  if (failed.size === 0) return;
  for (const t of ok) {
    for (const [f, k, v] of t.op.value) {
      if (f !== 'r') continue;
      for (const e of readList(v)) {
        const w = failed.get(k)?.get(e);
        if (w === undefined) continue;
        add('G1a', {
          ops: [t.op, w.op],
          key: k,
          explanation: `${showOp(t.op)} read ${showValue(k)} = ${showValue(v)}, which holds ${showValue(e)}, appended by the failed ${showOp(w.op)}`,
        });
      }
    }
  }
}

/** G1b: a committed read ends at an element that was not its writer's last append to the key. */
function g1bCases(ok: readonly Transaction[], txns: readonly Transaction[], add: Add): void {
  const intermediate = new Map<Key, Map<Element, Transaction>>();
  for (const t of txns) {
    const last = new Map<Key, Element>();
    for (const [f, k, v] of t.op.value) {
      if (f !== 'append') continue;
      const previous = last.get(k);
      if (previous !== undefined) getOrCreate(intermediate, k, () => new Map()).set(previous, t);
      last.set(k, v as Element);
    }
  }
  for (const t of ok) {
    for (const [f, k, v] of t.op.value) {
      const list = readList(v);
      if (f !== 'r' || list.length === 0) continue;
      const w = intermediate.get(k)?.get(list[list.length - 1]!);
      if (w === undefined || w === t) continue;
      add('G1b', {
        ops: [t.op, w.op],
        key: k,
        explanation: `${showOp(t.op)} read ${showValue(k)} = ${showValue(list)}, an intermediate state of ${showOp(w.op)}, which appended more to ${showValue(k)} afterwards`,
      });
    }
  }
}

function duplicateCases(possible: readonly Transaction[], add: Add): void {
  for (const t of possible) {
    for (const [f, k, v] of t.op.value) {
      const list = readList(v);
      if (f !== 'r' || new Set(list).size === list.length) continue;
      const seen = new Set<Element>();
      const duplicated = list.filter((e) => (seen.has(e) ? true : (seen.add(e), false)));
      add('duplicate-elements', {
        ops: [t.op],
        key: k,
        explanation: `${showOp(t.op)} read ${showValue(k)} = ${showValue(list)}, which holds ${showValue([...new Set(duplicated)])} more than once`,
      });
    }
  }
}

function isPrefix(a: readonly Element[], b: readonly Element[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

/** Every observed list of a key must be a prefix of the next longer one: one timeline. */
function incompatibleOrderCases(indexes: Indexes, add: Add): void {
  for (const [k, lists] of indexes.observed) {
    for (let i = 1; i < lists.length; i++) {
      if (isPrefix(lists[i - 1]!, lists[i]!)) continue;
      add('incompatible-order', {
        key: k,
        explanation: `key ${showValue(k)} was read as ${showValue(lists[i - 1])} and as ${showValue(lists[i])}: neither is a prefix of the other`,
      });
      break;
    }
  }
}

/** An element no transaction appended (the database invented or corrupted it). */
function garbageReadCases(indexes: Indexes, add: Add): void {
  for (const [k, order] of indexes.order) {
    for (const e of order) {
      if (indexes.anyWriter.get(k)?.has(e)) continue;
      add('garbage-read', { key: k, explanation: `key ${showValue(k)} was read holding ${showValue(e)}, which no transaction appended` });
    }
  }
}

/** A committed append after a failed one in the version order: the aborted write was built on. */
function dirtyUpdateCases(indexes: Indexes, add: Add): void {
  for (const [k, order] of indexes.order) {
    let failed: Transaction | undefined;
    for (const e of order) {
      const w = indexes.anyWriter.get(k)?.get(e);
      if (w === undefined || w.type === 'info') continue;
      if (w.type === 'fail') {
        failed ??= w;
        continue;
      }
      if (failed !== undefined) {
        add('dirty-update', {
          ops: [failed.op, w.op],
          key: k,
          explanation: `${showOp(w.op)} appended ${showValue(e)} to ${showValue(k)} after the failed ${showOp(failed.op)} had appended to it`,
        });
      }
      failed = undefined;
    }
  }
}

/** Two committed transactions read the same state of a key and both appended to it (P4). */
function lostUpdateCases(ok: readonly Transaction[], add: Add): void {
  const groups = new Map<string, { key: Key; list: Element[]; txns: Transaction[] }>();
  for (const t of ok) {
    const firstRead = new Map<Key, Element[]>();
    const written = new Set<Key>();
    for (const [f, k, v] of t.op.value) {
      if (f === 'r' && !firstRead.has(k)) firstRead.set(k, readList(v));
      if (f !== 'append' || written.has(k) || !firstRead.has(k)) continue;
      written.add(k);
      const list = firstRead.get(k)!;
      const id = JSON.stringify([k, list]);
      getOrCreate(groups, id, () => ({ key: k, list, txns: [] })).txns.push(t);
    }
  }
  for (const { key, list, txns } of groups.values()) {
    if (txns.length < 2) continue;
    add('lost-update', {
      ops: txns.map((t) => t.op),
      key,
      explanation: `${txns.length} committed transactions read ${showValue(key)} = ${showValue(list)} and each appended to it: ${txns.map((t) => showOp(t.op)).join(', ')}`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Cycle explanations, in Elle's words

function describeCycle(graph: DependencyGraph, possible: readonly Transaction[], steps: readonly Step[]): Omit<Anomaly, 'type' | 'allowed'> {
  const names = new Map<number, string>();
  for (const step of steps) if (!names.has(step.from)) names.set(step.from, `T${names.size + 1}`);
  const name = (v: number): string => names.get(v)!;
  const reports: CycleStepReport[] = [];
  const lines: string[] = ['Let:'];
  for (const [v, n] of names) lines.push(`  ${n} = ${showOp(possible[v]!.op)}`);
  lines.push('', 'Then:');
  steps.forEach((step, i) => {
    const why = graph.why(step.from, step.to, step.type);
    reports.push({ type: step.type, from: possible[step.from]!.op, to: possible[step.to]!.op, key: why.key, value: why.value, ...(why.next !== undefined ? { next: why.next } : {}) });
    const a = name(step.from);
    const b = name(step.to);
    const because = stepReason(step.type, a, b, why.key, why.value, why.next);
    const last = i === steps.length - 1;
    lines.push(`  - ${last ? 'However, ' : ''}${a} < ${b}, because ${because}${last ? ': a contradiction!' : '.'}`);
  });
  const cycle = [...steps.map((s) => possible[s.from]!.op), possible[steps[0]!.from]!.op];
  return { cycle, steps: reports, explanation: lines.join('\n') };
}

function stepReason(type: EdgeType, a: string, b: string, key: Key, value: Element | null, next: Element | undefined): string {
  const k = showValue(key);
  if (type === 'ww') return `${b} appended ${showValue(next)} after ${a} appended ${showValue(value)} to ${k}`;
  if (type === 'wr') return `${b} observed ${a}'s append of ${showValue(value)} to key ${k}`;
  if (value === null) return `${a} observed the initial (nil) state of ${k}, which ${b} created by appending ${showValue(next)}`;
  return `${a} did not observe ${b}'s append of ${showValue(next)} to ${k}`;
}
