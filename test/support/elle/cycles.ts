/**
 * Finds cycle anomalies in a dependency graph: at most one cycle of each class per strongly
 * connected component (as Elle reports them), worst classes first.
 */
import {
  ALL,
  Budget,
  RW,
  WR,
  WW,
  classifyCycle,
  componentIds,
  findConstrainedPath,
  findPath,
  siForbiddenCycles,
  simpleNonadjacentCycle,
  stronglyConnected,
  type Automaton,
  type CycleClass,
  type DependencyGraph,
  type Step,
} from './graph.js';

export interface FoundCycle {
  readonly cycleClass: CycleClass;
  readonly steps: readonly Step[];
}

export interface CycleSearchResult {
  readonly cycles: FoundCycle[];
  /** Components of two or more transactions (each holds at least one cycle). */
  readonly componentCount: number;
  /** The bounded searches ran out of budget: some G-single / G-nonadjacent cycles may be unshown. */
  readonly searchIncomplete: boolean;
}

export interface CycleSearchOptions {
  /** Edge visits the bounded searches may spend in all. */
  readonly budgetSteps: number;
}

const FORBIDDEN_BY_SI = new Set<CycleClass>(['G0', 'G1c', 'G-single', 'G-nonadjacent']);

export function findCycles(graph: DependencyGraph, options: CycleSearchOptions): CycleSearchResult {
  graph.freeze();
  const budget = new Budget(options.budgetSteps);
  const full = stronglyConnected(graph, ALL);
  const fullIds = componentIds(graph.size, full);
  const found = new Map<number, Map<CycleClass, Step[]>>();
  const record = (steps: Step[]): void => {
    const component = fullIds[steps[0]!.from]!;
    const cycleClass = classifyCycle(steps);
    let classes = found.get(component);
    if (classes === undefined) found.set(component, (classes = new Map()));
    if (!classes.has(cycleClass)) classes.set(cycleClass, steps);
  };
  for (const steps of restrictedCycles(graph, WW, WW)) record(steps);
  for (const steps of restrictedCycles(graph, WW | WR, WR)) record(steps);
  full.forEach((component, id) => {
    const classes = (): Map<CycleClass, Step[]> | undefined => found.get(id);
    const single = gSingle(graph, component, fullIds, id, budget);
    if (single !== null) record(single);
    if (!classes()?.has('G-nonadjacent')) {
      const nonadjacent = gNonadjacent(graph, component, fullIds, id, budget);
      if (nonadjacent !== null) record(nonadjacent);
    }
  });
  // The exact pass: whatever the budget left unsearched, every component holding an SI-forbidden
  // cycle reports one.
  for (const steps of siForbiddenCycles(graph)) {
    const classes = found.get(fullIds[steps[0]!.from]!);
    if (![...(classes?.keys() ?? [])].some((c) => FORBIDDEN_BY_SI.has(c))) record(steps);
  }
  full.forEach((component, id) => {
    if ((found.get(id)?.size ?? 0) > 0) return;
    const cycle = anyCycleThroughRw(graph, component, fullIds, id);
    if (cycle !== null) record(cycle);
  });
  const cycles: FoundCycle[] = [];
  for (const classes of found.values()) {
    for (const [cycleClass, steps] of classes) cycles.push({ cycleClass, steps });
  }
  return { cycles, componentCount: full.length, searchIncomplete: budget.exhausted };
}

/**
 * One cycle per component of the subgraph of `allowed` edge types, starting with an edge of
 * type `first` (so a ww∪wr cycle found from a wr edge has at least one wr: G1c, not G0).
 */
