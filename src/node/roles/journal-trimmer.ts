/**
 * Journal trimming by the adjudicator leader (issue 3: records are trimmed once every storage
 * replica has checkpointed past them).
 *
 * Storage replicas publish their applied position under `<appliedPrefix><name>`, attached to
 * their registration lease, so a replica's entry vanishes with it. Every interval the leader
 * trims through the lowest position a live replica reports — but never records younger than
 * the retention, which is what lets
 * - a replica that restarts within it resume from the journal (a longer-dead one comes back
 *   from a snapshot of a live replica, storage-role.ts),
 * - a commit retried after a leader change find its transaction id (commit idempotency),
 * - a new leader rebuild its conflict map quickly from what is left.
 * With no live replica reporting, nothing is trimmed; in a sharded cluster, nothing while any
 * shard has no live replica reporting: its replicas, all down, come back only from the journal
 * (there is no peer of theirs to copy), and the other shards' progress must not trim it away.
 */
import type { Clock, Timers } from '../../contracts/time.js';
import type { JournalPosition } from '../../contracts/journal.js';
import type { Coordination } from '../../env/coordination.js';
import type { Log } from '../../env/env.js';
import { listUnder } from './leadership.js';

export interface JournalTrimmerOptions {
  readonly coordination: Coordination;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly journal: { readonly durablePosition: JournalPosition; trim(position: JournalPosition): Promise<void> };
  /** Where storage replicas publish their applied positions (ends with `/`). */
  readonly appliedPrefix: string;
  readonly retentionMs: number;
  readonly intervalMs: number;
  /**
   * A sharded cluster's storage (cluster-config.ts storageSplits): how many shards, and a
   * replica's shard by its name (undefined: a name the config does not know, which holds nothing
   * back). Default: one shard, every replica in it.
   */
  readonly shards?: { readonly count: number; shardOf(name: string): number | undefined };
  readonly log?: Log;
}

export interface JournalTrimmer {
  /** One round: sample the tail, read the replicas' positions, trim. Returns the trim point. */
  tick(): Promise<JournalPosition>;
  stop(): void;
}

export function startJournalTrimmer(options: JournalTrimmerOptions): JournalTrimmer {
  /** (time, durable position) samples, oldest first: the position that is old enough to go. */
  const samples: { atMs: number; position: JournalPosition }[] = [];
  let trimmed: JournalPosition = 0;
  let running: Promise<JournalPosition> | null = null;

  const round = async (): Promise<JournalPosition> => {
    const nowMs = options.clock.now().earliest / 1000;
    samples.push({ atMs: nowMs, position: options.journal.durablePosition });
    // The newest sample at least `retentionMs` old bounds the trim; older ones are not needed.
    let retained = 0;
    while (samples.length > 1 && samples[1]!.atMs <= nowMs - options.retentionMs) samples.shift();
    if (samples[0]!.atMs <= nowMs - options.retentionMs) retained = samples[0]!.position;
    if (retained <= trimmed) return trimmed;
    const reports = (await listUnder(options.coordination, options.appliedPrefix))
      .map((r) => ({ name: r.key.slice(options.appliedPrefix.length), position: Number(r.value) }))
      .filter((r) => Number.isSafeInteger(r.position) && r.position >= 0);
    const applied = reports.map((r) => r.position);
    if (applied.length === 0) return trimmed;
    const shards = options.shards;
    if (shards !== undefined) {
      const reporting = new Set(reports.map((r) => shards.shardOf(r.name)));
      for (let shard = 0; shard < shards.count; shard++) if (!reporting.has(shard)) return trimmed;
    }
    const through = Math.min(retained, ...applied);
    if (through <= trimmed) return trimmed;
    await options.journal.trim(through);
    options.log?.info(`journal trimmed through position ${through} (replicas at ${applied.join(', ')})`);
    trimmed = through;
    return trimmed;
  };

  const tick = (): Promise<JournalPosition> => {
    // One round at a time: a slow store must not stack trims.
    running ??= round().finally(() => { running = null; });
    return running;
  };
  const timer = options.timers.setInterval(() => {
    tick().catch((error: unknown) => options.log?.warn(`journal trim: ${(error as Error).message}`));
  }, options.intervalMs);

  return {
    tick,
    stop: () => options.timers.clearInterval(timer),
  };
}
