import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Clock, RandomSource } from '../contracts/time.js';
import type { Disk } from '../env/env.js';

/**
 * A cluster's identity, kept in its data directory: the cluster id and endpoint
 * (`<id>.dsql.<region>.on.aws`, as DSQL names them), the IAM-like credentials tokens are signed
 * with, and the TLS key and self-signed certificate created on first start.
 */
export interface ClusterIdentity {
  readonly clusterId: string;
  readonly region: string;
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly tlsKey: string;
  readonly tlsCert: string;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomString(random: RandomSource, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[random.int(alphabet.length)];
  return out;
}

export async function loadOrCreateIdentity(disk: Disk, random: RandomSource, clock: Clock, dataDir: string, region = 'us-east-1'): Promise<ClusterIdentity> {
  const path = join(dataDir, 'identity.json');
  const keyPath = join(dataDir, 'tls', 'server.key');
  const certPath = join(dataDir, 'tls', 'server.crt');
  const existing = await disk.readFile(path);
  if (existing) {
    const stored = JSON.parse(Buffer.from(existing).toString('utf8')) as Omit<ClusterIdentity, 'tlsKey' | 'tlsCert'>;
    const key = await disk.readFile(keyPath);
    const cert = await disk.readFile(certPath);
    if (!key || !cert) throw new Error(`${dataDir}: identity.json exists but the TLS files are missing`);
    return { ...stored, tlsKey: Buffer.from(key).toString('utf8'), tlsCert: Buffer.from(cert).toString('utf8') };
  }
  const clusterId = randomString(random, LOWER, 26);
  const endpoint = `${clusterId}.dsql.${region}.on.aws`;
  const identity = {
    clusterId, region, endpoint,
    accessKeyId: `AKIA${randomString(random, UPPER, 16)}`,
    secretAccessKey: randomString(random, SECRET, 40),
  };
  // selfsigned draws the key pair from node:crypto's own randomness; the certificate is not
  // part of any simulated run, so that stays outside the injected RandomSource.
  const now = clock.now().latest / 1000;
  const pems = await generate([{ name: 'commonName', value: endpoint }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
    notBeforeDate: new Date(now - 86_400_000), notAfterDate: new Date(now + 10 * 365 * 86_400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: endpoint }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  } as Parameters<typeof generate>[1]);
  await disk.mkdir(join(dataDir, 'tls'));
  await disk.writeFileAtomic(keyPath, Buffer.from(pems.private));
  await disk.writeFileAtomic(certPath, Buffer.from(pems.cert));
  await disk.writeFileAtomic(path, Buffer.from(`${JSON.stringify(identity, null, 2)}\n`));
  return { ...identity, tlsKey: pems.private, tlsCert: pems.cert };
}
