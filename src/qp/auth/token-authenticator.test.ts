import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DsqlSigner } from '@aws-sdk/dsql-signer';
import { SqlError } from '../../contracts/errors.js';
import type { StartupInfo } from '../../contracts/sql-session.js';
import type { Clock } from '../../contracts/time.js';
import { SystemClock } from '../../env/clock.js';
import { TokenAuthenticator } from './token-authenticator.js';
import { createToken, type TokenCredentials } from './token.js';

const credentials: TokenCredentials = {
  endpoint: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws',
  region: 'us-east-1',
  accessKeyId: 'AKIAABCDEFGHIJKLMNOP',
  secretAccessKey: 'abcdefghijklmnopqrstuvwxyz0123456789+/AB',
};

const T0_US = Date.UTC(2026, 0, 15, 12, 0, 0) * 1000;
const SECOND_US = 1_000_000;

function fixedClock(us: number): Clock {
  return { now: () => ({ earliest: us, latest: us }) };
}

function startup(user: string, extra: Partial<StartupInfo> = {}): StartupInfo {
  return { user, database: 'postgres', parameters: new Map(), serverName: null, ...extra };
}

function authenticator(clockUs = T0_US + 10 * SECOND_US, roleExists?: (name: string) => boolean): TokenAuthenticator {
  return new TokenAuthenticator({ credentials, clock: fixedClock(clockUs), ...(roleExists ? { roleExists } : {}) });
}

function token(user: string, expiresInSeconds = 900, nowUs = T0_US, creds = credentials): Promise<string> {
  return createToken({ credentials: creds, user, expiresInSeconds, nowUs });
}

/** Expects DSQL's refusal: FATAL 08006 "unable to accept connection, access denied" with this hint. */
async function denied(promise: Promise<void>, hint: RegExp | string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SqlError, String(error));
    assert.equal(error.severity, 'FATAL');
    assert.equal(error.code, '08006');
    assert.equal(error.message, 'unable to accept connection, access denied');
    if (typeof hint === 'string') assert.equal(error.hint, hint);
    else assert.match(error.hint ?? '', hint);
    return true;
  });
}

function replaceParam(text: string, name: string, value: string): string {
  const replaced = text.replace(new RegExp(`([?&])${name}=[^&]*`), `$1${name}=${value}`);
  assert.notEqual(replaced, text);
  return replaced;
}

test('tokens from our generator verify, for admin and for an existing custom role', async () => {
  await authenticator().authenticate(startup('admin'), await token('admin'));
  await authenticator(undefined, (name) => name === 'app').authenticate(startup('app'), await token('app'));
  // The SNI, when sent, must be the endpoint (case does not matter in DNS).
  await authenticator().authenticate(startup('admin', { serverName: credentials.endpoint.toUpperCase() }), await token('admin'));
  // node-postgres users sometimes paste the URL with its scheme.
  await authenticator().authenticate(startup('admin'), `https://${await token('admin')}`);
});

test('tokens from the real AWS signer verify (it reads the real clock, so the verifier does too)', async () => {
  const verifier = new TokenAuthenticator({ credentials, clock: new SystemClock(), roleExists: (name) => name === 'app' });
  for (const expiresIn of [undefined, 60, 604_800]) {
    const signer = new DsqlSigner({
      hostname: credentials.endpoint, region: credentials.region,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      ...(expiresIn === undefined ? {} : { expiresIn }),
    });
    await verifier.authenticate(startup('admin', { serverName: credentials.endpoint }), await signer.getDbConnectAdminAuthToken());
    await verifier.authenticate(startup('app'), await signer.getDbConnectAuthToken());
  }
});

test('a tampered signature is refused', async () => {
  const good = await token('admin');
  const signature = /X-Amz-Signature=([0-9a-f]{64})/.exec(good)![1]!;
  const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
  const hint = /^The request signature we calculated does not match/;
  await denied(authenticator().authenticate(startup('admin'), replaceParam(good, 'X-Amz-Signature', flipped)), hint);
  await denied(authenticator().authenticate(startup('admin'), replaceParam(good, 'X-Amz-Signature', signature.slice(1))), hint);
  // Changing a signed value (the expiry) without re-signing breaks the signature too.
  await denied(authenticator().authenticate(startup('admin'), replaceParam(good, 'X-Amz-Expires', '901')), hint);
  // So does a token signed with another secret for the same key id.
  await denied(authenticator().authenticate(startup('admin'), await token('admin', 900, T0_US, { ...credentials, secretAccessKey: 'y'.repeat(40) })), hint);
});

