import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpExchange } from '../env/env.js';
import { FakeClock } from '../sim/fake-clock.js';
import { ApiError } from './api-error.js';
import { RequestSignature } from './request-signature.js';

const KEYS = { region: 'us-east-1', accessKeyId: 'AKIAABCDEFGHIJKLMNOP', secretAccessKey: 'a'.repeat(40) };
const NOW_MS = Date.UTC(2026, 10, 30, 8, 0, 0);

/** A request signed as the SDK signs it (header signature, the body's hash in x-amz-content-sha256). */
async function signed(body: string, options: { signingDate?: Date; secret?: string; query?: Record<string, string | string[]> } = {}): Promise<HttpExchange> {
  const signer = new SignatureV4({ service: 'dsql', region: KEYS.region, sha256: Sha256, credentials: { accessKeyId: KEYS.accessKeyId, secretAccessKey: options.secret ?? KEYS.secretAccessKey } });
  const request = new HttpRequest({
    method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8432, path: '/tags/arn%3Aaws%3Adsql%3Aus-east-1%3A123456789012%3Acluster%2Fabc',
    query: options.query ?? {}, headers: { host: '127.0.0.1:8432', 'content-type': 'application/json' }, body,
  });
  const out = await signer.sign(request, { signingDate: options.signingDate ?? new Date(NOW_MS) });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(out.headers)) headers[name.toLowerCase()] = String(value);
  const query = Object.entries(options.query ?? {}).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`)).join('&');
  return { method: 'POST', path: request.path, query, headers, body: Buffer.from(body) };
}

function verifier(): RequestSignature {
  return new RequestSignature(KEYS, new FakeClock(NOW_MS * 1000));
}

async function refusedAs(promise: Promise<unknown>, type: string): Promise<void> {
  await assert.rejects(promise, (error: ApiError) => error instanceof ApiError && error.type === type);
}

test('a request signed with the keys passes, query and escaped path included', async () => {
  await verifier().verify(await signed('{"tags":{"a":"b"}}', { query: { tagKeys: ['x', 'y z'] } }));
});

test('a changed body fails: its signed hash no longer matches, and without the hash the signature does not', async () => {
  const request = await signed('{"tags":{"a":"b"}}');
  await refusedAs(verifier().verify({ ...request, body: Buffer.from('{"tags":{"a":"c"}}') }), 'XAmzContentSHA256Mismatch');
  const { 'x-amz-content-sha256': _hash, ...headers } = request.headers;
  const authorization = headers['authorization']!.replace(/;x-amz-content-sha256/, '');
  await refusedAs(verifier().verify({ ...request, headers: { ...headers, authorization }, body: Buffer.from('{}') }), 'InvalidSignatureException');
});

test('the wrong secret, an unknown key, no signature, an old date: AWS\'s refusals', async () => {
  await refusedAs(verifier().verify(await signed('{}', { secret: 'b'.repeat(40) })), 'InvalidSignatureException');
  const request = await signed('{}');
  await refusedAs(verifier().verify({ ...request, headers: { ...request.headers, authorization: request.headers['authorization']!.replace(KEYS.accessKeyId, 'AKIAZZZZZZZZZZZZZZZZ') } }), 'UnrecognizedClientException');
  const { authorization: _auth, ...unsigned } = request.headers;
  await refusedAs(verifier().verify({ ...request, headers: unsigned }), 'MissingAuthenticationTokenException');
  await refusedAs(verifier().verify(await signed('{}', { signingDate: new Date(NOW_MS - 16 * 60_000) })), 'InvalidSignatureException');
  await refusedAs(verifier().verify({ ...request, headers: { ...request.headers, authorization: 'AWS4-HMAC-SHA256 nonsense' } }), 'IncompleteSignatureException');
});
