/**
 * Backups and restores of the local multi-process cluster (docs/backup.md, "The distributed
 * deployment"): `strata local backup --dir DIR --to FILE` and `strata local up --restore FILE`.
 * The file is the embedded node's (src/storage/backup-format.ts), so a backup of either
 * deployment restores into either.
 *
 * A backup is a read of the whole key space at one commit timestamp τ, taken as a query
 * processor takes a snapshot (`now().latest`: every commit acknowledged before the command
 * started is at or below it). A storage replica streams it in key order (BackupRead,
 * node/roles/backup-read.ts), a page at a time as this side takes them; should the replica
 * fail, another carries on from the last page's resume key, since every replica reads the same
 * rows at τ. Only whole pages are written, and the file is made as the embedded backup's is:
 * `FILE.partial`, renamed once durable, removed on any failure.
 */
import { resolve } from 'node:path';
import type { BackupHeader } from '../contracts/backup.js';
import type { Timestamp } from '../contracts/time.js';
import type { Env } from '../env/env.js';
import { EtcdCoordination } from '../env/etcd-coordination.js';
import { grpcClient } from '../env/grpc.js';
import type { LinkTls } from '../env/link-tls.js';
import { systemEnv } from '../env/system-env.js';
import { writeBackupPages, type BackupPage } from '../storage/backup.js';
import { restoreDatabase, writeBackupFile } from '../storage/backup-files.js';
import { CATALOG_VERSION_KEY } from '../qp/catalog/catalog.js';
import { listUnder } from '../node/roles/leadership.js';
import { clusterPrefix, leaderKey, nodesOf, type ClusterConfig } from '../node/roles/cluster-config.js';
import { linkTlsOfTools, readState, recordedAlive } from './local-cluster.js';
import { describeBackup } from './backup.js';
import { serverStream } from '../node/remote/server-stream.js';

/** How long the cluster's view in etcd may take before the cluster counts as not running. */
const ETCD_READ_MS = 5_000;
/** Pages a replica's stream may hold here before it is paused (flow control does the rest). */
const QUEUED_PAGES = 2;
/** A replica that sends no page for this long has failed the read (stalled, cut off). */
const PAGE_WAIT_MS = 60_000;
/** A failed read goes on at the next replica after this pause. */
const RETRY_PAUSE_MS = 500;

export interface LocalBackupOptions {
  /** Rows per page (BackupRead's page_rows); the replica's default when absent. */
  readonly pageRows?: number;
  /** After each page is taken, before the next (tests fail a replica mid-read here). */
  readonly onPage?: (replica: string, pages: number) => Promise<void>;
  /** How many replica attempts the read may take in all (default: two per replica). */
  readonly attempts?: number;
  /** The replica to read from first (default: the first by name). */
  readonly first?: string;
}

interface Replica {
  readonly name: string;
  readonly address: string;
}

/** `strata local backup`: the cluster in `dir` as of now, into the new file `to`. */
export async function localBackup(dirArg: string, toArg: string, out: (line: string) => void, options: LocalBackupOptions = {}): Promise<BackupHeader> {
  const dir = resolve(dirArg);
  const to = resolve(toArg);
  const { state, config } = readState(dir);
  if (!nodesOf(config, 'storage').some((node) => recordedAlive(state, state.pids[node.name] ?? -1))) {
    throw new Error(`the local cluster in ${dir} is not running (no storage replica is; strata local up --dir ${dir})`);
  }
  const env = systemEnv();
  if (await env.disk.exists(to)) throw new Error(`${to} already exists`);
  const tls = linkTlsOfTools(config);
  const view = await clusterView(dir, config, tls);
  const leader = view.leader;
  const replicas = [...view.replicas.filter((r) => r.name === options.first), ...view.replicas.filter((r) => r.name !== options.first)];
  const timestamp = env.clock.now().latest;
  const takenAtMs = Math.floor(env.clock.now().earliest / 1000);
  const adjudicator = grpcClient('Adjudicator', leader, tls);
  // The read at τ waits for a replica's safe time to pass τ: ask the leader for the notice now
  // rather than wait for the next periodic one (as a query processor does before it reads).
  const notify = (replica: Replica) => adjudicator.send('Notify', { timestamp, replica: replica.name, reader: '' });
  try {
    const catalogVersion = await catalogVersionAt(replicas, timestamp, tls, notify);
    const pages = pagesAt(env, replicas, timestamp, tls, notify, options, (line) => out(`strata local backup: ${line}`));
    const header = await writeBackupFile(env, to, (file) => writeBackupPages(pages, { clusterId: config.cluster, timestamp, takenAtMs, catalogVersion }, file));
    out(`strata local backup: wrote ${to}: ${describeBackup(header)}`);
    return header;
  } finally {
    adjudicator.close();
  }
}

