/**
 * Mutual TLS on the links between a cluster's processes: gRPC between roles and every etcd
 * connection (the etcd3 client, the lean Txn session, the bare watch streams). The journal
 * carries every row written, so in a cluster that spans machines these links must be private
 * and authenticated both ways: each side shows a certificate signed by the cluster's CA, and a
 * client checks that the server's certificate names the host it dialled (docs/distributed.md,
 * "Transport security").
 *
 * `null` stands for plaintext, which the cluster config allows only on loopback or when it says
 * `"insecure": true` (src/node/roles/cluster-tls.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { get as getHttp, type ClientRequest, type IncomingMessage } from 'node:http';
import { get as getHttps } from 'node:https';

export interface LinkTls {
  /** PEM: the cluster's CA certificate; the only issuer trusted for a peer's certificate. */
  readonly ca: Buffer;
  /** PEM: this process's certificate (server and client authentication), signed by the CA. */
  readonly cert: Buffer;
  /** PEM: its private key. */
  readonly key: Buffer;
}

/** A gRPC channel's credentials: with TLS, the server must show a certificate from the CA for the host dialled. */
export function grpcChannelCredentials(tls: LinkTls | null): grpc.ChannelCredentials {
  if (tls === null) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}

/** The etcd3 client's `credentials` option (it builds grpc-js SSL credentials from them). */
export function etcd3Credentials(tls: LinkTls): { rootCertificate: Buffer; privateKey: Buffer; certChain: Buffer } {
  return { rootCertificate: tls.ca, privateKey: tls.key, certChain: tls.cert };
}

/** A TLS client's options (node:http2's `connect`, node:https's `get`): host name checked by Node's default. */
export function clientTlsOptions(tls: LinkTls): { ca: Buffer; cert: Buffer; key: Buffer } {
  return { ca: tls.ca, cert: tls.cert, key: tls.key };
}

/** A GET of an etcd member's HTTP endpoint (/health, /metrics): over https with `tls` for an https:// URL. */
export function etcdHttpGet(url: string, tls: LinkTls | null, options: { timeout?: number }, answer: (response: IncomingMessage) => void): ClientRequest {
  if (!url.startsWith('https:')) return getHttp(url, options, answer);
  return getHttps(url, { ...options, ...(tls === null ? {} : clientTlsOptions(tls)) }, answer);
}

/** An etcd endpoint as a URL: one given without a scheme gets the one the links use. */
export function etcdUrl(endpoint: string, tls: LinkTls | null): string {
  return endpoint.includes('://') ? endpoint : `${tls === null ? 'http' : 'https'}://${endpoint}`;
}
