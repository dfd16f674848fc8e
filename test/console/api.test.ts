/**
 * The web console's JSON API against an embedded cluster: sign-in, runs of several statements,
 * errors with their position, a transaction across runs, cancel, the 10,000-row cap, the Cluster
 * Explorer, and the security rules (CSRF header, cookie, Host, limits, bad requests).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CONTENT_SECURITY_POLICY } from '../../src/console/console-api.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

describe('web console API', () => {
  let harness: ConsoleHarness;
  before(async () => { harness = await startConsoleHarness(); });
  after(async () => { await harness?.stop(); });

  test('a bad token is refused with the server\'s error, and nothing is kept', async () => {
    const browser = harness.browser();
    const answer = await browser.call('/api/sign-in', { user: 'admin', token: 'not-a-token' });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, '08006');
    assert.equal(answer.body.error.message, 'unable to accept connection, access denied');
    assert.match(answer.body.error.hint, /IAM authentication failed/);
    assert.equal(answer.headers.get('set-cookie'), null);
    const wrongUser = await browser.call('/api/sign-in', { user: 'someone', token: await harness.cluster.token('admin') });
    assert.equal(wrongUser.status, 401);
    assert.match(wrongUser.body.error.hint, /Wrong user to action mapping/);
  });

  test('sign-in sets an HttpOnly, SameSite=Strict cookie with an unguessable id', async () => {
    const browser = harness.browser();
    const answer = await browser.call('/api/sign-in', { user: 'admin', token: await harness.cluster.token() });
    assert.equal(answer.status, 200);
    const cookie = answer.headers.get('set-cookie')!;
    assert.match(cookie, /^strata_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.equal(answer.body.connection.user, 'admin');
    assert.equal((await browser.call('/api/connections')).body.connections.length, 1);
    // Another browser (no cookie) sees nothing and can use nothing.
    const stranger = harness.browser();
    assert.deepEqual((await stranger.call('/api/connections')).body.connections, []);
    assert.equal((await stranger.call('/api/run', { connectionId: answer.body.connection.id, sql: 'SELECT 1' })).status, 401);
  });

  test('a run of several statements shows each result: columns with types, NULL, tags, notices', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    const outcome = await browser.run(id, `SELECT 1 AS a, NULL::text AS b, 'x'::varchar(5) AS c, 2.50::numeric(6,2) AS d;
      -- a comment; with a semicolon
      SELECT 'semi;colon' AS s, $$dollar;quoted$$ AS t;
      DROP TABLE IF EXISTS console_no_such_table;;`);
    assert.equal(outcome.statements.length, 3);
    const [first, second, third] = outcome.statements;
    assert.deepEqual(first.columns, [{ name: 'a', type: 'integer' }, { name: 'b', type: 'text' }, { name: 'c', type: 'character varying(5)' }, { name: 'd', type: 'numeric(6,2)' }]);
    assert.deepEqual(first.rows, [['1', null, 'x', '2.50']]);
    assert.equal(first.commandTag, 'SELECT 1');
    assert.equal(typeof first.elapsedMs, 'number');
    assert.deepEqual(second.rows, [['semi;colon', 'dollar;quoted']]);
    assert.equal(third.columns, null);
    assert.equal(third.commandTag, 'DROP TABLE');
    assert.equal(third.notices[0].severity, 'NOTICE');
    assert.match(third.notices[0].message, /does not exist, skipping/);
    assert.equal(outcome.transactionStatus, 'I');
  });

  test('an error carries SQLSTATE and its position in the editor text; later statements are not run', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    const text = 'SELECT 1;\nSELECT 2;\n  SELECT nope FROM console_missing;\nSELECT 3;';
    const outcome = await browser.run(id, text);
    assert.equal(outcome.statements.length, 3);
    assert.equal(outcome.skipped, 1);
    const failed = outcome.statements[2];
    assert.equal(failed.error.code, '42P01');
    assert.match(failed.error.message, /relation "console_missing" does not exist/);
    assert.equal(failed.errorIndex, text.indexOf('console_missing'));
    const syntax = await browser.run(id, 'SELECT 1 +');
    assert.equal(syntax.statements[0].error.code, '42601');
    assert.equal(syntax.statements[0].errorIndex, 'SELECT 1 +'.length);
  });

  test('a transaction spans runs, and other connections do not see it until COMMIT', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    const other = await browser.signIn();
    assert.notEqual(id, other);
    await browser.run(id, 'CREATE TABLE console_tx (id int PRIMARY KEY, note text)');
    const begun = await browser.run(id, "BEGIN; INSERT INTO console_tx VALUES (1, 'inside')");
    assert.equal(begun.transactionStatus, 'T');
    assert.deepEqual((await browser.run(id, 'SELECT note FROM console_tx')).statements[0].rows, [['inside']]);
    assert.deepEqual((await browser.run(other, 'SELECT count(*) FROM console_tx')).statements[0].rows, [['0']]);
    const explorer = await browser.call('/api/explorer', { connectionId: id });
    assert.equal(explorer.status, 409, 'the explorer does not read inside the user\'s transaction');
    const committed = await browser.run(id, 'COMMIT');
    assert.equal(committed.transactionStatus, 'I');
    assert.deepEqual((await browser.run(other, 'SELECT count(*) FROM console_tx')).statements[0].rows, [['1']]);
    const failed = await browser.run(id, 'BEGIN; SELECT 1/0');
    assert.equal(failed.transactionStatus, 'E');
    assert.equal((await browser.run(id, 'ROLLBACK')).transactionStatus, 'I');
  });

  test('a run sent while the explorer reads the catalog waits its turn on the connection', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    const [explorer, run] = await Promise.all([browser.call('/api/explorer', { connectionId: id }), browser.call('/api/run', { connectionId: id, sql: 'SELECT 5' })]);
    assert.equal(explorer.status, 200);
    assert.equal(run.status, 200);
    assert.deepEqual(run.body.statements[0].rows, [['5']]);
  });

  test('Cancel stops a running pg_sleep(10) with 57014, and the connection goes on', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    const running = browser.run(id, 'SELECT pg_sleep(10)');
    let done = false;
    void running.finally(() => { done = true; });
    // Cancel until the statement ends: a cancel that reaches the server before the statement
    // starts cancels nothing (as in PostgreSQL), so one attempt alone could be lost.
    while (!done) {
      const answer = await browser.call('/api/cancel', { connectionId: id });
      assert.equal(answer.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const outcome = await running;
    assert.equal(outcome.statements[0].error.code, '57014');
    assert.match(outcome.statements[0].error.message, /canceling statement due to user request/);
    assert.deepEqual((await browser.run(id, 'SELECT 7')).statements[0].rows, [['7']]);
  });

  test('a statement keeps at most 10,000 rows and says so; exactly 10,000 is not truncated', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    const outcome = await browser.run(id, 'SELECT g FROM generate_series(1, 5000000) AS g; SELECT g FROM generate_series(1, 10000) AS g');
    const [big, exact] = outcome.statements;
    assert.equal(big.rows.length, 10_000);
    assert.equal(big.truncated, true);
    assert.deepEqual(big.rows[9_999], ['10000']);
    assert.equal(exact.rows.length, 10_000);
    assert.equal(exact.truncated, false);
    assert.equal(exact.commandTag, 'SELECT 10000');
    // The portal was closed at the cap, and the session is usable at once.
    assert.deepEqual((await browser.run(id, 'SELECT 1')).statements[0].rows, [['1']]);
  });

  test('the Cluster Explorer lists schemas, tables, views, columns, primary keys and indexes with build status', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    await browser.run(id, 'CREATE SCHEMA shop');
    await browser.run(id, 'CREATE TABLE shop.orders (id int, line int, item text NOT NULL, price numeric(10,2), PRIMARY KEY (id, line))');
    await browser.run(id, 'CREATE VIEW shop.cheap AS SELECT item FROM shop.orders WHERE price < 10');
    await browser.run(id, 'CREATE INDEX ASYNC orders_item ON shop.orders (item)');
    const answer = await browser.call('/api/explorer', { connectionId: id });
    assert.equal(answer.status, 200);
    const shop = answer.body.schemas.find((s: any) => s.name === 'shop');
    assert.ok(answer.body.schemas.some((s: any) => s.name === 'public'));
    const orders = shop.relations.find((r: any) => r.name === 'orders');
    assert.equal(orders.kind, 'table');
    assert.deepEqual(orders.columns, [
      { name: 'id', type: 'integer', nullable: false, primaryKey: true },
      { name: 'line', type: 'integer', nullable: false, primaryKey: true },
      { name: 'item', type: 'text', nullable: false, primaryKey: false },
      { name: 'price', type: 'numeric(10,2)', nullable: true, primaryKey: false },
    ]);
    const index = orders.indexes.find((i: any) => i.name === 'orders_item');
    assert.match(index.definition, /CREATE INDEX orders_item ON shop\.orders/);
    assert.ok(index.buildStatus !== null, 'the ASYNC build has a job in sys.jobs');
    assert.ok(orders.indexes.some((i: any) => i.name === 'orders_pkey' && i.buildStatus === null));
    const view = shop.relations.find((r: any) => r.name === 'cheap');
    assert.equal(view.kind, 'view');
    assert.deepEqual(view.columns.map((c: any) => c.name), ['item']);
  });

  test('values are returned as they are, markup included (the page renders them as text)', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    const outcome = await browser.run(id, `SELECT '<img src=x onerror=alert(1)>' AS "<script>x</script>"`);
    assert.deepEqual(outcome.statements[0].columns, [{ name: '<script>x</script>', type: 'text' }]);
    assert.deepEqual(outcome.statements[0].rows, [['<img src=x onerror=alert(1)>']]);
  });

  test('a role signs in with its own token and gets only its own rights', async () => {
    const admin = harness.browser();
    const adminId = await admin.signIn();
    await admin.run(adminId, 'CREATE ROLE console_reader WITH LOGIN; CREATE TABLE console_secret (x int PRIMARY KEY)');
    const browser = harness.browser();
    const id = await browser.signIn('console_reader');
    const outcome = await browser.run(id, 'SELECT * FROM console_secret');
    assert.equal(outcome.statements[0].error.code, '42501');
  });

  test('sign-out closes the connections and ends the session', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    assert.equal((await browser.call('/api/sign-out', {})).status, 200);
    assert.equal((await browser.call('/api/run', { connectionId: id, sql: 'SELECT 1' })).status, 401);
  });

  test('the page is static files under a strict Content-Security-Policy', async () => {
    const browser = harness.browser();
    const page = await browser.call('/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(String(page.body), /<script>|<script [^>]*>[^<]/, 'no inline script');
    assert.equal((await browser.call('/console.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await browser.call('/../package.json')).status, 404);
    assert.equal((await browser.call('/console.ts')).status, 404);
  });

  test('bad requests are refused and never bring the server down', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    assert.equal((await browser.call('/api/run', { connectionId: id, sql: 'SELECT 1' }, { 'x-strata-console': '' })).status, 403, 'no CSRF header');
    assert.equal((await browser.call('/api/run', JSON.stringify({ connectionId: id, sql: 'SELECT 1' }), { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await browser.call('/api/run', '{not json')).status, 400);
    assert.equal((await browser.call('/api/run', '[1,2]')).status, 400);
    assert.equal((await browser.call('/api/run', { connectionId: 5, sql: 'SELECT 1' })).status, 400);
    assert.equal((await browser.call('/api/run', { connectionId: 'nope', sql: 'SELECT 1' })).status, 404);
    assert.equal((await browser.call('/api/nothing', {})).status, 404);
    assert.equal((await browser.call('/api/run', { connectionId: id, sql: 'x'.repeat(3 * 1024 * 1024) })).status, 413);
    assert.equal(await rawStatus(harness.web.port, 'GET / HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n'), 421, 'a foreign Host (DNS rebinding)');
    assert.equal(await rawStatus(harness.web.port, 'GARBAGE\r\n\r\n'), 400);
    assert.deepEqual((await browser.run(id, 'SELECT 1')).statements[0].rows, [['1']], 'still serving');
  });
});

describe('web console idle timeout', () => {
  let harness: ConsoleHarness;
  before(async () => { harness = await startConsoleHarness({ idleTimeoutMs: 50 }); });
  after(async () => { await harness?.stop(); });

  test('an idle connection is closed', async () => {
    const browser = harness.browser();
    const id = await browser.signIn();
    while ((await browser.call('/api/connections')).body.connections.length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((await browser.call('/api/run', { connectionId: id, sql: 'SELECT 1' })).status, 401);
  });
});

/** Sends raw bytes and returns the response's status code. */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy());
  });
}
