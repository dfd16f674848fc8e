import type { Clock, Timers } from '../contracts/time.js';
import type { ServerAddress, ServerStream } from '../env/postgres-socket.js';
import {
  BackendDecoder, encodeBind, encodeCancelRequest, encodeClosePortal, encodeCopyFail, encodeDescribePortal, encodeExecute,
  encodeParse, encodePassword, encodeStartup, encodeSync, encodeTerminate,
  type BackendMessage, type ColumnDescription, type ServerNotice,
} from '../wire/client.js';
import { typeName } from './type-names.js';

/**
 * One database session of the console: a PostgreSQL wire connection as the signed-in user, with
 * that user's token as the password, so the console can do nothing the token could not. Each
 * statement runs through the extended protocol (Parse, Bind, Describe, Execute with a row limit,
 * Close, Sync) so that the row cap stops the query at the server (the portal is suspended and
 * closed) instead of the console reading and dropping millions of rows; the transaction, if
 * one is open, carries on to the next statement and the next run.
 */
export type TransactionStatus = 'I' | 'T' | 'E';

export interface StatementLimits {
  /** Rows kept per statement; more is reported as truncated. */
  readonly rowCap: number;
  /** Text of the cells kept, in bytes, for the whole run (shared by its statements). */
  readonly byteBudget: { remaining: number };
}

export interface StatementResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[] | null;
  readonly rows: (string | null)[][];
  /** More rows were there than kept (the cap, or the run's byte budget). */
  readonly truncated: boolean;
  readonly commandTag: string | null;
  readonly notices: readonly ServerNotice[];
  readonly error: ServerNotice | null;
  readonly elapsedMs: number;
}

/** How the console reaches the server (src/env/postgres-socket.ts). */
export interface Connector {
  /** A TLS connection, as a client with sslmode=require (or verify-full when a CA is given). */
  open(address: ServerAddress): Promise<ServerStream>;
  /** Sends a CancelRequest on a connection of its own. */
  cancel(address: ServerAddress, request: Uint8Array): Promise<void>;
}

/** The message of a refused sign-in, with the server's fields when the server refused. */
export class SignInError extends Error {
  constructor(message: string, readonly fields: ServerNotice | null) {
    super(message);
    this.name = 'SignInError';
  }
}

