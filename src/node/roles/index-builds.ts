/**
 * The control leader's index builds: every build the catalog shows as unfinished (an index not
 * yet valid that carries a job id) is run, once, by this node's query processor — the QPs,
 * which start builds embedded, leave them to the control role in a distributed cluster.
 */
import type { Env } from '../../env/env.js';
import type { QueryProcessor } from '../../qp/query-processor.js';

/** Builds remembered as started (a job id is never run twice by one leader). */
const MAX_STARTED_BUILDS = 10_000;

/** What the builds need of the query processor. */
export type BuildingProcessor = Pick<QueryProcessor, 'snapshotTime' | 'catalogAt'> & {
  readonly indexBuilder: Pick<QueryProcessor['indexBuilder'], 'start' | 'waitForJob'>;
};

/** Runs every index build the catalog shows as unfinished, each once. */
export class IndexBuilds {
  private readonly started = new Set<string>();
  private scanning = false;
  /** A scan was asked for while one ran: the catalog may have changed after that one read it. */
  private again = false;
  /** The next scan reads past this timestamp (a change it was asked to see). */
  private atLeast = 0;

  constructor(private readonly qp: BuildingProcessor, private readonly env: Pick<Env, 'clock' | 'timers' | 'log'>) {}

  /** Looks for builds to run; `changedAt`: a catalog change the scan must see (its commit timestamp). */
  scan(changedAt = 0): void {
    this.atLeast = Math.max(this.atLeast, changedAt);
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = true;
    this.again = false;
    this.startUnfinished().catch((error: unknown) => {
      // Storage or the adjudicator is away for now: the next scan tries again.
      this.env.log.warn(`looking for index builds: ${(error as Error).message}`);
    }).finally(() => {
      this.scanning = false;
      if (this.again) this.scan();
    });
  }

  private async startUnfinished(): Promise<void> {
    // Past the change's commit timestamp by the clock, as a commit's acknowledgement waits to be:
    // the catalog read, and the build's own transactions after it, are at snapshots that see it.
    // (A read at that timestamp would find the index, but the build at the clock's snapshot would
    // not find its table, and would end as done for a table that is gone.)
    const aheadUs = this.atLeast - this.env.clock.now().earliest;
    if (aheadUs > 0) await new Promise<void>((resolve) => this.env.timers.setTimeout(resolve, Math.ceil(aheadUs / 1000)));
    const catalog = await this.qp.catalogAt(this.qp.snapshotTime());
    for (const table of catalog.allTables()) {
      for (const index of table.indexes) {
        const jobId = index.buildJobId;
        if (index.valid || jobId === undefined || this.started.has(jobId)) continue;
        if (this.started.size >= MAX_STARTED_BUILDS) this.started.delete(this.started.values().next().value!);
        this.started.add(jobId);
        this.env.log.info(`index build ${jobId} (${table.schema}.${index.name}): running it`);
        this.qp.indexBuilder.start({ tableId: table.id, indexId: index.id, jobId });
        void this.qp.indexBuilder.waitForJob(jobId).then(
          () => this.env.log.info(`index build ${jobId}: completed`),
          (error: unknown) => this.env.log.warn(`index build ${jobId}: ${(error as Error).message}`));
      }
    }
  }
}
