/**
 * The short fault run in the default suite: bank transfers and list appends while an etcd
 * member, the adjudicator leader, a storage replica and a QP are each killed with SIGKILL and
 * restarted, then the new leader is frozen (SIGSTOP) until a standby takes over and woken among
 * peers that went on without it. The long run is `npm run fault`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultRun } from '../fault/fault-run.js';
import { etcdUnavailableReason } from '../support/etcd.js';

test('killing each role in turn, and stalling the leader, loses no acknowledged commit and shows no snapshot-isolation anomaly', { skip: etcdUnavailableReason() ?? false, timeout: 300_000 }, async () => {
  const report = await faultRun({ victims: ['etcd-1', 'leader', 'storage-1', 'qp-1', 'pause:leader'], secondsPerFault: 3, clients: 4, keys: 10, accounts: 5 });
  console.log(`fault run: ${JSON.stringify(report)}`);
  assert.ok(report.acknowledged > 0, 'the workload committed');
  assert.equal(report.missing, 0, 'every acknowledged append is stored');
  assert.equal(report.bankViolations, 0, 'the bank total never changed');
  assert.ok(report.historyValid, `no snapshot-isolation anomaly: ${JSON.stringify(report.anomalies)}`);
  for (const [victim, ms] of Object.entries(report.recoveryMs)) assert.ok(ms < 5_000, `served again ${ms.toFixed(0)} ms after killing ${victim}`);
});
