import { join } from 'node:path';
import type { Clock, RandomSource } from '../contracts/time.js';
import type { Disk } from '../env/env.js';
import { loadSelfsigned } from './cluster-certs.js';

/**
 * A cluster's identity, kept in its data directory (docs/auth.md): the cluster id and endpoint
 * (`<id>.dsql.<region>.on.aws`, as DSQL names them), the IAM-like credentials tokens are signed
 * with, and the TLS key and self-signed certificate the QP terminates TLS with.
 *
 *   <dataDir>/identity.json    { version, clusterId, region, endpoint, accessKeyId, secretAccessKey }
 *   <dataDir>/tls/server.key   PEM, 0600
 *   <dataDir>/tls/server.crt   PEM, 0600; SAN: the endpoint, localhost, IP 127.0.0.1
 *
 * Created once, on first use of the data dir, and read back unchanged ever after: tokens a user
 * made keep working across restarts. Two processes creating the same data dir at the same
 * instant could each write an identity (the Disk has no exclusive create); `strata start`
 * creates it before anything else runs, so in practice one process does.
 */
export interface ClusterIdentity {
  readonly clusterId: string;
  readonly region: string;
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** PEM private key of the server certificate. */
  readonly tlsKey: string;
  /** PEM self-signed certificate. */
  readonly tlsCert: string;
}

export interface IdentityOptions {
  /** The region of a new cluster (default `us-east-1`); an existing identity must match it. */
  readonly region?: string;
  /**
   * Sets a new certificate's validity: from a day before now for ten years. Without it,
   * selfsigned reads the real time itself and makes the certificate valid for one year.
   */
  readonly clock?: Clock;
}

export const DEFAULT_REGION = 'us-east-1';
const IDENTITY_VERSION = 1;
const CERT_VALIDITY_DAYS = 10 * 365;
const DAY_MS = 86_400_000;

const CLUSTER_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** DSQL's shapes (reference/dsql.md §1: cluster id `[a-z0-9]{26}`, region `[a-z0-9-]{1,20}`). */
const CLUSTER_ID = /^[a-z0-9]{26}$/;
const REGION = /^[a-z0-9-]{1,20}$/;
const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
const SECRET_ACCESS_KEY = /^[A-Za-z0-9+/]{40}$/;

export function endpointFor(clusterId: string, region: string): string {
  return `${clusterId}.dsql.${region}.on.aws`;
}

function randomString(random: RandomSource, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[random.int(alphabet.length)];
  return out;
}

type StoredIdentity = Omit<ClusterIdentity, 'tlsKey' | 'tlsCert'>;

/**
 * Reads the identity of the cluster in `dataDir`, creating it (and the data dir) on first use.
 *
 * The earlier form `(disk, random, clock, dataDir, region?)` is still accepted.
 */
export async function loadOrCreateIdentity(disk: Disk, random: RandomSource, dataDir: string, options?: IdentityOptions): Promise<ClusterIdentity>;
/** @deprecated use `loadOrCreateIdentity(disk, random, dataDir, { clock, region })`. */
export async function loadOrCreateIdentity(disk: Disk, random: RandomSource, clock: Clock, dataDir: string, region?: string): Promise<ClusterIdentity>;
export async function loadOrCreateIdentity(disk: Disk, random: RandomSource, third: string | Clock, fourth?: string | IdentityOptions, fifth?: string): Promise<ClusterIdentity> {
  if (typeof third === 'string') return loadOrCreate(disk, random, third, (fourth as IdentityOptions | undefined) ?? {});
  return loadOrCreate(disk, random, fourth as string, { clock: third, ...(fifth === undefined ? {} : { region: fifth }) });
}

async function loadOrCreate(disk: Disk, random: RandomSource, dataDir: string, options: IdentityOptions): Promise<ClusterIdentity> {
  if (options.region !== undefined && !REGION.test(options.region)) throw new Error(`invalid region "${options.region}" (expected [a-z0-9-]{1,20}, e.g. us-east-1)`);
  const path = join(dataDir, 'identity.json');
  const existing = await disk.readFile(path);
  let stored: StoredIdentity;
  if (existing === null) {
    stored = newIdentity(random, options.region ?? DEFAULT_REGION);
  } else {
    stored = parseStoredIdentity(path, existing);
    if (options.region !== undefined && options.region !== stored.region) {
      throw new Error(`${dataDir} holds a cluster in region ${stored.region}, not ${options.region}`);
    }
  }
  await disk.mkdir(join(dataDir, 'tls'));
  // TLS first, identity.json last: a crash in between leaves no identity, and the next start
  // creates everything again rather than serving an endpoint without its certificate.
  const tls = await loadOrCreateTls(disk, dataDir, stored.endpoint, options.clock);
  if (existing === null) await disk.writeFileAtomic(path, Buffer.from(`${JSON.stringify({ version: IDENTITY_VERSION, ...stored }, null, 2)}\n`));
  return { ...stored, ...tls };
}

