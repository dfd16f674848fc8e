/**
 * The house rules of DESIGN.md §5–6, checked mechanically:
 *  - only src/env touches the real clock, timers, randomness, disk and network;
 *  - components import only contracts, env and the shared libraries (encoding, wire), never
 *    each other; only node, sim and cli wire components together.
 * Tests (*.test.ts) may use real resources and are not checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

const COMPONENTS = ['relay', 'qp', 'adjudicator', 'journal', 'crossbar', 'storage', 'control', 'metering', 'console'];
const LIBRARIES = ['contracts', 'env', 'encoding', 'wire'];
const ASSEMBLERS = ['node', 'sim', 'cli'];

const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/(?<![.\w])setTimeout\s*\(/, 'setTimeout'],
  [/(?<![.\w])setInterval\s*\(/, 'setInterval'],
  [/(?<![.\w])setImmediate\s*\(/, 'setImmediate'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
  [/\b(randomBytes|randomInt|randomUUID|getRandomValues)\s*\(/, 'crypto randomness'],
  [/from\s+['"](node:)?(fs|fs\/promises|net|tls|dgram|http|https|http2|child_process)['"]/, 'real disk/network module'],
];

function sourceFiles(directory: string, out: string[] = []): string[] {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function area(path: string): string {
  return relative(src, path).split(sep)[0]!;
}

test('only src/env touches the real clock, timers, randomness, disk and network', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const where = area(file);
    if (where === 'env' || where === 'cli') continue;
    // A line that starts with the name declares a method of that name (an injected Timers
    // implementation); only calls are forbidden.
    const text = stripComments(readFileSync(file, 'utf8'))
      .split('\n')
      .filter((line) => !/^\s*(?:(?:public|private|protected|readonly|async|static)\s+)*(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval)\s*\(/.test(line))
      .join('\n');
    for (const [pattern, what] of FORBIDDEN) if (pattern.test(text)) violations.push(`${relative(root, file)}: ${what}`);
  }
  assert.deepEqual(violations, []);
});

test('components import only contracts, env and the shared libraries', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const from = area(file);
    if (ASSEMBLERS.includes(from) || from === 'env') continue;
    const text = stripComments(readFileSync(file, 'utf8'));
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = area(resolve(dirname(file), match[1]!));
      const allowed = target === from || LIBRARIES.includes(target);
      const libraryReachingOut = LIBRARIES.includes(from) && from !== 'contracts' && target !== 'contracts' && target !== from;
      if (!allowed || (from === 'contracts' && target !== 'contracts') || libraryReachingOut) {
        violations.push(`${relative(root, file)} imports ${match[1]} (${from} → ${target})`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('every component folder of the design exists', () => {
  for (const name of [...COMPONENTS.filter((c) => ['qp', 'adjudicator', 'journal', 'crossbar', 'storage'].includes(c)), ...LIBRARIES, 'node', 'cli']) {
    assert.ok(statSync(join(src, name)).isDirectory(), `src/${name} exists`);
  }
});
