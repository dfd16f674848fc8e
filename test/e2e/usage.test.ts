/**
 * Usage totals (docs/metering.md): kept by the node, written under the data directory, summed by
 * `strata usage`; they survive a restart, and an idle cluster bills nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { usageCommand } from '../../src/cli/usage.js';
import type { UsageReport } from '../../src/metering/usage-report.js';
import { embeddedOnly, startTestCluster } from '../support/cluster.js';

async function usage(dataDir: string): Promise<UsageReport> {
  const lines: string[] = [];
  assert.equal(await usageCommand(['--data-dir', dataDir, '--json'], (line) => lines.push(line), (line) => assert.fail(line)), 0);
  return JSON.parse(lines.join('\n')) as UsageReport;
}

test('usage totals are written at stop and survive a restart', embeddedOnly('restarts the embedded node'), async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-usage-'));
  try {
    let cluster = await startTestCluster({ dataDir });
    let client = await cluster.client();
    await client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
    await client.query("INSERT INTO t VALUES (1, 'one')");
    await client.query('SELECT v FROM t WHERE id = 1');
    await cluster.stop();
    const first = await usage(dataDir);
    assert.equal(first.sources, 1);
    assert.equal(first.totals.TotalTransactions, 3);
    assert.equal(first.totals.ReadOnlyTransactions, 1);
    assert.equal(first.totals.OccConflicts, 0);
    // The DDL writes catalog rows and the INSERT its row: each bills at least the 1,024-byte minimum.
    assert.ok(first.totals.WriteDPU >= 2 * 1024 * 0.00004883 - 1e-12);
    assert.ok(first.totals.ReadDPU >= 3 * 2048 * 0.00000183105 - 1e-12, 'every transaction bills the read minimum');
    assert.ok(first.totals.ComputeDPU > 0);
    assert.ok(Math.abs(first.totals.TotalDPU - (first.totals.ComputeDPU + first.totals.ReadDPU + first.totals.WriteDPU)) < 1e-9);
    assert.ok(first.totals.CommitLatency !== null && first.totals.CommitLatency > 0);
    assert.ok(Math.abs(first.totals.ComputeTime - first.totals.ComputeDPU * 1000) < 1e-6);
    assert.equal(first.minutes.reduce((sum, m) => sum + m.TotalTransactions, 0), 3, 'the minutes add up to the totals');
    // The catalog's rows and the one row: the size of the database as its rows are.
    assert.ok(first.ClusterStorageSize !== null && first.ClusterStorageSize > 0, `storage sampled (${first.ClusterStorageSize})`);

    cluster = await startTestCluster({ dataDir });
    client = await cluster.client();
    await client.query('SELECT v FROM t WHERE id = 1');
    // 100 rows of ~1 KB more: ClusterStorageSize grows by their bytes, and no more than twice that.
    await client.query("INSERT INTO t SELECT g, repeat('x', 1000) FROM generate_series(2, 101) g");
    await cluster.stop();
    const second = await usage(dataDir);
    const grown = second.ClusterStorageSize! - first.ClusterStorageSize!;
    assert.ok(grown >= 100 * 1000 && grown < 2 * 100 * 1000, `100 rows of 1,000 bytes grew storage by ${grown}`);
    assert.equal(second.totals.TotalTransactions, 5, 'counted on from the totals before the restart');
    assert.equal(second.totals.ReadOnlyTransactions, 2);
    assert.ok(second.totals.ReadDPU > first.totals.ReadDPU);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an idle cluster bills nothing; its connections count in AWS/Usage', embeddedOnly('reads the embedded data directory'), async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-usage-'));
  try {
    const cluster = await startTestCluster({ dataDir });
    await cluster.client();
    await cluster.client();
    await assert.rejects(cluster.client({ password: 'not a token' }), /access denied/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await cluster.stop();
    const report = await usage(dataDir);
    assert.equal(report.totals.TotalDPU, 0);
    assert.equal(report.totals.TotalTransactions, 0);
    assert.ok(report.minutes.every((minute) => minute.TotalDPU === 0 && minute.TotalTransactions === 0));
    // Connecting is no transaction, but AWS/Usage counts it: each token presented (the refused
    // one too) as a DbConnectAdmin call, and the two sessions open at once.
    assert.equal(report.totals.DbConnectAdminCalls, 3);
    assert.equal(report.totals.DbConnectCalls, 0);
    assert.ok(report.totals.ClusterConnectionCount >= 2, `two open at once (${report.totals.ClusterConnectionCount})`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a write conflict counts in OccConflicts', embeddedOnly('reads the embedded data directory'), async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-usage-'));
  try {
    const cluster = await startTestCluster({ dataDir });
    const a = await cluster.client();
    const b = await cluster.client();
    await a.query('CREATE TABLE t (id int PRIMARY KEY, n int)');
    await a.query('INSERT INTO t VALUES (1, 0)');
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query('UPDATE t SET n = 1 WHERE id = 1');
    await b.query('UPDATE t SET n = 2 WHERE id = 1');
    await a.query('COMMIT');
    await assert.rejects(b.query('COMMIT'), { code: '40001' });
    await cluster.stop();
    const report = await usage(dataDir);
    assert.equal(report.totals.OccConflicts, 1);
    assert.equal(report.totals.TotalTransactions, 4);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('strata usage prints the totals and the minutes as text', embeddedOnly('reads the embedded data directory'), async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-usage-'));
  try {
    const cluster = await startTestCluster({ dataDir });
    const client = await cluster.client();
    await client.query('SELECT 1');
    await cluster.stop();
    const lines: string[] = [];
    assert.equal(await usageCommand(['--data-dir', dataDir], (line) => lines.push(line)), 0);
    assert.equal(lines[0], 'Totals (1 query processor):');
    assert.match(lines[1]!, /^ {2}TotalDPU\s+0\.\d{5}$/);
    assert.match(lines.find((line) => line.includes('TotalTransactions') && !line.includes('minute'))!, /TotalTransactions\s+1$/);
    const header = lines.findIndex((line) => line.trim().startsWith('minute'));
    assert.ok(header > 0, 'a table of minutes follows');
    assert.match(lines[header + 1]!, /^ {2}\d\d:\d\d\s+0\.\d{5}/);
    const errors: string[] = [];
    assert.equal(await usageCommand(['--data-dir', join(dataDir, 'nowhere')], () => {}, (line) => errors.push(line)), 2);
    assert.match(errors[0]!, /no usage in/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('strata usage --dir reads a running cluster, each query processor from its own file', async () => {
  const cluster = await startTestCluster();
  try {
    const client = await cluster.client();
    await client.query('CREATE TABLE usage_probe (id int PRIMARY KEY)');
    await client.query('INSERT INTO usage_probe VALUES (1)');
    for (let i = 0; i < 5; i++) await client.query('SELECT 1');
    // Written every 5 s while the node runs: wait for it, within a bound.
    let report: UsageReport | null = null;
    for (let tries = 0; tries < 60; tries++) {
      const lines: string[] = [];
      const status = await usageCommand(['--dir', cluster.dataDir, '--json'], (line) => lines.push(line), () => {});
      if (status === 0) {
        report = JSON.parse(lines.join('\n')) as UsageReport;
        if (report.totals.TotalTransactions >= 7 && (report.ClusterStorageSize ?? 0) > 0) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.ok(report !== null && report.totals.TotalTransactions >= 7, `the transactions show (${JSON.stringify(report?.totals)})`);
    assert.ok(report.sources >= 1);
    assert.ok(report.totals.ReadOnlyTransactions >= 5);
    assert.ok(report.totals.DbConnectAdminCalls >= 1, 'the session\'s token counts as a DbConnectAdmin call');
    assert.ok(report.totals.ClusterConnectionCount >= 1, 'and the session as an open connection');
    // The embedded node samples its storage in its own file; a local cluster's replicas each keep one.
    assert.ok(report.ClusterStorageSize !== null && report.ClusterStorageSize > 0, `storage sampled (${report.ClusterStorageSize})`);
  } finally {
    await cluster.stop();
  }
});

test('EXPLAIN ANALYZE VERBOSE bills a filtered scan every row of the table, also where storage is remote', async () => {
  const cluster = await startTestCluster();
  try {
    const client = await cluster.client();
    await client.query('CREATE TABLE usage_scan (id int PRIMARY KEY, v text, n int)');
    await client.query("INSERT INTO usage_scan SELECT g, repeat('z', 500), g FROM generate_series(1, 200) g");
    const readLine = async (sql: string) => (await client.query(sql)).rows.map((row) => String(row['QUERY PLAN'])).find((line) => line.startsWith('  Read:'));
    // One row matches, every row is read: as much as a scan that returns them all.
    const filtered = await readLine('EXPLAIN ANALYZE VERBOSE SELECT id FROM usage_scan WHERE n = 7');
    assert.equal(filtered, await readLine('EXPLAIN ANALYZE VERBOSE SELECT id FROM usage_scan'));
    assert.ok(Number(/Read: (\S+) DPU/.exec(filtered!)![1]) >= 200 * 500 * 0.00000183105, filtered);
  } finally {
    await cluster.stop();
  }
});

test('a transaction ended by the 300 s age limit counts in QueryTimeouts, once', embeddedOnly('reads the embedded data directory and moves the clock (advanceClock)'), async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-usage-'));
  try {
    const cluster = await startTestCluster({ dataDir });
    const c = await cluster.client();
    await c.query('CREATE TABLE t (id int PRIMARY KEY, n int)');
    // One that fails at COMMIT (too old to adjudicate) …
    await c.query('BEGIN');
    await c.query('INSERT INTO t VALUES (1, 1)');
    await cluster.cluster.advanceClock(301_000_000);
    await assert.rejects(c.query('COMMIT'), { code: '54000' });
    // … and one that fails at a statement, then at another, and is rolled back: still one.
    await c.query('BEGIN');
    await c.query('SELECT count(*) FROM t');
    await cluster.cluster.advanceClock(301_000_000);
    await assert.rejects(c.query('SELECT count(*) FROM t'), { code: '54000' });
    await assert.rejects(c.query('SELECT 1'), { code: '25P02' });
    await c.query('ROLLBACK');
    await c.query('SELECT 1');
    await cluster.stop();
    const report = await usage(dataDir);
    assert.equal(report.totals.QueryTimeouts, 2);
    assert.equal(report.totals.TotalTransactions, 4);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
