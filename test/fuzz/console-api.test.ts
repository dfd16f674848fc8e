/**
 * Fuzzing the web console's JSON API (src/console/console-api.ts, console-sessions.ts) over
 * HTTP: the bodies, paths, cookies and headers a signed-in page sends, mutated from fixed
 * seeds. Every answer is JSON with a status below 500 (a refusal the page can show), and the
 * console still serves the signed-in page after them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConsoleHarness, type ConsoleHarness } from '../console/harness.js';
import { mutateText, Prng } from './mutate.js';

let harness: ConsoleHarness;
before(async () => { harness = await startConsoleHarness(); });
after(async () => { await harness?.stop(); });

test('mutated API calls of a signed-in page: refused below 500, and the page still runs its SQL', async () => {
  const page = harness.browser();
  const connectionId = await page.signIn();
  // The cookie the page holds, read back from a call that sets none.
  const signIn = await fetch(new URL('/api/sign-in', harness.web.url), {
    method: 'POST', headers: { 'x-strata-console': '1', 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'admin', token: await harness.cluster.token() }),
  });
  const cookie = signIn.headers.get('set-cookie')!.split(';', 1)[0]!;
  const otherId = (await signIn.json() as { connection: { id: string } }).connection.id;
  const seeds: { path: string; body: string }[] = [
    { path: '/api/run', body: JSON.stringify({ connectionId: otherId, sql: 'SELECT 1 AS one; SELECT $$a;b$$' }) },
    { path: '/api/explorer', body: JSON.stringify({ connectionId: otherId }) },
    { path: '/api/cancel', body: JSON.stringify({ connectionId: otherId }) },
    { path: '/api/sign-in', body: JSON.stringify({ user: 'admin', token: 'not-a-token' }) },
    { path: '/api/disconnect', body: JSON.stringify({ connectionId: 'no-such-connection' }) },
  ];
  const random = new Prng(0x5eed41);
  const statuses = new Map<number, number>();
  for (let i = 0; i < 240; i++) {
    const seed = random.pick(seeds);
    const headers: Record<string, string> = { 'x-strata-console': '1', 'content-type': 'application/json', cookie };
    const part = random.int(5);
    const body = part <= 1 ? mutateText(random, seed.body) : seed.body;
    const path = part === 2 ? `/${encodeURI(mutateText(random, seed.path.slice(1)))}` : seed.path;
    if (part === 3) {
      const name = random.pick(Object.keys(headers));
      headers[name] = mutateText(random, headers[name]!).replace(/[\r\n\0]/g, '');
    }
    if (part === 4) headers['cookie'] = mutateText(random, cookie).replace(/[\r\n\0]/g, '');
    let response: Response;
    try {
      response = await fetch(new URL(path, harness.web.url), { method: 'POST', headers, body });
    } catch {
      continue; // a header value fetch itself will not send
    }
    const text = await response.text();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    assert.ok(response.status < 500, `${response.status} for ${path} ${body}: ${text}`);
    JSON.parse(text);
  }
  assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
  const outcome = await page.run(connectionId, 'SELECT 2 AS two');
  assert.deepEqual(outcome.statements[0].rows, [['2']]);
});
