/**
 * The journal's watch path alone: CPU per batch of `--followers N` journal followers (each with
 * its own etcd client, as each storage replica and standby has) in this process, while a writer
 * in another process appends 4-record batches at `--rate R` batches/s (0: as fast as 4 appends
 * in flight go) to a 1-member etcd. Measures what every replica and standby pays per journal
 * batch between etcd's watch message and the decoded records (not the apply).
 *
 *   node dist/bench/journal-follow.js [--seconds 8] [--followers 3] [--rate 250]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JournalRecord } from '../src/contracts/journal.js';
import { EtcdCoordination } from '../src/env/etcd-coordination.js';
import { SystemTimers } from '../src/env/timers.js';
import { CoordinatedJournal } from '../src/journal/coordinated-journal.js';
import { startEtcd } from '../test/support/etcd.js';
import { option } from './options.js';

const PREFIX = 'bench/journal/';
const LEADER_KEY = new TextEncoder().encode('bench/leader');
const RECORDS_PER_BATCH = 4;
const WARM_UP_MS = 2_000;

let written = 0;
function record(): JournalRecord {
  written++;
  return {
    commitTimestamp: 1_000 + written, transactionId: `tx-${written}-bench`,
    writes: [{ key: new TextEncoder().encode(`key-${written % 1_000}`), value: new Uint8Array(90).fill(written % 251) }],
  };
}

/** The writer process: appends paced batches for `seconds`. */
async function write(endpoint: string, seconds: number, rate: number): Promise<void> {
  const coordination = new EtcdCoordination([endpoint]);
  const lease = await coordination.grantLease(10);
  const took = await coordination.transaction([{ key: LEADER_KEY, target: 'create', op: '==', revision: 0 }],
    [{ type: 'put', key: LEADER_KEY, value: new Uint8Array(1), lease: lease.id }]);
  const journal = await CoordinatedJournal.open({
    coordination, timers: new SystemTimers(), prefix: PREFIX, fence: { key: LEADER_KEY, createRevision: took.revision },
  });
  const started = performance.now();
  const inFlight: Promise<number>[] = [];
  for (let sent = 1; performance.now() - started < seconds * 1000; sent++) {
    inFlight.push(journal.append(Array.from({ length: RECORDS_PER_BATCH }, record)));
    if (inFlight.length >= 4) await inFlight.shift();
    const wait = rate > 0 ? started + (sent * 1000) / rate - performance.now() : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(inFlight);
  await journal.close();
  await coordination.close();
}

async function main(): Promise<void> {
  const seconds = option('seconds', 8);
  const followers = option('followers', 3);
  const rate = option('rate', 250);
  const etcd = await startEtcd(1);
  const endpoint = etcd.endpoints[0]!;
  let batches = 0;
  let records = 0;
  const following: { coordination: EtcdCoordination; subscription: { close(): Promise<void> } }[] = [];
  try {
    for (let i = 0; i < followers; i++) {
      const coordination = new EtcdCoordination([endpoint]);
      const journal = await CoordinatedJournal.open({ coordination, timers: new SystemTimers(), prefix: PREFIX });
      const subscription = await journal.follow(0, (delivered) => {
        batches++;
        records += delivered.length;
      });
      following.push({ coordination, subscription });
    }
    const writer = spawn(process.execPath, [fileURLToPath(import.meta.url), '--writer', endpoint, String(seconds + WARM_UP_MS / 1000 + 1), String(rate)],
      { stdio: 'inherit' });
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const [batches0, records0, cpu0, started] = [batches, records, process.cpuUsage(), performance.now()];
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const cpu = process.cpuUsage(cpu0);
    const elapsed = (performance.now() - started) / 1000;
    const measured = batches - batches0;
    const perBatch = (cpu.user + cpu.system) / measured;
    console.log(`${followers} followers, ${Math.round(measured / followers / elapsed)} batches/s each `
      + `(${((records - records0) / measured).toFixed(2)} records per batch): ${((cpu.user + cpu.system) / elapsed / 1e6).toFixed(3)} cores, `
      + `${perBatch.toFixed(1)} µs of CPU per batch per follower (user ${(cpu.user / measured).toFixed(1)}, system ${(cpu.system / measured).toFixed(1)})`);
    await exited;
  } finally {
    for (const { coordination, subscription } of following) {
      await subscription.close();
      await coordination.close();
    }
    await etcd.stop();
  }
}

const args = process.argv.slice(2);
if (args[0] === '--writer') await write(args[1]!, Number(args[2]), Number(args[3]));
else await main();
