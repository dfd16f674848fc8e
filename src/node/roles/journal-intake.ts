/**
 * How a storage replica takes in the journal: from the adjudicator leader's pushes, with etcd
 * only to fill what the pushes missed.
 *
 * The leader sends each batch's records on the replica's notice stream once etcd has them on
 * a quorum (notice-streams.ts `pushDurable`), so in steady state a replica wakes once per
 * notice instead of also once per etcd watch event, and etcd sends no watch messages (a watch
 * cost etcd ~15 % more CPU per journal transaction with three of them: docs/performance.md).
 * Pushes can be missed — the stream starts after the replica's applied position, breaks, a new
 * leader takes over (and may have filled holes), a batch too large to push — so every notice
 * also says how far the journal is durable (its `position`); a replica that stays behind that
 * for `gapMs` reads the rest from etcd (`CoordinatedJournal.readAfter`), and it reads every
 * `pollMs` regardless, as a backstop that does not depend on the leader at all.
 *
 * What it guarantees, whatever the mix of pushes and reads: every position is delivered once,
 * in journal order, and only what etcd acknowledged (a push is sent only after the append was
 * acknowledged, a read finds only what etcd holds). A push that starts past the next position
 * waits (bounded) until the positions before it come; one that overlaps what was delivered
 * hands over only the records after it.
 */
import type { JournalPosition, JournalRecord } from '../../contracts/journal.js';
import type { Timers } from '../../contracts/time.js';
import type { Log } from '../../env/env.js';
import { assert } from '../../contracts/errors.js';

export interface JournalIntakeOptions {
  /** The position already applied: delivery starts after it. */
  readonly after: JournalPosition;
  /** Hands batches on, in order, each position once (a hole: no records up to `last`). */
  readonly deliver: (records: readonly JournalRecord[], last: JournalPosition) => void;
  /** Reads the journal after a position from etcd, in order (CoordinatedJournal.readAfter). */
  readonly read: (after: JournalPosition,
    onBatch: (records: readonly JournalRecord[], last: JournalPosition, first: JournalPosition) => void) => Promise<JournalPosition>;
  /** A read failed in a way waiting cannot mend (the journal was trimmed past this replica). */
  readonly fatal: (error: Error) => boolean;
  readonly onFatal: (error: Error) => void;
  readonly timers: Timers;
  readonly log?: Log;
  /** How long the durable position may stay ahead of what was delivered before etcd is read. */
  readonly gapMs: number;
  /** Etcd is read at least this often, pushes or not. */
  readonly pollMs: number;
  /** Most pushes held while the positions before them are missing (the rest come from etcd). */
  readonly maxAhead?: number;
}

interface Held {
  readonly first: JournalPosition;
  readonly last: JournalPosition;
  readonly records: readonly JournalRecord[];
}

export class JournalIntake {
  private delivered: JournalPosition;
  /** The highest position known durable (pushed, or named by a notice). */
  private known: JournalPosition;
  private readonly ahead: Held[] = [];
  private reading: Promise<void> | null = null;
  private gapTimer: ReturnType<Timers['setTimeout']> | null = null;
  private readonly pollTimer: ReturnType<Timers['setInterval']>;
  private closed = false;
  private readonly maxAhead: number;

  constructor(private readonly options: JournalIntakeOptions) {
    this.delivered = options.after;
    this.known = options.after;
    this.maxAhead = options.maxAhead ?? 64;
    this.pollTimer = options.timers.setInterval(() => { if (this.reading === null) this.catchUp(); }, options.pollMs);
  }

  /** The last position handed on. */
  get deliveredPosition(): JournalPosition {
    return this.delivered;
  }

  /** Reads what etcd holds now (at start: the journal since the applied position). */
  async start(): Promise<void> {
    this.catchUp();
    await this.reading;
  }

  /** Records the leader pushed: positions first..last, durable. */
  pushed(first: JournalPosition, last: JournalPosition, records: readonly JournalRecord[]): void {
    assert(records.length === last - first + 1, 'a pushed batch holds a record per position');
    if (last > this.known) this.known = last;
    this.accept(first, last, records);
  }

  /** A notice says the journal is durable through `position`. */
  heard(position: JournalPosition): void {
    if (position > this.known) this.known = position;
    this.watchGap();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.timers.clearInterval(this.pollTimer);
    if (this.gapTimer !== null) this.options.timers.clearTimeout(this.gapTimer);
    this.gapTimer = null;
    await this.reading;
  }

  private accept(first: JournalPosition, last: JournalPosition, records: readonly JournalRecord[]): void {
    if (this.closed || last <= this.delivered) return;
    if (first > this.delivered + 1) {
      // Positions before it are missing: hold it for them (etcd fills them if no push does).
      if (this.ahead.length < this.maxAhead) this.ahead.push({ first, last, records });
      this.watchGap();
      return;
    }
    this.hand(first, last, records);
    this.releaseAhead();
    this.watchGap();
  }

  private hand(first: JournalPosition, last: JournalPosition, records: readonly JournalRecord[]): void {
    // It may begin at or before what was delivered: only the positions after it go on.
    const fresh = first <= this.delivered ? records.slice(Math.min(records.length, this.delivered + 1 - first)) : records;
    assert(last > this.delivered, 'journal positions are delivered in order, once');
    this.delivered = last;
    this.options.deliver(fresh, last);
  }

  /** Hands on held pushes that now follow what was delivered; drops those already covered. */
  private releaseAhead(): void {
    for (let i = 0; i < this.ahead.length;) {
      const held = this.ahead[i]!;
      if (held.last <= this.delivered) {
        this.ahead.splice(i, 1);
      } else if (held.first <= this.delivered + 1) {
        this.ahead.splice(i, 1);
        this.hand(held.first, held.last, held.records);
        i = 0;
      } else {
        i++;
      }
    }
  }

  /** Reads etcd once the durable position has stayed ahead of what was delivered for gapMs. */
  private watchGap(): void {
    if (this.closed || this.known <= this.delivered || this.gapTimer !== null || this.reading !== null) return;
    const behindAt = this.delivered;
    this.gapTimer = this.options.timers.setTimeout(() => {
      this.gapTimer = null;
      // Pushes that came meanwhile may have closed the gap, or moved past it (a new one is timed afresh).
      if (this.known <= this.delivered) return;
      if (this.delivered > behindAt) {
        this.watchGap();
        return;
      }
      this.catchUp();
    }, this.options.gapMs);
  }

  private catchUp(): void {
    if (this.closed || this.reading !== null) return;
    this.reading = this.options.read(this.delivered, (records, last, first) => this.accept(first, last, records))
      .then((through) => {
        if (through > this.known) this.known = through;
      }, (error: unknown) => {
        if (this.options.fatal(error as Error)) {
          this.closed = true;
          this.options.onFatal(error as Error);
          return;
        }
        this.options.log?.warn(`reading the journal after ${this.delivered}: ${(error as Error).message}`);
      })
      .finally(() => {
        this.reading = null;
        this.watchGap();
      });
  }
}
