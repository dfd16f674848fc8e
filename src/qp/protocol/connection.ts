import { SqlError, resourceLimitError } from '../../contracts/errors.js';
import type { Authenticator, ConnectionEndpoints, CopyInSink, ExecuteOutcome, FieldDescription, Portal, PreparedStatement, SessionFactory, SqlSession, StartupInfo } from '../../contracts/sql-session.js';
import type { RandomSource, TimerHandle, Timers } from '../../contracts/time.js';
import type { ClientSocket, Log, TlsCredentials } from '../../env/env.js';
import { BackendWriter, type ErrorFields } from '../../wire/backend.js';
import { FrontendDecoder, PROTOCOL_3_0, ProtocolError, type FrontendMessage } from '../../wire/frontend.js';

/**
 * One client connection: the PostgreSQL v3 protocol state machine between the socket and a
 * SqlSession. Messages are handled strictly in order; the responses produced for the input
 * available at one time leave in one socket write. Malformed input ends this connection only.
 */
export interface ConnectionOptions {
  readonly socket: ClientSocket;
  readonly tls: TlsCredentials | null;
  readonly authenticator: Authenticator;
  readonly sessions: SessionFactory;
  readonly random: RandomSource;
  readonly timers: Timers;
  readonly log: Log;
  /** A CancelRequest arrived; `encrypted`: inside TLS (a relay could not read it to route it). */
  readonly cancel: (processId: number, secretKey: number, encrypted: boolean) => void;
  readonly onClose: () => void;
  /**
   * Asked when the startup message arrives (after TLS, before the password): null admits the
   * connection, an error ends it with that FATAL (the cluster's connection limits, admission.ts).
   */
  readonly admit?: () => ErrorFields | null;
  /**
   * False when the socket's peer is not the client: a relay spliced the connection, so its two
   * ends are the relay's and this node's, not what the client connected from and to.
   * inet_client_addr() and friends are then NULL (StartupInfo.endpoints absent).
   */
  readonly clientSocket?: boolean;
}

/**
 * PostgreSQL's authentication_timeout: a client has this long from connecting to being
 * authenticated. One that sends half a startup packet, or a startup packet and no password,
 * is then closed (silently, as PostgreSQL does): otherwise it would hold one of the
 * connection quota's slots forever.
 */
export const AUTHENTICATION_TIMEOUT_MS = 60_000;

/**
 * DSQL's maximum connection duration (reference/dsql.md §3.2): a session lasts an hour, plus up
 * to LIFETIME_JITTER of it at random so a pool's connections, opened together, do not all end
 * together. It is ended only between transactions, never under a running statement ("we will not
 * close the connection while you are using it", seeds): at the hour's end it waits for the
 * session to be idle — for at most TRANSACTION_GRACE_MS, the transaction age limit, so a client
 * idle inside a transaction does not keep it forever.
 */
export const CONNECTION_LIFETIME_MS = 60 * 60_000;
const LIFETIME_JITTER = 1 / 30;
const TRANSACTION_GRACE_MS = 5 * 60_000;
/**
 * The farewell: FATAL with PostgreSQL's idle_session_timeout code (the class-57 code for a server
 * ending a session by a timer; drivers and pools take class 57 as "reconnect"). DSQL's own text
 * for it is not recorded (reference/dsql.md).
 */
export const CONNECTION_LIFETIME_ENDED: ErrorFields = {
  severity: 'FATAL', code: '57P05', message: 'terminating connection: it reached the maximum connection duration of 60 minutes',
};

/** idle_in_transaction_session_timeout's and idle_session_timeout's farewells, PostgreSQL's. */
const IDLE_IN_TRANSACTION_ENDED: ErrorFields = { severity: 'FATAL', code: '25P03', message: 'terminating connection due to idle-in-transaction timeout' };
const IDLE_SESSION_ENDED: ErrorFields = { severity: 'FATAL', code: '57P05', message: 'terminating connection due to idle-session timeout' };

/** Pause reading when this many messages wait (back-pressure on pipelining clients). */
const MAX_QUEUED_MESSAGES = 1024;
const DIRECT_TLS_FIRST_BYTE = 0x16;

