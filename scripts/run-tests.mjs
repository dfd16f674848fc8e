#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's own test runner.
// Unit tests sit beside the code (src/**), cross-component and client tests under test/.
// Arguments: parts of paths to select files by (none: every file), and options:
//   --target=local     the suites run against a `strata local up` cluster (STRATA_TEST_TARGET,
//                      see test/support/cluster.ts) instead of an embedded one
//   --concurrency=N    test files run at once (default 2)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(directory, out) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const options = new Map(args.filter((a) => a.startsWith('--')).map((a) => {
  const [name, value = ''] = a.slice(2).split('=');
  return [name, value];
}));
for (const name of options.keys()) {
  if (name !== 'target' && name !== 'concurrency') {
    console.error(`unknown option --${name} (--target=embedded|local, --concurrency=N)`);
    process.exit(2);
  }
}
const env = { ...process.env };
if (options.has('target')) env.STRATA_TEST_TARGET = options.get('target');
const concurrency = options.get('concurrency') ?? '2';
const filter = args.filter((a) => !a.startsWith('--'));
let files = [...collect('dist/src', []), ...collect('dist/test', [])].sort();
if (filter.length > 0) files = files.filter((f) => filter.some((part) => f.includes(part)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