test('a token signed with another access key id is refused', async () => {
  const other = await token('admin', 900, T0_US, { ...credentials, accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ' });
  await denied(authenticator().authenticate(startup('admin'), other), 'The security token included in the request is invalid.');
});

test('a token for another host, or presented over another SNI name, is refused', async () => {
  const other = await token('admin', 900, T0_US, { ...credentials, endpoint: 'zzzzzzzzzzzzzzzzzzzzzzzzzz.dsql.us-east-1.on.aws' });
  await denied(authenticator().authenticate(startup('admin'), other), /^The token was signed for host "zzzz.*", not for this cluster's endpoint/);
  await denied(authenticator().authenticate(startup('admin', { serverName: 'other.example' }), await token('admin')), /but the connection was made to "other\.example"/);
  // Another region's scope for the right host: the region in the credential scope is checked.
  const otherRegion = await token('admin', 900, T0_US, { ...credentials, region: 'eu-west-1' });
  await denied(authenticator().authenticate(startup('admin'), otherRegion), "Credential should be scoped to a valid region, not 'eu-west-1'.");
});

test('an expired token is refused with the Signature expired hint; it is valid through its last second', async () => {
  const text = await token('admin', 900);
  await authenticator(T0_US + 900 * SECOND_US).authenticate(startup('admin'), text);
  await denied(authenticator(T0_US + 900 * SECOND_US + 1).authenticate(startup('admin'), text),
    'Signature expired: 20260115T120000Z is now earlier than 20260115T120000Z (20260115T121500Z - 900 sec.)');
  await denied(authenticator(T0_US + 3600 * SECOND_US).authenticate(startup('admin'), text), /^Signature expired: 20260115T120000Z is now earlier than 20260115T124500Z/);
});

test('a token dated in the future beyond the clock skew is refused', async () => {
  const text = await token('admin', 900, T0_US + 16 * 60 * SECOND_US);
  await denied(authenticator(T0_US).authenticate(startup('admin'), text), /^Signature not yet current: 20260115T121600Z is still later than 20260115T121500Z/);
  await authenticator(T0_US).authenticate(startup('admin'), await token('admin', 900, T0_US + 14 * 60 * SECOND_US));
});

test('X-Amz-Expires beyond a week, zero or not a number is refused', async () => {
  const good = await token('admin');
  await denied(authenticator().authenticate(startup('admin'), replaceParam(good, 'X-Amz-Expires', '604801')), 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  await denied(authenticator().authenticate(startup('admin'), replaceParam(good, 'X-Amz-Expires', '0')), 'X-Amz-Expires must be greater than 0');
  await denied(authenticator().authenticate(startup('admin'), replaceParam(good, 'X-Amz-Expires', '1e3')), 'X-Amz-Expires should be a number');
});

test('the token type must match the user: DbConnectAdmin for admin only', async () => {
  const withRole = authenticator(undefined, () => true);
  await denied(withRole.authenticate(startup('admin'), await token('myusername')), 'Wrong user to action mapping. user: admin, action: DbConnect');
  await denied(withRole.authenticate(startup('myusername'), await token('admin')), 'Wrong user to action mapping. user: myusername, action: DbConnectAdmin');
});

test('the database must be postgres (3D000, after the token is verified)', async () => {
  await assert.rejects(authenticator().authenticate(startup('admin', { database: 'mydb' }), await token('admin')),
    { code: '3D000', message: 'database "mydb" does not exist', severity: 'FATAL' });
  // A bad token is refused before the database is looked at.
  await denied(authenticator().authenticate(startup('admin', { database: 'mydb' }), 'hunter2'), 'IAM authentication failed for user "admin"');
});

test('roles other than admin must exist (28000); by default none does', async () => {
  await assert.rejects(authenticator().authenticate(startup('app'), await token('app')),
    { code: '28000', message: 'role "app" does not exist', severity: 'FATAL' });
  await assert.rejects(authenticator(undefined, (name) => name === 'other').authenticate(startup('app'), await token('app')), { code: '28000' });
  // admin exists whatever the callback says.
  await authenticator(undefined, () => false).authenticate(startup('admin'), await token('admin'));
});

test('what is not a well-formed presigned token is refused with the IAM authentication text', async () => {
  const good = await token('admin');
  const cases: [string, RegExp][] = [
    ['', /not a DSQL authentication token/],
    ['hunter2', /not a DSQL authentication token/],
    [good.replace(/&X-Amz-Date=[^&]*/, ''), /no X-Amz-Date parameter/],
    [`${good}&X-Amz-Extra=1`, /unexpected parameter X-Amz-Extra/],
    [`${good}&Action=DbConnectAdmin`, /twice/],
    [replaceParam(good, 'Action', 'DbConnectSuper'), /not DbConnect or DbConnectAdmin/],
    [replaceParam(good, 'X-Amz-Algorithm', 'AWS4-HMAC-SHA1'), /AWS4-HMAC-SHA256/],
    [replaceParam(good, 'X-Amz-SignedHeaders', 'host%3Bx-amz-date'), /exactly the host header/],
    [replaceParam(good, 'X-Amz-Date', '20261315T120000Z'), /is not a date/],
  ];
  for (const [text, detail] of cases) {
    await assert.rejects(authenticator().authenticate(startup('admin'), text), (error: unknown) => {
      assert.ok(error instanceof SqlError);
      assert.equal(error.code, '08006');
      assert.equal(error.hint, 'IAM authentication failed for user "admin"');
      assert.match(error.detail ?? '', detail, text);
      return true;
    });
  }
  await denied(authenticator().authenticate(startup('admin'), `${good}&X-Amz-Security-Token=abc`), 'The security token included in the request is invalid.');
});
