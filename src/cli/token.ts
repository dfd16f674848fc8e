import { resolve } from 'node:path';
import { SystemClock } from '../env/clock.js';
import { NodeDisk } from '../env/disk.js';
import { SystemRandom } from '../env/random.js';
import { loadOrCreateIdentity } from '../node/identity.js';
import { DEFAULT_TOKEN_EXPIRY_SECONDS, MAX_TOKEN_EXPIRY_SECONDS, createToken } from '../qp/auth/token.js';
import { parseOptions } from './args.js';

/** `strata token`: prints a token for the cluster whose data directory is given, and nothing else. */
export async function tokenCommand(args: string[], out: (line: string) => void): Promise<number> {
  let options;
  try {
    options = parseOptions(args, { 'data-dir': 'string', admin: 'flag', user: 'string', 'expires-in': 'string' });
  } catch (error) {
    process.stderr.write(`strata token: ${(error as Error).message}\n`);
    return 2;
  }
  const user = options.has('admin') ? 'admin' : String(options.get('user') ?? 'admin');
  const expiresIn = Number(options.get('expires-in') ?? DEFAULT_TOKEN_EXPIRY_SECONDS);
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_TOKEN_EXPIRY_SECONDS) {
    process.stderr.write(`strata token: --expires-in must be a whole number of seconds from 1 to ${MAX_TOKEN_EXPIRY_SECONDS}\n`);
    return 2;
  }
  const dataDir = resolve(String(options.get('data-dir') ?? './strata-data'));
  const clock = new SystemClock(0);
  const disk = new NodeDisk();
  await disk.mkdir(dataDir);
  const identity = await loadOrCreateIdentity(disk, new SystemRandom(), clock, dataDir);
  out(await createToken({ credentials: identity, user, expiresInSeconds: expiresIn, nowUs: clock.now().latest }));
  return 0;
}
