/**
 * gRPC transport between roles (contracts in proto/strata.proto; servers on node:http2 directly,
 * lean-grpc-server.ts; clients' streams on lean-grpc.ts, unary calls through `@grpc/grpc-js`). Handlers and
 * calls deal in plain objects shaped as the proto messages (bytes as Buffer, uint64 as number).
 * A handler's SqlError travels as its SQLSTATE and message and is thrown again at the caller;
 * every other failure reaches the caller as a TransportError with the gRPC status, so callers
 * can tell "the other side said no" from "the other side is gone".
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { SqlError } from '../contracts/errors.js';
import { TransportError } from './transport-error.js';
import { callHandlers, callsClient, fieldOf, leanCallsClient, serveCalls, type CallHandler, type CallsClient } from './grpc-calls.js';
import { errorFromStatus, grpcMessageText, LeanChannel } from './lean-grpc.js';
import { serveLeanGrpc, type LeanServerCall, type LeanServerHandler } from './lean-grpc-server.js';
import { SystemTimers } from './timers.js';
import { grpcChannelCredentials, type LinkTls } from './link-tls.js';

export type ServiceName = 'Adjudicator' | 'Storage';
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Message = Record<string, any>;
export type UnaryHandler = (request: Message) => Promise<Message>;
/** A server stream: push messages until the caller goes away (`onCancel`) or `end` is called. */
export interface ServerStream {
  /** False when the stream's buffer is full: wait for `drained` before pushing more. */
  push(message: Message): boolean;
  drained(): Promise<void>;
  end(): void;
  /** Ends the stream with `error`'s status: the caller's stream fails with its message. */
  fail(error: Error): void;
  onCancel(listener: () => void): void;
}
export type StreamHandler = (request: Message, stream: ServerStream) => void;
export type ServiceImplementation = Record<string, UnaryHandler | StreamHandler>;

/** DSQL's 10 MiB transactions and large scans travel in one message. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // A peer that vanished (kill -9, cable) is noticed within seconds, not at the TCP timeout.
  'grpc.keepalive_time_ms': 1_000,
  'grpc.keepalive_timeout_ms': 1_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.max_pings_without_data': 0,
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 500,
};

export { TransportError };

let loaded: grpc.GrpcObject | null = null;
function strataPackage(): grpc.GrpcObject {
  if (loaded === null) {
    const path = fileURLToPath(new URL('../../../proto/strata.proto', import.meta.url));
    const definition = protoLoader.loadSync(path, { keepCase: true, longs: Number, defaults: true, oneofs: true });
    loaded = (grpc.loadPackageDefinition(definition) as { strata: grpc.GrpcObject }).strata;
  }
  return loaded;
}

/** The methods a service's `Calls` stream carries: the oneof fields of its `<Service>Call` message. */
function methodsOverCalls(name: ServiceName): ReadonlySet<string> {
  const call = strataPackage()[`${name}Call`] as unknown as { type: { field: { name: string }[] } };
  return new Set(call.type.field.map((field) => field.name));
}

function serviceDefinition(name: ServiceName): grpc.ServiceDefinition {
  return (strataPackage()[name] as grpc.ServiceClientConstructor).service;
}

/**
 * A server stream's encoder that encodes each message object once: the adjudicator leader
 * pushes one notice object to every storage replica's stream (one per decision turn and replica
 * under load). The bytes are framed into each stream's own buffer, so the streams can share
 * them; a pushed message must not change afterwards (every push here builds a new object).
 */
function encodingOnce(encode: (message: Message) => Buffer): (message: Message) => Buffer {
  const encoded = new WeakMap<object, Buffer>();
  return (message) => {
    let bytes = encoded.get(message);
    if (bytes === undefined) {
      bytes = encode(message);
      encoded.set(message, bytes);
    }
    return bytes;
  };
}

/** Ends `call` with `error`: a SqlError as FAILED_PRECONDITION with its SQLSTATE and detail as metadata, anything else as INTERNAL. */
function failCall(call: LeanServerCall, error: unknown): void {
  if (error instanceof SqlError) {
    call.fail(grpc.status.FAILED_PRECONDITION, error.message, { sqlstate: error.code, ...(error.detail === undefined ? {} : { detail: error.detail }) });
    return;
  }
  call.fail(grpc.status.INTERNAL, (error as Error)?.message ?? String(error));
}

