import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { Clock } from '../../contracts/time.js';

/**
 * DSQL authentication tokens (reference/dsql.md §5.1): a SigV4-presigned
 * `GET https://<endpoint>/?Action=DbConnect[Admin]` for service `dsql`, signed header `host`,
 * with the scheme stripped — byte for byte what `@aws-sdk/dsql-signer` produces. Signing is
 * AWS's own SigV4 (`@smithy/signature-v4`), never a hand-rolled one, so generation and
 * verification cannot drift from what real clients send.
 */
export const MAX_TOKEN_EXPIRY_SECONDS = 604_800;
export const DEFAULT_TOKEN_EXPIRY_SECONDS = 900;
/** A token is a URL of a few hundred bytes; anything far longer is not one (bounds parsing). */
export const MAX_TOKEN_LENGTH = 8192;

export type TokenAction = 'DbConnect' | 'DbConnectAdmin';

/** What a cluster signs and verifies tokens with (ClusterIdentity satisfies it). */
export interface TokenCredentials {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** DSQL's one rule: the `admin` role connects with DbConnectAdmin, every other role with DbConnect. */
export function actionFor(user: string): TokenAction {
  return user === 'admin' ? 'DbConnectAdmin' : 'DbConnect';
}

/** Null when `seconds` is a valid X-Amz-Expires for a token, else why not. */
export function expiryProblem(seconds: number): string | null {
  if (Number.isInteger(seconds) && seconds >= 1 && seconds <= MAX_TOKEN_EXPIRY_SECONDS) return null;
  return `the expiry must be a whole number of seconds from 1 to ${MAX_TOKEN_EXPIRY_SECONDS} (one week), not ${seconds}`;
}

/** The signer for one credential set; it caches derived signing keys per day, so keep one. */
export function createSigner(credentials: TokenCredentials): SignatureV4 {
  return new SignatureV4({
    service: 'dsql', region: credentials.region, sha256: Sha256,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  });
}

/** AWS's strict URI escaping (RFC 3986: also `!'()*`), as `formatUrl` applies it. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Presigns the connect request for `host` at `signingDate` (whole seconds are what SigV4 keeps)
 * and returns the URL without its scheme, its query sorted and escaped as the AWS SDK's
 * `formatUrl` does.
 */
export async function presignToken(signer: SignatureV4, host: string, action: TokenAction, signingDate: Date, expiresIn: number): Promise<string> {
  const request = new HttpRequest({
    method: 'GET', protocol: 'https:', hostname: host, path: '/',
    query: { Action: action }, headers: { host },
  });
  const signed = await signer.presign(request, { signingDate, expiresIn });
  const query = signed.query ?? {};
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) parts.push(`${escapeUri(key)}=${escapeUri(String(query[key]))}`);
  return `${host}/?${parts.join('&')}`;
}

export interface CreateTokenOptions {
  readonly credentials: TokenCredentials;
  /** The role to connect as: `admin` gets a DbConnectAdmin token, any other a DbConnect one. */
  readonly user: string;
  /** X-Amz-Expires, 1..604800; default 900 as in the AWS signer. */
  readonly expiresInSeconds?: number;
  /** The signing time: the clock's `earliest` reading, or `nowUs` (µs since the epoch). */
  readonly clock?: Clock;
  readonly nowUs?: number;
}

/** Generates a token for the cluster of `credentials`. Throws RangeError for a bad expiry. */
export async function createToken(options: CreateTokenOptions): Promise<string> {
  const expiresIn = options.expiresInSeconds ?? DEFAULT_TOKEN_EXPIRY_SECONDS;
  const problem = expiryProblem(expiresIn);
  if (problem !== null) throw new RangeError(problem);
  const nowUs = options.clock !== undefined ? options.clock.now().earliest : options.nowUs;
  if (nowUs === undefined || !Number.isFinite(nowUs)) throw new TypeError('createToken needs a clock or nowUs');
  const { credentials } = options;
  return presignToken(createSigner(credentials), credentials.endpoint, actionFor(options.user), new Date(Math.floor(nowUs / 1000)), expiresIn);
}

/** The parts of a token, as found in it; nothing here is verified yet. */
export interface ParsedToken {
  readonly host: string;
  /** Every query parameter, decoded (a parameter given twice makes the token malformed). */
  readonly params: ReadonlyMap<string, string>;
}

/** Splits `host/?query` (an `https://` prefix is tolerated). Returns a reason string when malformed. */
export function parseToken(text: string): ParsedToken | string {
  if (text.length > MAX_TOKEN_LENGTH) return 'the token is too long';
  const token = text.startsWith('https://') ? text.slice('https://'.length) : text;
  const split = token.indexOf('/?');
  if (split <= 0) return 'the password is not a DSQL authentication token (expected <endpoint>/?Action=…)';
  const host = token.slice(0, split);
  const params = new Map<string, string>();
  for (const part of token.slice(split + 2).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return 'the token has a malformed query parameter';
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(part.slice(0, eq));
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return 'the token has a malformed query parameter';
    }
    if (params.has(key)) return `the token has the query parameter ${key} twice`;
    params.set(key, value);
  }
  return { host, params };
}

/** `20241107T173933Z` → milliseconds since the epoch, or null when it is not a valid date. */
export function parseAmzDate(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return formatAmzDate(ms) === text ? ms : null; // rejects 20241332T… that Date.UTC would roll over
}

/** Milliseconds since the epoch → `20241107T173933Z`. */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}
