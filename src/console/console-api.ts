import type { HttpRequest, HttpResponse } from '../env/http-server.js';
import { ConsoleError, type ConsoleSessions } from './console-sessions.js';
import { SignInError } from './database-connection.js';
import { ExplorerError } from './cluster-explorer.js';

/**
 * The console's HTTP surface: static files (the page) and a JSON API. Every API call must carry
 * the `X-Strata-Console` header (a cross-site form or image cannot send one, and a cross-site
 * script that could is stopped by CORS: we send no CORS headers), must name this server in
 * Host on loopback (against DNS rebinding), and finds its browser session by an HttpOnly, SameSite=Strict
 * cookie. Every response carries a strict Content-Security-Policy: scripts only from our own
 * files, no inline script, no eval.
 */
export const CSRF_HEADER = 'x-strata-console';
export const COOKIE_NAME = 'strata_console';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface StaticFile {
  readonly contentType: string;
  readonly body: Uint8Array;
}

export interface ConsoleApiOptions {
  readonly sessions: ConsoleSessions;
  /** URL path → file; only these are served. */
  readonly files: ReadonlyMap<string, StaticFile>;
  /**
   * Host header values this server answers to (host:port forms); null: any. Plain HTTP on
   * loopback checks it against DNS rebinding (a page of another site, its name re-pointed at
   * 127.0.0.1, would be same-origin with the console). Over HTTPS a rebound name fails the
   * certificate check, and the console is reached by whatever name the certificate has.
   */
  readonly allowedHosts: ReadonlySet<string> | null;
  /** The cookie gets `Secure` when the console is served over HTTPS. */
  readonly secure: boolean;
  /** Sign-ins being made at once, at most (each opens a database connection). */
  readonly maxPendingSignIns: number;
}

const MAX_USER_CHARS = 63; // NAMEDATALEN - 1
const MAX_TOKEN_CHARS = 8192; // the server refuses longer tokens (docs/auth.md)
const MAX_SQL_CHARS = 1024 * 1024;

export class ConsoleApi {
  private pendingSignIns = 0;

  constructor(private readonly options: ConsoleApiOptions) {}

  /** Never throws: any failure is an HTTP answer. */
  async handle(request: HttpRequest): Promise<HttpResponse> {
    try {
      const host = request.headers.get('host') ?? '';
      if (this.options.allowedHosts !== null && !this.options.allowedHosts.has(host.toLowerCase())) throw new ConsoleError(421, `this console does not answer for host "${host}"`);
      const path = request.target.split('?', 1)[0]!;
      if (path.startsWith('/api/')) return await this.api(request, path);
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new ConsoleError(405, 'method not allowed');
      const file = this.options.files.get(path === '/' ? '/index.html' : path);
      if (file === undefined) throw new ConsoleError(404, 'not found');
      return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': file.contentType, 'cache-control': 'no-cache' }, body: request.method === 'HEAD' ? '' : file.body };
    } catch (error) {
      return failure(error);
    }
  }

  private async api(request: HttpRequest, path: string): Promise<HttpResponse> {
    if (request.headers.get(CSRF_HEADER) !== '1') throw new ConsoleError(403, `API calls need the header ${CSRF_HEADER}: 1`);
    const sessionId = cookie(request.headers.get('cookie'), COOKIE_NAME);
    const sessions = this.options.sessions;
    if (path === '/api/connections' && request.method === 'GET') return json(200, { connections: sessions.connections(sessionId) });
    if (request.method !== 'POST') throw new ConsoleError(405, 'API calls other than GET /api/connections are POSTs');
    if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) throw new ConsoleError(415, 'the body must be application/json');
    const body = parseBody(request.body);
    switch (path) {
      case '/api/sign-in': return this.signIn(sessionId, body);
      case '/api/run': return json(200, await sessions.run(sessionId, text(body, 'connectionId', 64), text(body, 'sql', MAX_SQL_CHARS)));
      case '/api/cancel': return json(200, { cancelled: await sessions.cancel(sessionId, text(body, 'connectionId', 64)) });
      case '/api/explorer': return json(200, await sessions.explore(sessionId, text(body, 'connectionId', 64)));
      case '/api/disconnect':
        sessions.disconnect(sessionId, text(body, 'connectionId', 64));
        return json(200, { connections: sessions.connections(sessionId) });
      case '/api/sign-out':
        sessions.signOut(sessionId);
        return json(200, { connections: [] }, this.cookie('', 0));
      default: throw new ConsoleError(404, 'no such API call');
    }
  }

  private async signIn(sessionId: string | null, body: Record<string, unknown>): Promise<HttpResponse> {
    const user = text(body, 'user', MAX_USER_CHARS).trim();
    const token = text(body, 'token', MAX_TOKEN_CHARS).trim();
    if (user === '' || token === '') throw new ConsoleError(400, 'a user name and a token are both needed');
    if (this.pendingSignIns >= this.options.maxPendingSignIns) throw new ConsoleError(503, 'too many sign-ins at once; try again');
    this.pendingSignIns++;
    try {
      const known = this.options.sessions.knows(sessionId) ? sessionId : null;
      const signed = await this.options.sessions.signIn(known, user, token);
      return json(200, { connection: signed.connection }, signed.sessionId === known ? null : this.cookie(signed.sessionId, null));
    } catch (error) {
      if (error instanceof SignInError) throw new ConsoleError(401, error.message, error.fields);
      throw error;
    } finally {
      this.pendingSignIns--;
    }
  }

  private cookie(value: string, maxAgeSeconds: number | null): string {
    const parts = [`${COOKIE_NAME}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
    if (maxAgeSeconds !== null) parts.push(`Max-Age=${maxAgeSeconds}`);
    if (this.options.secure) parts.push('Secure');
    return parts.join('; ');
  }
}

function json(status: number, value: unknown, setCookie: string | null = null): HttpResponse {
  return {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(setCookie === null ? {} : { 'set-cookie': setCookie }) },
    body: JSON.stringify(value),
  };
}

function failure(error: unknown): HttpResponse {
  if (error instanceof ConsoleError) return json(error.status, { error: { message: error.message, ...(error.fields ?? {}) } });
  if (error instanceof ExplorerError) return json(500, { error: { message: error.message } });
  return json(500, { error: { message: `internal error: ${(error as Error).message}` } });
}

function parseBody(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ConsoleError(400, 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConsoleError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

function text(body: Record<string, unknown>, name: string, maxChars: number): string {
  const value = body[name];
  if (typeof value !== 'string') throw new ConsoleError(400, `"${name}" must be a string`);
  if (value.length > maxChars) throw new ConsoleError(413, `"${name}" is longer than ${maxChars} characters`);
  return value;
}

function cookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim() || null;
  }
  return null;
}
