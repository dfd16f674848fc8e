import { timingSafeEqual } from 'node:crypto';
import { SqlError } from '../../contracts/errors.js';
import type { Authenticator, StartupInfo } from '../../contracts/sql-session.js';
import type { Clock } from '../../contracts/time.js';
import { MAX_TOKEN_EXPIRY_SECONDS, actionFor, presign, type TokenCredentials } from './token.js';

/**
 * Verifies the DSQL token a client sends as its password: its shape, its host (this cluster's
 * endpoint, and the TLS SNI name when there is one), the user-to-action mapping, the expiry
 * against the injected clock, and the signature, recomputed with AWS's SigV4 for the same
 * signing date and compared in constant time. Errors use DSQL's texts (reference/dsql.md §5).
 */
const CLOCK_SKEW_US = 5 * 60 * 1_000_000;

export interface TokenAuthenticatorOptions {
  readonly credentials: TokenCredentials;
  readonly clock: Clock;
  readonly roleExists: (name: string) => boolean;
}

function fatal(code: string, message: string): SqlError {
  return new SqlError(code, message, { severity: 'FATAL' });
}

/** Parses `20241107T173933Z`. */
function parseAmzDate(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export class TokenAuthenticator implements Authenticator {
  constructor(private readonly options: TokenAuthenticatorOptions) {}

  async authenticate(startup: StartupInfo, password: string): Promise<void> {
    const user = startup.user;
    if (startup.database !== 'postgres') throw fatal('3D000', `database "${startup.database}" does not exist`);
    if (!this.options.roleExists(user)) throw fatal('28000', `role "${user}" does not exist`);
    const failed = () => fatal('28P01', `IAM authentication failed for user "${user}"`);
    const token = password.replace(/^https?:\/\//, '');
    const slash = token.indexOf('/?');
    if (slash <= 0) throw failed();
    const host = token.slice(0, slash);
    const params = new URLSearchParams(token.slice(slash + 2));
    const { credentials } = this.options;
    if (host !== credentials.endpoint) throw failed();
    if (startup.serverName !== null && startup.serverName !== host) throw failed();
    const action = params.get('Action');
    if (action !== 'DbConnect' && action !== 'DbConnectAdmin') throw failed();
    if (action !== actionFor(user)) throw fatal('28000', `Wrong user to action mapping. user: ${user}, action: ${action}`);
    if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || params.get('X-Amz-SignedHeaders') !== 'host') throw failed();
    if (params.has('X-Amz-Security-Token')) throw failed();
    const credential = (params.get('X-Amz-Credential') ?? '').split('/');
    if (credential.length !== 5 || credential[0] !== credentials.accessKeyId || credential[2] !== credentials.region || credential[3] !== 'dsql') throw failed();
    const dateText = params.get('X-Amz-Date') ?? '';
    const signedAtMs = parseAmzDate(dateText);
    const expires = Number(params.get('X-Amz-Expires'));
    if (signedAtMs === null || !Number.isInteger(expires) || expires < 1 || expires > MAX_TOKEN_EXPIRY_SECONDS) throw failed();
    const now = this.options.clock.now().latest;
    if (signedAtMs * 1000 > now + CLOCK_SKEW_US || now > (signedAtMs + expires * 1000) * 1000) throw failed();
    const expected = await presign(credentials, action, new Date(signedAtMs), expires);
    const expectedSignature = new URLSearchParams(expected.slice(expected.indexOf('/?') + 2)).get('X-Amz-Signature') ?? '';
    const given = Buffer.from(params.get('X-Amz-Signature') ?? '');
    const wanted = Buffer.from(expectedSignature);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw failed();
  }
}
