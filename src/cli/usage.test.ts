import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCounters } from '../metering/usage-counters.js';
import type { UsageFile } from '../metering/usage-store.js';
import type { UsageReport } from '../metering/usage-report.js';
import { usageCommand } from './usage.js';

const NOW = 29_000_000 * 60_000_000;

function qpFile(region: string, writeDpu: number): UsageFile {
  return { version: 1, region, totals: { ...emptyCounters(), WriteDPU: writeDpu, TotalTransactions: 1 }, minutes: [] };
}

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await usageCommand(args, (line) => out.push(line), (line) => err.push(line), NOW);
  return { status, out, err };
}

test('strata usage --region: a linked cluster bills each region on its own; without it both are summed, and said so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-usage-cli-'));
  try {
    mkdirSync(join(dir, 'usage'));
    writeFileSync(join(dir, 'usage', 'east-qp-1.json'), JSON.stringify(qpFile('east', 0.25)));
    writeFileSync(join(dir, 'usage', 'west-qp-1.json'), JSON.stringify(qpFile('west', 0.5)));
    writeFileSync(join(dir, 'usage', 'west-storage-1.json'), JSON.stringify({
      ...qpFile('west', 0), totals: emptyCounters(), role: 'storage', storage: { bytes: 4096, sinceMicros: NOW, gibMonths: 0 },
    }));
    const west = await run(['--dir', dir, '--region', 'west', '--json']);
    assert.equal(west.status, 0, west.err.join('\n'));
    const report = JSON.parse(west.out.join('\n')) as UsageReport & { regions: string[] };
    assert.deepEqual([report.sources, report.storageSources, report.totals.WriteDPU, report.ClusterStorageSize], [1, 1, 0.5, 4096]);
    assert.deepEqual(report.regions, ['east', 'west']);

    const both = await run(['--dir', dir]);
    assert.equal(both.status, 0);
    assert.match(both.out[0]!, /^Totals \(2 query processors, 1 storage replica\):$/);
    assert.match(both.out[1]!, /a linked cluster in east, west: both summed; --region R/);
    assert.ok(both.out.some((line) => /^ {2}WriteDPU\s+0\.75000$/.test(line)), both.out.join('\n'));
    assert.match((await run(['--dir', dir, '--region', 'east'])).out[0]!, /^Region east: Totals \(1 query processor\):$/);

    const missing = await run(['--dir', dir, '--region', 'north']);
    assert.equal(missing.status, 2);
    assert.match(missing.err[0]!, /no usage of region north .*its regions: east, west/);
    assert.equal((await run(['--data-dir', dir, '--region', 'east'])).status, 2, '--region is for a local cluster (--dir)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