type Phase = 'startup' | 'password' | 'ready' | 'closed';

export class Connection {
  private readonly decoder = new FrontendDecoder();
  private readonly out = new BackendWriter();
  private readonly descriptions = new RowDescriptions();
  private readonly queue: FrontendMessage[] = [];
  private phase: Phase = 'startup';
  private running = false;
  private paused = false;
  private startup: StartupInfo | null = null;
  private serverName: string | null = null;
  private session: SqlSession | null = null;
  private readonly statements = new Map<string, PreparedStatement>();
  /**
   * The query text of each statement and portal whose text has characters beyond the Basic
   * Multilingual Plane: only there does an error position need its text (`inCharacters`).
   */
  private readonly astralTexts = new WeakMap<object, string>();
  /** The text an error in the message being handled points into. */
  private errorText = '';
  private readonly portals = new Map<string, Portal>();
  /** After an error in the extended protocol, messages are skipped until Sync. */
  private skipUntilSync = false;
  private firstChunk = true;
  /**
   * A COPY FROM STDIN in progress: CopyData goes to its sink until CopyDone or CopyFail. `resume`
   * runs the rest of a simple query's statements, given the COPY's tag to send (the last
   * statement's goes after the commit); null in the extended protocol (Sync follows).
   */
  private copyIn: { readonly sink: CopyInSink; readonly resume: ((tag: string) => Promise<void>) | null } | null = null;

  /** Until the client is authenticated (see AUTHENTICATION_TIMEOUT_MS). */
  private authenticationTimer: TimerHandle | null;
  /** From authentication to the end of the session's lifetime, then its grace (CONNECTION_LIFETIME_MS). */
  private lifetimeTimer: TimerHandle | null = null;
  /** While the session waits for its client: idle_in_transaction_session_timeout or idle_session_timeout. */
  private idleTimer: TimerHandle | null = null;
  /** The last message sent was ReadyForQuery (the client's turn). */
  private readyForQuerySent = false;
  /** The session ends at its next idle moment, with this farewell (its lifetime is over, or its QP is draining). */
  private ending: ErrorFields | null = null;

  constructor(private readonly options: ConnectionOptions) {
    options.socket.onData((chunk) => this.receive(chunk));
    options.socket.onClose(() => this.closed());
    this.authenticationTimer = options.timers.setTimeout(() => {
      this.authenticationTimer = null;
      if (this.phase === 'startup' || this.phase === 'password') this.terminate();
    }, AUTHENTICATION_TIMEOUT_MS);
  }

  private stopAuthenticationTimer(): void {
    if (this.authenticationTimer !== null) this.options.timers.clearTimeout(this.authenticationTimer);
    this.authenticationTimer = null;
  }

  private stopTimers(): void {
    this.stopAuthenticationTimer();
    this.stopIdleTimer();
    if (this.lifetimeTimer !== null) this.options.timers.clearTimeout(this.lifetimeTimer);
    this.lifetimeTimer = null;
  }

  /**
   * The session waits for its client with nothing queued: past the idle timeout its settings
   * give (idle_in_transaction_session_timeout inside a transaction, idle_session_timeout
   * outside), it ends with PostgreSQL's FATAL, as a backend does.
   */
  private startIdleTimer(): void {
    // Only while the client holds a ReadyForQuery, as PostgreSQL times it: not in an unfinished extended batch.
    if (!this.readyForQuerySent || this.phase !== 'ready' || this.running || this.queue.length > 0 || this.copyIn !== null || this.idleTimer !== null) return;
    const session = this.session;
    const timeoutMs = session?.idleTimeoutMs?.() ?? 0;
    if (session === null || timeoutMs === 0) return;
    const inTransaction = session.transactionStatus() !== 'I';
    this.idleTimer = this.options.timers.setTimeout(() => {
      this.idleTimer = null;
      this.shutDown(inTransaction ? IDLE_IN_TRANSACTION_ENDED : IDLE_SESSION_ENDED);
    }, timeoutMs);
  }

