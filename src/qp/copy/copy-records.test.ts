/** COPY's record splitting and field parsing, byte by byte (PostgreSQL 15's text and CSV rules). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCopyOptions } from './copy-options.js';
import { RecordSplitter } from './copy-records.js';
import { csvFields, csvLine, textFields, textLine } from './copy-fields.js';

const text = resolveCopyOptions([], true);
const csv = resolveCopyOptions([{ name: 'format', arg: 'csv', location: -1 }], true);

function split(format: typeof text, input: string, at: number): string[] {
  const splitter = new RecordSplitter(format);
  const bytes = Buffer.from(input);
  const records = [...splitter.push(bytes.subarray(0, at)), ...splitter.push(bytes.subarray(at)), ...splitter.finish()];
  if (splitter.failure) throw splitter.failure;
  return records.map((r) => r.toString());
}

test('records are the same wherever the input is cut', () => {
  const input = 'a\tb\\\nc\n☕\t\\N\r\n';
  for (let at = 0; at <= Buffer.byteLength(input); at++) {
    assert.throws(() => split(text, input, at), /literal carriage return/);
  }
  const clean = 'a\tb\\\nc\n☕\t\\N\nlast';
  for (let at = 0; at <= Buffer.byteLength(clean); at++) assert.deepEqual(split(text, clean, at), ['a\tb\\\nc', '☕\t\\N', 'last']);
  const quoted = 'x,"two\nlines, ""q"""\ny,\n\\.\nignored\n';
  for (let at = 0; at <= quoted.length; at++) assert.deepEqual(split(csv, quoted, at), ['x,"two\nlines, ""q"""', 'y,']);
});

test('\\. ends the data; in text mode anything after it on the line is an error', () => {
  assert.deepEqual(split(text, '1\n\\.\n2\n', 0), ['1']);
  assert.deepEqual(split(text, '1\r\n\\.\r\n', 3), ['1']);
  assert.throws(() => split(text, '1\n\\.x\n', 0), /end-of-copy marker corrupt/);
  assert.deepEqual(split(csv, '\\.x\n', 0), ['\\.x']);
});

test('fields: escapes, NULL, CSV quoting; and back out', () => {
  assert.deepEqual(textFields('a\\tb\t\\N\t\\101\\x42\t\\\\N', text), ['a\tb', null, 'AB', '\\N']);
  assert.deepEqual(csvFields('"",,"a""b",x', csv), { values: ['', null, 'a"b', 'x'], quoted: [true, false, true, false] });
  assert.equal(textLine(['a\tb', null, 'c\\'], text), 'a\\tb\t\\N\tc\\\\\n');
  const out = resolveCopyOptions([{ name: 'format', arg: 'csv', location: -1 }], false);
  assert.equal(csvLine(['', null, 'a,b', 'q"', 'plain'], [false, false, false, false, true], out), '"",,"a,b","q""","plain"\n');
});
