/**
 * Sessions as the same role on Strata and PostgreSQL 15, for the privilege tests. On PostgreSQL
 * `admin` is made like DSQL's (CREATEROLE, no superuser, owner of `public`, CREATE on the
 * database) and custom roles connect with trust auth; on Strata they connect with DbConnect
 * tokens. `same` runs statements on both and asserts rows, column types, tags and SQLSTATEs agree.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import pg from 'pg';
import { startTestCluster, type TestCluster } from './cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from './postgres.js';

export interface RolePair {
  readonly strata: pg.Client;
  readonly postgres: pg.Client;
}

export class RoleServers {
  private readonly clients: pg.Client[] = [];

  private constructor(readonly cluster: TestCluster, readonly server: TestPostgres) {}

  static async start(): Promise<RoleServers> {
    const [cluster, server] = await Promise.all([startTestCluster(), startPostgres()]);
    for (const sql of ['CREATE ROLE admin LOGIN CREATEROLE', 'GRANT CREATE ON DATABASE postgres TO admin', 'ALTER SCHEMA public OWNER TO admin']) await server.query(sql);
    return new RoleServers(cluster, server);
  }

  private async connect(config: pg.ClientConfig): Promise<pg.Client> {
    const client = new pg.Client(config);
    client.on('error', () => {});
    await client.connect();
    this.clients.push(client);
    return client;
  }

  /** A session as `user` on both servers. */
  async as(user: string): Promise<RolePair> {
    return { strata: await this.connect(await this.cluster.config(user)), postgres: await this.connect({ ...this.server.config, user }) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.end().catch(() => {})));
    await this.cluster.stop();
    await this.server.stop();
  }
}

export async function outcome(client: pg.Client, sql: string): Promise<unknown> {
  try {
    const r = await client.query(sql);
    return { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}`), rows: r.rows, command: r.command, count: r.rowCount };
  } catch (error) {
    const { code, message, detail } = error as pg.DatabaseError;
    return detail === undefined ? { error: code, message } : { error: code, message, detail };
  }
}

export async function same(pair: RolePair, statements: readonly string[]): Promise<void> {
  for (const sql of statements) assert.deepEqual(await outcome(pair.strata, sql), await outcome(pair.postgres, sql), sql);
}

/**
 * A test file's pair of servers: started before its tests with `setup` run as `admin` on both,
 * stopped after them; `skip` is why it cannot run here (no PostgreSQL), else false.
 */
export function useRoleServers(setup: readonly string[]): { readonly skip: string | false; admin(): RolePair; as(user: string): Promise<RolePair>; servers(): RoleServers } {
  const skip = postgresUnavailableReason() ?? false;
  let servers: RoleServers | null = null;
  let admin: RolePair | null = null;
  before(async () => {
    if (skip) return;
    servers = await RoleServers.start();
    admin = await servers.as('admin');
    await same(admin, setup);
  });
  after(async () => {
    await servers?.stop();
  });
  return {
    skip,
    admin() {
      if (!admin) throw new Error('the role servers are not started');
      return admin;
    },
    as(user) {
      if (!servers) throw new Error('the role servers are not started');
      return servers.as(user);
    },
    servers() {
      if (!servers) throw new Error('the role servers are not started');
      return servers;
    },
  };
}