  private stopIdleTimer(): void {
    if (this.idleTimer !== null) this.options.timers.clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private startLifetime(): void {
    const jitterMs = Math.floor(CONNECTION_LIFETIME_MS * LIFETIME_JITTER);
    this.lifetimeTimer = this.options.timers.setTimeout(() => {
      this.ending = CONNECTION_LIFETIME_ENDED;
      // Past the grace it ends even inside a transaction (one that old is over its age limit).
      this.lifetimeTimer = this.options.timers.setTimeout(() => this.shutDown(CONNECTION_LIFETIME_ENDED), TRANSACTION_GRACE_MS);
      this.endIfExpiredAndIdle();
    }, CONNECTION_LIFETIME_MS + this.options.random.int(jitterMs));
  }

  /** Ends an expired (or draining) session if it is between transactions with nothing to run. */
  private endIfExpiredAndIdle(): void {
    if (this.ending === null || this.phase !== 'ready' || this.running || this.queue.length > 0 || this.copyIn !== null) return;
    if (this.skipUntilSync || this.session?.transactionStatus() !== 'I') return;
    this.shutDown(this.ending);
  }

  /**
   * Ends the session with `farewell` at its next moment between transactions (now, if it is
   * idle): its query processor is going away, and a transaction under way may still commit.
   */
  endWhenIdle(farewell: ErrorFields): void {
    this.ending = farewell;
    this.endIfExpiredAndIdle();
  }

  close(): void {
    this.options.socket.destroy();
  }

  /**
   * Ends the session with a FATAL error first, as PostgreSQL ends its backends on a shutdown
   * or pg_terminate_backend (57P01 `terminating connection due to administrator command`).
   */
  shutDown(farewell: ErrorFields): void {
    if (this.phase === 'closed') return;
    if (this.phase === 'startup' && !this.options.socket.encrypted) {
      this.close(); // mid-handshake: an error message would be read as TLS bytes
      return;
    }
    this.fatal(farewell);
  }

  private receive(chunk: Uint8Array): void {
    if (this.phase === 'closed') return;
    this.stopIdleTimer();
    if (this.firstChunk) {
      this.firstChunk = false;
      if (chunk[0] === DIRECT_TLS_FIRST_BYTE && this.options.tls) {
        this.upgrade(chunk);
        return;
      }
    }
    try {
      for (const message of this.decoder.feed(chunk)) this.queue.push(message);
    } catch (error) {
      this.protocolViolation(error as Error);
      return;
    }
    if (this.queue.length > MAX_QUEUED_MESSAGES && !this.paused) {
      this.paused = true;
      this.options.socket.pause();
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && this.phase !== 'closed') {
        const message = this.queue.shift()!;
        this.readyForQuerySent = false;
        // Most messages complete synchronously; awaiting only the others keeps a pipelined
        // Bind/Describe/Execute/Sync from paying a promise turn per message.
        const pending = this.handle(message);
        if (pending !== undefined) await pending;
        if (this.queue.length === 0) this.flush();
      }
    } catch (error) {
      this.protocolViolation(error as Error);
    } finally {
      this.running = false;
      this.flush();
      if (this.paused && this.queue.length < MAX_QUEUED_MESSAGES / 2) {
        this.paused = false;
        this.options.socket.resume();
      }
      this.endIfExpiredAndIdle();
      this.startIdleTimer();
    }
  }

  private describeRows(fields: readonly FieldDescription[], formats: readonly number[] | null): void {
    this.out.raw(this.descriptions.encoded(fields, formats));
  }

  private flush(): void {
    if (this.out.length > 0 && this.phase !== 'closed') this.options.socket.write(this.out.take());
  }

  private protocolViolation(error: Error): void {
    if (this.phase === 'closed') return;
    if (!(error instanceof ProtocolError)) this.options.log.error(`connection: ${error.stack ?? error.message}`);
    this.out.errorResponse({ severity: 'FATAL', code: error instanceof ProtocolError ? '08P01' : 'XX000', message: error.message });
    this.flush();
    this.terminate();
  }

