/**
 * The console of `strata start` in front of a node with created clusters: a token for a created
 * cluster signs in to that cluster (its endpoint is the TLS server name, which the shared port
 * routes by), with the certificate verified against `EmbeddedCluster.certificates()`, as
 * start.ts assembles it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, DSQLClient, waitUntilClusterActive } from '@aws-sdk/client-dsql';
import { startEmbedded } from '../../src/node/embedded.js';
import { startConsole } from '../../src/cli/console.js';

test('a created cluster\'s token signs in to that cluster, verified, and sees only its own tables', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'strata-console-created-'));
  const node = await startEmbedded({ dataDir: join(parent, 'data'), host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
  const client = new DSQLClient({ endpoint: `http://127.0.0.1:${node.apiPort}`, region: node.credentials.region, credentials: node.credentials });
  const web = await startConsole({ host: '127.0.0.1', port: 0, tls: null },
    { host: '127.0.0.1', port: node.port, ca: await node.certificates(), serverName: node.endpoint });
  let cookie = '';
  const call = async (path: string, body: unknown) => {
    const response = await fetch(new URL(path, web.url), {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'x-strata-console': '1', 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    });
    cookie = response.headers.get('set-cookie')?.split(';', 1)[0] ?? cookie;
    return { status: response.status, body: await response.json() as any };
  };
  try {
    const created = await client.send(new CreateClusterCommand({ deletionProtectionEnabled: false }));
    await waitUntilClusterActive({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { identifier: created.identifier });
    const endpoint = `${created.identifier}.dsql.${node.credentials.region}.on.aws`;

    const inCreated = await call('/api/sign-in', { user: 'admin', token: await node.tokenFor(endpoint) });
    assert.equal(inCreated.status, 200, JSON.stringify(inCreated.body));
    const ran = await call('/api/run', { connectionId: inCreated.body.connection.id, sql: 'CREATE TABLE only_here (id int PRIMARY KEY)' });
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    assert.equal(ran.body.statements[0].error ?? null, null, JSON.stringify(ran.body));

    const inDefault = await call('/api/sign-in', { user: 'admin', token: await node.token() });
    assert.equal(inDefault.status, 200, JSON.stringify(inDefault.body));
    const absent = await call('/api/run', { connectionId: inDefault.body.connection.id, sql: 'SELECT * FROM only_here' });
    assert.equal(absent.body.statements[0].error.code, '42P01', JSON.stringify(absent.body));
  } finally {
    await web.stop();
    client.destroy();
    await node.stop();
    await rm(parent, { recursive: true, force: true });
  }
});
