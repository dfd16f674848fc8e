import type { Clock, RandomSource, Timers } from '../contracts/time.js';
import type { LinkTls } from './link-tls.js';

/**
 * The environment every component receives from its constructor (DESIGN.md §6): the only
 * way to reach the clock, timers, randomness, disk and network. src/env holds the real
 * implementations; the simulator provides deterministic ones.
 */
export interface Env {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: RandomSource;
  readonly disk: Disk;
  readonly net: Net;
  readonly log: Log;
  /** This process's TLS identity on the links between roles (gRPC, etcd); absent or null: plaintext (link-tls.ts). */
  readonly linkTls?: LinkTls | null;
  /** CPU time this process has used (user and system), in µs; absent where there is no process to measure (the simulator). */
  readonly processCpuUs?: () => number;
}

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A file opened for the journal: positioned reads, appends, and an explicit durability point. */
export interface FileHandle {
  read(position: number, length: number): Promise<Uint8Array>;
  /** Appends at the end of the file (not durable until sync). */
  append(data: Uint8Array): Promise<void>;
  /** Makes every completed write durable (fdatasync). */
  sync(): Promise<void>;
  /**
   * Writes at `position` (inside the file or at its end) and resolves once the bytes are
   * durable — one step where the platform has one (a write through O_DSYNC), which costs one
   * trip to the disk instead of a write and a sync. Inside a preallocated file the write
   * changes no metadata, so the file system has no journal commit of its own to make.
   */
  writeDurable(position: number, data: Uint8Array): Promise<void>;
  /** Writes zeros over [from, to), growing the file if `to` passes its end; durable on return. */
  zeroFill(from: number, to: number): Promise<void>;
  size(): Promise<number>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** One write of an atomic batch on an OrderedStore; value null deletes the key. */
export interface OrderedWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

export interface OrderedRangeOptions {
  readonly start: Uint8Array;
  /** Exclusive. */
  readonly end: Uint8Array;
  readonly reverse?: boolean;
  readonly limit?: number;
}

/**
 * A persistent map with bytewise-ordered keys and synchronous, snapshot-consistent reads
 * (LMDB in production, an in-memory sorted map in simulation).
 */
export interface OrderedStore {
  get(key: Uint8Array): Uint8Array | undefined;
  /** Entries with start <= key < end (reverse: from the end down), in key order. */
  range(options: OrderedRangeOptions): Iterable<{ key: Uint8Array; value: Uint8Array }>;
  /**
   * `range` without a copy per entry: an entry's key and value may be the store's own read
   * buffers, valid only until the iterator's next step or the store's next read or write. A
   * forward scan that copies what it keeps across steps takes this (LMDB otherwise makes two
   * Buffers per entry, the larger part of a scan's cost); anything else takes `range`.
   */
  rangeInPlace(options: OrderedRangeOptions): Iterable<{ key: Uint8Array; value: Uint8Array }>;
  /** Applies the batch atomically; resolves when it is committed (not necessarily fsynced). */
  write(batch: readonly OrderedWrite[]): Promise<void>;
  /**
   * Makes the next reads see everything committed so far, by this process or another one
   * sharing the store (reads otherwise keep one snapshot until the event loop turns). Returns
   * false when nothing was committed since the last renew: what was read since then is current.
   */
  renew(): boolean;
  /**
   * Makes every committed batch durable. Stores do not fsync their batches (the journal is
   * the durable truth); a store filled from elsewhere (a restore) has no journal behind it.
   */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface Disk {
  open(path: string): Promise<FileHandle>;
  readFile(path: string): Promise<Uint8Array | null>;
  /** Writes a whole file durably and atomically (temporary file, fsync, rename). */
  writeFileAtomic(path: string, data: Uint8Array): Promise<void>;
  mkdir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Removes a file or a directory tree; absent is fine. */
  remove(path: string): Promise<void>;
  /** Renames a file or directory (atomically, on one file system). */
  rename(from: string, to: string): Promise<void>;
  /** Makes the directory's entries (creations, renames) durable. */
  syncDirectory(path: string): Promise<void>;
  openOrderedStore(path: string): OrderedStore;
}

/** A byte stream to a client, possibly upgraded to TLS in place. */
export interface ClientSocket {
  readonly remoteAddress: string;
  /** The client's port and the address and port it connected to, where the OS reports them. */
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  write(data: Uint8Array): void;
  end(): void;
  destroy(): void;
  /**
   * Delivers what the client sent. The chunk is valid only during the call (the socket reads
   * into a buffer it reuses): a handler copies whatever it keeps.
   */
  onData(handler: (chunk: Uint8Array) => void): void;
  onClose(handler: () => void): void;
  /** Pauses delivery of data (back-pressure). */
  pause(): void;
  resume(): void;
  /**
   * Starts a server-side TLS handshake on this socket. `replay` holds bytes already read that
   * belong to the handshake (a direct ClientHello). Data handlers then receive plaintext.
   */
  startTls(credentials: TlsCredentials, replay: Uint8Array | null, onSecure: (serverName: string | null) => void, onError: (error: Error) => void): void;
  readonly encrypted: boolean;
}

export interface TlsCredentials {
  readonly key: string;
  readonly cert: string;
}

export interface ListeningServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface Net {
  listen(host: string, port: number, onConnection: (socket: ClientSocket) => void): Promise<ListeningServer>;
  /**
   * Accepts connections without reading from them, so that another process can take them over
   * (the embedded cluster's query-processor workers).
   */
  listenForHandOff(host: string, port: number, onConnection: (socket: HandOffSocket) => void): Promise<ListeningServer>;
  /**
   * Takes over a connection another process accepted (see `listenForHandOff`). `preface`: bytes
   * already read from it (a peek), delivered to the first data handler before anything else.
   */
  adopt(handle: unknown, preface?: Uint8Array): ClientSocket;
  /** Serves HTTP/1.1 requests (the control-plane API), over TLS with `tls`; bodies are bounded by `maxBodyBytes`. */
  listenHttp(host: string, port: number, maxBodyBytes: number, handler: (request: HttpExchange) => Promise<HttpReply>, tls?: TlsCredentials | null): Promise<ListeningServer>;
}

/** One HTTP request as received: the path still escaped, the query string unparsed. */
export interface HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Lower-case names; repeated headers joined with ", " (Node's rule). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** An accepted connection nobody has read from yet. */
export interface HandOffSocket {
  /** The OS handle, to send over a process channel. */
  readonly handle: unknown;
  /** Answers with these bytes and closes (a refusal before any protocol state exists). */
  refuse(bytes: Uint8Array): void;
  /**
   * Reads the client's first bytes before anyone serves it (the relay's peek at the SSLRequest
   * and the TLS ClientHello). Each chunk is the handler's to keep. `stopPeeking` ends it: after
   * that nothing more is read until the connection is adopted or handed to another process,
   * with what was peeked as the preface. It returns any bytes read but not yet given to the
   * handler (none in practice: they belong at the end of the preface).
   */
  peek(handler: (chunk: Uint8Array) => void): void;
  stopPeeking(): Uint8Array;
  /** Writes during the peek (the `S` that answers an SSLRequest). */
  write(bytes: Uint8Array): void;
  destroy(): void;
  /** Called once when the connection closes (also when it is adopted or sent away). */
  onClose(handler: () => void): void;
}
