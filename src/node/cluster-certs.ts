import type { Clock } from '../contracts/time.js';

/**
 * Certificates for a cluster's links (docs/distributed.md "Transport security"): a CA, and per
 * node (and per etcd member, and one for tools) a certificate it signs. Made with `selfsigned`,
 * the library the PostgreSQL endpoint's certificate comes from (identity.ts); no X.509 by hand.
 *
 * Node certificates carry both server and client authentication — each process serves gRPC or
 * etcd and dials its peers with the same identity, as CockroachDB's node certificates do — and
 * subject alternative names for the hosts a peer dials it by (a client checks the name).
 */
export interface CertificatePair {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/** IPv4 dotted quad or IPv6 (a colon): such a host goes in the certificate as an IP address, not a DNS name. */
function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

const CERT_VALIDITY_DAYS = 10 * 365;
const DAY_MS = 86_400_000;

/** From a day before now for ten years; without a clock, selfsigned reads the real time (one year). */
function validity(clock: Clock | undefined): { notBeforeDate?: Date; notAfterDate?: Date } {
  if (clock === undefined) return {};
  const nowMs = Math.floor(clock.now().earliest / 1000);
  return { notBeforeDate: new Date(nowMs - DAY_MS), notAfterDate: new Date(nowMs + CERT_VALIDITY_DAYS * DAY_MS) };
}

/** A self-signed CA (P-256) that signs certificates and nothing else. */
export async function makeClusterCa(cluster: string, clock?: Clock): Promise<CertificatePair> {
  const { generate } = await loadSelfsigned();
  const pems = await generate([{ name: 'commonName', value: `Strata cluster ${cluster} CA` }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ...validity(clock),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** A certificate signed by `ca` for `name`, valid for server and client authentication on `hosts` (names or IP addresses). */
export async function makeNodeCertificate(ca: CertificatePair, name: string, hosts: readonly string[], clock?: Clock): Promise<CertificatePair> {
  if (hosts.length === 0) throw new Error(`a certificate for ${name} needs at least one host`);
  const { generate } = await loadSelfsigned();
  const altNames = [...new Set(hosts)].map((host) => (isIpAddress(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host }));
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ...validity(clock), ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * selfsigned, loaded when a certificate is made: it brings ~190 modules (@peculiar's ASN.1 and
 * x509, tsyringe) that every role process otherwise parsed at start for certificates made once
 * per cluster or data directory — a fifth of a process's start on a 2-core host running 15.
 */
export function loadSelfsigned(): Promise<typeof import('selfsigned')> {
  return import('selfsigned');
}