  private terminate(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.stopTimers();
    this.session?.close();
    this.session = null;
    this.options.socket.end();
    this.options.socket.destroy();
  }

  private closed(): void {
    this.stopTimers();
    if (this.phase !== 'closed') {
      this.phase = 'closed';
      this.session?.close();
      this.session = null;
    }
    this.options.onClose();
  }

  private upgrade(replay: Uint8Array | null): void {
    const tls = this.options.tls!;
    this.options.socket.startTls(tls, replay, (serverName) => {
      this.serverName = serverName;
    }, () => this.terminate());
  }

  private handle(message: FrontendMessage): Promise<void> | void {
    if (this.phase === 'startup') return this.handleStartup(message);
    if (this.phase === 'password') return this.handlePassword(message);
    return this.handleQuery(message);
  }

  private handleStartup(message: FrontendMessage): void {
    switch (message.type) {
      case 'ssl-request':
        if (this.options.socket.encrypted || !this.options.tls || this.decoder.pending() > 0) {
          this.out.rawByte(0x4e); // 'N'
          return;
        }
        this.out.rawByte(0x53); // 'S'
        this.flush();
        this.upgrade(null);
        return;
      case 'gssenc-request':
        this.out.rawByte(0x4e);
        return;
      case 'cancel':
        this.options.cancel(message.processId, message.secretKey, this.options.socket.encrypted);
        this.terminate();
        return;
      case 'startup': {
        if (message.protocol !== PROTOCOL_3_0) {
          this.fatal({ severity: 'FATAL', code: '0A000', message: `unsupported frontend protocol ${message.protocol >>> 16}.${message.protocol & 0xffff}: server supports 3.0 to 3.0` });
          return;
        }
        const refused = this.options.admit?.() ?? null;
        if (refused !== null) {
          this.fatal(refused);
          return;
        }
        const user = message.parameters.get('user');
        if (!user) {
          this.fatal({ severity: 'FATAL', code: '28000', message: 'no PostgreSQL user name specified in startup packet' });
          return;
        }
        const rest = new Map(message.parameters);
        rest.delete('user');
        rest.delete('database');
        const endpoints = this.options.clientSocket === false ? null : socketEndpoints(this.options.socket);
        this.startup = { user, database: message.parameters.get('database') ?? user, parameters: rest, ...(endpoints ? { endpoints } : {}), serverName: this.serverName };
        this.phase = 'password';
        this.out.authenticationCleartextPassword();
        return;
      }
      default:
        throw new ProtocolError('invalid startup packet');
    }
  }

  private fatal(fields: ErrorFields): void {
    this.out.errorResponse(fields);
    this.flush();
    this.terminate();
  }

  private async handlePassword(message: FrontendMessage): Promise<void> {
    if (message.type !== 'password') throw new ProtocolError(`expected password response, got message type ${message.type}`);
    const startup = this.startup!;
    try {
      await this.options.authenticator.authenticate(startup, message.password);
    } catch (error) {
      this.fatal(errorFields(error, this.options.log));
      return;
    }
    const processId = this.options.random.int(0x7fffffff) + 1;
    const secretKey = this.options.random.int(0x7fffffff);
    this.session = this.options.sessions.createSession(startup, {
      notice: (notice) => this.out.noticeResponse({ ...errorFields(notice, this.options.log), severity: noticeSeverity(notice.code) }),
      parameterStatus: (name, value) => this.out.parameterStatus(name, value),
    }, processId, secretKey);
    this.phase = 'ready';
    this.stopAuthenticationTimer();
    this.startLifetime();
    this.out.authenticationOk();
    for (const [name, value] of this.session.initialParameters()) this.out.parameterStatus(name, value);
    this.out.backendKeyData(processId, secretKey);
    this.out.readyForQuery(this.session.transactionStatus());
    this.readyForQuerySent = true;
  }