/** A server message is bigger than any row DSQL allows; a bigger one means a broken stream. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const MAX_NOTICES_PER_STATEMENT = 100;
const APPLICATION_NAME = 'strata-console';
const SIGN_IN_TIMEOUT_MS = 30_000;

export class DatabaseConnection {
  private readonly decoder = new BackendDecoder(MAX_MESSAGE_BYTES);
  /**
   * Who takes the server's messages now (sign-in, then one statement at a time). Messages are
   * handed over as they are decoded, never queued, so rows past the cap are dropped as they
   * arrive and memory stays bounded whatever the server sends.
   */
  private consumer: Consumer | null = null;
  private key: { processId: number; secretKey: number } | null = null;
  private typeNames = new Map<number, string>();
  /** Why the connection ended; null while it is open. */
  closedReason: string | null = null;
  transactionStatus: TransactionStatus = 'I';
  busy = false;
  readonly parameters = new Map<string, string>();

  private constructor(private readonly stream: ServerStream, private readonly address: ServerAddress, private readonly connect: Connector, private readonly clock: Clock) {
    stream.onData((chunk) => {
      let messages: BackendMessage[];
      try {
        messages = this.decoder.feed(chunk);
      } catch (error) {
        this.ended(`protocol error: ${(error as Error).message}`);
        stream.close();
        return;
      }
      for (const message of messages) this.deliver(message);
    });
    stream.onClose((reason) => this.ended(reason ?? 'the server closed the connection'));
  }

  /** Connects and signs in as `user` with `token`; throws SignInError when refused. */
  static async open(connect: Connector, address: ServerAddress, user: string, token: string, clock: Clock, timers: Timers): Promise<DatabaseConnection> {
    let stream: ServerStream;
    try {
      stream = await connect.open(address);
    } catch (error) {
      throw new SignInError(`cannot reach the database at ${address.host}:${address.port}: ${(error as Error).message}`, null);
    }
    const connection = new DatabaseConnection(stream, address, connect, clock);
    // A server that accepts TLS and then says nothing must not hold a sign-in (and its slot) forever.
    const timeout = timers.setTimeout(() => {
      connection.ended(`no answer to the sign-in within ${SIGN_IN_TIMEOUT_MS / 1000} s`);
      stream.close();
    }, SIGN_IN_TIMEOUT_MS);
    try {
      await connection.signIn(user, token);
      await connection.loadTypeNames();
    } catch (error) {
      stream.close();
      throw error instanceof SignInError ? error : new SignInError((error as Error).message, null);
    } finally {
      timers.clearTimeout(timeout);
    }
    return connection;
  }

  private signIn(user: string, token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.consumer = {
        message: (message) => {
          switch (message.type) {
            case 'error': this.consumer = null; reject(new SignInError(message.fields.message, message.fields)); return;
            case 'authentication':
              if (message.code === 3) this.stream.write(encodePassword(token));
              else if (message.code !== 0) {
                this.consumer = null;
                reject(new SignInError(`the server asks for an authentication method the console does not speak (${message.code})`, null));
              }
              return;
            case 'ready-for-query': this.consumer = null; this.transactionStatus = message.status; resolve(); return;
            default: return;
          }
        },
        closed: (reason) => reject(new SignInError(`the server closed the connection: ${reason}`, null)),
      };
      this.stream.write(encodeStartup({ user, database: 'postgres', application_name: APPLICATION_NAME }));
    });
  }

  /** Names for result column types (format_type), read once; a failure leaves OIDs as names. */
  private async loadTypeNames(): Promise<void> {
    const result = await this.run('SELECT oid, format_type(oid, NULL) FROM pg_catalog.pg_type', { rowCap: 10_000, byteBudget: { remaining: 1 << 20 } });
    if (result.error === null) this.typeNames = new Map(result.rows.map((row) => [Number(row[0]), row[1] ?? '']));
  }

  /** Runs one statement; the connection must not be busy. */
  async run(sql: string, limits: StatementLimits): Promise<StatementResult> {
    if (this.busy) throw new Error('a statement is already running on this connection');
    if (this.closedReason !== null) throw new Error(`the connection is closed: ${this.closedReason}`);
    this.busy = true;
    try {
      const collecting = this.collect(limits, this.clock.now().latest);
      // One more row than the cap: a portal suspended after exactly `rowCap` rows may have no more.
      this.stream.write(Buffer.concat([encodeParse(sql), encodeBind(), encodeDescribePortal(), encodeExecute(limits.rowCap + 1), encodeClosePortal(), encodeSync()]));
      return await collecting;
    } finally {
      this.busy = false;
    }
  }

  private collect(limits: StatementLimits, started: number): Promise<StatementResult> {
    return new Promise((resolve, reject) => {
      let columns: ColumnDescription[] | null = null;
      const rows: (string | null)[][] = [];
      const notices: ServerNotice[] = [];
      let truncated = false;
      let commandTag: string | null = null;
      let error: ServerNotice | null = null;
      const keep = (cells: readonly (string | null)[], bytes: number): void => {
        if (rows.length >= limits.rowCap || bytes > limits.byteBudget.remaining) { truncated = true; return; }
        limits.byteBudget.remaining -= bytes;
        rows.push([...cells]);
      };
      const note = (notice: ServerNotice): void => { if (notices.length < MAX_NOTICES_PER_STATEMENT) notices.push(notice); };
      const finish = (): StatementResult => ({
        columns: columns?.map((c) => ({ name: c.name, type: typeName(this.typeNames, c.typeOid, c.typeModifier) })) ?? null,
        rows, truncated, commandTag, notices, error,
        elapsedMs: Math.max(0, this.clock.now().latest - started) / 1000,
      });
      this.consumer = {
        message: (message) => {
          switch (message.type) {
            case 'row-description': columns = [...message.columns]; return;
            case 'data-row': keep(message.cells, message.bytes); return;
            case 'portal-suspended': truncated = true; return;
            case 'command-complete': commandTag = message.tag; return;
            case 'error': error = message.fields; return;
            case 'notice': note(message.fields); return;
            case 'notification': note({ severity: 'NOTIFY', code: '00000', message: `${message.channel}: ${message.payload}` }); return;
            // COPY FROM STDIN has no file to read in a browser: refuse it, the server answers with an error.
            case 'copy-in': this.stream.write(encodeCopyFail('the console does not send COPY data; use psql for COPY FROM STDIN')); return;
            case 'copy-out': columns = [{ name: 'COPY', typeOid: 25, typeModifier: -1 }]; return;
            case 'copy-data': keep([message.text.replace(/\n$/, '')], message.text.length); return;
            case 'ready-for-query':
              this.consumer = null;
              this.transactionStatus = message.status;
              resolve(finish());
              return;
            default: return;
          }
        },
        // A FATAL error (the session's time limit, say) comes before the close: show it.
        closed: (reason) => (error === null ? reject(new Error(`the connection is closed: ${reason}`)) : resolve(finish())),
      };
    });
  }

  /** Asks the server to cancel the running statement (a CancelRequest on a connection of its own). */
  async cancel(): Promise<boolean> {
    const key = this.key;
    if (key === null || !this.busy) return false;
    await this.connect.cancel(this.address, encodeCancelRequest(key.processId, key.secretKey));
    return true;
  }

  close(): void {
    if (this.closedReason !== null) return;
    this.stream.write(encodeTerminate());
    this.ended('closed by the console');
    this.stream.close();
  }

  private deliver(message: BackendMessage): void {
    // Whoever is consuming, these keep the session's own state current.
    if (message.type === 'parameter-status') this.parameters.set(message.name, message.value);
    else if (message.type === 'backend-key-data') this.key = { processId: message.processId, secretKey: message.secretKey };
    else if (message.type === 'error' && message.fields.severity === 'FATAL' && this.consumer === null) this.ended(message.fields.message);
    this.consumer?.message(message);
  }

  private ended(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    const consumer = this.consumer;
    this.consumer = null;
    consumer?.closed(reason);
  }
}

interface Consumer {
  message(message: BackendMessage): void;
  closed(reason: string): void;
}
