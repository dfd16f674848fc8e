import type { SqlError } from './errors.js';

/**
 * The seam between the PostgreSQL wire protocol (src/qp/protocol) and the SQL engine of a
 * query processor. The protocol layer owns framing, message order, error recovery (discard
 * until Sync) and encoding rows into DataRow messages; the engine owns parsing, planning,
 * execution and transactions.
 */

/** One column of a RowDescription. */
export interface FieldDescription {
  readonly name: string;
  readonly tableOid: number;
  readonly columnNumber: number;
  readonly typeOid: number;
  readonly typeSize: number;
  readonly typeModifier: number;
}

/** A cell of a result row, already in the wire format the client asked for: text or binary. */
export type WireCell = string | Uint8Array | null;

/** A parsed (and planned, lazily) statement: what Parse creates and Describe reports. */
export interface PreparedStatement {
  /** The parameter type OIDs ($1…$n), resolved from the client's hints and the query. */
  readonly parameterTypes: readonly number[];
  /** The result columns, or null when the statement returns no rows (NoData). */
  readonly fields: readonly FieldDescription[] | null;
  /** True for an empty query string (EmptyQueryResponse instead of CommandComplete). */
  readonly isEmpty: boolean;
}

export type ExecuteOutcome =
  /** The statement finished: CommandComplete with this tag (e.g. "INSERT 0 1", "SELECT 3"). */
  | { readonly kind: 'complete'; readonly commandTag: string }
  /** The row limit stopped it; the portal can be executed again (PortalSuspended). */
  | { readonly kind: 'suspended' }
  /** An empty query: EmptyQueryResponse. */
  | { readonly kind: 'empty' }
  /** COPY … FROM STDIN: CopyInResponse, then the client's CopyData goes to `sink` until CopyDone or CopyFail. */
  | { readonly kind: 'copy-in'; readonly binary: boolean; readonly columns: number; readonly sink: CopyInSink;
      /** An error PostgreSQL raises only after CopyInResponse (COPY FREEZE, a view): the COPY ends with it at once. */
      readonly refusal: SqlError | null }
  /** COPY … TO STDOUT: CopyOutResponse, the CopyData `run` produces, CopyDone, CommandComplete with run's tag. */
  | { readonly kind: 'copy-out'; readonly binary: boolean; readonly columns: number; run(onData: (data: Uint8Array) => void): Promise<string> };

/** Where the rows of a COPY FROM STDIN go, one CopyData payload at a time. */
export interface CopyInSink {
  /** Takes the next CopyData payload; throws SqlError for bad data (the COPY is then over). */
  write(data: Uint8Array): Promise<void>;
  /** CopyDone: takes what is left and returns the command tag ("COPY n"). */
  finish(): Promise<string>;
  /** The CONTEXT of an error that ends the COPY from outside (CopyFail): "COPY t, line n". */
  where(): string;
}

/** A bound statement with parameter values: what Bind creates and Execute runs. */
export interface Portal {
  /** The result columns (for Describe of a portal), or null for NoData. */
  readonly fields: readonly FieldDescription[] | null;
  /** Result formats per column: 0 text, 1 binary (already expanded to one per column). */
  readonly resultFormats: readonly number[];
  /** A statement without rows that has run: PostgreSQL refuses to run its portal again (55000). */
  readonly done: boolean;
  /**
   * Runs the portal until it completes or `maxRows` rows were sent (0 = no limit).
   * Rows go to `onRow` in the requested formats. Throws (or rejects with) SqlError on failure.
   * Answers without a promise when nothing had to wait: a point read costs no promise turns.
   */
  execute(maxRows: number, onRow: (cells: readonly WireCell[]) => void): ExecuteOutcome | Promise<ExecuteOutcome>;
}

/** Messages the engine asks the protocol to send outside the request/response flow. */
export interface SessionEvents {
  notice(error: SqlError): void;
  parameterStatus(name: string, value: string): void;
}

/** One client session inside a query processor. */
export interface SqlSession {
  /** ParameterStatus values to send after authentication, in order. */
  initialParameters(): ReadonlyArray<readonly [string, string]>;
  /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
  transactionStatus(): 'I' | 'T' | 'E';

  /**
   * Brings what statements are prepared against up to date before a Parse or a simple query:
   * another processor may have changed the catalog since this one last looked.
   */
  refreshCatalog(): Promise<void>;
  /**
   * Parses one statement for the extended protocol. paramTypeOids are the client's hints
   * (0 = unspecified). Throws SqlError (syntax errors, unknown tables, etc.).
   */
  prepare(sql: string, paramTypeOids: readonly number[]): PreparedStatement;
  /** Splits a simple-query string into its statements, each parsed (throws on syntax error). */
  prepareSimple(sql: string): PreparedStatement[];
  /**
   * Binds parameters: formats per parameter (0 text, 1 binary; already expanded), raw values
   * (null = SQL NULL), and result formats (already expanded per column). Throws SqlError
   * (22P02 invalid input syntax, 08P01 wrong parameter count, …).
   */
  bind(statement: PreparedStatement, paramFormats: readonly number[], params: readonly (Uint8Array | null)[], resultFormats: readonly number[]): Portal;

  /**
   * Ends an implicit transaction (at Sync, or at the end of a simple query): commits it if it
   * holds writes, or rolls it back after an error. Throws SqlError when the commit fails.
   * Undefined when it finished at once (nothing to commit): a read-only transaction costs the
   * protocol layer no promise turn.
   */
  finishImplicit(): Promise<void> | undefined;
  /** A statement failed: an explicit block becomes failed (25P02); an implicit one is rolled back at the next finishImplicit. */
  markFailed(): void;
  /** Asks the running statement to stop with 57014 (CancelRequest). */
  cancel(): void;
  /**
   * How long the session may sit idle now, in milliseconds (0: no limit): inside a transaction
   * idle_in_transaction_session_timeout, else idle_session_timeout. Optional: a session without
   * settings has none.
   */
  idleTimeoutMs?(): number;
  /** The client went away: roll back, release everything. */
  close(): void;
}

/** Both ends of a client's TCP connection: numeric addresses (IPv4, IPv6) and ports. */
export interface ConnectionEndpoints {
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly serverAddress: string;
  readonly serverPort: number;
}

/** Authentication of a connection, done by the QP before a session starts. */
export interface StartupInfo {
  readonly user: string;
  readonly database: string;
  readonly parameters: ReadonlyMap<string, string>;
  /**
   * The TCP connection's ends, as the socket Strata accepted reports them (inet_client_addr()
   * and friends); absent when they are not known, as PostgreSQL has none over a Unix socket.
   */
  readonly endpoints?: ConnectionEndpoints;
  /** The TLS SNI server name, when the connection used TLS and sent one. */
  readonly serverName: string | null;
}

/**
 * Checks a connection's credentials: the password message carries a DSQL token (a SigV4
 * presigned URL without its scheme). Throws SqlError 28000/28P01 with DSQL's texts.
 */
export interface Authenticator {
  authenticate(startup: StartupInfo, password: string): Promise<void>;
}

/** Creates sessions for authenticated connections (one per connection). */
export interface SessionFactory {
  /** processId/secretKey identify the session for CancelRequest (BackendKeyData). */
  createSession(startup: StartupInfo, events: SessionEvents, processId: number, secretKey: number): SqlSession;
}