  private handleQuery(message: FrontendMessage): Promise<void> | void {
    const session = this.session!;
    if (message.type === 'terminate') {
      this.terminate();
      return;
    }
    if (this.copyIn) return this.copyMessage(session, message);
    if (message.type === 'sync') {
      this.skipUntilSync = false;
      return this.finish(session);
    }
    // After an extended-protocol error everything up to Sync is discarded, a Query too.
    if (this.skipUntilSync) return;
    if (message.type === 'query') return this.simpleQuery(session, message.sql);
    try {
      const pending = this.extended(session, message);
      if (pending !== undefined) return pending.catch((error: unknown) => this.extendedFailed(session, error));
    } catch (error) {
      this.extendedFailed(session, error);
    }
  }

  /** An error in the extended protocol: report it, then skip messages until Sync. */
  private extendedFailed(session: SqlSession, error: unknown): void {
    this.out.errorResponse(errorFields(error, this.options.log, this.errorText));
    session.markFailed();
    this.skipUntilSync = true;
  }

  /**
   * Sync and the end of a simple query: end an implicit transaction, then ReadyForQuery.
   * Synchronous unless there is a commit to wait for. `lastTag` is a simple query's last
   * command tag: PostgreSQL commits before it reports the last statement done, so a commit
   * that fails leaves only its error, never a tag that reads as success.
   */
  private finish(session: SqlSession, lastTag: string | null = null): Promise<void> | undefined {
    let commit: Promise<void> | undefined;
    try {
      commit = session.finishImplicit();
    } catch (error) {
      this.out.errorResponse(errorFields(error, this.options.log, this.errorText));
      lastTag = null;
    }
    if (commit === undefined) {
      if (lastTag !== null) this.out.commandComplete(lastTag);
      this.ready(session);
      return undefined;
    }
    return commit.then(() => {
      if (lastTag !== null) this.out.commandComplete(lastTag);
      this.ready(session);
    }, (error: unknown) => {
      this.out.errorResponse(errorFields(error, this.options.log, this.errorText));
      this.ready(session);
    });
  }

  private ready(session: SqlSession): void {
    if (session.transactionStatus() === 'I') this.portals.clear();
    else this.portals.delete('');
    this.out.readyForQuery(session.transactionStatus());
    this.readyForQuerySent = true;
  }

  private async simpleQuery(session: SqlSession, sql: string): Promise<void> {
    this.errorText = sql;
    let statements: PreparedStatement[];
    try {
      await session.refreshCatalog();
      statements = session.prepareSimple(sql);
    } catch (error) {
      this.out.errorResponse(errorFields(error, this.options.log, this.errorText));
      session.markFailed();
      return this.finish(session);
    }
    return this.runSimple(session, statements, 0);
  }

  /**
   * Runs a simple query's statements from `from`; a COPY FROM STDIN pauses it until CopyDone.
   * A statement's tag is sent when the next one starts, the last one's after the commit.
   */
  private async runSimple(session: SqlSession, statements: readonly PreparedStatement[], from: number, doneTag: string | null = null): Promise<void> {
    let pendingTag = doneTag;
    try {
      for (let i = from; i < statements.length; i++) {
        if (pendingTag !== null) this.out.commandComplete(pendingTag);
        pendingTag = null;
        const statement = statements[i]!;
        const portal = session.bind(statement, [], [], statement.fields ? statement.fields.map(() => 0) : []);
        const textFormats = portal.fields ? portal.fields.map(() => 0) : [];
        if (portal.fields) this.describeRows(portal.fields, textFormats);
        const outcome = await portal.execute(0, (cells) => this.out.dataRow(cells));
        if (outcome.kind === 'copy-in') {
          await this.startCopyIn(session, outcome, (tag) => this.runSimple(session, statements, i + 1, tag));
          return;
        }
        if (outcome.kind === 'complete') pendingTag = outcome.commandTag;
        else await this.reportOutcome(outcome);
      }
    } catch (error) {
      this.out.errorResponse(errorFields(error, this.options.log, this.errorText));
      session.markFailed();
      pendingTag = null;
    }
    await this.finish(session, pendingTag);
  }