/**
 * The certificate the clusters created through the control plane share, for
 * `*.dsql.<region>.on.aws` (and localhost, 127.0.0.1), in `<directory>/tls/`: made once, so a
 * new cluster costs no key generation and no file writes of its own (docs/control-plane.md).
 */
export async function loadOrCreateWildcardTls(disk: Disk, directory: string, region: string, clock?: Clock): Promise<{ tlsKey: string; tlsCert: string }> {
  if (!REGION.test(region)) throw new Error(`invalid region "${region}"`);
  await disk.mkdir(join(directory, 'tls'));
  return loadOrCreateTls(disk, directory, `*.dsql.${region}.on.aws`, clock);
}

function newIdentity(random: RandomSource, region: string): StoredIdentity {
  const clusterId = randomString(random, CLUSTER_ID_ALPHABET, 26);
  return {
    clusterId,
    region,
    endpoint: endpointFor(clusterId, region),
    accessKeyId: `AKIA${randomString(random, ACCESS_KEY_ALPHABET, 16)}`,
    secretAccessKey: randomString(random, SECRET_ALPHABET, 40),
  };
}

/** Checks every field, so a hand-edited or truncated file fails loudly instead of signing garbage. */
function parseStoredIdentity(path: string, bytes: Uint8Array): StoredIdentity {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const field = (name: string, pattern: RegExp): string => {
    const text = value?.[name];
    if (typeof text !== 'string' || !pattern.test(text)) throw new Error(`${path}: field "${name}" is missing or malformed`);
    return text;
  };
  if (value?.['version'] !== IDENTITY_VERSION) throw new Error(`${path}: unsupported identity version ${String(value?.['version'])}`);
  const clusterId = field('clusterId', CLUSTER_ID);
  const region = field('region', REGION);
  const endpoint = field('endpoint', /^/);
  if (endpoint !== endpointFor(clusterId, region)) throw new Error(`${path}: endpoint ${endpoint} does not match cluster ${clusterId} in ${region}`);
  return { clusterId, region, endpoint, accessKeyId: field('accessKeyId', ACCESS_KEY_ID), secretAccessKey: field('secretAccessKey', SECRET_ACCESS_KEY) };
}

/** Reads tls/server.{key,crt}, or creates both when either is missing. */
async function loadOrCreateTls(disk: Disk, dataDir: string, endpoint: string, clock: Clock | undefined): Promise<{ tlsKey: string; tlsCert: string }> {
  const keyPath = join(dataDir, 'tls', 'server.key');
  const certPath = join(dataDir, 'tls', 'server.crt');
  const key = await disk.readFile(keyPath);
  const cert = await disk.readFile(certPath);
  if (key !== null && cert !== null) return { tlsKey: Buffer.from(key).toString('utf8'), tlsCert: Buffer.from(cert).toString('utf8') };
  const pems = await selfSignedCertificate(endpoint, clock);
  // writeFileAtomic creates files 0600: the key must be readable by the owner only.
  await disk.writeFileAtomic(keyPath, Buffer.from(pems.private));
  await disk.writeFileAtomic(certPath, Buffer.from(pems.cert));
  return { tlsKey: pems.private, tlsCert: pems.cert };
}

/**
 * A P-256 key and a self-signed certificate for the endpoint, `localhost` and 127.0.0.1.
 * selfsigned draws the key pair and serial number from node:crypto's own randomness (it takes
 * no random source): the certificate is never part of a simulated run, so that stays outside
 * the injected RandomSource. Without a clock, it also reads the real time for the validity.
 */
async function selfSignedCertificate(endpoint: string, clock: Clock | undefined): Promise<{ private: string; cert: string }> {
  const validity = clock === undefined ? {} : (() => {
    const nowMs = Math.floor(clock.now().earliest / 1000);
    return { notBeforeDate: new Date(nowMs - DAY_MS), notAfterDate: new Date(nowMs + CERT_VALIDITY_DAYS * DAY_MS) };
  })();
  const { generate } = await loadSelfsigned();
  return generate([{ name: 'commonName', value: endpoint }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ...validity,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: endpoint }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
}
