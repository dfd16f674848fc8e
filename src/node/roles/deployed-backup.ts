/**
 * A full backup of a distributed cluster (docs/backup.md, "The distributed deployment"): what
 * `strata local backup` writes and what the control node's AWS Backup jobs run. The file is the
 * embedded node's (src/storage/backup-format.ts), so a backup of either deployment restores
 * into either.
 *
 * A backup is a read of the whole key space at one commit timestamp τ, taken as a query
 * processor takes a snapshot (`now().latest`: every commit acknowledged before the backup
 * started is at or below it). A storage replica streams it in key order (BackupRead,
 * backup-read.ts), a page at a time as this side takes them; should the replica fail, another
 * carries on from the last page's resume key, since every replica reads the same rows at τ.
 * A sharded cluster is read shard after shard (key order), each from its own replicas.
 * Only whole pages are written, and the file is made as the embedded backup's is:
 * `FILE.partial`, renamed once durable, removed on any failure.
 */
import type { BackupHeader, ClusterBackups } from '../../contracts/backup.js';
import type { Timestamp } from '../../contracts/time.js';
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { grpcClient } from '../../env/grpc.js';
import type { LinkTls } from '../../env/link-tls.js';
import { BackupCancelled, writeBackupPages, type BackupPage } from '../../storage/backup.js';
import { writeBackupFile } from '../../storage/backup-files.js';
import { CATALOG_VERSION_KEY } from '../../qp/catalog/catalog.js';
import { serverStream } from '../remote/server-stream.js';
import { listUnder } from './leadership.js';
import { leaderKey, registrationsPrefix, shardMapOf, type ClusterConfig } from './cluster-config.js';
import { parseRegistration, type Registered } from './registrations.js';

/** How long the cluster's view in etcd may take before the cluster counts as not running. */
const ETCD_READ_MS = 5_000;
/** Pages a replica's stream may hold here before it is paused (flow control does the rest). */
const QUEUED_PAGES = 2;
/** A replica that sends no page for this long has failed the read (stalled, cut off). */
const PAGE_WAIT_MS = 60_000;
/** A failed read goes on at the next replica after this pause. */
const RETRY_PAUSE_MS = 500;

export interface DeployedBackupOptions {
  /** Rows per page (BackupRead's page_rows); the replica's default when absent. */
  readonly pageRows?: number;
  /** After each page is taken, before the next (tests fail a replica mid-read here). */
  readonly onPage?: (replica: string, pages: number) => Promise<void>;
  /** How many replica attempts the read may take in all (default: two per replica). */
  readonly attempts?: number;
  /** The replica to read from first (default: the first by name). */
  readonly first?: string;
  /** Asked before each page: true ends the backup (BackupCancelled), its file removed. */
  readonly cancelled?: () => boolean;
  /** What the read has to say as it goes (a replica failed, the next carries on). */
  readonly say?: (line: string) => void;
}

/** The cluster as a backup needs it: its config, its etcd, the TLS of its links. */
export interface DeployedClusterLinks {
  readonly env: Env;
  readonly config: ClusterConfig;
  readonly coordination: Coordination;
  readonly tls: LinkTls | null;
}

interface Replica {
  readonly name: string;
  readonly address: string;
  /** Its storage shard (cluster-config.ts storageSplits). */
  readonly shard: number;
}

/** Why a cluster cannot be backed up now (not running, no leader, no replica): said to the user as it is. */
export class ClusterNotServing extends Error {}

/** The cluster as of now into the new file `to`. */
export async function backupDeployed(links: DeployedClusterLinks, to: string, options: DeployedBackupOptions = {}): Promise<BackupHeader> {
  const { env, config, tls } = links;
  if (await env.disk.exists(to)) throw new Error(`${to} already exists`);
  const view = await clusterView(links);
  const map = shardMapOf(config);
  // Each shard's replicas, `first` first; a shard with none serving cannot be read.
  const replicasOf = (shard: number) => {
    const replicas = view.replicas.filter((r) => r.shard === shard);
    if (replicas.length === 0) throw new ClusterNotServing(`no replica of storage shard ${shard} serving`);
    return [...replicas.filter((r) => r.name === options.first), ...replicas.filter((r) => r.name !== options.first)];
  };
  const shards = Array.from({ length: map.shards }, (_, shard) => replicasOf(shard));
  const timestamp = env.clock.now().latest;
  const takenAtMs = Math.floor(env.clock.now().earliest / 1000);
  const adjudicator = grpcClient('Adjudicator', view.leader, tls);
  // The read at τ waits for a replica's safe time to pass τ: ask the leader for the notice now
  // rather than wait for the next periodic one (as a query processor does before it reads).
  const notify = (replica: Replica) => adjudicator.send('Notify', { timestamp, replicas: [replica.name], reader: '' });
  try {
    const catalogVersion = await catalogVersionAt(shards[map.shardOf(CATALOG_VERSION_KEY)]!, timestamp, tls, notify);
    // The key space in key order: shard after shard, each read from its own replicas (a replica
    // holds only its shard's rows, so its read from the shard's start yields exactly them).
    async function* pages() {
      for (let shard = 0; shard < map.shards; shard++) yield* pagesAt(env, shards[shard]!, Buffer.from(map.rangeOf(shard).start), timestamp, tls, notify, options);
    }
    return await writeBackupFile(env, to, (file) => writeBackupPages(pages(), { clusterId: config.cluster, timestamp, takenAtMs, catalogVersion }, file));
  } finally {
    adjudicator.close();
  }
}

