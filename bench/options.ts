/** What every bench script shares: the repository root and `--name N` options. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench scripts run from dist/bench). */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The number after `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