/** The one request message of a unary or server-stream call, decoded, once the caller has sent it. */
function withRequest(call: LeanServerCall, decode: (bytes: Buffer) => Message, run: (request: Message) => void): void {
  let request: Buffer | null = null;
  call.onMessage((bytes) => {
    if (request !== null) throw new Error('a second request message on a call that takes one');
    request = bytes;
  });
  call.onHalfClose(() => {
    if (request === null) {
      call.fail(grpc.status.INTERNAL, 'no request message');
      return;
    }
    let decoded: Message;
    try {
      decoded = decode(request);
    } catch (error) {
      call.fail(grpc.status.INTERNAL, `an undecodable request: ${(error as Error).message}`);
      return;
    }
    run(decoded);
  });
}

function unaryRoute(handler: UnaryHandler, spec: grpc.MethodDefinition<Message, Message>): LeanServerHandler {
  return (call) => withRequest(call, spec.requestDeserialize, (request) => {
    Promise.resolve().then(() => handler(request)).then((reply) => {
      if (call.ended) return;
      call.write(spec.responseSerialize(reply));
      call.end();
    }, (error: unknown) => failCall(call, error));
  });
}

function serverStreamRoute(handler: StreamHandler, spec: grpc.MethodDefinition<Message, Message>): LeanServerHandler {
  const encode = encodingOnce(spec.responseSerialize);
  return (call) => withRequest(call, spec.requestDeserialize, (request) => {
    handler(request, {
      push: (message) => call.write(encode(message)),
      drained: () => call.drained(),
      end: () => call.end(),
      fail: (error) => failCall(call, error),
      onCancel: (listener) => call.onClose(listener),
    });
  });
}

function callsRoute(handlers: Record<string, CallHandler>, spec: grpc.MethodDefinition<Message, Message>): LeanServerHandler {
  return (call) => serveCalls({
    onBatch: (listener) => call.onMessage((bytes) => listener(spec.requestDeserialize(bytes))),
    onCallerDone: (listener) => call.onHalfClose(listener),
    onGone: (listener) => call.onClose(listener),
    write: (batch) => { call.write(spec.responseSerialize(batch)); },
    end: () => call.end(),
  }, handlers);
}

export interface GrpcServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the services on the lean HTTP/2 server (lean-grpc-server.ts); the contracts and their
 * protobuf codecs are proto/strata.proto's through proto-loader, as grpc-js would use them.
 * `tls`: mutual TLS (link-tls.ts): a caller without a certificate from the cluster's CA is
 * refused; null: plaintext.
 */
export async function serveGrpc(host: string, port: number, services: Partial<Record<ServiceName, ServiceImplementation>>,
  tls: LinkTls | null = null): Promise<GrpcServer> {
  const routes = new Map<string, LeanServerHandler>();
  for (const [name, implementation] of Object.entries(services) as [ServiceName, ServiceImplementation][]) {
    const definition = serviceDefinition(name);
    for (const [method, spec] of Object.entries(definition)) {
      if (method === 'Calls') {
        // The service's unary methods over one stream (grpc-calls.ts).
        const unary = Object.fromEntries(Object.entries(definition).filter(([, s]) => !s.requestStream && !s.responseStream).map(([m]) => [m, implementation[m]]));
        routes.set(spec.path, callsRoute(callHandlers(unary), spec));
        continue;
      }
      const handler = implementation[method];
      if (handler === undefined) continue;
      if (spec.requestStream) throw new Error(`${name}.${method}: client streams are not served`);
      routes.set(spec.path, spec.responseStream ? serverStreamRoute(handler as StreamHandler, spec) : unaryRoute(handler as UnaryHandler, spec));
    }
  }
  return serveLeanGrpc(host, port, routes, tls, new SystemTimers());
}

export interface ClientStream {
  cancel(): void;
  pause(): void;
  resume(): void;
}

export interface GrpcClient {
  readonly address: string;
  unary(method: string, request: Message, deadlineMs: number): Promise<Message>;
  /**
   * The unary `method` over the service's `Calls` stream (grpc-calls.ts): the same reply and
   * the same errors, at a fraction of a unary call's cost.
   */
  call(method: string, request: Message, deadlineMs: number): Promise<Message>;
  /**
   * The unary `method` over the `Calls` stream with no answer: the other side runs its handler
   * and sends nothing back (only for services whose call message has `one_way`). Best effort.
   */
  send(method: string, request: Message): void;
  /**
   * A server stream's messages. `pause` stops taking them (HTTP/2 flow control then holds the
   * sender once the windows fill), `resume` takes them again.
   */
  stream(method: string, request: Message, onMessage: (message: Message) => void, onEnd: (error: Error | null) => void): ClientStream;
  close(): void;
}

