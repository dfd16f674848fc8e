import { timingSafeEqual } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import { SqlError, assert } from '../../contracts/errors.js';
import type { Authenticator, StartupInfo } from '../../contracts/sql-session.js';
import type { Clock } from '../../contracts/time.js';
import {
  MAX_TOKEN_EXPIRY_SECONDS, actionFor, createSigner, formatAmzDate, parseAmzDate, parseToken, presignToken,
  type ParsedToken, type TokenAction, type TokenCredentials,
} from './token.js';

/**
 * Verifies the DSQL token a client sends as its password (docs/auth.md): its shape, its host
 * (this cluster's endpoint, and the TLS SNI name when there is one), the user-to-action
 * mapping, the access key, the expiry against the injected clock, and the signature —
 * recomputed with AWS's SigV4 for the same host, signing date and expiry, and compared in
 * constant time. Only then are the database and the role looked at, so a client without a
 * valid token learns nothing about which roles exist (PostgreSQL, too, authenticates first).
 *
 * How a refusal looks: DSQL answers every token problem with one FATAL error, SQLSTATE 08006,
 * `unable to accept connection, access denied`, and puts the reason in the HINT field
 * (`Wrong user to action mapping. user: admin, action: DbConnect`, `Signature expired: …`);
 * third parties recorded that against real clusters in 2026 (node-postgres dumps show
 * `severity: 'FATAL', code: '08006'`, psycopg shows the HINT line). AWS's troubleshooting page
 * names the texts without the wire shape, so we keep its texts in the hint. A client that
 * matches either the message or the hint sees what it would see from DSQL.
 */

/** How far in the future a token's X-Amz-Date may be: AWS allows 15 minutes of clock skew. */
export const CLOCK_SKEW_SECONDS = 15 * 60;

export interface TokenAuthenticatorOptions {
  /** This cluster's endpoint, region and signing key (a ClusterIdentity satisfies it). */
  readonly credentials: TokenCredentials;
  readonly clock: Clock;
  /** Whether a role other than `admin` exists (the catalog owns roles); default: none does. */
  readonly roleExists?: (name: string) => boolean;
  /** The role's state in the newest catalog (takes precedence over roleExists). */
  readonly roleLogin?: (name: string) => Promise<RoleLogin>;
}

/** What the catalog says of a role a client connects as: it may log in, lacks LOGIN, or does not exist. */
export type RoleLogin = 'login' | 'nologin' | 'missing';

