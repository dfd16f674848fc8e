import type { Clock, RandomSource, TimerHandle, Timers } from '../contracts/time.js';
import type { ServerAddress } from '../env/postgres-socket.js';
import { readClusterTree, type ExplorerTree } from './cluster-explorer.js';
import { DatabaseConnection, type Connector, type StatementResult } from './database-connection.js';
import { editorIndex, splitStatements } from './statements.js';

/**
 * The console's state: browser sessions (one per signed-in browser, found by the cookie's
 * unguessable id), each holding up to a few database connections (tabs: one per user or role
 * signed in). A connection keeps its database session between runs, so a transaction can span
 * them; it is closed after `idleTimeoutMs` without use, on sign-out, and when the console stops.
 */
export interface ConsoleLimits {
  readonly maxBrowserSessions: number;
  readonly maxConnectionsPerSession: number;
  readonly idleTimeoutMs: number;
  /** Rows kept per statement (DSQL's console: 10,000). */
  readonly rowCap: number;
  /** Text of the cells kept per run, in bytes. */
  readonly maxResultBytes: number;
  readonly maxStatementsPerRun: number;
}

export const DEFAULT_LIMITS: ConsoleLimits = {
  maxBrowserSessions: 64,
  maxConnectionsPerSession: 8,
  idleTimeoutMs: 15 * 60_000,
  rowCap: 10_000,
  maxResultBytes: 64 * 1024 * 1024,
  maxStatementsPerRun: 200,
};

export interface ConsoleTarget {
  readonly host: string;
  readonly port: number;
  /** PEM certificates that sign the server's; null: encrypted but not verified. */
  readonly ca: string | null;
  /** The TLS server name when the token names none. */
  readonly defaultServerName: string;
}

/** A user-visible refusal: the API answers it with this HTTP status and message. */
export class ConsoleError extends Error {
  constructor(readonly status: number, message: string, readonly fields: object | null = null) {
    super(message);
  }
}

export interface StatementOutcome extends StatementResult {
  readonly sql: string;
  /** Where the statement starts in the editor text. */
  readonly start: number;
  /** The error's position as an index into the editor text; null when the server gave none. */
  readonly errorIndex: number | null;
}

export interface RunOutcome {
  readonly statements: StatementOutcome[];
  /** Statements not run because an earlier one failed. */
  readonly skipped: number;
  readonly transactionStatus: string;
}

interface Tab {
  readonly id: string;
  readonly user: string;
  readonly database: DatabaseConnection;
  idle: TimerHandle | null;
  /** Settles when the last work queued on this tab is done. */
  last: Promise<void>;
  /** Work waiting or running on this tab. */
  queued: number;
}

interface BrowserSession {
  readonly id: string;
  readonly tabs: Map<string, Tab>;
}

export interface ConsoleDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: RandomSource;
  readonly connect: Connector;
  readonly target: ConsoleTarget;
  readonly limits: ConsoleLimits;
}

/** Requests one connection may have waiting or running (a run, an explorer refresh, a few more). */
const MAX_QUEUED_PER_CONNECTION = 4;

export class ConsoleSessions {
  private readonly sessions = new Map<string, BrowserSession>();

  constructor(private readonly deps: ConsoleDeps) {}

  /** Signs in a new connection; creates the browser session when `sessionId` names none. */
  async signIn(sessionId: string | null, user: string, token: string): Promise<{ sessionId: string; connection: object }> {
    let session = sessionId === null ? undefined : this.sessions.get(sessionId);
    if (session === undefined && this.sessions.size >= this.deps.limits.maxBrowserSessions) {
      throw new ConsoleError(503, `the console has ${this.sessions.size} signed-in browsers, its limit; sign out elsewhere or wait for idle ones to close`);
    }
    if (session !== undefined && session.tabs.size >= this.deps.limits.maxConnectionsPerSession) {
      throw new ConsoleError(409, `at most ${this.deps.limits.maxConnectionsPerSession} connections at once; close one first`);
    }
    const database = await DatabaseConnection.open(this.deps.connect, this.address(token), user, token, this.deps.clock, this.deps.timers);
    if (session === undefined) {
      session = { id: this.newId(), tabs: new Map() };
      this.sessions.set(session.id, session);
    }
    const tab: Tab = { id: this.newId(), user, database, idle: null, last: Promise.resolve(), queued: 0 };
    session.tabs.set(tab.id, tab);
    this.touch(session, tab);
    return { sessionId: session.id, connection: describe(tab) };
  }

  /** The session's open connections; an unknown session has none. */
  connections(sessionId: string | null): object[] {
    const session = sessionId === null ? undefined : this.sessions.get(sessionId);
    return session === undefined ? [] : [...session.tabs.values()].map(describe);
  }

  async run(sessionId: string | null, connectionId: string, text: string): Promise<RunOutcome> {
    const { session, tab } = this.find(sessionId, connectionId);
    const statements = splitStatements(text);
    if (statements.length > this.deps.limits.maxStatementsPerRun) {
      throw new ConsoleError(400, `${statements.length} statements in one run; at most ${this.deps.limits.maxStatementsPerRun}`);
    }
    return this.exclusive(session, tab, async () => {
      const byteBudget = { remaining: this.deps.limits.maxResultBytes };
      const out: StatementOutcome[] = [];
      for (const statement of statements) {
        const result = await tab.database.run(statement.sql, { rowCap: this.deps.limits.rowCap, byteBudget });
        const position = result.error?.position;
        out.push({ ...result, sql: statement.sql, start: statement.start, errorIndex: position === undefined ? null : editorIndex(statement, position) });
        // As psql with ON_ERROR_STOP: what follows a failed statement would run in an aborted
        // transaction or on a state the author did not expect.
        if (result.error !== null) break;
      }
      return { statements: out, skipped: statements.length - out.length, transactionStatus: tab.database.transactionStatus };
    });
  }