/** The leader's address and the registered storage replicas; a cluster etcd does not answer for is not running. */
async function clusterView(dir: string, config: ClusterConfig, tls: LinkTls | null): Promise<{ leader: string; replicas: Replica[] }> {
  const coordination = new EtcdCoordination(config.etcd, { tls });
  let timer: NodeJS.Timeout | undefined;
  try {
    const read = await Promise.race([
      Promise.all([listUnder(coordination, leaderKey(config)), listUnder(coordination, `${clusterPrefix(config)}nodes/`)]),
      new Promise<null>((r) => { timer = setTimeout(() => r(null), ETCD_READ_MS); }),
    ]).catch((error: Error) => { throw new Error(`the local cluster in ${dir} is not running (etcd: ${error.message})`); });
    if (read === null) throw new Error(`the local cluster in ${dir} is not running (etcd did not answer within ${ETCD_READ_MS / 1000} s)`);
    const leader = read[0][0]?.value;
    if (leader === undefined) throw new Error(`the local cluster in ${dir} has no adjudicator leader now (see strata local status --dir ${dir})`);
    const replicas = read[1].map((entry) => ({ name: entry.key.slice(entry.key.lastIndexOf('/') + 1), ...(JSON.parse(entry.value) as { role: string; address: string }) }))
      .filter((node) => node.role === 'storage').map(({ name, address }) => ({ name, address }))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (replicas.length === 0) throw new Error(`the local cluster in ${dir} has no storage replica serving (see strata local status --dir ${dir})`);
    return { leader, replicas };
  } finally {
    clearTimeout(timer);
    await coordination.close();
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
 * The key space at τ in key order, from the replicas in turn: a replica that fails (its
 * stream ends with an error, before the last page, or stalls) hands over to the next, which
 * carries on from the last whole page taken. Throws with every replica's reason once the
 * attempts run out.
 */
async function* pagesAt(env: Env, replicas: readonly Replica[], timestamp: Timestamp, tls: LinkTls | null,
  notify: (replica: Replica) => void, options: LocalBackupOptions, say: (line: string) => void): AsyncGenerator<BackupPage> {
  const attempts = options.attempts ?? 2 * replicas.length;
  const problems: string[] = [];
  let start: Buffer = Buffer.alloc(0);
  let taken = 0;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const replica = replicas[attempt % replicas.length]!;
    if (attempt > 0) await new Promise<void>((r) => env.timers.setTimeout(r, RETRY_PAUSE_MS));
    notify(replica);
    try {
      const request = { read_timestamp: timestamp, start, page_rows: options.pageRows ?? 0 };
      const pages = serverStream(grpcClient('Storage', replica.address, tls), 'BackupRead', request, { maxQueued: QUEUED_PAGES, idle: { timers: env.timers, ms: PAGE_WAIT_MS } });
      for await (const page of pages) {
        yield { keys: page['keys'], values: page['values'] };
        taken++;
        const resume = page['resume_key'] as Buffer | undefined;
        if (resume === undefined) return;
        start = resume;
        await options.onPage?.(replica.name, taken);
      }
      throw new Error('its stream ended before the last page');
    } catch (error) {
      problems.push(`${replica.name}: ${(error as Error).message}`);
      if (attempt + 1 < attempts) say(`${problems.at(-1)!}; the read goes on at ${replicas[(attempt + 1) % replicas.length]!.name} from where it stopped`);
    }
  }
  throw new Error(`the backup's read failed on every storage replica it tried: ${problems.join('; ')}`);
}

/**
 * `strata local up --restore FILE`: every storage replica of the new cluster `config` starts
 * from the file (each restored and checked on its own, into its data directory), with an
 * empty journal. Runs before any process starts; on any failure nothing is left.
 */
export async function restoreReplicas(config: ClusterConfig, fileArg: string): Promise<string> {
  const file = resolve(fileArg);
  const env = systemEnv();
  const done: string[] = [];
  let header: BackupHeader | null = null;
  try {
    for (const node of nodesOf(config, 'storage')) {
      if (await env.disk.exists(node.dataDir!)) throw new Error(`${node.dataDir!} already exists`);
      header = await restoreDatabase(env, file, node.dataDir!);
      done.push(node.dataDir!);
    }
  } catch (error) {
    for (const path of done) await env.disk.remove(path);
    throw error;
  }
  return `restored ${file} into ${nodesOf(config, 'storage').map((n) => n.name).join(', ')}: ${describeBackup(header!)}`;
}
