import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdnSymbol, EdnSyntaxError, EdnTagged, Keyword, readEdn, readEdnForms, writeEdn } from './edn.js';

test('scalars: nil, booleans, numbers, strings, characters, keywords, symbols', () => {
  assert.deepEqual(readEdnForms('nil true false 42 -7 +3 1.5 2e3 12N 1.25M 1/4 0x1F'), [null, true, false, 42, -7, 3, 1.5, 2000, 12, 1.25, 0.25, 31]);
  assert.equal(readEdn('"a \\"quoted\\" \\\\ line\\n\\u0041"'), 'a "quoted" \\ line\nA');
  assert.deepEqual(readEdnForms('\\a \\newline \\space \\u0042'), ['a', '\n', ' ', 'B']);
  assert.equal(readEdn(':ok'), Keyword.of('ok'));
  assert.equal(readEdn(':jepsen.history/op'), Keyword.of('jepsen.history/op'));
  const symbol = readEdn('elle.list-append/init');
  assert.ok(symbol instanceof EdnSymbol && symbol.name === 'elle.list-append/init');
});

test('collections, commas, comments, discard and tags', () => {
  const form = readEdn('{:index 1, :type :invoke ; a comment\n :value [[:append 4 2] [:r 2 nil]] #_ :skipped :set #{1 2} :list (1 2)}');
  assert.ok(form instanceof Map);
  assert.equal(form.get(Keyword.of('index')), 1);
  assert.equal(form.get(Keyword.of('type')), Keyword.of('invoke'));
  assert.deepEqual(form.get(Keyword.of('value')), [[Keyword.of('append'), 4, 2], [Keyword.of('r'), 2, null]]);
  assert.equal(form.has(Keyword.of('skipped')), false);
  assert.deepEqual(form.get(Keyword.of('set')), new Set([1, 2]));
  assert.deepEqual(form.get(Keyword.of('list')), [1, 2]);
  const tagged = readEdn('#inst "2020-01-01T00:00:00Z"');
  assert.ok(tagged instanceof EdnTagged && tagged.tag === 'inst' && tagged.value === '2020-01-01T00:00:00Z');
});

test('malformed input is refused with an offset', () => {
  for (const bad of ['[1 2', '{:a}', ')', '"open', '1.2.3', '#_', '\\bogus']) {
    assert.throws(() => readEdnForms(bad), EdnSyntaxError, bad);
  }
  assert.throws(() => readEdn('1 2'), /expected one form/);
  assert.throws(() => readEdn('['.repeat(1000) + ']'.repeat(1000)), /too deep/);
});

test('writing and reading back gives the same value', () => {
  const text = '{:index 3, :type :ok, :value [[:r :x [1 2]] [:append :x "s"]], :tags #{:a}}';
  const value = readEdn(text);
  assert.deepEqual(readEdn(writeEdn(value)), value);
});
