import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

/**
 * DSQL authentication tokens: a SigV4-presigned GET of `https://<endpoint>/?Action=DbConnect[Admin]`
 * for service `dsql`, with the scheme stripped (reference/dsql.md §5.1) — exactly what
 * `@aws-sdk/dsql-signer` produces, signed by AWS's own SigV4 implementation.
 */
export const MAX_TOKEN_EXPIRY_SECONDS = 604_800;
export const DEFAULT_TOKEN_EXPIRY_SECONDS = 900;

export interface TokenCredentials {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function actionFor(user: string): 'DbConnectAdmin' | 'DbConnect' {
  return user === 'admin' ? 'DbConnectAdmin' : 'DbConnect';
}

/** Presigns the connect request at `signingDate` and returns the URL without its scheme. */
export async function presign(credentials: TokenCredentials, action: string, signingDate: Date, expiresIn: number): Promise<string> {
  const signer = new SignatureV4({
    service: 'dsql', region: credentials.region, sha256: Sha256,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  });
  const request = new HttpRequest({
    method: 'GET', protocol: 'https:', hostname: credentials.endpoint, path: '/',
    query: { Action: action }, headers: { host: credentials.endpoint },
  });
  const signed = await signer.presign(request, { signingDate, expiresIn });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${credentials.endpoint}/?${query}`;
}

export async function createToken(options: { credentials: TokenCredentials; user: string; expiresInSeconds: number; nowUs: number }): Promise<string> {
  const { expiresInSeconds } = options;
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_TOKEN_EXPIRY_SECONDS) {
    throw new RangeError(`expires-in must be between 1 and ${MAX_TOKEN_EXPIRY_SECONDS} seconds`);
  }
  return presign(options.credentials, actionFor(options.user), new Date(Math.floor(options.nowUs / 1000)), expiresInSeconds);
}
