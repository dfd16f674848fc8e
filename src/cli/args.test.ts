import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions, positiveIntegerOption } from './args.js';

test('a positive-integer option: absent is undefined, anything but digits above 0 is refused naming the option', () => {
  const spec = { 'max-connections': 'string' } as const;
  assert.equal(positiveIntegerOption(parseOptions([], spec), 'max-connections'), undefined);
  assert.equal(positiveIntegerOption(parseOptions(['--max-connections', '250'], spec), 'max-connections'), 250);
  for (const bad of ['0', '-3', '2.5', '1e3', 'many', '']) {
    assert.throws(() => positiveIntegerOption(parseOptions([`--max-connections=${bad}`], spec), 'max-connections'),
      new RegExp(`--max-connections must be a positive integer, not "${bad.replace('.', '\\.')}"`));
  }
});
