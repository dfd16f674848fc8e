/**
 * The transaction dependency graph (Adya's DSG) and the cycle searches over it.
 *
 * Vertices are transactions (dense ids). Edges carry a mask of dependency types:
 *   ww — b overwrote a (b's append follows a's in the key's version order)
 *   wr — b read a's write
 *   rw — b overwrote the version a read (an anti-dependency)
 *
 * Cycle classes, as Elle names them:
 *   G0              only ww edges
 *   G1c             ww and wr edges, at least one wr
 *   G-single        exactly one rw edge (read skew)
 *   G-nonadjacent   two or more rw edges, no two of them adjacent (forbidden by SI)
 *   G2-item         the rest: some rw edges adjacent (write skew; allowed by SI)
 *
 * Searches: Tarjan SCCs restricted to edge types find G0 and G1c exactly; G-single and
 * G-nonadjacent are breadth-first searches over (vertex, state) with an edge-type automaton,
 * bounded by a step budget. One linear pass over the product graph (vertex × "did the last edge
 * be rw") decides, without a budget, whether any cycle with no two adjacent rw edges exists —
 * the cycles snapshot isolation forbids — so the SI verdict never depends on the budget.
 */
import { assert } from '../../../src/contracts/errors.js';
import type { Element, Key } from './history.js';

export const WW = 1;
export const WR = 2;
export const RW = 4;
export const ALL = WW | WR | RW;

export type EdgeType = 'ww' | 'wr' | 'rw';
export type CycleClass = 'G0' | 'G1c' | 'G-single' | 'G-nonadjacent' | 'G2-item';

/** Why an edge exists: the key, the version read or overwritten (null: the initial state), the next one. */
export interface EdgeWhy {
  readonly key: Key;
  readonly value: Element | null;
  readonly next?: Element;
}

export interface Step {
  readonly from: number;
  readonly to: number;
  readonly type: EdgeType;
}

const TYPE_BITS: Record<EdgeType, number> = { ww: WW, wr: WR, rw: RW };

interface EdgeRecord {
  mask: number;
  ww?: EdgeWhy;
  wr?: EdgeWhy;
  rw?: EdgeWhy;
}

export class DependencyGraph {
  private readonly edges: Map<number, EdgeRecord>[] = [];
  private frozenOut: Int32Array[] | null = null;
  private frozenMask: Uint8Array[] | null = null;
  private edgeCount = 0;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.edges.push(new Map());
  }

  /** Adds an edge; self-edges carry no information about order and are dropped. */
  link(from: number, to: number, type: EdgeType, why: EdgeWhy): void {
    assert(this.frozenOut === null, 'the graph is still being built');
    if (from === to) return;
    const out = this.edges[from]!;
    let record = out.get(to);
    if (record === undefined) {
      record = { mask: 0 };
      out.set(to, record);
      this.edgeCount++;
    }
    record.mask |= TYPE_BITS[type];
    if (record[type] === undefined) record[type] = why;
  }

  /** Ends building; successor arrays are then read by the searches. */
  freeze(): void {
    if (this.frozenOut !== null) return;
    this.frozenOut = this.edges.map((m) => Int32Array.from(m.keys()));
    this.frozenMask = this.edges.map((m) => Uint8Array.from([...m.values()].map((r) => r.mask)));
  }

  get edgeTotal(): number {
    return this.edgeCount;
  }

  out(u: number): Int32Array {
    assert(this.frozenOut !== null, 'freeze() before searching');
    return this.frozenOut[u]!;
  }

  outMask(u: number): Uint8Array {
    return this.frozenMask![u]!;
  }

  mask(from: number, to: number): number {
    return this.edges[from]!.get(to)?.mask ?? 0;
  }

  why(from: number, to: number, type: EdgeType): EdgeWhy {
    const why = this.edges[from]!.get(to)?.[type];
    assert(why !== undefined, `edge ${from} -${type}-> ${to} exists`);
    return why;
  }
}

/**
 * Strongly connected components with at least two vertices, following only edges whose mask
 * meets `allowed`. Iterative Tarjan: histories of tens of thousands of transactions would
 * overflow a recursive one.
 */
