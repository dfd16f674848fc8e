import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DependencyGraph,
  RW,
  WR,
  WW,
  classifyCycle,
  siForbiddenCycles,
  simpleNonadjacentCycle,
  stronglyConnected,
  type EdgeType,
  type Step,
} from './graph.js';

function graphOf(size: number, edges: [number, number, EdgeType][]): DependencyGraph {
  const graph = new DependencyGraph(size);
  for (const [from, to, type] of edges) graph.link(from, to, type, { key: 'k', value: null });
  graph.freeze();
  return graph;
}

const step = (from: number, to: number, type: EdgeType): Step => ({ from, to, type });

test('strongly connected components follow only the allowed edge types', () => {
  const graph = graphOf(6, [
    [0, 1, 'ww'], [1, 2, 'ww'], [2, 0, 'rw'], // a cycle only with rw
    [3, 4, 'wr'], [4, 3, 'ww'], // a ww/wr cycle
    [4, 5, 'ww'], [5, 5, 'ww'], // a self-edge is dropped
  ]);
  const sorted = (components: number[][]): number[][] => components.map((c) => c.sort()).sort((a, b) => a[0]! - b[0]!);
  assert.deepEqual(sorted(stronglyConnected(graph, WW | WR | RW)), [[0, 1, 2], [3, 4]]);
  assert.deepEqual(sorted(stronglyConnected(graph, WW | WR)), [[3, 4]]);
  assert.deepEqual(sorted(stronglyConnected(graph, WW)), []);
  assert.equal(graph.mask(5, 5), 0);
});

test('Tarjan is iterative: a 100,000-vertex cycle does not overflow the stack', () => {
  const n = 100_000;
  const edges: [number, number, EdgeType][] = [];
  for (let i = 0; i < n; i++) edges.push([i, (i + 1) % n, 'ww']);
  const components = stronglyConnected(graphOf(n, edges), WW);
  assert.equal(components.length, 1);
  assert.equal(components[0]!.length, n);
});

test('cycles are classified by their rw edges', () => {
  assert.equal(classifyCycle([step(0, 1, 'ww'), step(1, 0, 'ww')]), 'G0');
  assert.equal(classifyCycle([step(0, 1, 'ww'), step(1, 0, 'wr')]), 'G1c');
  assert.equal(classifyCycle([step(0, 1, 'rw'), step(1, 0, 'wr')]), 'G-single');
  assert.equal(classifyCycle([step(0, 1, 'rw'), step(1, 2, 'wr'), step(2, 3, 'rw'), step(3, 0, 'ww')]), 'G-nonadjacent');
  assert.equal(classifyCycle([step(0, 1, 'rw'), step(1, 2, 'rw'), step(2, 0, 'wr')]), 'G2-item');
  // Wrap-around counts: the last and the first edge are adjacent.
  assert.equal(classifyCycle([step(0, 1, 'rw'), step(1, 2, 'wr'), step(2, 0, 'rw')]), 'G2-item');
});

test('a closed walk splits into a simple cycle that keeps rw edges apart', () => {
  // 0 -rw-> 1 -ww-> 2 -rw-> 3 -wr-> 2 ... visits 2 twice; the inner loop 2 -rw-> 3 -wr-> 2 is
  // G-single, the outer 0 -rw-> 1 -ww-> 2 -ww-> 0 is G-single too.
  const walk = [step(0, 1, 'rw'), step(1, 2, 'ww'), step(2, 3, 'rw'), step(3, 2, 'wr'), step(2, 0, 'ww')];
  const cycle = simpleNonadjacentCycle(walk);
  assert.equal(new Set(cycle.map((s) => s.from)).size, cycle.length, 'simple');
  assert.equal(classifyCycle(cycle), 'G-single');
  // Here the inner loop would join two rw edges; the outer half must be kept.
  const tricky = [
    step(0, 1, 'ww'), step(1, 2, 'rw'), step(2, 5, 'ww'), step(5, 1, 'rw'), // inner: rw … rw
    step(1, 3, 'ww'), step(3, 4, 'rw'), step(4, 0, 'wr'),
  ];
  const kept = simpleNonadjacentCycle(tricky);
  assert.notEqual(classifyCycle(kept), 'G2-item');
  assert.deepEqual(kept.map((s) => s.from), [1, 3, 4, 0]);
});

test('the exact SI pass finds forbidden cycles and nothing in pure write skew', () => {
  const skew = graphOf(2, [[0, 1, 'rw'], [1, 0, 'rw']]);
  assert.deepEqual(siForbiddenCycles(skew), []);
  const longSkew = graphOf(3, [[0, 1, 'rw'], [1, 2, 'rw'], [2, 0, 'wr']]);
  assert.deepEqual(siForbiddenCycles(longSkew), []);
  const nonadjacent = graphOf(4, [[0, 1, 'rw'], [1, 2, 'wr'], [2, 3, 'rw'], [3, 0, 'wr'], [1, 0, 'rw']]);
  const found = siForbiddenCycles(nonadjacent);
  assert.equal(found.length, 1);
  assert.equal(classifyCycle(found[0]!), 'G-nonadjacent');
});
