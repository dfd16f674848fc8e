/**
 * Real drivers from Debian's packages, unchanged: psycopg2 (libpq) and pgJDBC. Each runs a
 * small script against an embedded cluster; a driver that is not installed skips its test
 * with the reason (CI installs both).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

const sources = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'clients');
const JDBC_JAR = '/usr/share/java/postgresql.jar';

let t: TestCluster;
before(async () => { t = await startTestCluster(); });
after(async () => { await t.stop(); });

/** Runs a program asynchronously: the server lives in this process and must keep serving. */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  const child = spawn(command, args, { env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  const status = await new Promise<number | null>((r) => child.on('close', r));
  return { status, output };
}

const python = '/usr/bin/python3';
const hasPsycopg2 = existsSync(python) && spawnSync(python, ['-c', 'import psycopg2']).status === 0;
const hasJdbc = existsSync(JDBC_JAR) && spawnSync('java', ['-version']).status === 0;

test('psycopg2 works unchanged', { skip: hasPsycopg2 ? false : 'python3-psycopg2 is not installed' }, async () => {
  const result = await run(python, [join(sources, 'psycopg2_smoke.py')], { STRATA_PORT: String(t.port), STRATA_TOKEN: await t.token('admin') });
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /^ok$/m);
});

test('pgJDBC works unchanged', { skip: hasJdbc ? false : 'libpostgresql-jdbc-java or java is not installed', timeout: 120_000 }, async () => {
  const result = await run('java', ['-cp', JDBC_JAR, join(sources, 'JdbcSmoke.java')], { STRATA_PORT: String(t.port), STRATA_TOKEN: await t.token('admin') });
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /^ok$/m);
});

test('pgJDBC in a JVM zone other than UTC: the session takes its TimeZone, timestamps round-trip', { skip: hasJdbc ? false : 'libpostgresql-jdbc-java or java is not installed', timeout: 120_000 }, async () => {
  const result = await run('java', ['-Duser.timezone=America/New_York', '-cp', JDBC_JAR, join(sources, 'JdbcTimeZone.java')], { STRATA_PORT: String(t.port), STRATA_TOKEN: await t.token('admin') });
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /^ok$/m);
});
