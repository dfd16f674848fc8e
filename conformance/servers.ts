/**
 * The two servers of a conformance run: a throwaway PostgreSQL 15 (test/support/postgres.ts)
 * and Strata's embedded cluster in a child process (strata-child.ts), which can be restarted on
 * its data directory when a statement wedges it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'strata-child.js');
const START_TIMEOUT_MS = 60_000;

export class StrataProcess {
  private child: ChildProcess | null = null;
  private info: { port: number; token: string } | null = null;
  restarts = 0;

  private constructor(readonly dataDir: string) {}

  static async start(): Promise<StrataProcess> {
    const strata = new StrataProcess(mkdtempSync(join(tmpdir(), 'strata-conformance-')));
    await strata.launch();
    return strata;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  config(): pg.ClientConfig {
    if (!this.info) throw new Error('Strata is not running');
    return { host: '127.0.0.1', port: this.info.port, user: 'admin', database: 'postgres', password: this.info.token };
  }

  /** Answers SELECT 1 within a few seconds, or is killed and started again on its data. */
  async ensureHealthy(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null && (await this.answers())) return;
    await this.kill();
    this.restarts++;
    await this.launch();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.child = null;
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async answers(): Promise<boolean> {
    const client = new pg.Client({ ...this.config(), connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await Promise.race([client.query('SELECT 1'), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 5_000))]);
      return true;
    } catch {
      return false;
    } finally {
      client.end().catch(() => {});
    }
  }

  private async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  private launch(): Promise<void> {
    const child = spawn(process.execPath, [CHILD, this.dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      let out = '';
      let settled = false;
      const timer = setTimeout(() => reject(new Error('Strata did not start')), START_TIMEOUT_MS);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (settled) return;
        out += chunk.toString('utf8');
        const newline = out.indexOf('\n');
        if (newline < 0) return;
        settled = true;
        clearTimeout(timer);
        try {
          const parsed = JSON.parse(out.slice(0, newline)) as { port: number; token: string };
          this.info = { port: parsed.port, token: parsed.token };
          resolve();
        } catch (error) {
          reject(error as Error);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!settled) reject(new Error(`Strata exited during startup (${signal ?? code})`));
      });
    });
  }
}

/** Stops the child on every way out of this process. */
export function stopOnExit(strata: StrataProcess): void {
  process.once('exit', () => {
    const pid = strata.pid;
    if (pid) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    rmSync(strata.dataDir, { recursive: true, force: true });
  });
}

/**
 * PostgreSQL set up as the harness uses it: connected to as `admin` (DSQL's user, so owners and
 * current_user agree) and with a statement timeout for every session. Returns the settings.
 */
export async function preparePostgres(postgres: { config: pg.ClientConfig; query(sql: string): Promise<unknown> }, timeoutMs: number): Promise<pg.ClientConfig> {
  await postgres.query("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'admin') THEN CREATE ROLE admin SUPERUSER LOGIN; END IF; END $$");
  await postgres.query(`ALTER DATABASE postgres SET statement_timeout = ${Math.round(timeoutMs)}`);
  return { ...postgres.config, user: 'admin' };
}
