/**
 * A raw PostgreSQL protocol client for tests: frontend messages are built with pg-protocol's
 * `serialize` and sent as they are; the backend messages come back parsed by pg-protocol's
 * Parser and are summarized into comparable strings (type, and the fields that matter:
 * SQLSTATE, command tag, type OIDs, row values, COPY formats and data). Used to compare the
 * message sequences of Strata and PostgreSQL for the same frontend messages.
 */
import net from 'node:net';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';

export { serialize };

export interface WireConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;
}

const WAIT_MS = 20_000;

export interface SummaryOptions {
  /** Include error messages, details and contexts (off where DSQL's texts differ). */
  readonly errorText?: boolean;
}

export class WireClient {
  private readonly received: BackendMessage[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    const parser = new Parser();
    socket.on('data', (chunk) => parser.parse(chunk, (message) => {
      this.received.push(message);
      this.waiter?.();
    }));
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static async connect(config: WireConfig): Promise<WireClient> {
    const socket = net.connect(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    socket.write(serialize.startup({ user: config.user, database: config.database }));
    const first = await client.next((m) => m.name === 'authenticationCleartextPassword' || m.name === 'authenticationOk' || m.name === 'error');
    if (first.name === 'authenticationCleartextPassword') socket.write(serialize.password(config.password ?? ''));
    await client.next((m) => m.name === 'readyForQuery');
    client.received.length = 0;
    return client;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** Waits for a message the predicate accepts; returns it (earlier ones stay in the log). */
  async next(predicate: (m: BackendMessage) => boolean): Promise<BackendMessage> {
    let seen = 0;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (; seen < this.received.length; seen++) if (predicate(this.received[seen]!)) return this.received[seen]!;
      if (this.closed) throw new Error(`connection closed; got ${this.received.map((m) => m.name).join(', ')}`);
      if (Date.now() > deadline) throw new Error(`timed out; got ${this.received.map((m) => m.name).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  /** Sends the messages, waits for `ready` ReadyForQuery messages, returns everything received. */
  async exchange(messages: readonly Buffer[], ready = 1): Promise<BackendMessage[]> {
    this.received.length = 0;
    this.send(...messages);
    let count = 0;
    await this.next((m) => m.name === 'readyForQuery' && ++count === ready);
    return this.received.splice(0);
  }

  /** Sends the messages and waits for a message of this name (CopyInResponse, say). */
  async exchangeUntil(messages: readonly Buffer[], name: string): Promise<BackendMessage[]> {
    this.received.length = 0;
    this.send(...messages);
    await this.next((m) => m.name === name);
    return this.received.splice(0);
  }

  /** What arrived without waiting for more (after a short quiet period). */
  async drain(quietMs = 150): Promise<BackendMessage[]> {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    return this.received.splice(0);
  }

  close(): void {
    if (!this.closed) this.socket.end(serialize.end());
    this.socket.destroy();
  }
}

/** A backend message as a comparable string. */
export function summarize(m: BackendMessage, options: SummaryOptions = {}): string {
  const any = m as unknown as Record<string, unknown>;
  switch (m.name) {
    case 'error':
    case 'notice': {
      const base = `${m.name} ${String(any['severity'])} ${String(any['code'])}`;
      if (!options.errorText) return base;
      const parts = [base, String(any['message'])];
      if (any['detail']) parts.push(`DETAIL ${String(any['detail'])}`);
      if (any['where']) parts.push(`CONTEXT ${String(any['where'])}`);
      return parts.join(' | ');
    }
    case 'commandComplete': return `commandComplete ${String(any['text'])}`;
    case 'readyForQuery': return `readyForQuery ${String(any['status'])}`;
    case 'rowDescription': {
      const fields = any['fields'] as { name: string; dataTypeID: number; format: string }[];
      return `rowDescription ${fields.map((f) => `${f.name}:${f.dataTypeID}:${f.format}`).join(',')}`;
    }
    case 'parameterDescription': return `parameterDescription ${(any['dataTypeIDs'] as number[]).join(',')}`;
    case 'dataRow': return `dataRow ${JSON.stringify(any['fields'])}`;
    case 'copyInResponse':
    case 'copyOutResponse': return `${m.name} ${any['binary'] ? 'binary' : 'text'} ${(any['columnTypes'] as number[]).join(',')}`;
    case 'copyData': return `copyData ${JSON.stringify((any['chunk'] as Buffer).toString('latin1'))}`;
    default: return m.name;
  }
}

export function summarizeAll(messages: readonly BackendMessage[], options: SummaryOptions = {}): string[] {
  // ParameterStatus values (server_version and the like) legitimately differ between servers.
  return messages.filter((m) => m.name !== 'parameterStatus').map((m) => summarize(m, options));
}
