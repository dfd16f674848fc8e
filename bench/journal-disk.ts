/**
 * What one durable journal write costs on this machine's disk, through the injected Disk
 * (`NodeDisk`, the one the embedded journal uses): `--writes N` writes of `--bytes B` each,
 *
 *   - growing, O_DSYNC: each write lands at the end of the file and extends it (what the
 *     journal did before it preallocated): the file system also commits the new size/extents;
 *   - preallocated, O_DSYNC: the same writes over a zero-filled, synced file (what it does now);
 *   - growing, write + fdatasync and preallocated, write + fdatasync: the two-step variants.
 *
 *   npm run build && node dist/bench/journal-disk.js [--writes 1000] [--bytes 200] [--rounds 2]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDisk } from '../src/env/disk.js';
import type { FileHandle } from '../src/env/env.js';
import { option } from './options.js';

const writes = option('writes', 1000);
const recordBytes = option('bytes', 200);
const rounds = option('rounds', 2);

type Variant = (file: FileHandle, record: Uint8Array) => Promise<void>;

const VARIANTS: Record<string, { preallocate: boolean; run: Variant }> = {
  'growing, O_DSYNC': { preallocate: false, run: async (file, record) => {
    for (let i = 0; i < writes; i++) await file.writeDurable(i * record.length, record);
  } },
  'preallocated, O_DSYNC': { preallocate: true, run: async (file, record) => {
    for (let i = 0; i < writes; i++) await file.writeDurable(i * record.length, record);
  } },
  'growing, write + fdatasync': { preallocate: false, run: async (file, record) => {
    for (let i = 0; i < writes; i++) {
      await file.append(record);
      await file.sync();
    }
  } },
};

async function measure(disk: NodeDisk, directory: string, name: string, preallocate: boolean, run: Variant): Promise<void> {
  const path = join(directory, 'segment.log');
  await disk.remove(path);
  const file = await disk.open(path);
  try {
    if (preallocate) await file.zeroFill(0, writes * recordBytes);
    const record = new Uint8Array(recordBytes).fill(7);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(file, record);
    const elapsedUs = (performance.now() - started) * 1000;
    const used = process.cpuUsage(cpu);
    console.log(`${name.padEnd(28)} ${(elapsedUs / writes).toFixed(0).padStart(5)} µs per write, ${((used.user + used.system) / writes).toFixed(0)} µs CPU`);
  } finally {
    await file.close();
  }
}

const disk = new NodeDisk();
const directory = join(tmpdir(), `strata-journal-disk-${process.pid}`);
await disk.mkdir(directory);
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, variant] of Object.entries(VARIANTS)) await measure(disk, directory, name, variant.preallocate, variant.run);
  }
} finally {
  await disk.remove(directory);
}
