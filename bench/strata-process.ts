/** An embedded Strata as its own process for the benchmarks (`strata start` on a free port). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../src/env/ports.js';
import { root } from './options.js';

export interface StrataProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly dataDir: string;
  /** An admin token for the cluster, valid for `expiresInSeconds`. */
  token(expiresInSeconds?: number): string;
}

/** The node flags in bin/strata.js's `#!/usr/bin/env -S node …` line: run it as `npx strata` does. */
function shebangFlags(): string[] {
  const first = readFileSync(join(root, 'bin', 'strata.js'), 'utf8').split('\n', 1)[0]!;
  const words = first.split(/\s+/);
  return words.slice(words.indexOf('node') + 1);
}

/** `extraArgs` go to `strata start` after the data dir and port (e.g. `--workers 0`). */
export async function startStrata(extraArgs: readonly string[] = []): Promise<StrataProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, [...shebangFlags(), join(root, 'bin', 'strata.js'), 'start', '--data-dir', dataDir, '--port', String(port), ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('ready')) ok(); });
    child.on('exit', (code) => fail(new Error(`strata exited ${code}`)));
  });
  const token = (expiresInSeconds = 3600) => spawnSync(process.execPath,
    [join(root, 'bin', 'strata.js'), 'token', '--data-dir', dataDir, '--admin', '--expires-in', String(expiresInSeconds)], { encoding: 'utf8' }).stdout.trim();
  return { child, port: port!, dataDir, token };
}
