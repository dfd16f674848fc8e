/**
 * The console's real page in headless Chromium (Debian's `chromium`, installed by .ci/run),
 * driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no WebSocket
 * client, no npm dependency): sign in, type a query, run it, see the table; see an error with
 * its position marked; a value that is markup shows as text and runs nothing. Skips, saying
 * why, when Chromium is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

const CHROMIUM = process.env['STRATA_CHROMIUM'] ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set STRATA_CHROMIUM): the browser test is skipped`;
/** How long a step may take before the test gives up: a bound against hanging, not a timing check. */
const STEP_LIMIT_MS = 60_000;

/** A DevTools protocol connection over Chromium's pipe: NUL-terminated JSON messages. */
class DevTools {
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly events: { method: string; params: any }[] = [];

  constructor(private readonly input: Writable, output: Readable) {
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined) {
          const waiter = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) waiter?.reject(new Error(`${message.error.message}`));
          else waiter?.resolve(message.result);
        } else {
          this.events.push({ method: message.method, params: message.params });
        }
      }
    });
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
}

class Page {
  constructor(private readonly devtools: DevTools, private readonly sessionId: string) {}

  async evaluate(expression: string): Promise<any> {
    const answer = await this.devtools.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId);
    if (answer.exceptionDetails) throw new Error(`page error: ${answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text}`);
    return answer.result.value;
  }

  /** Waits until `expression` is truthy in the page, and returns its value. */
  async waitFor(expression: string, what: string): Promise<any> {
    const deadline = Date.now() + STEP_LIMIT_MS;
    for (;;) {
      const value = await this.evaluate(expression);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  send(method: string, params: object = {}): Promise<any> {
    return this.devtools.send(method, params, this.sessionId);
  }

  /** Types into the focused element, as a keyboard would (an input event per insert). */
  async type(text: string): Promise<void> {
    await this.send('Input.insertText', { text });
  }

  async ctrlEnter(): Promise<void> {
    const key = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, modifiers: 2 };
    await this.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...key });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...key });
  }
}

describe('web console in a browser', { skip: missing }, () => {
  let harness: ConsoleHarness;
  let chromium: ChildProcess;
  let profile: string;
  let devtools: DevTools;
  let page: Page;

  before(async () => {
    harness = await startConsoleHarness();
    profile = mkdtempSync(join(tmpdir(), 'strata-chromium-'));
    chromium = spawn(CHROMIUM, [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
      '--disable-extensions', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    devtools = new DevTools(chromium.stdio[3] as Writable, chromium.stdio[4] as Readable);
    const { targetId } = await devtools.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await devtools.send('Target.attachToTarget', { targetId, flatten: true });
    page = new Page(devtools, sessionId);
    await page.send('Runtime.enable');
    await page.send('Log.enable');
    await page.send('Page.enable');
    await page.send('Page.navigate', { url: harness.web.url });
    await page.waitFor("document.readyState === 'complete' && !!document.getElementById('token')", 'the sign-in form');
  });

  after(async () => {
    if (chromium && chromium.exitCode === null) {
      // The profile may be removed only once Chromium has stopped writing to it.
      const exited = new Promise((resolve) => chromium.once('exit', resolve));
      chromium.kill();
      await exited;
    }
    await harness?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  });

  test('a bad token shows the server\'s refusal', async () => {
    await page.evaluate(`document.getElementById('user').value = 'admin'; document.getElementById('token').value = 'wrong'; document.getElementById('sign-in-button').click()`);
    const text = await page.waitFor("!document.getElementById('sign-in-error').hidden && document.getElementById('sign-in-error').textContent", 'the sign-in error');
    assert.match(text, /08006: unable to accept connection, access denied/);
    assert.match(text, /HINT: IAM authentication failed/);
  });

  test('sign in, type a query, run it with Ctrl+Enter, see the table with NULL shown', async () => {
    const token = await harness.cluster.token('admin');
    await page.evaluate(`document.getElementById('token').value = ${JSON.stringify(token)}; document.getElementById('sign-in-button').click()`);
    await page.waitFor("!document.getElementById('workspace').hidden", 'the workspace');
    await page.evaluate("const e = document.getElementById('editor'); e.value = ''; e.focus()");
    await page.type("SELECT 42 AS answer, NULL::text AS nothing, 'hello' AS greeting");
    await page.ctrlEnter();
    const table = await page.waitFor(`(() => { const t = document.querySelector('.result table'); return t && {
      heads: [...t.querySelectorAll('th')].map((th) => th.firstChild.textContent),
      types: [...t.querySelectorAll('th .type')].map((s) => s.textContent),
      cells: [...t.querySelectorAll('tbody td')].map((td) => [td.className, td.textContent]),
      tag: document.querySelector('.result .tag').textContent } })()`, 'the result table');
    assert.deepEqual(table.heads, ['#', 'answer', 'nothing', 'greeting']);
    assert.deepEqual(table.types, ['integer', 'text', 'text']);
    assert.deepEqual(table.cells, [['rownum', '1'], ['', '42'], ['null', 'NULL'], ['', 'hello']]);
    assert.equal(table.tag, 'SELECT 1');
    const explorer = await page.waitFor("document.getElementById('explorer').textContent.includes('public') && document.getElementById('explorer').textContent", 'the explorer');
    assert.match(explorer, /public/);
  });

  test('an error shows SQLSTATE and message, and its position is selected in the editor', async () => {
    const sql = 'SELECT 1;\nSELECT nope FROM console_missing_table';
    await page.evaluate(`document.getElementById('editor').value = ${JSON.stringify(sql)}; document.getElementById('run').click()`);
    const shown = await page.waitFor(`(() => { const box = document.querySelector('.result .error-box'); return box && {
      text: box.textContent, start: document.getElementById('editor').selectionStart,
      caret: document.getElementById('position').textContent } })()`, 'the error');
    assert.match(shown.text, /ERROR 42P01: relation "console_missing_table" does not exist/);
    assert.equal(shown.start, sql.indexOf('console_missing_table'));
    assert.match(shown.caret, /^LINE 2: SELECT nope FROM console_missing_table\n {25}\^$/);
  });

  test('markup in a value or a column name is shown as text and never runs', async () => {
    const sql = `SELECT '<img src=x onerror="window.pwned=1">' AS "<script>window.pwned=2</script>", '<b>bold</b>' AS b`;
    await page.evaluate(`document.getElementById('editor').value = ${JSON.stringify(sql)}; document.getElementById('run').click()`);
    const shown = await page.waitFor(`(() => { const t = document.querySelector('.result table'); return t && t.textContent.includes('onerror') && {
      cell: t.querySelector('tbody td:nth-child(2)').textContent, head: t.querySelector('th:nth-child(2)').firstChild.textContent,
      elements: document.querySelectorAll('.results img, .results script, .results b').length, pwned: window.pwned ?? null } })()`, 'the markup result');
    assert.equal(shown.cell, '<img src=x onerror="window.pwned=1">');
    assert.equal(shown.head, '<script>window.pwned=2</script>');
    assert.equal(shown.elements, 0);
    assert.equal(shown.pwned, null);
  });

  test('the page ran under its Content-Security-Policy without violations or script errors', () => {
    const problems = devtools.events.filter((e) => e.method === 'Runtime.exceptionThrown'
      || (e.method === 'Log.entryAdded' && e.params.entry.level === 'error' && !/status of 401/.test(e.params.entry.text)));
    assert.deepEqual(problems.map((e) => JSON.stringify(e.params).slice(0, 300)), []);
  });
});
