import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbedded, type EmbeddedCluster, type EmbeddedOptions } from '../../src/node/embedded.js';

/** A fresh embedded cluster in a temporary data directory, on an ephemeral loopback port. */
export interface TestCluster {
  readonly cluster: EmbeddedCluster;
  readonly dataDir: string;
  client(options?: Partial<pg.ClientConfig>): Promise<pg.Client>;
  config(user?: string): Promise<pg.ClientConfig>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: Partial<EmbeddedOptions> = {}): Promise<TestCluster> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'strata-test-'));
  const cluster = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, quiet: true, ...options });
  const clients: pg.Client[] = [];
  const config = async (user = 'admin'): Promise<pg.ClientConfig> => ({
    host: '127.0.0.1', port: cluster.port, user, database: 'postgres', password: await cluster.token(user),
  });
  return {
    cluster,
    dataDir,
    config,
    async client(extra = {}) {
      const client = new pg.Client({ ...(await config()), ...extra });
      client.on('error', () => {});
      await client.connect();
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await cluster.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs a query expecting an error; returns the error (fails the test when none comes). */
export async function expectError(client: pg.Client, sql: string, params?: unknown[]): Promise<pg.DatabaseError> {
  try {
    await client.query(sql, params);
  } catch (error) {
    return error as pg.DatabaseError;
  }
  throw new Error(`expected an error from: ${sql}`);
}