function restrictedCycles(graph: DependencyGraph, allowed: number, first: number): Step[][] {
  const components = stronglyConnected(graph, allowed);
  const ids = componentIds(graph.size, components);
  const unlimited = new Budget(Infinity);
  const cycles: Step[][] = [];
  components.forEach((component, id) => {
    for (const u of component) {
      const out = graph.out(u);
      const masks = graph.outMask(u);
      for (let i = 0; i < out.length; i++) {
        const v = out[i]!;
        if ((masks[i]! & first) === 0 || ids[v] !== id) continue;
        const back = findPath(graph, v, u, allowed, ids, id, unlimited);
        if (back === null) continue;
        cycles.push([{ from: u, to: v, type: first === WR ? 'wr' : 'ww' }, ...back]);
        return;
      }
    }
  });
  return cycles;
}

/** rw edges a → b with both ends in the component, grouped by b. */
function rwEdgesByTarget(graph: DependencyGraph, component: readonly number[], ids: Int32Array, id: number): Map<number, number[]> {
  const byTarget = new Map<number, number[]>();
  for (const a of component) {
    const out = graph.out(a);
    const masks = graph.outMask(a);
    for (let i = 0; i < out.length; i++) {
      const b = out[i]!;
      if ((masks[i]! & RW) === 0 || ids[b] !== id) continue;
      const sources = byTarget.get(b);
      if (sources === undefined) byTarget.set(b, [a]);
      else sources.push(a);
    }
  }
  return byTarget;
}

/**
 * A cycle with exactly one rw edge a → b: b must reach a over ww/wr. One breadth-first search
 * per rw target b answers every rw edge into b.
 */
function gSingle(graph: DependencyGraph, component: readonly number[], ids: Int32Array, id: number, budget: Budget): Step[] | null {
  for (const [b, sources] of rwEdgesByTarget(graph, component, ids, id)) {
    if (budget.exhausted) return null;
    const reached = reachable(graph, b, WW | WR, ids, id, budget);
    for (const a of sources) {
      if (!reached.has(a)) continue;
      const back = findPath(graph, b, a, WW | WR, ids, id, budget);
      if (back !== null) return [{ from: a, to: b, type: 'rw' }, ...back];
    }
  }
  return null;
}

function reachable(graph: DependencyGraph, from: number, allowed: number, ids: Int32Array, id: number, budget: Budget): Set<number> {
  const seen = new Set<number>([from]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head]!;
    const out = graph.out(u);
    const masks = graph.outMask(u);
    if (!budget.spend(out.length)) break;
    for (let i = 0; i < out.length; i++) {
      const v = out[i]!;
      if ((masks[i]! & allowed) === 0 || ids[v] !== id || seen.has(v)) continue;
      seen.add(v);
      queue.push(v);
    }
  }
  return seen;
}

/**
 * States: bit 1 = the last edge was rw, bit 0 = an rw edge was seen after the first one.
 * The walk starts just after the cycle's first rw edge (state 2) and must come back to its
 * source having seen another rw edge and not ending on one (state 1).
 */
const NONADJACENT: Automaton = {
  states: 4,
  next(state, type) {
    if (type !== 'rw') return state & 1;
    return state & 2 ? -1 : 3;
  },
};

function gNonadjacent(graph: DependencyGraph, component: readonly number[], ids: Int32Array, id: number, budget: Budget): Step[] | null {
  for (const [b, sources] of rwEdgesByTarget(graph, component, ids, id)) {
    for (const a of sources) {
      if (budget.exhausted) return null;
      const back = findConstrainedPath(graph, NONADJACENT, b, 2, a, (s) => s === 1, ids, id, budget);
      if (back !== null) return simpleNonadjacentCycle([{ from: a, to: b, type: 'rw' }, ...back]);
    }
  }
  return null;
}

function anyCycleThroughRw(graph: DependencyGraph, component: readonly number[], ids: Int32Array, id: number): Step[] | null {
  const unlimited = new Budget(Infinity);
  for (const [b, sources] of rwEdgesByTarget(graph, component, ids, id)) {
    const a = sources[0]!;
    const back = findPath(graph, b, a, ALL, ids, id, unlimited);
    if (back !== null) return [{ from: a, to: b, type: 'rw' }, ...back];
  }
  return null;
}
