/**
 * Which query processor a relay gives a new session (relay-role.ts). The QP with the fewest
 * sessions this relay has open on it comes first; ties go round-robin from a random start.
 *
 * Why not plain round-robin: several relays serve one endpoint and the kernel hands each
 * connections in no fixed order, so relays that all started their turn at the first QP paired
 * consecutive sessions on one QP; and a QP that comes back after a crash has none of the
 * sessions it lost, which round-robin would leave on the others for good. Each QP admits only
 * its share of the region's connection quota (admission.ts), so an uneven spread refuses
 * connections the region has room for. Fewest-open fills a restarted QP first and keeps this
 * relay's sessions within one of each other; the random start keeps relays from moving in step.
 */
import type { RandomSource } from '../../contracts/time.js';

export class SessionSpread {
  private readonly open = new Map<string, number>();
  private turn: number;

  constructor(random: RandomSource) {
    this.turn = random.int(1 << 30);
  }

  /** The candidates in the order to try: fewest open sessions first, ties in turn. */
  order<T extends { readonly name: string }>(candidates: readonly T[]): T[] {
    const count = candidates.length;
    if (count === 0) return [];
    const start = this.turn++ % count;
    const rotated = [...candidates.slice(start), ...candidates.slice(0, start)];
    // Array.prototype.sort is stable: equal counts keep the rotated (round-robin) order.
    return rotated.sort((a, b) => this.openOn(a.name) - this.openOn(b.name));
  }

  /** A session spliced to `name`; the function returned ends it (once). */
  opened(name: string): () => void {
    this.open.set(name, this.openOn(name) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = this.openOn(name) - 1;
      if (left > 0) this.open.set(name, left);
      else this.open.delete(name);
    };
  }

  openOn(name: string): number {
    return this.open.get(name) ?? 0;
  }
}
