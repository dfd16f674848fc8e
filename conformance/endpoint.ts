/**
 * One server under comparison: a session that runs statements and returns what came back in a
 * form both servers can be compared in — values as the server's own text, full command tags,
 * column names and type OIDs, SQLSTATEs — and that does not hang: each statement has a
 * deadline, after which it is cancelled (CancelRequest) and, if that does not help, the
 * connection is dropped.
 */
import { connect as netConnect } from 'node:net';
import pg from 'pg';

export interface Column {
  readonly name: string;
  readonly type: number;
}

export interface ResultSet {
  /** The CommandComplete text (`SELECT 3`, `CREATE TABLE`, `INSERT 0 1`). */
  readonly tag: string;
  readonly columns: readonly Column[];
  /** Values as the server's text; null for NULL. */
  readonly rows: readonly (readonly (string | null)[])[];
}

export interface Outcome {
  readonly results: readonly ResultSet[];
  readonly error?: { readonly code: string; readonly message: string; readonly position?: string };
  /** No answer within the deadline (the statement was cancelled or the connection dropped). */
  readonly timedOut?: boolean;
  readonly ms: number;
}

/** Every value as the server sent it. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

const CANCEL_GRACE_MS = 3_000;

export class Endpoint {
  private client: pg.Client | null = null;
  private config: pg.ClientConfig | null = null;
  private tags: string[] | null = null;
  /** The connection was dropped after a statement did not answer; open() again. */
  broken = false;

  constructor(
    readonly name: string,
    private readonly configure: () => Promise<pg.ClientConfig>,
    private readonly timeoutMs: number,
  ) {}

  get connected(): boolean {
    return this.client !== null && !this.broken;
  }

  /** A new session; `init` statements run first (their failures are thrown). */
  async open(init: readonly string[] = []): Promise<void> {
    await this.close();
    this.config = await this.configure();
    const client = new pg.Client({ ...this.config, types: TEXT_TYPES, connectionTimeoutMillis: 15_000 });
    client.on('error', () => { this.broken = true; });
    client.on('notice', () => {});
    await client.connect();
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.on('commandComplete', (message: { text: string }) => { this.tags?.push(message.text); });
    this.client = client;
    this.broken = false;
    for (const sql of init) {
      const outcome = await this.run(sql);
      if (outcome.error) throw new Error(`${this.name}: ${sql}: ${outcome.error.code} ${outcome.error.message}`);
      if (outcome.timedOut) throw new Error(`${this.name}: ${sql}: no answer`);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (this.broken) {
      destroy(client);
      return;
    }
    await Promise.race([client.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    destroy(client);
  }

  /** Runs one query string (simple protocol, or extended when asked), cancelled after `timeoutMs`. */
  async run(sql: string, extended = false, timeoutMs = this.timeoutMs): Promise<Outcome> {
    const client = this.client;
    const started = performance.now();
    if (!client || this.broken) return { results: [], error: { code: 'XXCON', message: `${this.name}: not connected` }, ms: 0 };
    const tags: string[] = [];
    this.tags = tags;
    const config = { text: sql, rowMode: 'array', ...(extended ? { queryMode: 'extended' } : {}) } as pg.QueryArrayConfig;
    const query = client.query(config).then(
      (result) => ({ result: result as pg.QueryArrayResult | pg.QueryArrayResult[] }),
      (error: unknown) => ({ error: error as pg.DatabaseError }),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    let answer = await Promise.race([query, deadline]);
    clearTimeout(timer);
    if (answer === 'timeout') {
      this.cancel(client);
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => { graceTimer = setTimeout(() => resolve('timeout'), CANCEL_GRACE_MS); });
      answer = await Promise.race([query, grace]);
      clearTimeout(graceTimer);
      if (answer === 'timeout') {
        this.broken = true;
        destroy(client);
      }
      this.tags = null;
      return { results: [], timedOut: true, ms: performance.now() - started };
    }
    this.tags = null;
    const ms = performance.now() - started;
    if ('error' in answer) {
      const error = answer.error;
      if (error.code === '57014') return { results: [], timedOut: true, ms };
      if (!error.code) {
        // Not a server error: the connection failed under us.
        this.broken = true;
        return { results: [], error: { code: 'XXCON', message: String(error.message) }, ms };
      }
      return { results: [], error: { code: error.code, message: error.message, ...(error.position ? { position: error.position } : {}) }, ms };
    }
    const list = Array.isArray(answer.result) ? answer.result : [answer.result];
    const results = list.map((result, i) => ({
      tag: tags[i] ?? `${result.command ?? ''}${result.rowCount !== null && result.rowCount !== undefined ? ` ${result.rowCount}` : ''}`,
      columns: (result.fields ?? []).map((field) => ({ name: field.name, type: field.dataTypeID })),
      rows: (result.rows ?? []) as (string | null)[][],
    }));
    return { results, ms };
  }

  /** CancelRequest on a fresh connection, as psql's ^C does. */
  private cancel(client: pg.Client): void {
    const processId = (client as unknown as { processID: number | null }).processID;
    const secretKey = (client as unknown as { secretKey: number | null }).secretKey;
    if (processId === null || secretKey === null || !this.config) return;
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(80877102, 4);
    message.writeInt32BE(processId, 8);
    message.writeInt32BE(secretKey, 12);
    const socket = netConnect({ host: String(this.config.host ?? '127.0.0.1'), port: Number(this.config.port) });
    socket.on('error', () => {});
    socket.on('connect', () => socket.end(message));
    setTimeout(() => socket.destroy(), 2_000).unref();
  }
}

function destroy(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  try {
    stream?.destroy();
  } catch {
    // already closed
  }
}