/**
 * How a client's streams travel: 'lean' (lean-grpc.ts: node:http2 directly, the default: the
 * hot streams between roles) or 'grpc-js' (its channel, kept to test the two against each other).
 * Unary calls always go through grpc-js (tools and probes; not on a hot path).
 */
export type StreamTransport = 'lean' | 'grpc-js';

/** `tls`: this process's certificate, shown to the server, and the CA the server's must come from; null: plaintext. */
export function grpcClient(service: ServiceName, address: string, tls: LinkTls | null = null, transport: StreamTransport = 'lean'): GrpcClient {
  const definition = serviceDefinition(service);
  let grpcJs: (grpc.Client & Record<string, Function>) | null = null;
  const grpcJsClient = () => {
    const Client = strataPackage()[service] as grpc.ServiceClientConstructor;
    return grpcJs ??= new Client(address, grpcChannelCredentials(tls), CHANNEL_OPTIONS) as grpc.Client & Record<string, Function>;
  };
  let lean: LeanChannel | null = null;
  const leanChannel = () => lean ??= new LeanChannel(address, tls, new SystemTimers());
  let calls: CallsClient | null = null;
  // A method the stream's message has no field for would reach the other side as an empty call
  // (protobuf drops unknown fields): refuse it here, where the mistake is.
  const carried = methodsOverCalls(service);
  const overCalls = (method: string): CallsClient => {
    if (!carried.has(fieldOf(method))) throw new Error(`${service}.${method} is not carried by the Calls stream (no field in ${service}Call)`);
    if (calls !== null) return calls;
    const spec = definition['Calls']!;
    calls = transport === 'lean'
      ? leanCallsClient(leanChannel(), spec.path, { encodeCalls: spec.requestSerialize, decodeAnswers: spec.responseDeserialize })
      : callsClient(grpcJsClient());
    return calls;
  };
  return {
    address,
    async call(method, request, deadlineMs) {
      return overCalls(method).call(method, request, deadlineMs);
    },
    send(method, request) {
      overCalls(method).send(method, request);
    },
    unary(method, request, deadlineMs) {
      const client = grpcJsClient();
      return new Promise((resolve, reject) => {
        client[method]!.call(client, request, { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null, reply: Message) => {
          if (error === null) resolve(reply);
          else reject(fromServiceError(error));
        });
      });
    },
    stream(method, request, onMessage, onEnd) {
      return transport === 'lean' ? leanStream(leanChannel(), definition, method, request, onMessage, onEnd)
        : grpcJsStream(grpcJsClient(), method, request, onMessage, onEnd);
    },
    close: () => {
      calls?.close();
      lean?.close();
      grpcJs?.close();
    },
  };
}

/** A server stream over the lean channel, its messages decoded with the method's proto-loader codec. */
function leanStream(channel: LeanChannel, definition: grpc.ServiceDefinition, method: string, request: Message,
  onMessage: (message: Message) => void, onEnd: (error: Error | null) => void): ClientStream {
  const spec = definition[method];
  if (spec === undefined || !spec.responseStream || spec.requestStream) throw new Error(`${method} is not a server stream`);
  return channel.serverStream(spec.path, spec.requestSerialize(request), {
    onMessage: (bytes) => onMessage(spec.responseDeserialize(bytes)),
    onEnd,
  });
}

function grpcJsStream(client: grpc.Client & Record<string, Function>, method: string, request: Message,
  onMessage: (message: Message) => void, onEnd: (error: Error | null) => void): ClientStream {
  const call = client[method]!.call(client, request) as grpc.ClientReadableStream<Message>;
  let ended = false;
  const end = (error: Error | null) => {
    if (ended) return;
    ended = true;
    onEnd(error);
  };
  call.on('data', onMessage);
  call.on('error', (error: grpc.ServiceError) => end(fromServiceError(error)));
  call.on('end', () => end(null));
  return { cancel: () => { ended = true; call.cancel(); }, pause: () => { call.pause(); }, resume: () => { call.resume(); } };
}

function fromServiceError(error: grpc.ServiceError): Error {
  const sqlstate = error.metadata?.get('sqlstate')[0];
  const detail = error.metadata?.get('detail')[0];
  // Metadata values travel percent-encoded (lean-grpc-server.ts).
  if (typeof sqlstate === 'string') return errorFromStatus(error.code, error.details, sqlstate, typeof detail === 'string' ? grpcMessageText(detail) : undefined);
  return errorFromStatus(error.code, error.details || error.message, undefined, undefined);
}