/** The leader's address and the registered storage replicas, from etcd. */
async function clusterView({ env, config, coordination }: DeployedClusterLinks): Promise<{ leader: string; replicas: Replica[] }> {
  let timer: ReturnType<Env['timers']['setTimeout']> | undefined;
  try {
    const read = await Promise.race([
      Promise.all([listUnder(coordination, leaderKey(config)), listUnder(coordination, registrationsPrefix(config))]),
      new Promise<null>((r) => { timer = env.timers.setTimeout(() => r(null), ETCD_READ_MS); }),
    ]).catch((error: Error) => { throw new ClusterNotServing(`etcd: ${error.message}`); });
    if (read === null) throw new ClusterNotServing(`etcd did not answer within ${ETCD_READ_MS / 1000} s`);
    const leader = read[0][0]?.value;
    if (leader === undefined) throw new ClusterNotServing('no adjudicator leader now');
    const replicas = read[1].map((entry) => parseRegistration(entry.key, entry.value))
      .filter((node): node is Registered => node?.role === 'storage').map(({ name, address, shard }) => ({ name, address, shard }))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (replicas.length === 0) throw new ClusterNotServing('no storage replica serving');
    return { leader, replicas };
  } finally {
    if (timer !== undefined) env.timers.clearTimeout(timer);
  }
}

async function catalogVersionAt(replicas: readonly Replica[], timestamp: Timestamp, tls: LinkTls | null, notify: (replica: Replica) => void): Promise<number> {
  const problems: string[] = [];
  for (const replica of replicas) {
    const client = grpcClient('Storage', replica.address, tls);
    try {
      notify(replica);
      const reply = await client.call('Get', { key: Buffer.from(CATALOG_VERSION_KEY), read_timestamp: timestamp }, PAGE_WAIT_MS);
      const value = reply['value'] as Buffer | undefined;
      return value === undefined ? 0 : Number(value.toString('utf8'));
    } catch (error) {
      problems.push(`${replica.name}: ${(error as Error).message}`);
    } finally {
      client.close();
    }
  }
  throw new Error(`no storage replica answered the read at ${timestamp}: ${problems.join('; ')}`);
}

/**
 * A storage shard's rows at τ in key order (from `from`, its range's start), from its replicas
 * in turn: a replica that fails (its stream ends with an error, before the last page, or
 * stalls) hands over to the next, which
 * carries on from the last whole page taken. Throws with every replica's reason once the
 * attempts run out.
 */
async function* pagesAt(env: Env, replicas: readonly Replica[], from: Buffer, timestamp: Timestamp, tls: LinkTls | null,
  notify: (replica: Replica) => void, options: DeployedBackupOptions): AsyncGenerator<BackupPage> {
  const attempts = options.attempts ?? 2 * replicas.length;
  const cancelled = options.cancelled ?? (() => false);
  const problems: string[] = [];
  let start: Buffer = from;
  let taken = 0;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const replica = replicas[attempt % replicas.length]!;
    if (attempt > 0) await new Promise<void>((r) => env.timers.setTimeout(r, RETRY_PAUSE_MS));
    if (cancelled()) throw new BackupCancelled('the backup was cancelled');
    notify(replica);
    try {
      const request = { read_timestamp: timestamp, start, page_rows: options.pageRows ?? 0 };
      const pages = serverStream(grpcClient('Storage', replica.address, tls), 'BackupRead', request, { maxQueued: QUEUED_PAGES, idle: { timers: env.timers, ms: PAGE_WAIT_MS } });
      for await (const page of pages) {
        if (cancelled()) throw new BackupCancelled('the backup was cancelled');
        yield { keys: page['keys'], values: page['values'] };
        taken++;
        const resume = page['resume_key'] as Buffer | undefined;
        if (resume === undefined) return;
        start = resume;
        await options.onPage?.(replica.name, taken);
      }
      throw new Error('its stream ended before the last page');
    } catch (error) {
      if (error instanceof BackupCancelled) throw error;
      problems.push(`${replica.name}: ${(error as Error).message}`);
      if (attempt + 1 < attempts) options.say?.(`${problems.at(-1)!}; the read goes on at ${replicas[(attempt + 1) % replicas.length]!.name} from where it stopped`);
    }
  }
  throw new Error(`the backup's read failed on every storage replica it tried: ${problems.join('; ')}`);
}

/**
 * The control node's side of AWS Backup's jobs (control/backup-plane.ts): backups as above;
 * restores make a new deployment, which a control node does not start (`local up --restore`).
 */
export class DeployedBackups implements ClusterBackups {
  constructor(private readonly links: DeployedClusterLinks, private readonly say: (line: string) => void) {}

  async backup(_clusterId: string, path: string, cancelled: () => boolean): Promise<BackupHeader> {
    try {
      return await backupDeployed(this.links, path, { cancelled, say: this.say });
    } catch (error) {
      if (error instanceof ClusterNotServing) throw new Error(`the cluster cannot be read now: ${error.message}`);
      throw error;
    }
  }

  restore(): Promise<BackupHeader> {
    return Promise.reject(new Error('a distributed deployment restores into a new deployment: strata local up --dir DIR --restore FILE'));
  }
}