export function stronglyConnected(graph: DependencyGraph, allowed: number): number[][] {
  const n = graph.size;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const components: number[][] = [];
  const callVertex: number[] = [];
  const callEdge: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    callVertex.push(root);
    callEdge.push(0);
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (callVertex.length > 0) {
      const depth = callVertex.length - 1;
      const u = callVertex[depth]!;
      const out = graph.out(u);
      const masks = graph.outMask(u);
      let i = callEdge[depth]!;
      let descended = false;
      for (; i < out.length; i++) {
        if ((masks[i]! & allowed) === 0) continue;
        const v = out[i]!;
        if (index[v] === -1) {
          callEdge[depth] = i + 1;
          index[v] = low[v] = counter++;
          stack.push(v);
          onStack[v] = 1;
          callVertex.push(v);
          callEdge.push(0);
          descended = true;
          break;
        }
        if (onStack[v] === 1 && index[v]! < low[u]!) low[u] = index[v]!;
      }
      if (descended) continue;
      callVertex.pop();
      callEdge.pop();
      if (callVertex.length > 0) {
        const parent = callVertex[callVertex.length - 1]!;
        if (low[u]! < low[parent]!) low[parent] = low[u]!;
      }
      if (low[u] === index[u]) {
        const component: number[] = [];
        let v: number;
        do {
          v = stack.pop()!;
          onStack[v] = 0;
          component.push(v);
        } while (v !== u);
        if (component.length > 1) components.push(component);
      }
    }
  }
  return components;
}

/** Component id per vertex (-1: in no component of two or more). */
export function componentIds(size: number, components: readonly number[][]): Int32Array {
  const ids = new Int32Array(size).fill(-1);
  components.forEach((component, id) => {
    for (const v of component) ids[v] = id;
  });
  return ids;
}

/** Shared step budget: every edge a search looks at costs one step. */
export class Budget {
  constructor(public remaining: number) {}

  spend(steps: number): boolean {
    this.remaining -= steps;
    return this.remaining >= 0;
  }

  get exhausted(): boolean {
    return this.remaining < 0;
  }
}

/** Picks the type to show for an edge among `allowed`: the least damning first (ww, wr, rw). */
export function preferredType(mask: number, allowed: number): EdgeType {
  const m = mask & allowed;
  if (m & WW) return 'ww';
  if (m & WR) return 'wr';
  assert(m & RW, 'edge has an allowed type');
  return 'rw';
}

/**
 * Breadth-first search for a path from `from` to `to` over edges of `allowed` types, staying in
 * `scope` (vertices whose scope id equals scopeId). Returns the steps or null.
 */
export function findPath(
  graph: DependencyGraph,
  from: number,
  to: number,
  allowed: number,
  scope: Int32Array,
  scopeId: number,
  budget: Budget,
): Step[] | null {
  const parent = new Map<number, number>([[from, -1]]);
  let frontier = [from];
  while (frontier.length > 0 && !budget.exhausted) {
    const next: number[] = [];
    for (const u of frontier) {
      const out = graph.out(u);
      const masks = graph.outMask(u);
      budget.spend(out.length);
      for (let i = 0; i < out.length; i++) {
        const v = out[i]!;
        if ((masks[i]! & allowed) === 0 || scope[v] !== scopeId || parent.has(v)) continue;
        parent.set(v, u);
        if (v === to) return pathSteps(graph, parent, to, allowed);
        next.push(v);
      }
    }
    frontier = next;
  }
  return null;
}

function pathSteps(graph: DependencyGraph, parent: Map<number, number>, to: number, allowed: number): Step[] {
  const steps: Step[] = [];
  for (let v = to; parent.get(v)! !== -1; v = parent.get(v)!) {
    const u = parent.get(v)!;
    steps.push({ from: u, to: v, type: preferredType(graph.mask(u, v), allowed) });
  }
  return steps.reverse();
}

/**
 * An edge-type automaton over small integer states: next(state, type) is the state after
 * following an edge of that type, or -1 when the edge is not allowed there.
 */
export interface Automaton {
  readonly states: number;
  next(state: number, type: EdgeType): number;
}

const EDGE_TYPES: readonly EdgeType[] = ['ww', 'wr', 'rw'];

/**
 * Breadth-first search over (vertex, state) from (from, startState) to (to, any goal state),
 * inside one scope. Returns the steps (with the edge type each step used) or null.
 */
export function findConstrainedPath(
  graph: DependencyGraph,
  automaton: Automaton,
  from: number,
  startState: number,
  to: number,
  goal: (state: number) => boolean,
  scope: Int32Array,
  scopeId: number,
  budget: Budget,
): Step[] | null {
  const S = automaton.states;
  const parent = new Map<number, { node: number; type: EdgeType }>([[from * S + startState, { node: -1, type: 'ww' }]]);
  let frontier = [from * S + startState];
  while (frontier.length > 0 && !budget.exhausted) {
    const next: number[] = [];
    for (const node of frontier) {
      const u = Math.floor(node / S);
      const state = node % S;
      const out = graph.out(u);
      const masks = graph.outMask(u);
      budget.spend(out.length);
      for (let i = 0; i < out.length; i++) {
        const v = out[i]!;
        if (scope[v] !== scopeId) continue;
        for (const type of EDGE_TYPES) {
          if ((masks[i]! & TYPE_BITS[type]) === 0) continue;
          const s = automaton.next(state, type);
          if (s < 0) continue;
          const target = v * S + s;
          if (parent.has(target)) continue;
          parent.set(target, { node, type });
          if (v === to && goal(s)) return constrainedSteps(parent, target, S);
          next.push(target);
        }
      }
    }
    frontier = next;
  }
  return null;
}

