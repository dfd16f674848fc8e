/**
 * The control plane through AWS's own SDK (`@aws-sdk/client-dsql`, unchanged, its endpoint set
 * to Strata's API): the cluster lifecycle with the SDK's waiters and paginator, tags, deletion
 * protection, refusals of what Strata does not serve, and signatures; then SQL through the one
 * PostgreSQL port, routed by SNI: isolation between clusters, tokens bound to their cluster,
 * unknown clusters, sessions ended by DeleteCluster, and a restart that keeps every cluster.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import pg from 'pg';
import {
  CreateClusterCommand, DeleteClusterCommand, DSQLClient, GetClusterCommand, GetClusterPolicyCommand, ListClustersCommand,
  ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand, UpdateClusterCommand, paginateListClusters,
  waitUntilClusterActive, waitUntilClusterNotExists,
} from '@aws-sdk/client-dsql';
import { DsqlSigner } from '@aws-sdk/dsql-signer';
import { startEmbedded, type EmbeddedCluster } from '../../src/node/embedded.js';
import { connectToCluster } from '../support/cluster-client.js';

const WAIT = { maxWaitTime: 60, minDelay: 1, maxDelay: 1 };

function sdk(node: EmbeddedCluster, override: Partial<{ region: string; secretAccessKey: string; accessKeyId: string }> = {}): DSQLClient {
  return new DSQLClient({
    endpoint: `http://127.0.0.1:${node.apiPort}`,
    region: override.region ?? node.credentials.region,
    credentials: {
      accessKeyId: override.accessKeyId ?? node.credentials.accessKeyId,
      secretAccessKey: override.secretAccessKey ?? node.credentials.secretAccessKey,
    },
    maxAttempts: 1,
  });
}


async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

async function createActive(client: DSQLClient, input: ConstructorParameters<typeof CreateClusterCommand>[0] = {}): Promise<string> {
  const created = await client.send(new CreateClusterCommand({ deletionProtectionEnabled: false, ...input }));
  await waitUntilClusterActive({ client, ...WAIT }, { identifier: created.identifier });
  return created.identifier!;
}

async function destroy(client: DSQLClient, id: string): Promise<void> {
  await client.send(new DeleteClusterCommand({ identifier: id }));
  await waitUntilClusterNotExists({ client, ...WAIT }, { identifier: id });
}

describe('the control plane through @aws-sdk/client-dsql', () => {
  let parent: string;
  let dataDir: string;
  let node: EmbeddedCluster;
  let client: DSQLClient;

  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'strata-control-'));
    dataDir = join(parent, 'data');
    node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
    client = sdk(node);
  });

  after(async () => {
    client?.destroy();
    await node?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  test('create, get, list, update, tag and delete a cluster, with the waiters', async () => {
    const created = await client.send(new CreateClusterCommand({ tags: { team: 'payments' }, clientToken: 'lifecycle-1' }));
    assert.match(created.identifier!, /^[a-z0-9]{26}$/);
    assert.match(created.arn!, new RegExp(`^arn:aws:dsql:us-east-1:\\d{12}:cluster/${created.identifier}$`));
    assert.ok(created.status === 'CREATING' || created.status === 'ACTIVE');
    assert.equal(created.deletionProtectionEnabled, true, 'DSQL protects new clusters unless told otherwise');
    assert.ok(created.creationTime instanceof Date);
    assert.equal(created.endpoint, `${created.identifier}.dsql.us-east-1.on.aws`);

    const again = await client.send(new CreateClusterCommand({ tags: { team: 'payments' }, clientToken: 'lifecycle-1' }));
    assert.equal(again.identifier, created.identifier, 'the same client token answers the same cluster');
    const mismatch = await refusal(client.send(new CreateClusterCommand({ tags: { team: 'other' }, clientToken: 'lifecycle-1' })));
    assert.equal((mismatch as Error).name, 'ConflictException');

    await waitUntilClusterActive({ client, ...WAIT }, { identifier: created.identifier });
    const got = await client.send(new GetClusterCommand({ identifier: created.identifier }));
    assert.equal(got.status, 'ACTIVE');
    assert.deepEqual(got.tags, { team: 'payments' });
    assert.equal(got.creationTime!.getTime(), created.creationTime!.getTime());
    assert.deepEqual(got.encryptionDetails, { encryptionType: 'AWS_OWNED_KMS_KEY', encryptionStatus: 'ENABLED' });

    const protectedDelete = await refusal(client.send(new DeleteClusterCommand({ identifier: created.identifier })));
    assert.equal((protectedDelete as Error).name, 'ValidationException');
    assert.equal((protectedDelete as unknown as { reason: string }).reason, 'deletionProtectionEnabled');

    await client.send(new TagResourceCommand({ resourceArn: created.arn, tags: { env: 'test', owner: 'me' } }));
    await client.send(new UntagResourceCommand({ resourceArn: created.arn, tagKeys: ['owner'] }));
    const tags = await client.send(new ListTagsForResourceCommand({ resourceArn: created.arn }));
    assert.deepEqual(tags.tags, { team: 'payments', env: 'test' });

    const updated = await client.send(new UpdateClusterCommand({ identifier: created.identifier, deletionProtectionEnabled: false }));
    assert.equal(updated.identifier, created.identifier);
    assert.equal((await client.send(new GetClusterCommand({ identifier: created.identifier }))).deletionProtectionEnabled, false);

    const directory = join(dataDir, 'clusters', created.identifier!);
    assert.ok((await stat(directory)).isDirectory());
    const deleted = await client.send(new DeleteClusterCommand({ identifier: created.identifier }));
    assert.ok(deleted.status === 'DELETING');
    await waitUntilClusterNotExists({ client, ...WAIT }, { identifier: created.identifier });
    const gone = await refusal(client.send(new GetClusterCommand({ identifier: created.identifier })));
    assert.equal((gone as Error).name, 'ResourceNotFoundException');
    await assert.rejects(stat(directory), { code: 'ENOENT' }, 'its data is removed');
  });

  test('ListClusters pages with maxResults and nextToken, and lists the default cluster', async () => {
    const ids = [await createActive(client), await createActive(client), await createActive(client)];
    const pages: string[][] = [];
    for await (const page of paginateListClusters({ client, pageSize: 2 }, {})) {
      assert.ok(page.clusters!.length <= 2);
      pages.push(page.clusters!.map((c) => c.identifier!));
    }
    const listed = pages.flat();
    assert.ok(pages.length >= 2, 'more than one page');
    assert.equal(new Set(listed).size, listed.length, 'no cluster twice');
    for (const id of ids) assert.ok(listed.includes(id));
    const own = node.endpoint.split('.')[0]!;
    assert.ok(listed.includes(own), 'the data directory\'s own cluster is listed');
    const first = await client.send(new ListClustersCommand({ maxResults: 1 }));
    assert.equal(first.clusters!.length, 1);
    assert.ok(first.nextToken);
    assert.match(first.clusters![0]!.arn!, /^arn:aws:dsql:/);

    const ownDelete = await refusal(client.send(new DeleteClusterCommand({ identifier: own })));
    assert.equal((ownDelete as Error).name, 'ValidationException');
    assert.match((ownDelete as Error).message, /own cluster/);
    for (const id of ids) await destroy(client, id);
  });

  test('what Strata does not serve is refused by name', async () => {
    const multi = await refusal(client.send(new CreateClusterCommand({ multiRegionProperties: { witnessRegion: 'us-west-2' } })));
    assert.equal((multi as Error).name, 'ValidationException');
    assert.match((multi as Error).message, /Multi-Region/);
    const kms = await refusal(client.send(new CreateClusterCommand({ kmsEncryptionKey: 'arn:aws:kms:us-east-1:111122223333:key/abc' })));
    assert.equal((kms as Error).name, 'ValidationException');
    const policy = await refusal(client.send(new GetClusterPolicyCommand({ identifier: node.endpoint.split('.')[0]! })));
    assert.equal((policy as Error).name, 'ValidationException');
    assert.match((policy as Error).message, /not supported/);
    const missing = await refusal(client.send(new GetClusterCommand({ identifier: 'a'.repeat(26) })));
    assert.equal((missing as Error).name, 'ResourceNotFoundException');
  });

  test('a request not signed with the data directory\'s key is refused as AWS refuses it', async () => {
    const wrongSecret = sdk(node, { secretAccessKey: 'x'.repeat(40) });
    const bad = await refusal(wrongSecret.send(new ListClustersCommand({})));
    assert.equal((bad as Error).name, 'InvalidSignatureException');
    assert.equal((bad as unknown as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode, 403);
    const unknownKey = sdk(node, { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA' });
    assert.equal(((await refusal(unknownKey.send(new ListClustersCommand({})))) as Error).name, 'UnrecognizedClientException');
    const otherRegion = sdk(node, { region: 'eu-west-1' });
    assert.equal(((await refusal(otherRegion.send(new ListClustersCommand({})))) as Error).name, 'InvalidSignatureException');
    const response = await fetch(`http://127.0.0.1:${node.apiPort}/cluster`);
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    for (const c of [wrongSecret, unknownKey, otherRegion]) c.destroy();
  });

  test('each cluster is a database of its own, reached by SNI on the one port', async () => {
    const a = await createActive(client);
    const b = await createActive(client);
    const endpointA = `${a}.dsql.us-east-1.on.aws`;
    const endpointB = `${b}.dsql.us-east-1.on.aws`;
    const inA = await connectToCluster(node, endpointA);
    const inB = await connectToCluster(node, endpointB);
    const inDefault = await connectToCluster(node, node.endpoint);
    try {
      await inA.query('CREATE TABLE only_in_a (id int PRIMARY KEY, note text)');
      await inA.query("INSERT INTO only_in_a VALUES (1, 'a')");
      assert.deepEqual((await inA.query('SELECT note FROM only_in_a')).rows, [{ note: 'a' }]);
      for (const other of [inB, inDefault]) {
        const missing = await refusal(other.query('SELECT * FROM only_in_a'));
        assert.equal(missing.code, '42P01');
      }
      // A signer for the endpoint, as any DSQL user makes tokens, works unchanged.
      const signer = new DsqlSigner({ hostname: endpointB, region: 'us-east-1', credentials: node.credentials });
      const viaSigner = await connectToCluster(node, endpointB, await signer.getDbConnectAdminAuthToken());
      assert.deepEqual((await viaSigner.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      await viaSigner.end();

      // verify-full: created clusters present the data directory's *.dsql.<region>.on.aws certificate.
      const ca = await readFile(join(dataDir, 'clusters', 'tls', 'server.crt'), 'utf8');
      const verified = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.tokenFor(endpointA), ssl: { ca, servername: endpointA } });
      await verified.connect();
      assert.equal((await verified.query('SELECT count(*)::int AS n FROM only_in_a')).rows[0].n, 1);
      await verified.end();

      // A token names its cluster: A's token does not open B.
      const crossed = await refusal(connectToCluster(node, endpointB, await node.tokenFor(endpointA)));
      assert.equal(crossed.code, '08006');
      // No SNI (host=127.0.0.1) is the default cluster, as before clusters existed.
      const plain = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.token(), ssl: { rejectUnauthorized: false } });
      plain.on('error', () => {});
      await plain.connect();
      assert.equal((await refusal(plain.query('SELECT * FROM only_in_a'))).code, '42P01');
      await plain.end();
      const unencrypted = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.token(), ssl: false });
      unencrypted.on('error', () => {});
      await unencrypted.connect();
      assert.deepEqual((await unencrypted.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
      await unencrypted.end();
    } finally {
      await inA.end();
      await inB.end();
      await inDefault.end();
    }
    await destroy(client, a);
    await destroy(client, b);
  });

  test('a GSSENCRequest first (libpq with Kerberos credentials) still reaches the cluster its SNI names', async () => {
    const id = await createActive(client);
    const endpoint = `${id}.dsql.us-east-1.on.aws`;
    const socket = net.connect({ host: '127.0.0.1', port: node.port });
    const answer = () => new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]));
    assert.equal(await answer(), 'N');
    socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
    assert.equal(await answer(), 'S');
    const secure = tls.connect({ socket, servername: endpoint, rejectUnauthorized: false });
    await new Promise((resolve, reject) => { secure.once('secureConnect', resolve); secure.once('error', reject); });
    // The created clusters' shared certificate, not the default cluster's own.
    assert.equal(secure.getPeerCertificate().subject.CN, '*.dsql.us-east-1.on.aws');
    secure.destroy();
    await destroy(client, id);
  });

  test('an unknown or deleted cluster\'s endpoint gets a FATAL error that says so', async () => {
    const unknown = `${'z'.repeat(26)}.dsql.us-east-1.on.aws`;
    const error = await refusal(connectToCluster(node, unknown, await node.tokenFor(unknown)));
    assert.equal(error.code, '08006');
    assert.match(error.message, /cluster not found/);
  });

  test('DeleteCluster ends open sessions with 57P01 before removing the files', async () => {
    const id = await createActive(client);
    const endpoint = `${id}.dsql.us-east-1.on.aws`;
    const session = await connectToCluster(node, endpoint);
    const ended = new Promise<{ code?: string }>((resolve) => session.on('error', (error) => resolve(error as { code?: string })));
    await client.send(new DeleteClusterCommand({ identifier: id }));
    assert.equal((await ended).code, '57P01');
    await waitUntilClusterNotExists({ client, ...WAIT }, { identifier: id });
    const after = await refusal(connectToCluster(node, endpoint));
    assert.match(after.message, /cluster not found/);
  });
});

describe('clusters across a restart', () => {
  test('the registry and every cluster\'s data survive a restart', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'strata-control-restart-'));
    const dataDir = join(parent, 'data');
    try {
      let node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
      let client = sdk(node);
      const id = await createActive(client, { deletionProtectionEnabled: true, tags: { keep: 'yes' } });
      const endpoint = `${id}.dsql.us-east-1.on.aws`;
      const session = await connectToCluster(node, endpoint);
      await session.query('CREATE TABLE kept (id int PRIMARY KEY)');
      await session.query('INSERT INTO kept VALUES (42)');
      await session.end();
      client.destroy();
      await node.stop();

      node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
      client = sdk(node);
      try {
        const got = await client.send(new GetClusterCommand({ identifier: id }));
        assert.equal(got.status, 'ACTIVE');
        assert.equal(got.deletionProtectionEnabled, true);
        assert.deepEqual(got.tags, { keep: 'yes' });
        const again = await connectToCluster(node, endpoint);
        assert.deepEqual((await again.query('SELECT id FROM kept')).rows, [{ id: 42 }]);
        await again.end();
      } finally {
        client.destroy();
        await node.stop();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
