/**
 * The cluster config's transport security (docs/distributed.md "Transport security"), as
 * CockroachDB does it: a cluster either names a CA and per-node certificates, and every gRPC
 * link between roles and every etcd connection runs mutual TLS, or it runs plaintext — which a
 * node accepts only when every address in the config is loopback, or when the config says
 * `"insecure": true`. A plaintext cluster across machines would let anyone on the network read
 * the journal (every row written) or forge commits; it must be a choice, not an omission.
 *
 * File convention (a `certsDir`, as `strata local up --tls` lays it out):
 *   ca.crt                     the cluster CA (`tls.caFile` names it)
 *   <node name>.crt / .key     each node's certificate: server and client authentication,
 *                              subject alternative names for the host it serves on
 *   client.crt / client.key    for tools (`strata local status`, benchmarks) that talk to etcd or a role
 * A node may name its own `certFile` / `keyFile` instead.
 */
import { join } from 'node:path';
import type { LinkTls } from '../../env/link-tls.js';
import type { ClusterConfig } from './cluster-config.js';

/** The identity tools use (not a node): `<certsDir>/client.crt`. */
export const CLIENT_IDENTITY = 'client';

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Checks the `tls` and `insecure` settings; `fail` throws with the config's name in front. */
export function checkTlsSettings(config: ClusterConfig, fail: (what: string) => never): void {
  if (config.insecure !== undefined && typeof config.insecure !== 'boolean') fail('"insecure" must be true or false');
  const tls = config.tls;
  if (tls === undefined) return;
  if (config.insecure === true) fail('"insecure": true and "tls" contradict each other: drop one');
  if (typeof tls !== 'object' || tls === null || typeof tls.caFile !== 'string') fail('"tls" needs "caFile", the cluster CA certificate');
  if (tls.certsDir !== undefined && typeof tls.certsDir !== 'string') fail('"tls.certsDir" must be a directory');
  for (const node of config.nodes) {
    const named = typeof node.certFile === 'string' && typeof node.keyFile === 'string';
    if ((node.certFile !== undefined || node.keyFile !== undefined) && !named) fail(`node ${node.name}: "certFile" and "keyFile" go together`);
    if (!named && tls.certsDir === undefined) fail(`node ${node.name}: with "tls", needs "certFile" and "keyFile" (or set "tls.certsDir")`);
  }
  const plain = config.etcd.filter((e) => e.startsWith('http://'));
  if (plain.length > 0) fail(`with "tls", etcd endpoints must be https:// (or name no scheme): ${plain.join(', ')}`);
}

/** Whether `host` (a name or an IP address) can only reach this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** The host of an etcd endpoint (`http://h:p`, `https://h:p` or `h:p`). */
function endpointHost(endpoint: string): string {
  const url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
  return url.hostname;
}

/**
 * Why a node of this config must not start (null: it may): no TLS, not `"insecure": true`, and
 * an address in the config that is not loopback. Every node connects to etcd and to the other
 * roles, so one such address exposes the links of all of them. Relays are left out: their
 * port is the PostgreSQL endpoint clients reach (TLS to the QP, end to end), not a link between roles.
 */
export function plaintextRefusal(config: ClusterConfig): string | null {
  if (config.tls !== undefined || config.insecure === true) return null;
  const exposed = [
    ...config.etcd.filter((e) => !isLoopback(endpointHost(e))).map((e) => `etcd ${e}`),
    ...config.nodes.filter((n) => n.role !== 'relay' && !isLoopback(n.host)).map((n) => `${n.name} ${n.host}`),
  ];
  if (exposed.length === 0) return null;
  return `refusing to run plaintext links beyond loopback (${exposed.join(', ')}): anyone on the network could read or forge `
    + 'the journal. Give the cluster config "tls" (a CA and node certificates; strata local up --tls makes them), '
    + 'or set "insecure": true to accept that.';
}

/** The CA, certificate and key files of node `name` (or of CLIENT_IDENTITY), or null when the cluster runs plaintext. */
export function tlsFilesOf(config: ClusterConfig, name: string): TlsFiles | null {
  const tls = config.tls;
  if (tls === undefined) return null;
  const node = config.nodes.find((n) => n.name === name);
  if (node?.certFile !== undefined && node.keyFile !== undefined) return { caFile: tls.caFile, certFile: node.certFile, keyFile: node.keyFile };
  if (tls.certsDir === undefined) throw new Error(`no TLS certificate for ${name}: name "certFile" and "keyFile" or set "tls.certsDir"`);
  return { caFile: tls.caFile, certFile: join(tls.certsDir, `${name}.crt`), keyFile: join(tls.certsDir, `${name}.key`) };
}

/** The TLS material of node `name` (or CLIENT_IDENTITY), read with `read`; null when the cluster runs plaintext. */
export function loadLinkTls(config: ClusterConfig, name: string, read: (path: string) => Buffer): LinkTls | null {
  const files = tlsFilesOf(config, name);
  if (files === null) return null;
  const readPem = (path: string, what: string): Buffer => {
    try {
      return read(path);
    } catch (error) {
      throw new Error(`cannot read ${what} ${path}: ${(error as Error).message}`);
    }
  };
  return { ca: readPem(files.caFile, 'the cluster CA'), cert: readPem(files.certFile, `the certificate of ${name}`), key: readPem(files.keyFile, `the key of ${name}`) };
}
