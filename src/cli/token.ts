import { resolve } from 'node:path';
import { SystemClock } from '../env/clock.js';
import { NodeDisk } from '../env/disk.js';
import { SystemRandom } from '../env/random.js';
import { endpointFor, loadOrCreateIdentity } from '../node/identity.js';
import { DEFAULT_TOKEN_EXPIRY_SECONDS, MAX_TOKEN_EXPIRY_SECONDS, createToken } from '../qp/auth/token.js';
import { parseOptions } from './args.js';

export const TOKEN_USAGE = 'usage: strata token [--data-dir DIR] [--cluster ID] [--admin | --user NAME] [--expires-in SECONDS]';

interface TokenRequest {
  readonly dataDir: string;
  readonly user: string;
  readonly expiresIn: number;
  /** A cluster created through the control plane; null: the data directory's own cluster. */
  readonly cluster: string | null;
}

/** Reads the options; returns the problem as text when they are wrong. */
function tokenRequest(args: string[]): TokenRequest | string {
  let options;
  try {
    options = parseOptions(args, { 'data-dir': 'string', admin: 'flag', user: 'string', 'expires-in': 'string', cluster: 'string' });
  } catch (error) {
    return (error as Error).message;
  }
  const named = options.get('user');
  if (named === '') return '--user needs a role name';
  if (options.has('admin') && named !== undefined && named !== 'admin') return `--admin and --user ${String(named)} contradict each other`;
  const expiresText = String(options.get('expires-in') ?? DEFAULT_TOKEN_EXPIRY_SECONDS);
  const expiresIn = Number(expiresText);
  if (!/^\d+$/.test(expiresText) || expiresIn < 1 || expiresIn > MAX_TOKEN_EXPIRY_SECONDS) {
    return `--expires-in must be a whole number of seconds from 1 to ${MAX_TOKEN_EXPIRY_SECONDS} (one week), got "${expiresText}"`;
  }
  const cluster = options.get('cluster');
  if (cluster !== undefined && !/^[a-z0-9]{26}$/.test(String(cluster))) return `--cluster takes a cluster id (26 characters a-z and 0-9, as CreateCluster answers), got "${String(cluster)}"`;
  return {
    dataDir: resolve(String(options.get('data-dir') ?? './strata-data')), user: named === undefined ? 'admin' : String(named), expiresIn,
    cluster: cluster === undefined ? null : String(cluster),
  };
}

/**
 * `strata token`: prints a connection token for the cluster whose data directory is given, and
 * nothing else on stdout, so `PGPASSWORD=$(npx strata token --admin)` works. The identity is
 * created when the data dir is new, so a token can be made before the first `strata start`.
 * Returns the exit status: 0, or 2 for wrong options (the reason goes to `err`).
 */
export async function tokenCommand(args: string[], out: (line: string) => void, err: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  const request = tokenRequest(args);
  if (typeof request === 'string') {
    err(`strata token: ${request}`);
    err(TOKEN_USAGE);
    return 2;
  }
  const clock = new SystemClock(0);
  const identity = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), request.dataDir, { clock });
  // A created cluster signs with the data directory's keys; only the endpoint in the token differs.
  const credentials = request.cluster === null ? identity : { ...identity, endpoint: endpointFor(request.cluster, identity.region) };
  out(await createToken({ credentials, user: request.user, expiresInSeconds: request.expiresIn, clock }));
  return 0;
}
