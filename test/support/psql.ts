/** Runs the real psql client (`psql -X -v ON_ERROR_STOP=1 -c COMMAND`) against a server named by PG* variables. */
import { spawn } from 'node:child_process';

export interface PsqlRun { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/**
 * Asynchronously: a Strata server started by the test runs in the test's own process and must
 * keep serving while psql runs. `env` is added to this process's environment.
 */
export async function runPsql(env: Record<string, string | undefined>, command: string): Promise<PsqlRun> {
  const child = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-c', command], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  // 'close', not 'exit': the exit can come before the last of stdout has been read.
  const status = await new Promise<number | null>((r) => child.on('close', r));
  return { status, stdout, stderr };
}
