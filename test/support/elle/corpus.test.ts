/**
 * The checker against Elle's own histories (../shared/corpus/elle-histories), with the outcomes
 * Elle and elle-cli record for them: paper-example is a G-single (elle-cli's
 * paper-example-result.json), list-append-gh-30 a G2-item (list-append-gh-30-result.json), and
 * si-without-g-single only a G2-item (Elle's intermediate-sequential-extension-test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEdnHistory, parseJsonHistory, type Op } from './history.js';
import { checkListAppend } from './list-append.js';

/** The corpus sits beside the main repository (../shared); worktrees are one level deeper. */
function corpusDirectory(): string | null {
  const fromEnv = process.env.STRATA_CORPUS;
  if (fromEnv && existsSync(fromEnv)) return join(fromEnv, 'elle-histories');
  let dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, '..', 'shared', 'corpus', 'elle-histories');
    if (existsSync(candidate)) return candidate;
    dir = join(dir, '..');
  }
  return null;
}

const corpus = corpusDirectory();
const skip = corpus === null ? 'the corpus (../shared/corpus/elle-histories) is not here' : false;

function load(name: string): Op[] {
  const text = readFileSync(join(corpus!, name), 'utf8');
  return name.endsWith('.json') ? parseJsonHistory(text) : parseEdnHistory(text);
}

for (const name of ['paper-example.edn', 'elle-cli-paper-example.json']) {
  test(`${name}: the paper's G-single, the same cycle Elle reports`, { skip }, () => {
    const result = checkListAppend(load(name), { consistencyModel: 'snapshot-isolation' });
    assert.equal(result.valid, false);
    assert.deepEqual(result.counts, { 'G-single': 1 });
    const [anomaly] = result.anomalies;
    assert.deepEqual(anomaly!.cycle!.map((op) => op.index), [7, 3, 5, 7]);
    const steps = anomaly!.steps!.map((s) => [s.type, s.key, s.value, s.next ?? null]);
    assert.deepEqual(steps, [['rw', 255, 5, 8], ['wr', 255, 8, null], ['ww', 256, 4, 3]]);
    assert.match(anomaly!.explanation, /T1 did not observe T2's append of 8 to 255/);
  });
}

test('elle-cli-list-append-gh-30.edn: a G2-item only, allowed by snapshot isolation', { skip }, () => {
  const history = load('elle-cli-list-append-gh-30.edn');
  const si = checkListAppend(history, { consistencyModel: 'snapshot-isolation' });
  assert.equal(si.valid, true);
  assert.deepEqual(si.counts, { 'G2-item': 1 });
  assert.deepEqual(si.anomalies[0]!.cycle!.map((op) => op.index).slice(0, 2).sort(), [6, 8]);
  assert.deepEqual(si.anomalies[0]!.steps!.map((s) => [s.type, s.value]), [['rw', null], ['rw', null]]);
  assert.equal(checkListAppend(history, { consistencyModel: 'serializable' }).valid, false);
});

test('si-without-g-single.edn: write skew, not read skew', { skip }, () => {
  const history = load('si-without-g-single.edn');
  assert.equal(history.length, 8);
  const si = checkListAppend(history, { consistencyModel: 'snapshot-isolation' });
  assert.equal(si.valid, true, JSON.stringify(si.anomalies, null, 1));
  assert.deepEqual(si.counts, { 'G2-item': 1 });
  assert.equal(checkListAppend(history, { consistencyModel: 'serializable' }).valid, false);
});

test('the rw-register history reads the same from EDN and JSON', { skip }, () => {
  const edn = load('elle-cli-rw-register.edn');
  const json = load('elle-cli-rw-register.json');
  assert.equal(edn.length, 6);
  assert.deepEqual(edn, json);
  assert.deepEqual(edn[0]!.value, [['w', 'x', 2]]);
  assert.equal(edn[3]!.f, 'txn');
});