  /** An Execute's outcome; a promise only when there is COPY data to move. */
  private executed(session: SqlSession, outcome: ExecuteOutcome): Promise<void> | undefined {
    if (outcome.kind === 'copy-in') return this.startCopyIn(session, outcome, null);
    if (outcome.kind === 'copy-out') return this.reportOutcome(outcome);
    this.reportDone(outcome);
    return undefined;
  }

  /** What an Execute (or a simple query's statement) finished with, COPY TO's data included. */
  private async reportOutcome(outcome: Exclude<ExecuteOutcome, { kind: 'copy-in' }>): Promise<void> {
    switch (outcome.kind) {
      case 'empty':
      case 'suspended':
      case 'complete': this.reportDone(outcome); return;
      case 'copy-out': {
        this.out.copyOutResponse(outcome.binary, outcome.columns);
        const tag = await outcome.run((data) => {
          this.out.copyData(data);
          if (this.out.length >= COPY_OUT_FLUSH_BYTES) this.flush();
        });
        this.out.copyDone();
        this.out.commandComplete(tag);
        return;
      }
    }
  }

  private reportDone(outcome: Extract<ExecuteOutcome, { kind: 'empty' | 'suspended' | 'complete' }>): void {
    switch (outcome.kind) {
      case 'empty': this.out.emptyQueryResponse(); return;
      case 'suspended': this.out.portalSuspended(); return;
      case 'complete': this.out.commandComplete(outcome.commandTag); return;
    }
  }

  private async startCopyIn(session: SqlSession, outcome: Extract<ExecuteOutcome, { kind: 'copy-in' }>, resume: ((tag: string) => Promise<void>) | null): Promise<void> {
    this.out.copyInResponse(outcome.binary, outcome.columns);
    this.copyIn = { sink: outcome.sink, resume };
    if (outcome.refusal) await this.copyFailed(session, outcome.refusal);
  }

  /** The COPY in progress failed: report it; what the client still sends for it is ignored. */
  private async copyFailed(session: SqlSession, error: unknown): Promise<void> {
    const copy = this.copyIn!;
    this.copyIn = null;
    this.out.errorResponse(errorFields(error, this.options.log, this.errorText));
    session.markFailed();
    // Outside a COPY, CopyData, CopyDone and CopyFail are ignored (PostgreSQL ignores them too).
    if (copy.resume) await this.finish(session);
    else this.skipUntilSync = true;
  }

  /**
   * A message while COPY FROM STDIN runs. Flush and Sync are ignored, as PostgreSQL does (a
   * client may send them not knowing its statement was a COPY); anything else but the COPY
   * messages ends the COPY with 08P01.
   */
  private async copyMessage(session: SqlSession, message: FrontendMessage): Promise<void> {
    const copy = this.copyIn!;
    try {
      switch (message.type) {
        case 'copy-data':
          await copy.sink.write(message.data);
          return;
        case 'copy-done': {
          const tag = await copy.sink.finish();
          this.copyIn = null;
          if (copy.resume) await copy.resume(tag);
          else this.out.commandComplete(tag);
          return;
        }
        case 'copy-fail':
          throw new SqlError('57014', `COPY from stdin failed: ${message.message}`, { where: copy.sink.where() });
        case 'flush':
        case 'sync':
          return;
        default:
          // PostgreSQL cannot tell where the client's messages are now: it gives up the connection.
          this.copyIn = null;
          this.out.errorResponse({
            severity: 'ERROR', code: '08P01', where: copy.sink.where(),
            message: `unexpected message type 0x${MESSAGE_CODES[message.type].toString(16).toUpperCase()} during COPY from stdin`,
          });
          this.fatal({ severity: 'FATAL', code: '08P01', message: 'terminating connection because protocol synchronization was lost' });
          return;
      }
    } catch (error) {
      await this.copyFailed(session, error);
    }
  }