function constrainedSteps(parent: Map<number, { node: number; type: EdgeType }>, end: number, S: number): Step[] {
  const steps: Step[] = [];
  for (let node = end; parent.get(node)!.node !== -1; node = parent.get(node)!.node) {
    const { node: previous, type } = parent.get(node)!;
    steps.push({ from: Math.floor(previous / S), to: Math.floor(node / S), type });
  }
  return steps.reverse();
}

/** True when no two cyclically consecutive steps of the closed walk are both rw. */
export function rwNonadjacent(cycle: readonly Step[]): boolean {
  for (let i = 0; i < cycle.length; i++) {
    if (cycle[i]!.type === 'rw' && cycle[(i + 1) % cycle.length]!.type === 'rw') return false;
  }
  return true;
}

export function classifyCycle(cycle: readonly Step[]): CycleClass {
  let rw = 0;
  let wr = 0;
  for (const step of cycle) {
    if (step.type === 'rw') rw++;
    else if (step.type === 'wr') wr++;
  }
  if (rw === 0) return wr === 0 ? 'G0' : 'G1c';
  if (rw === 1) return 'G-single';
  return rwNonadjacent(cycle) ? 'G-nonadjacent' : 'G2-item';
}

/**
 * Turns a closed walk with no two adjacent rw edges into a simple cycle with the same property.
 * Split the walk at a repeated vertex into two closed walks: at most one of the two new joints
 * pairs two rw edges (if the first joint does, the edges at the other visit are not rw), so one
 * half keeps the property; repeat on it.
 */
export function simpleNonadjacentCycle(walk: readonly Step[]): Step[] {
  let steps = walk.slice();
  assert(rwNonadjacent(steps), 'the walk has no adjacent rw edges');
  for (;;) {
    const seen = new Map<number, number>();
    let split: [number, number] | null = null;
    for (let j = 0; j < steps.length; j++) {
      const i = seen.get(steps[j]!.from);
      if (i !== undefined) {
        split = [i, j];
        break;
      }
      seen.set(steps[j]!.from, j);
    }
    if (split === null) return steps;
    const [i, j] = split;
    const inner = steps.slice(i, j);
    const outer = [...steps.slice(j), ...steps.slice(0, i)];
    steps = rwNonadjacent(inner) ? inner : outer;
    assert(rwNonadjacent(steps), 'one half of a split walk keeps rw edges apart');
  }
}

/**
 * Decides, in linear time, whether the graph has any cycle with no two adjacent rw edges (the
 * cycles snapshot isolation forbids: G0, G1c, G-single, G-nonadjacent), and returns one simple
 * such cycle per component of the product graph that has one.
 *
 * Product vertex 2v+0: at v, the last edge was not rw; 2v+1: it was. ww/wr edges lead to state
 * 0, rw edges only leave state 0 and lead to state 1. A cycle in the product graph is exactly a
 * closed walk whose rw edges are pairwise non-adjacent, wrap-around included.
 */
export function siForbiddenCycles(graph: DependencyGraph): Step[][] {
  // No budget: components are disjoint, so one search per component is linear in all.
  const budget = new Budget(Infinity);
  const product = new DependencyGraph(graph.size * 2);
  for (let u = 0; u < graph.size; u++) {
    const out = graph.out(u);
    const masks = graph.outMask(u);
    for (let i = 0; i < out.length; i++) {
      const v = out[i]!;
      const m = masks[i]!;
      if (m & (WW | WR)) {
        const type: EdgeType = m & WW ? 'ww' : 'wr';
        product.link(2 * u, 2 * v, type, NO_WHY);
        product.link(2 * u + 1, 2 * v, type, NO_WHY);
      }
      if (m & RW) product.link(2 * u, 2 * v + 1, 'rw', NO_WHY);
    }
  }
  product.freeze();
  const components = stronglyConnected(product, ALL);
  const ids = componentIds(product.size, components);
  const cycles: Step[][] = [];
  components.forEach((component, id) => {
    const start = component[0]!;
    const out = product.out(start);
    for (let i = 0; i < out.length; i++) {
      const v = out[i]!;
      if (ids[v] !== id) continue;
      const back = findPath(product, v, start, ALL, ids, id, budget);
      if (back === null) return;
      const walk = [{ from: start, to: v, type: preferredType(product.mask(start, v), ALL) }, ...back];
      cycles.push(simpleNonadjacentCycle(walk.map((s) => ({ from: s.from >> 1, to: s.to >> 1, type: s.type }))));
      return;
    }
  });
  return cycles;
}

const NO_WHY: EdgeWhy = { key: 0, value: null };
