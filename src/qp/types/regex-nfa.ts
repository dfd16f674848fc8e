import { SqlError } from '../../contracts/errors.js';

/**
 * A Thompson NFA, simulated in time linear in the text (Pike's method), for the regular
 * expressions JavaScript's backtracking would take exponential time on (nested quantifiers
 * such as `(a+)+b`). It answers whether there is a match, and the leftmost match's extent,
 * longest or shortest — PostgreSQL's own rule — but reports no subexpressions.
 */

/** What the NFA is built from (regex.ts's tree, without lookaround or back references). */
export type NfaNode =
  | { readonly k: 'chars'; readonly test: (cp: number) => boolean }
  | { readonly k: 'assert'; readonly test: (prev: number, next: number) => boolean }
  | { readonly k: 'seq'; readonly items: readonly NfaNode[] }
  | { readonly k: 'alt'; readonly branches: readonly NfaNode[] }
  | { readonly k: 'repeat'; readonly node: NfaNode; readonly min: number; readonly max: number };

type State =
  | { k: 'chars'; test: (cp: number) => boolean; next: number }
  | { k: 'assert'; test: (prev: number, next: number) => boolean; next: number }
  | { k: 'split'; a: number; b: number }
  | { k: 'jump'; next: number }
  | { k: 'match' };

const STATE_LIMIT = 200_000;

export class Nfa {
  private readonly states: State[] = [];
  private readonly start: number;

  constructor(root: NfaNode) {
    const entry = this.build(root, this.add({ k: 'match' }));
    this.start = entry;
  }

  private add(state: State): number {
    if (this.states.length >= STATE_LIMIT) throw new SqlError('2201B', 'invalid regular expression: regular expression is too complex');
    this.states.push(state);
    return this.states.length - 1;
  }

  /** Builds `node` so that it continues at `next`; returns its entry state. */
  private build(node: NfaNode, next: number): number {
    switch (node.k) {
      case 'chars': return this.add({ k: 'chars', test: node.test, next });
      case 'assert': return this.add({ k: 'assert', test: node.test, next });
      case 'seq': {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--) entry = this.build(node.items[i]!, entry);
        return entry;
      }
      case 'alt': {
        const entries = node.branches.map((b) => this.build(b, next));
        let entry = entries[entries.length - 1]!;
        for (let i = entries.length - 2; i >= 0; i--) entry = this.add({ k: 'split', a: entries[i]!, b: entry });
        return entry;
      }
      case 'repeat': {
        let entry = next;
        if (node.max === Infinity) {
          // x* : a split that either enters x (which comes back to the split) or leaves.
          const split = this.add({ k: 'split', a: -1, b: next });
          (this.states[split] as { a: number }).a = this.build(node.node, split);
          entry = split;
        } else {
          // x? x? … : each optional copy may be skipped straight to what follows.
          for (let i = node.min; i < node.max; i++) entry = this.add({ k: 'split', a: this.build(node.node, entry), b: next });
        }
        for (let i = 0; i < node.min; i++) entry = this.build(node.node, entry);
        return entry;
      }
    }
  }

  /** The ε-closure of `state` at a position, keeping the earliest start per state. */
  private close(list: Map<number, number>, state: number, start: number, prev: number, nextCp: number, stack: Array<[number, number]>): void {
    stack.push([state, start]);
    while (stack.length > 0) {
      const [s, st] = stack.pop()!;
      const seen = list.get(s);
      if (seen !== undefined && seen <= st) continue;
      list.set(s, st);
      const state = this.states[s]!;
      if (state.k === 'split') { stack.push([state.b, st], [state.a, st]); }
      else if (state.k === 'jump') stack.push([state.next, st]);
      else if (state.k === 'assert') { if (state.test(prev, nextCp)) stack.push([state.next, st]); }
    }
  }

  /**
   * The leftmost match starting at or after code point `from`: its [start, end] in code
   * points, the longest (greedy) or shortest one at that start; null when none.
   */
  search(cps: readonly number[], from: number, greedy: boolean): [number, number] | null {
    let current = new Map<number, number>();
    const stack: Array<[number, number]> = [];
    let best: [number, number] | null = null;
    for (let i = from; i <= cps.length; i++) {
      const prev = i > 0 ? cps[i - 1]! : -1;
      const nextCp = i < cps.length ? cps[i]! : -1;
      // Closure of the threads carried over, then a new thread starting here.
      const list = new Map<number, number>();
      for (const [s, st] of current) {
        if (best && (greedy ? st > best[0] : st >= best[0])) continue;
        this.closeFrom(list, s, st, prev, nextCp, stack);
      }
      if (!best) this.close(list, this.start, i, prev, nextCp, stack);
      for (const [s, st] of list) {
        if (this.states[s]!.k !== 'match') continue;
        if (!best || st < best[0] || (greedy && st === best[0] && i > best[1])) best = [st, i];
      }
      if (best && !greedy) {
        // The shortest at the leftmost start is found unless an earlier start is still alive.
        let earlier = false;
        for (const st of list.values()) if (st < best[0]) earlier = true;
        if (!earlier) return best;
      }
      // Step over the character.
      const next = new Map<number, number>();
      if (i < cps.length) {
        const cp = cps[i]!;
        for (const [s, st] of list) {
          const state = this.states[s]!;
          if (state.k !== 'chars' || !state.test(cp)) continue;
          if (best && st > best[0]) continue;
          const seen = next.get(state.next);
          if (seen === undefined || st < seen) next.set(state.next, st);
        }
      }
      current = next;
      if (current.size === 0 && best) return best;
    }
    return best;
  }

  /** A thread carried to a new position: its state itself is consuming, so close from it. */
  private closeFrom(list: Map<number, number>, s: number, st: number, prev: number, nextCp: number, stack: Array<[number, number]>): void {
    this.close(list, s, st, prev, nextCp, stack);
  }

  test(cps: readonly number[]): boolean {
    return this.search(cps, 0, false) !== null;
  }
}
