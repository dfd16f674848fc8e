import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NodeDisk } from '../env/disk.js';
import { SystemClock } from '../env/clock.js';
import { SystemRandom } from '../env/random.js';
import { loadOrCreateIdentity } from '../node/identity.js';
import { TokenAuthenticator } from '../qp/auth/token-authenticator.js';
import { tokenCommand } from './token.js';

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await tokenCommand(args, (line) => out.push(line), (line) => err.push(line));
  return { status, out, err };
}

async function withDataDir(body: (dir: string) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), 'strata-token-'));
  try {
    await body(join(parent, 'data'));
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

function startup(user: string, serverName: string | null = null) {
  return { user, database: 'postgres', parameters: new Map<string, string>(), serverName };
}

test('strata token prints one token that the cluster of that data dir accepts', async () => {
  await withDataDir(async (dir) => {
    const admin = await run(['--data-dir', dir, '--admin']);
    assert.deepEqual([admin.status, admin.err], [0, []]);
    assert.equal(admin.out.length, 1);
    const identity = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), dir);
    assert.ok(admin.out[0]!.startsWith(`${identity.endpoint}/?Action=DbConnectAdmin&`));
    assert.match(admin.out[0]!, /&X-Amz-Expires=900&/);
    const verifier = new TokenAuthenticator({ credentials: identity, clock: new SystemClock(), roleExists: (name) => name === 'app' });
    await verifier.authenticate(startup('admin', identity.endpoint), admin.out[0]!);

    const plain = await run([`--data-dir=${dir}`]);
    assert.match(plain.out[0]!, /\?Action=DbConnectAdmin&/, 'admin by default');
    const app = await run(['--data-dir', dir, '--user', 'app', '--expires-in', '604800']);
    assert.equal(app.status, 0);
    assert.match(app.out[0]!, /\?Action=DbConnect&.*X-Amz-Expires=604800&/);
    await verifier.authenticate(startup('app'), app.out[0]!);
  });
});

test('strata token rejects bad options with a clear message and status 2', async () => {
  await withDataDir(async (dir) => {
    const cases: [string[], RegExp][] = [
      [['--expires-in', '0'], /--expires-in must be a whole number of seconds from 1 to 604800 \(one week\), got "0"/],
      [['--expires-in', '604801'], /from 1 to 604800/],
      [['--expires-in', '1.5'], /got "1\.5"/],
      [['--expires-in', 'soon'], /got "soon"/],
      [['--expires-in'], /option --expires-in needs a value/],
      [['--admin', '--user', 'app'], /--admin and --user app contradict each other/],
      [['--user', ''], /--user needs a role name/],
      [['--verbose'], /unknown option "--verbose"/],
    ];
    for (const [args, message] of cases) {
      const result = await run(['--data-dir', dir, ...args]);
      assert.equal(result.status, 2, args.join(' '));
      assert.deepEqual(result.out, []);
      assert.match(result.err[0]!, message);
      assert.match(result.err[1]!, /^usage: strata token/);
    }
  });
});

test('`strata token` through bin/strata.js prints only the token on stdout', async (t) => {
  const bin = fileURLToPath(new URL('../../../bin/strata.js', import.meta.url));
  await withDataDir(async (dir) => {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done, fail) => {
      execFile(process.execPath, [bin, 'token', '--data-dir', dir, '--admin'], (error, stdout, stderr) => (error ? fail(error) : done({ stdout, stderr })));
    }).catch((error: Error) => {
      t.diagnostic(`bin/strata.js failed: ${error.message}`);
      throw error;
    });
    assert.equal(stderr, '');
    assert.match(stdout, /^[a-z0-9]{26}\.dsql\.us-east-1\.on\.aws\/\?Action=DbConnectAdmin&\S+\n$/);
  });
});
