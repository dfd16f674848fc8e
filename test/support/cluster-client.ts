/**
 * A node-postgres client for one of an embedded node's clusters: reached through the node's one
 * port, named by its endpoint in the TLS SNI as DSQL routes (test/control's tests share it).
 */
import pg from 'pg';
import type { EmbeddedCluster } from '../../src/node/embedded.js';

export async function connectToCluster(node: EmbeddedCluster, endpoint: string, password?: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres',
    password: password ?? await node.tokenFor(endpoint),
    ssl: { rejectUnauthorized: false, servername: endpoint },
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}