  /** Synchronous except Execute, whose promise it returns. */
  private extended(session: SqlSession, message: FrontendMessage): Promise<void> | undefined {
    switch (message.type) {
      case 'parse': {
        this.errorText = message.sql;
        if (message.name !== '' && this.statements.has(message.name)) throw new SqlError('42P05', `prepared statement "${message.name}" already exists`);
        return session.refreshCatalog().then(() => {
          const statement = session.prepare(message.sql, message.paramTypes);
          if (hasAstral(message.sql)) this.astralTexts.set(statement, message.sql);
          this.statements.set(message.name, statement);
          this.out.parseComplete();
        });
      }
      case 'bind': {
        const statement = this.statements.get(message.statement);
        if (!statement) throw new SqlError('26000', `prepared statement "${message.statement}" does not exist`);
        this.errorText = this.astralTexts.get(statement) ?? '';
        if (message.portal !== '' && this.portals.has(message.portal)) throw new SqlError('42P03', `cursor "${message.portal}" already exists`);
        const params = expandFormats(message.paramFormats, message.params.length, 'parameter');
        if (message.params.length !== statement.parameterTypes.length) {
          throw new SqlError('08P01', `bind message supplies ${message.params.length} parameters, but prepared statement "${message.statement}" requires ${statement.parameterTypes.length}`);
        }
        const width = statement.fields ? statement.fields.length : 0;
        const results = expandFormats(message.resultFormats, width, 'result');
        const portal = session.bind(statement, params, message.params, results);
        if (this.errorText !== '') this.astralTexts.set(portal, this.errorText);
        this.portals.set(message.portal, portal);
        this.out.bindComplete();
        return;
      }
      case 'describe': {
        if (message.kind === 'S') {
          const statement = this.statements.get(message.name);
          if (!statement) throw new SqlError('26000', `prepared statement "${message.name}" does not exist`);
          this.out.parameterDescription(statement.parameterTypes);
          if (statement.fields) this.describeRows(statement.fields, null);
          else this.out.noData();
          return;
        }
        const portal = this.portals.get(message.name);
        if (!portal) throw new SqlError('34000', `portal "${message.name}" does not exist`);
        if (portal.fields) this.describeRows(portal.fields, portal.resultFormats);
        else this.out.noData();
        return;
      }
      case 'execute': {
        const portal = this.portals.get(message.portal);
        if (!portal) throw new SqlError('34000', `portal "${message.portal}" does not exist`);
        this.errorText = this.astralTexts.get(portal) ?? '';
        if (portal.done) throw new SqlError('55000', `portal "${message.portal}" cannot be run`);
        const outcome = portal.execute(Math.max(0, message.maxRows), (cells) => this.out.dataRow(cells));
        if (outcome instanceof Promise) return outcome.then((settled) => this.executed(session, settled));
        return this.executed(session, outcome);
      }
      case 'close': {
        if (message.kind === 'S') this.statements.delete(message.name);
        else this.portals.delete(message.name);
        this.out.closeComplete();
        return;
      }
      case 'flush':
        this.flush();
        return;
      case 'copy-data':
      case 'copy-done':
      case 'copy-fail':
        return; // no COPY in progress: PostgreSQL ignores these too
      default:
        throw new ProtocolError(`unexpected message type ${message.type}`);
    }
  }
}

/**
 * RowDescription messages by field list (a prepared statement's, shared by its portals) and
 * result formats: a prepared statement's description is encoded once, not per execution.
 */
class RowDescriptions {
  private readonly byFields = new WeakMap<readonly FieldDescription[], Map<string, Uint8Array>>();

  encoded(fields: readonly FieldDescription[], formats: readonly number[] | null): Uint8Array {
    let byFormats = this.byFields.get(fields);
    if (!byFormats) {
      byFormats = new Map();
      this.byFields.set(fields, byFormats);
    }
    const key = formats === null || formats.every((f) => f === 0) ? '' : formats.join(',');
    let bytes = byFormats.get(key);
    if (!bytes) {
      const writer = new BackendWriter();
      writer.rowDescription(fields.map((f, i) => ({ ...f, format: formats?.[i] ?? 0 })));
      bytes = Uint8Array.from(writer.take());
      if (byFormats.size < MAX_DESCRIPTIONS_PER_STATEMENT) byFormats.set(key, bytes);
    }
    return bytes;
  }
}

