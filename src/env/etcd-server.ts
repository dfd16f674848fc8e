/**
 * Runs etcd members (Debian's `etcd-server` 3.4 at /usr/bin/etcd) for the local launcher and
 * the tests: the distributed journal, leases and metadata (DESIGN.md §4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { etcdHttpGet, type LinkTls } from './link-tls.js';

export const ETCD_BINARY = process.env['STRATA_ETCD'] ?? '/usr/bin/etcd';
/** Above the journal's 4 MiB chunks (etcd's default is 1.5 MiB; its WAL refuses entries over 10 MiB). */
export const ETCD_MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export interface EtcdMember {
  readonly name: string;
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly host?: string;
  /** The region it runs in (the launcher's layout; etcd itself does not know). */
  readonly region?: string;
  /**
   * PEM files for TLS on both of the member's ports: clients and peers must show a certificate
   * signed by `caFile` (etcd's --client-cert-auth, --peer-client-cert-auth). Absent: plaintext.
   */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

/** Why etcd cannot run here, or null when it can. */
export function etcdUnavailableReason(): string | null {
  return existsSync(ETCD_BINARY) ? null : `etcd is not installed at ${ETCD_BINARY} (apt-get install etcd-server)`;
}

function scheme(member: EtcdMember): string {
  return member.tls === undefined ? 'http' : 'https';
}

export function clientEndpoint(member: EtcdMember): string {
  return `${scheme(member)}://${member.host ?? '127.0.0.1'}:${member.clientPort}`;
}

function peerUrl(member: EtcdMember): string {
  return `${scheme(member)}://${member.host ?? '127.0.0.1'}:${member.peerPort}`;
}

/** Mutual TLS for clients and for the other members (one certificate serves both ports). */
function tlsArguments(member: EtcdMember): string[] {
  const tls = member.tls;
  if (tls === undefined) return [];
  return [
    '--trusted-ca-file', tls.caFile, '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--client-cert-auth',
    '--peer-trusted-ca-file', tls.caFile, '--peer-cert-file', tls.certFile, '--peer-key-file', tls.keyFile, '--peer-client-cert-auth',
  ];
}

/**
 * The command line of one member of `cluster` (`token`: the cluster's own, see below). Short heartbeats and elections: the members
 * share one machine (or a LAN), and a lost leader must be replaced well inside the 5 s the
 * cluster has to serve again.
 */
export function etcdArguments(member: EtcdMember, cluster: readonly EtcdMember[], token: string): string[] {
  return [
    '--name', member.name,
    '--data-dir', member.dataDir,
    '--listen-client-urls', clientEndpoint(member),
    '--advertise-client-urls', clientEndpoint(member),
    '--listen-peer-urls', peerUrl(member),
    '--initial-advertise-peer-urls', peerUrl(member),
    '--initial-cluster', cluster.map((m) => `${m.name}=${peerUrl(m)}`).join(','),
    '--initial-cluster-state', 'new',
    // Per cluster: members of two clusters that meet (a port another cluster's member took
    // between the layout and the start) refuse each other instead of forming one.
    '--initial-cluster-token', token,
    '--max-request-bytes', String(ETCD_MAX_REQUEST_BYTES),
    '--quota-backend-bytes', String(8 * 1024 * 1024 * 1024),
    '--heartbeat-interval', '50',
    '--election-timeout', '500',
    '--logger', 'zap',
    '--log-level', 'warn',
    ...tlsArguments(member),
  ];
}

/** Starts one member (`token`: its cluster's, see etcdArguments); its output goes to `logFile`. `detached`: it outlives this process. */
export function spawnEtcd(member: EtcdMember, cluster: readonly EtcdMember[], token: string, logFile: string, detached = false): ChildProcess {
  mkdirSync(member.dataDir, { recursive: true });
  const out = openSync(logFile, 'a');
  try {
    const child = spawn(ETCD_BINARY, etcdArguments(member, cluster, token), { stdio: ['ignore', out, out], detached });
    if (detached) child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}

/**
 * Resolves once the member answers /health with a quorum, or rejects after `timeoutMs`. An
 * https:// member is asked with `tls` (it refuses a client without a certificate from its CA).
 */
export async function waitForEtcd(endpoint: string, timeoutMs: number, tls: LinkTls | null = null): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await healthy(endpoint, tls)) return;
    if (performance.now() > deadline) throw new Error(`etcd at ${endpoint} not healthy after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function healthy(endpoint: string, tls: LinkTls | null): Promise<boolean> {
  return new Promise((resolve) => {
    const url = `${endpoint}/health`;
    const answer = (response: IncomingMessage) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => resolve(response.statusCode === 200 && body.includes('"health":"true"')));
    };
    const request = etcdHttpGet(url, tls, { timeout: 1_000 }, answer);
    request.on('error', () => resolve(false));
    request.on('timeout', () => { request.destroy(); resolve(false); });
  });
}
