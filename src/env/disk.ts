import { promises as fs, constants as fsConstants } from 'node:fs';
import { dirname } from 'node:path';
import type { Disk, FileHandle } from './env.js';
import type { OrderedStore } from './env.js';
import { LmdbOrderedStore } from './lmdb-store.js';

/** Zero-filling goes through a buffer of at most this size (a few large durable writes). */
const ZERO_FILL_CHUNK_BYTES = 1024 * 1024;

class NodeFileHandle implements FileHandle {
  /** A second descriptor on the same file whose writes are positioned and durable when they return. */
  private durable: fs.FileHandle | null = null;

  constructor(private readonly handle: fs.FileHandle, private readonly path: string) {}

  async read(position: number, length: number): Promise<Uint8Array> {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }

  async append(data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, null);
      done += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.handle.datasync();
  }

  async writeDurable(position: number, data: Uint8Array): Promise<void> {
    await this.writeAt(await this.durableDescriptor(), data, position);
  }

  async zeroFill(from: number, to: number): Promise<void> {
    const durable = await this.durableDescriptor();
    const zeros = Buffer.alloc(Math.min(ZERO_FILL_CHUNK_BYTES, Math.max(0, to - from)));
    for (let offset = from; offset < to; offset += zeros.length) {
      await this.writeAt(durable, zeros.subarray(0, Math.min(zeros.length, to - offset)), offset);
    }
  }

  /** Not O_APPEND (Linux ignores the position of a write on an O_APPEND descriptor). */
  private async durableDescriptor(): Promise<fs.FileHandle> {
    this.durable ??= await fs.open(this.path, fsConstants.O_WRONLY | fsConstants.O_DSYNC);
    return this.durable;
  }

  private async writeAt(descriptor: fs.FileHandle, data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await descriptor.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async close(): Promise<void> {
    await this.durable?.close();
    await this.handle.close();
  }
}

/** The real disk: node:fs for files, LMDB for ordered stores. */
export class NodeDisk implements Disk {
  async open(path: string): Promise<FileHandle> {
    // O_APPEND so every append lands at the end even after a truncate of a torn tail.
    const handle = await fs.open(path, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_APPEND, 0o600);
    return new NodeFileHandle(handle, path);
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    try {
      return await fs.readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
    const temporary = `${path}.tmp`;
    const handle = await fs.open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, path);
    await this.syncDirectory(dirname(path));
  }

  async syncDirectory(path: string): Promise<void> {
    const directory = await fs.open(path, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  async mkdir(path: string): Promise<void> {
    await fs.mkdir(path, { recursive: true });
  }

  async remove(path: string): Promise<void> {
    await fs.rm(path, { recursive: true, force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await fs.rename(from, to);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fs.access(path);
      return true;
    } catch {
      return false;
    }
  }

  openOrderedStore(path: string): OrderedStore {
    return new LmdbOrderedStore(path);
  }
}
