/**
 * A client's side of a connection for protocol tests without a network: a plain ClientSocket
 * that records what the server wrote and whether it closed, and the frontend messages a test
 * sends through it.
 */
import type { ClientSocket } from '../env/env.js';

/** A plain socket that records writes and whether it was closed; `send` delivers client bytes. */
export class FakeClientSocket implements ClientSocket {
  encrypted = false;
  readonly remoteAddress = '127.0.0.1';
  readonly written: Uint8Array[] = [];
  destroyed = false;
  private data: ((chunk: Uint8Array) => void) | null = null;
  private close: (() => void) | null = null;
  write(data: Uint8Array): void { this.written.push(data); }
  end(): void {}
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.close?.();
  }
  onData(handler: (chunk: Uint8Array) => void): void { this.data = handler; }
  onClose(handler: () => void): void { this.close = handler; }
  pause(): void {}
  resume(): void {}
  startTls(): void { throw new Error('no TLS here'); }
  send(bytes: Uint8Array): void { this.data!(bytes); }
}

export function startupPacket(): Uint8Array {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0admin\0\0', 'latin1')]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([length, body]);
}

export function passwordMessage(): Uint8Array {
  const body = Buffer.from('token\0', 'latin1');
  const head = Buffer.from([0x70, 0, 0, 0, 0]);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** A Sync message (ends an extended-protocol exchange: the server answers ReadyForQuery). */
export function syncMessage(): Uint8Array {
  return Uint8Array.from([0x53, 0, 0, 0, 4]);
}

/** Every ErrorResponse's SQLSTATE (its C field) in what the server wrote, in order. */
export function errorCodes(written: readonly Uint8Array[]): string[] {
  const bytes = Buffer.concat(written);
  const codes: string[] = [];
  for (let at = 0; at + 5 <= bytes.length;) {
    const type = bytes[at]!;
    const length = bytes.readInt32BE(at + 1);
    if (type === 0x45) {
      const fields = bytes.subarray(at + 5, at + 1 + length).toString('latin1').split('\0');
      const code = fields.find((f) => f.startsWith('C'));
      if (code !== undefined) codes.push(code.slice(1));
    }
    at += 1 + length;
  }
  return codes;
}