  async cancel(sessionId: string | null, connectionId: string): Promise<boolean> {
    const { tab } = this.find(sessionId, connectionId);
    return tab.database.cancel();
  }

  async explore(sessionId: string | null, connectionId: string): Promise<ExplorerTree> {
    const { session, tab } = this.find(sessionId, connectionId);
    return this.exclusive(session, tab, () => {
      // Inside the user's transaction the catalog queries would read its snapshot, and in an
      // aborted one they would fail; outside it they are each their own transaction.
      if (tab.database.transactionStatus !== 'I') {
        throw new ConsoleError(409, 'a transaction is open on this connection: COMMIT or ROLLBACK it, then refresh the explorer');
      }
      const limits = { rowCap: this.deps.limits.rowCap, byteBudget: { remaining: this.deps.limits.maxResultBytes } };
      return readClusterTree((sql) => tab.database.run(sql, limits));
    });
  }

  disconnect(sessionId: string | null, connectionId: string): void {
    const { session, tab } = this.find(sessionId, connectionId);
    this.closeTab(session, tab);
  }

  /** Closes every connection of the browser session and forgets it. */
  signOut(sessionId: string | null): void {
    const session = sessionId === null ? undefined : this.sessions.get(sessionId);
    if (session === undefined) return;
    for (const tab of [...session.tabs.values()]) this.closeTab(session, tab);
    this.sessions.delete(session.id);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.signOut(id);
  }

  knows(sessionId: string | null): boolean {
    return sessionId !== null && this.sessions.has(sessionId);
  }

  private find(sessionId: string | null, connectionId: string): { session: BrowserSession; tab: Tab } {
    const session = sessionId === null ? undefined : this.sessions.get(sessionId);
    if (session === undefined) throw new ConsoleError(401, 'not signed in (or the session ended): sign in again');
    const tab = session.tabs.get(connectionId);
    if (tab === undefined) throw new ConsoleError(404, 'no such connection (it was closed, or timed out when idle): sign in again');
    if (tab.database.closedReason !== null) {
      this.closeTab(session, tab);
      throw new ConsoleError(410, `the connection was closed: ${tab.database.closedReason}`);
    }
    return { session, tab };
  }

  /**
   * Runs `work` when the tab's earlier work is done: a page may send a run while the explorer is
   * still reading the catalog, and a database session takes one statement at a time. The idle
   * timer stops while work waits or runs. At most `MAX_QUEUED_PER_CONNECTION` wait.
   */
  private async exclusive<T>(session: BrowserSession, tab: Tab, work: () => Promise<T>): Promise<T> {
    if (tab.queued >= MAX_QUEUED_PER_CONNECTION) throw new ConsoleError(409, 'a query is still running on this connection: wait, or cancel it');
    tab.queued++;
    if (tab.idle !== null) this.deps.timers.clearTimeout(tab.idle);
    tab.idle = null;
    const previous = tab.last;
    let done!: () => void;
    tab.last = new Promise<void>((resolve) => { done = resolve; });
    try {
      await previous;
      if (tab.database.closedReason !== null) throw new ConsoleError(410, `the connection was closed: ${tab.database.closedReason}`);
      return await work();
    } catch (error) {
      if (error instanceof ConsoleError) throw error;
      throw new ConsoleError(tab.database.closedReason === null ? 500 : 410, (error as Error).message);
    } finally {
      tab.queued--;
      done();
      if (tab.database.closedReason !== null) this.closeTab(session, tab);
      else if (tab.queued === 0) this.touch(session, tab);
    }
  }

  private touch(session: BrowserSession, tab: Tab): void {
    if (tab.idle !== null) this.deps.timers.clearTimeout(tab.idle);
    tab.idle = this.deps.timers.setTimeout(() => {
      tab.idle = null;
      if (tab.queued === 0) this.closeTab(session, tab);
    }, this.deps.limits.idleTimeoutMs);
  }

  private closeTab(session: BrowserSession, tab: Tab): void {
    if (tab.idle !== null) this.deps.timers.clearTimeout(tab.idle);
    tab.idle = null;
    tab.database.close();
    session.tabs.delete(tab.id);
    if (session.tabs.size === 0) this.sessions.delete(session.id);
  }

  /** 256 random bits from the injected source (crypto in production), URL-safe. */
  private newId(): string {
    return Buffer.from(this.deps.random.bytes(32)).toString('base64url');
  }

  /**
   * The cluster's endpoint from the token (its host part, which the token is signed for): sent
   * as the TLS server name, it is how a relay routes a connection to its cluster, as DSQL's does.
   */
  private address(token: string): ServerAddress {
    const host = /^(?:https?:\/\/)?([A-Za-z0-9.-]{1,253})\/\?/.exec(token)?.[1];
    return { host: this.deps.target.host, port: this.deps.target.port, ca: this.deps.target.ca, serverName: host ?? this.deps.target.defaultServerName };
  }
}

function describe(tab: Tab): object {
  return { id: tab.id, user: tab.user, transactionStatus: tab.database.transactionStatus, serverVersion: tab.database.parameters.get('server_version') ?? null };
}
