import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Clock } from '../contracts/time.js';
import type { HttpExchange } from '../env/env.js';
import { ApiError, validation } from './api-error.js';

/**
 * SigV4 verification of control-plane requests, as AWS's front door does it: the
 * `Authorization` header's credential scope names this data directory's access key, its region
 * and the service `dsql`; `X-Amz-Date` is within AWS's 15 minutes of the clock; and the request
 * signed again with AWS's own signer (`@smithy/signature-v4`, over exactly the headers the
 * client signed) gives the same signature. The refusals are AWS's: the types the SDK reads from
 * `x-amzn-ErrorType` and the messages AWS sends.
 */

export interface SigningCredentials {
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The signing names this endpoint answers for: DSQL's API, and AWS Backup's (docs/backup.md). */
export type SigningService = 'dsql' | 'backup';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const SKEW_MS = 15 * 60 * 1000;
const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function forbidden(type: string, message: string): ApiError {
  return new ApiError(403, type, message);
}

function incomplete(message: string): ApiError {
  return new ApiError(400, 'IncompleteSignatureException', message);
}

interface Authorization {
  readonly accessKeyId: string;
  readonly day: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; null when it is not that shape. */
function parseAuthorization(header: string): Authorization | null {
  if (!header.startsWith(`${ALGORITHM} `)) return null;
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const mark = part.indexOf('=');
    if (mark < 0) return null;
    fields.set(part.slice(0, mark).trim(), part.slice(mark + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) return null;
  const [accessKeyId, day, region, service, terminator, ...rest] = credential.split('/');
  if (rest.length > 0 || terminator === undefined) return null;
  return { accessKeyId: accessKeyId!, day: day!, region: region!, service: service!, terminator, signedHeaders: signedHeaders.split(';'), signature };
}

function parseAmzDate(text: string): number | null {
  const match = AMZ_DATE.exec(text);
  if (match === null) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  return Number.isNaN(ms) ? null : ms;
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * The query string decoded into what HttpRequest.query holds (repeated names become lists). A
 * broken escape is the client's error (a ValidationException, as for a path), and the object
 * has no prototype, so names like `__proto__` are only names.
 */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  if (query === '') return out;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const mark = pair.indexOf('=');
    const name = decodeQueryPart(mark < 0 ? pair : pair.slice(0, mark));
    const value = mark < 0 ? '' : decodeQueryPart(pair.slice(mark + 1));
    const previous = out[name];
    out[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw validation('cannotParse', 'The query string is not validly escaped');
  }
}

async function sha256Hex(body: Uint8Array): Promise<string> {
  const hash = new Sha256();
  hash.update(body);
  return Buffer.from(await hash.digest()).toString('hex');
}

export class RequestSignature {
  private readonly signers = new Map<string, SignatureV4>();

  constructor(private readonly credentials: SigningCredentials, private readonly clock: Clock, private readonly services: readonly SigningService[] = ['dsql']) {
    // applyChecksum false: sign exactly the headers the client signed, adding none.
    for (const service of services) {
      this.signers.set(service, new SignatureV4({
        service, region: credentials.region, sha256: Sha256, applyChecksum: false,
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      }));
    }
  }

  /**
   * Resolves with the service the request was signed for (its credential scope's) when it is
   * signed by this data directory's key; throws the ApiError AWS would answer.
   */
  async verify(request: HttpExchange): Promise<SigningService> {
    const header = request.headers['authorization'];
    if (header === undefined) throw forbidden('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const auth = parseAuthorization(header);
    if (auth === null) throw incomplete(`Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters, and the algorithm ${ALGORITHM}.`);
    if (request.headers['x-amz-security-token'] !== undefined) throw forbidden('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (auth.accessKeyId !== this.credentials.accessKeyId) throw forbidden('UnrecognizedClientException', 'The security token included in the request is invalid.');
    const dateText = request.headers['x-amz-date'];
    if (dateText === undefined || !auth.signedHeaders.includes('x-amz-date')) throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    const signedAt = parseAmzDate(dateText);
    if (signedAt === null) throw incomplete(`X-Amz-Date ${dateText} is not a date in the form YYYYMMDD'T'HHMMSS'Z'.`);
    if (auth.terminator !== 'aws4_request' || auth.day !== dateText.slice(0, 8)) throw forbidden('InvalidSignatureException', 'Credential should be scoped to a valid date and end with aws4_request.');
    if (auth.region !== this.credentials.region) throw forbidden('InvalidSignatureException', `Credential should be scoped to a valid region, not '${auth.region}'.`);
    const signer = this.signers.get(auth.service);
    if (signer === undefined) throw forbidden('InvalidSignatureException', `Credential should be scoped to correct service: '${this.services[0]}'.`);
    this.checkTime(signedAt, dateText);
    await this.checkPayload(request, auth);
    await this.checkSignature(request, auth, signedAt, signer);
    return auth.service as SigningService;
  }

  private checkTime(signedAt: number, dateText: string): void {
    const now = this.clock.now();
    const earliestMs = Math.floor(now.earliest / 1000);
    const latestMs = Math.floor(now.latest / 1000);
    if (signedAt < earliestMs - SKEW_MS) {
      throw forbidden('InvalidSignatureException', `Signature expired: ${dateText} is now earlier than ${formatAmzDate(earliestMs - SKEW_MS)} (${formatAmzDate(earliestMs)} - 15 min.)`);
    }
    if (signedAt > latestMs + SKEW_MS) {
      throw forbidden('InvalidSignatureException', `Signature not yet current: ${dateText} is still later than ${formatAmzDate(latestMs + SKEW_MS)} (${formatAmzDate(latestMs)} + 15 min.)`);
    }
  }

  /** A signed x-amz-content-sha256 stands for the body in the signature, so it must be the body's hash. */
  private async checkPayload(request: HttpExchange, auth: Authorization): Promise<void> {
    const claimed = request.headers['x-amz-content-sha256'];
    if (claimed === undefined || !auth.signedHeaders.includes('x-amz-content-sha256')) return;
    if (claimed !== await sha256Hex(request.body)) throw new ApiError(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }

  private async checkSignature(request: HttpExchange, auth: Authorization, signedAt: number, signer: SignatureV4): Promise<void> {
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) throw forbidden('InvalidSignatureException', BAD_SIGNATURE);
      headers[name] = value;
    }
    const host = request.headers['host'] ?? '';
    const unsigned = new HttpRequest({
      method: request.method, protocol: 'http:', hostname: host.replace(/:\d+$/, ''), path: request.path,
      query: parseQuery(request.query), headers, body: request.body,
    });
    const signed = await signer.sign(unsigned, { signingDate: new Date(signedAt) });
    const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization'] ?? ''))?.[1] ?? '';
    const given = Buffer.from(auth.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) throw forbidden('InvalidSignatureException', BAD_SIGNATURE);
  }
}
