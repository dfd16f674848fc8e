import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DsqlSigner } from '@aws-sdk/dsql-signer';
import {
  actionFor, createSigner, createToken, expiryProblem, formatAmzDate, parseAmzDate, parseToken, presignToken,
  type TokenCredentials,
} from './token.js';

const credentials: TokenCredentials = {
  endpoint: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws',
  region: 'us-east-1',
  accessKeyId: 'AKIAABCDEFGHIJKLMNOP',
  secretAccessKey: 'abcdefghijklmnopqrstuvwxyz0123456789+/AB',
};

// 2024-11-07T17:39:33.250Z
const SIGNING_US = Date.UTC(2024, 10, 7, 17, 39, 33, 250) * 1000;

test('a generated token has the shape of the AWS CLI example', async () => {
  const token = await createToken({ credentials, user: 'admin', expiresInSeconds: 3600, nowUs: SIGNING_US });
  assert.match(token, new RegExp(
    '^abcdefghijklmnopqrstuvwxyz\\.dsql\\.us-east-1\\.on\\.aws/\\?Action=DbConnectAdmin&X-Amz-Algorithm=AWS4-HMAC-SHA256'
    + '&X-Amz-Credential=AKIAABCDEFGHIJKLMNOP%2F20241107%2Fus-east-1%2Fdsql%2Faws4_request&X-Amz-Date=20241107T173933Z'
    + '&X-Amz-Expires=3600&X-Amz-Signature=[0-9a-f]{64}&X-Amz-SignedHeaders=host$'));
  const custom = await createToken({ credentials, user: 'app', nowUs: SIGNING_US });
  assert.match(custom, /\/\?Action=DbConnect&.*X-Amz-Expires=900&/);
});

test('generation is deterministic for a given clock reading, and the signature depends on the secret', async () => {
  const clock = { now: () => ({ earliest: SIGNING_US, latest: SIGNING_US + 10 }) };
  const a = await createToken({ credentials, user: 'admin', clock });
  const b = await createToken({ credentials, user: 'admin', nowUs: SIGNING_US });
  assert.equal(a, b);
  const other = await createToken({ credentials: { ...credentials, secretAccessKey: 'x'.repeat(40) }, user: 'admin', nowUs: SIGNING_US });
  assert.notEqual(other, a);
});

test('the generator produces byte for byte what @aws-sdk/dsql-signer produces', async () => {
  for (const [expiresIn, admin] of [[900, true], [3600, false], [604_800, true]] as const) {
    const signer = new DsqlSigner({ hostname: credentials.endpoint, region: credentials.region, expiresIn, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } });
    const real = admin ? await signer.getDbConnectAdminAuthToken() : await signer.getDbConnectAuthToken();
    // The AWS signer reads the real clock: sign ours at the moment it chose.
    const parsed = parseToken(real);
    assert.ok(typeof parsed !== 'string');
    const signedAt = parseAmzDate(parsed.params.get('X-Amz-Date')!);
    assert.ok(signedAt !== null);
    const ours = await createToken({ credentials, user: admin ? 'admin' : 'app', expiresInSeconds: expiresIn, nowUs: signedAt * 1000 + 999_999 });
    assert.equal(ours, real);
  }
});

test('expiry bounds: 1..604800 whole seconds', async () => {
  assert.equal(expiryProblem(1), null);
  assert.equal(expiryProblem(604_800), null);
  for (const bad of [0, -1, 1.5, 604_801, Number.NaN]) assert.match(expiryProblem(bad)!, /from 1 to 604800/);
  await assert.rejects(createToken({ credentials, user: 'admin', expiresInSeconds: 604_801, nowUs: SIGNING_US }), RangeError);
  await assert.rejects(createToken({ credentials, user: 'admin' }), TypeError);
});

test('parseToken splits host and query and rejects what is not a token', () => {
  const parsed = parseToken('https://h.example/?A=1&B=x%2Fy');
  assert.ok(typeof parsed !== 'string');
  assert.equal(parsed.host, 'h.example');
  assert.deepEqual([...parsed.params], [['A', '1'], ['B', 'x/y']]);
  for (const bad of ['hunter2', '/?A=1', 'h/?A=1&A=2', 'h/?A', 'h/?A=%E0%A4%A', `h/?A=${'x'.repeat(9000)}`]) {
    assert.equal(typeof parseToken(bad), 'string', bad);
  }
});

test('X-Amz-Date round-trips and rejects impossible dates', () => {
  assert.equal(formatAmzDate(Date.UTC(2024, 10, 7, 17, 39, 33, 999)), '20241107T173933Z');
  assert.equal(parseAmzDate('20241107T173933Z'), Date.UTC(2024, 10, 7, 17, 39, 33));
  for (const bad of ['20241332T000000Z', '20240230T000000Z', '2024-11-07T17:39:33Z', '20241107T173933']) assert.equal(parseAmzDate(bad), null, bad);
});

test('actionFor maps admin to DbConnectAdmin and every other role to DbConnect', () => {
  assert.equal(actionFor('admin'), 'DbConnectAdmin');
  assert.equal(actionFor('Admin'), 'DbConnect');
  assert.equal(actionFor('app'), 'DbConnect');
});

test('presignToken signs the host as given (the verifier re-signs a token with its own spelling)', async () => {
  const signer = createSigner(credentials);
  const date = new Date(SIGNING_US / 1000);
  const lower = await presignToken(signer, credentials.endpoint, 'DbConnect', date, 900);
  const upper = await presignToken(signer, credentials.endpoint.toUpperCase(), 'DbConnect', date, 900);
  assert.ok(upper.startsWith(credentials.endpoint.toUpperCase()));
  const signature = (token: string) => /X-Amz-Signature=([0-9a-f]{64})/.exec(token)![1];
  assert.notEqual(signature(lower), signature(upper));
});
