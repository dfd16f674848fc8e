import type { Disk } from '../env/env.js';

/**
 * A JSON file holding a part of the control plane's state (the cluster registry, the backup
 * jobs), written whole after every change (write, fsync, rename: Disk.writeFileAtomic) and one
 * write at a time: each writes the state as it is when it starts, so a crash leaves the last
 * whole state on disk and an earlier save never lands after a later one.
 */
export class DurableJson {
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly disk: Disk, private readonly path: string, private readonly state: () => unknown, private readonly indent: number) {}

  /** Resolves once the state as it is now (or a later one) is on disk. */
  save(): Promise<void> {
    const write = () => this.disk.writeFileAtomic(this.path, Buffer.from(`${JSON.stringify(this.state(), null, this.indent)}\n`));
    this.saving = this.saving.then(write, write);
    return this.saving;
  }
}