const ACCESS_DENIED = 'unable to accept connection, access denied';
const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';
/** Exactly these parameters make a presigned DSQL connect URL with long-term credentials. */
const TOKEN_PARAMS = ['Action', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

function accessDenied(hint: string, detail?: string): SqlError {
  return new SqlError('08006', ACCESS_DENIED, { severity: 'FATAL', hint, ...(detail === undefined ? {} : { detail }) });
}

function iamFailed(user: string, detail: string): SqlError {
  return accessDenied(`IAM authentication failed for user "${user}"`, detail);
}

/** What verification needs from a well-formed token. */
interface TokenClaims {
  readonly host: string;
  readonly action: TokenAction;
  readonly signedAtMs: number;
  readonly expiresIn: number;
  readonly signature: string;
}

export class TokenAuthenticator implements Authenticator {
  private readonly credentials: TokenCredentials;
  private readonly clock: Clock;
  private readonly roleLogin: (name: string) => Promise<RoleLogin>;
  private readonly signer: SignatureV4;

  constructor(options: TokenAuthenticatorOptions) {
    this.credentials = options.credentials;
    this.clock = options.clock;
    const exists = options.roleExists ?? (() => false);
    this.roleLogin = options.roleLogin ?? (async (name) => (exists(name) ? 'login' : 'missing'));
    this.signer = createSigner(options.credentials);
  }

  async authenticate(startup: StartupInfo, password: string): Promise<void> {
    const user = startup.user;
    const parsed = parseToken(password);
    if (typeof parsed === 'string') throw iamFailed(user, parsed);
    const claims = this.checkShape(user, parsed);
    this.checkHost(claims.host, startup.serverName);
    if (claims.action !== actionFor(user)) throw accessDenied(`Wrong user to action mapping. user: ${user}, action: ${claims.action}`);
    this.checkTime(claims);
    await this.checkSignature(user, claims);
    if (startup.database !== 'postgres') throw new SqlError('3D000', `database "${startup.database}" does not exist`, { severity: 'FATAL' });
    if (user === 'admin') return;
    const login = await this.roleLogin(user);
    if (login === 'missing') throw new SqlError('28000', `role "${user}" does not exist`, { severity: 'FATAL' });
    if (login === 'nologin') throw new SqlError('28000', `role "${user}" is not permitted to log in`, { severity: 'FATAL' });
  }

  /** Every parameter of a SigV4 presign and nothing else; the scope names this key, region and service. */
  private checkShape(user: string, token: ParsedToken): TokenClaims {
    const { params } = token;
    for (const name of TOKEN_PARAMS) if (!params.has(name)) throw iamFailed(user, `the token has no ${name} parameter`);
    if (params.has('X-Amz-Security-Token')) throw accessDenied('The security token included in the request is invalid.');
    for (const name of params.keys()) if (!TOKEN_PARAMS.includes(name)) throw iamFailed(user, `the token has an unexpected parameter ${name}`);
    const action = params.get('Action')!;
    if (action !== 'DbConnect' && action !== 'DbConnectAdmin') throw iamFailed(user, `the token's Action is ${action}, not DbConnect or DbConnectAdmin`);
    if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw iamFailed(user, 'the token is not signed with AWS4-HMAC-SHA256');
    if (params.get('X-Amz-SignedHeaders') !== 'host') throw iamFailed(user, 'the token must sign exactly the host header');
    const dateText = params.get('X-Amz-Date')!;
    const signedAtMs = parseAmzDate(dateText);
    if (signedAtMs === null) throw iamFailed(user, `the token's X-Amz-Date ${dateText} is not a date`);
    this.checkScope(params.get('X-Amz-Credential')!, dateText);
    return { host: token.host, action, signedAtMs, expiresIn: parseExpires(params.get('X-Amz-Expires')!), signature: params.get('X-Amz-Signature')! };
  }

  /** `<access key id>/<yyyymmdd>/<region>/dsql/aws4_request`, with AWS's texts for each mismatch. */
  private checkScope(credential: string, dateText: string): void {
    const [keyId, day, region, service, terminator, ...rest] = credential.split('/');
    if (keyId !== this.credentials.accessKeyId) throw accessDenied('The security token included in the request is invalid.');
    if (rest.length > 0 || terminator !== 'aws4_request' || day !== dateText.slice(0, 8)) throw accessDenied('Credential should be scoped to a valid date and end with aws4_request.');
    if (region !== this.credentials.region) throw accessDenied(`Credential should be scoped to a valid region, not '${region}'.`);
    if (service !== 'dsql') throw accessDenied("Credential should be scoped to correct service: 'dsql'.");
  }

  /** The token must name this cluster's endpoint, and so must the TLS SNI when the client sent one. */
  private checkHost(host: string, serverName: string | null): void {
    const endpoint = this.credentials.endpoint;
    if (host.toLowerCase() !== endpoint) throw accessDenied(`The token was signed for host "${host}", not for this cluster's endpoint "${endpoint}".`);
    if (serverName !== null && serverName.toLowerCase() !== endpoint) {
      throw accessDenied(`The token was signed for host "${host}", but the connection was made to "${serverName}".`);
    }
  }

  /** Valid from X-Amz-Date (less the allowed skew) through X-Amz-Date + X-Amz-Expires. */
  private checkTime(claims: TokenClaims): void {
    const now = this.clock.now();
    const signedAtUs = claims.signedAtMs * 1000;
    if (now.earliest > signedAtUs + claims.expiresIn * 1_000_000) {
      const nowMs = Math.floor(now.earliest / 1000);
      throw accessDenied(`Signature expired: ${formatAmzDate(claims.signedAtMs)} is now earlier than ${formatAmzDate(nowMs - claims.expiresIn * 1000)} (${formatAmzDate(nowMs)} - ${claims.expiresIn} sec.)`);
    }
    if (signedAtUs > now.latest + CLOCK_SKEW_SECONDS * 1_000_000) {
      const nowMs = Math.floor(now.latest / 1000);
      throw accessDenied(`Signature not yet current: ${formatAmzDate(claims.signedAtMs)} is still later than ${formatAmzDate(nowMs + CLOCK_SKEW_SECONDS * 1000)} (${formatAmzDate(nowMs)} + 15 min.)`);
    }
  }

  /** Presigns the same request (the token's own host spelling, date and expiry) and compares signatures. */
  private async checkSignature(user: string, claims: TokenClaims): Promise<void> {
    const expectedToken = await presignToken(this.signer, claims.host, claims.action, new Date(claims.signedAtMs), claims.expiresIn);
    const expected = /[?&]X-Amz-Signature=([0-9a-f]{64})(?:&|$)/.exec(expectedToken);
    assert(expected !== null, `SigV4 presign produced a signature for user ${user}`);
    const given = Buffer.from(claims.signature, 'latin1');
    const wanted = Buffer.from(expected[1]!, 'latin1');
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw accessDenied(BAD_SIGNATURE);
  }
}

/** X-Amz-Expires: decimal seconds, at most one week (AWS's texts). */
function parseExpires(text: string): number {
  if (!/^\d+$/.test(text)) throw accessDenied('X-Amz-Expires should be a number');
  const seconds = Number(text);
  if (seconds > MAX_TOKEN_EXPIRY_SECONDS) throw accessDenied(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_TOKEN_EXPIRY_SECONDS}`);
  if (seconds < 1) throw accessDenied('X-Amz-Expires must be greater than 0');
  return seconds;
}
