/**
 * `strata backup` and `strata restore` (offline, for laptop users): refused while a server
 * holds the data directory; a backup restored into another data directory as a new cluster
 * that the next start serves; a restore into an existing id, or from a corrupt file, refused
 * with nothing created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbedded } from '../../src/node/embedded.js';
import { backupCommand, restoreCommand } from '../../src/cli/backup.js';
import { connectToCluster } from '../support/cluster-client.js';

const STRATA = fileURLToPath(new URL('../../../bin/strata.js', import.meta.url));


function run(command: (args: string[], out: (line: string) => void, err: (line: string) => void) => Promise<number>, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return command(args, (line) => { out += `${line}\n`; }, (line) => { err += `${line}\n`; }).then((code) => ({ code, out, err }));
}

test('strata backup and strata restore: offline, refused while served, a new cluster every time', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'strata-backup-cli-'));
  try {
    const source = join(parent, 'source');
    const file = join(parent, 'source.backup');
    let node = await startEmbedded({ dataDir: source, host: '127.0.0.1', port: 0, quiet: true });
    const client = await connectToCluster(node, node.endpoint);
    await client.query('CREATE TABLE t (id int PRIMARY KEY, note text)');
    await client.query("INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 500) g");
    await client.end();

    // Another process may not open the journal the server writes.
    const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [STRATA, 'backup', '--data-dir', source, '--to', file], (error, _stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number), stderr }));
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is in use by strata start/);
    await node.stop();

    const backedUp = await run(backupCommand, ['--data-dir', source, '--to', file]);
    assert.equal(backedUp.code, 0, backedUp.err);
    assert.match(backedUp.out, /wrote .*source\.backup: cluster [a-z0-9]{26} as of commit timestamp \d+/);
    assert.equal((await run(backupCommand, ['--data-dir', source, '--to', file])).code, 1, 'an existing file is not overwritten');

    const target = join(parent, 'target');
    const id = 'r'.repeat(26);
    const restored = await run(restoreCommand, ['--data-dir', target, '--from', file, '--cluster-id', id]);
    assert.equal(restored.code, 0, restored.err);
    assert.match(restored.out, new RegExp(`as new cluster ${id}`));
    const again = await run(restoreCommand, ['--data-dir', target, '--from', file, '--cluster-id', id]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists/);

    const corrupt = join(parent, 'corrupt.backup');
    const bytes = await readFile(file);
    bytes[bytes.length - 3]! ^= 0x10;
    await writeFile(corrupt, bytes);
    const bad = await run(restoreCommand, ['--data-dir', target, '--from', corrupt]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /corrupt/);
    assert.deepEqual((await readdir(join(target, 'clusters'))).filter((name) => name !== 'registry.json' && name !== 'tls').sort(), [id], 'nothing else was created');

    node = await startEmbedded({ dataDir: target, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
    try {
      const copy = await connectToCluster(node, `${id}.dsql.${node.credentials.region}.on.aws`);
      assert.deepEqual((await copy.query('SELECT count(*)::int AS n, max(note) AS m FROM t')).rows[0], { n: 500, m: 'row 99' });
      await copy.query("INSERT INTO t VALUES (501, 'new')");
      await copy.end();
    } finally {
      await node.stop();
    }
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