const MAX_DESCRIPTIONS_PER_STATEMENT = 8;
/** COPY TO's CopyData leaves in writes of about this size, not all at the end. */
const COPY_OUT_FLUSH_BYTES = 256 * 1024;

/** Frontend message type bytes, for "unexpected message type 0x51 during COPY from stdin". */
const MESSAGE_CODES: Record<FrontendMessage['type'], number> = {
  'startup': 0, 'ssl-request': 0, 'gssenc-request': 0, 'cancel': 0, 'password': 0x70, 'query': 0x51, 'parse': 0x50, 'bind': 0x42,
  'describe': 0x44, 'execute': 0x45, 'close': 0x43, 'sync': 0x53, 'flush': 0x48, 'terminate': 0x58,
  'copy-data': 0x64, 'copy-done': 0x63, 'copy-fail': 0x66,
};

/** Format codes: none (all text), one (for all), or one per item. */
function expandFormats(formats: readonly number[], count: number, what: string): readonly number[] {
  if (formats.length === 0 || (formats.length === 1 && formats[0] === 0)) return allText(count);
  if (formats.length === 1) return new Array(count).fill(formats[0]);
  if (formats.length !== count) throw new SqlError('08P01', `bind message has ${formats.length} ${what} formats but ${count} ${what}s`);
  return formats.slice();
}

/** count text format codes; shared (read-only) for the few columns and parameters most Binds have. */
function allText(count: number): readonly number[] {
  return count < ALL_TEXT.length ? ALL_TEXT[count]! : new Array<number>(count).fill(0);
}

const ALL_TEXT: readonly (readonly number[])[] = Array.from({ length: 8 }, (_, count) => Object.freeze(new Array<number>(count).fill(0)));

/**
 * An error position (1-based, an index into the JavaScript string) as PostgreSQL counts it, in
 * characters: a character beyond the Basic Multilingual Plane before it is one, not two.
 */
export function inCharacters(position: number, text: string): number {
  if (!hasAstral(text)) return position;
  let characters = 0;
  const end = Math.min(position - 1, text.length);
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) characters++; // a low surrogate ends a pair already counted
  }
  return characters + 1;
}
const ASTRAL = /[\ud800-\udbff]/;

function hasAstral(text: string): boolean {
  return ASTRAL.test(text);
}

/**
 * PostgreSQL sends warnings (class 01) and its transaction-state complaints (BEGIN in a block,
 * COMMIT or ROLLBACK outside one: 25001, 25P01) as WARNING; the rest as NOTICE.
 */
function noticeSeverity(code: string): 'WARNING' | 'NOTICE' {
  return code.startsWith('01') || code === '25001' || code === '25P01' ? 'WARNING' : 'NOTICE';
}

function errorFields(error: unknown, log: Log, text = ''): ErrorFields {
  if (error instanceof SqlError) {
    const position = error.position === undefined ? undefined : inCharacters(error.position, text);
    return { severity: error.severity, code: error.code, message: error.message, detail: error.detail, hint: error.hint, position, where: error.where };
  }
  const limit = resourceLimitError(error);
  if (limit !== null) return { severity: 'ERROR', code: limit.code, message: limit.message, detail: limit.detail, hint: limit.hint };
  log.error(`internal error: ${(error as Error).stack ?? String(error)}`);
  return { severity: 'ERROR', code: 'XX000', message: (error as Error).message ?? String(error) };
}

/**
 * The socket's two ends, when the OS gave all four (a TCP socket): an IPv6 address loses its
 * %zone, as PostgreSQL's clean_ipv6_addr drops it (an inet has no zone).
 */
function socketEndpoints(socket: ClientSocket): ConnectionEndpoints | null {
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
  if (!remoteAddress || remotePort === undefined || !localAddress || localPort === undefined) return null;
  const unzoned = (address: string): string => address.replace(/%.*$/, '');
  return { clientAddress: unzoned(remoteAddress), clientPort: remotePort, serverAddress: unzoned(localAddress), serverPort: localPort };
}
