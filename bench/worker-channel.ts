/**
 * CPU per commit of the channel between a query-processor worker and the primary, both sides,
 * without SQL or a journal: this process is the worker (the real ChannelAdjudicator, `--clients`
 * commits in flight, each a one-row bundle like the update script's), a forked child is the
 * primary (decodes, answers every commit as committed after a turn, as WorkerPool does once a
 * journal write is acknowledged). `--clone` instead sends each commit and each outcome as its
 * own structured-clone message, the protocol before commit-codec.ts, for comparison.
 *
 *   npm run build && node dist/bench/worker-channel.js [--clients 8] [--seconds 3] [--clone]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommitRequest } from '../src/contracts/adjudicator.js';
import { NodeProcesses, type ProcessChannel } from '../src/env/processes.js';
import { SystemTimers } from '../src/env/timers.js';
import { ChannelAdjudicator } from '../src/node/channel-adjudicator.js';
import { decodeCommits, decodeOutcomes, encodeOutcomes, type ChannelOutcome } from '../src/node/commit-codec.js';
import type { ToPrimary, ToWorker } from '../src/node/worker-protocol.js';
import { option } from './options.js';

const clients = option('clients', 8);
const seconds = option('seconds', 3);
const clone = process.argv.includes('--clone');
const COMMITTED = { kind: 'committed', commitTimestamp: 1_764_400_000_123_456 } as const;

type CloneMessage = { type: 'commit'; id: number; request: CommitRequest } | { type: 'commit-outcome'; id: number; outcome: typeof COMMITTED };

/** The primary's side: answers every commit, batched per turn as WorkerPool does (or one by one with --clone). */
function runPrimary(channel: ProcessChannel): void {
  let unsent: ChannelOutcome[] = [];
  channel.onMessage((raw) => {
    const message = raw as ToPrimary | CloneMessage;
    if (message.type === 'commit') {
      setImmediate(() => channel.send({ type: 'commit-outcome', id: message.id, outcome: COMMITTED } satisfies CloneMessage));
      return;
    }
    if (message.type !== 'commits') return;
    if (unsent.length === 0) {
      setImmediate(() => {
        channel.send({ type: 'commit-outcomes', bytes: encodeOutcomes(unsent) } satisfies ToWorker);
        unsent = [];
      });
    }
    for (const { id } of decodeCommits(message.bytes)) unsent.push({ id, outcome: COMMITTED });
  });
  channel.onExit(() => process.exit(0));
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function runWorker(): Promise<void> {
  const channel = new NodeProcesses().fork(fileURLToPath(import.meta.url), ['--primary']);
  const adjudicator = new ChannelAdjudicator(channel, new SystemTimers(), () => 0);
  const waiting = new Map<number, () => void>();
  let nextId = 0;
  channel.onMessage((raw) => {
    const message = raw as ToWorker | CloneMessage;
    if (message.type === 'commit-outcomes') adjudicator.settle(decodeOutcomes(message.bytes));
    else if (message.type === 'commit-outcome') { waiting.get(message.id)!(); waiting.delete(message.id); }
  });
  const commit = (request: CommitRequest): Promise<unknown> => {
    if (!clone) return adjudicator.commit(request);
    const id = ++nextId;
    return new Promise<void>((resolve) => {
      waiting.set(id, resolve);
      channel.send({ type: 'commit', id, request } satisfies CloneMessage);
    });
  };
  let done = 0;
  let running = true;
  const client = async (index: number): Promise<void> => {
    for (let n = 0; running; n++) {
      const key = new Uint8Array(10).fill(index);
      await commit({ transactionId: `${index}-${n}-1764400000000000`, startTimestamp: 1_764_400_000_000_000, writes: [{ key, value: new Uint8Array(100) }], lockKeys: [], schemaKeys: [new Uint8Array(10)] });
      done++;
    }
  };
  const all = Array.from({ length: clients }, (_, i) => client(i));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = done;
  const cpu = process.cpuUsage();
  const childBefore = cpuTicks(channel.pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = process.cpuUsage(cpu);
  const childMicros = (cpuTicks(channel.pid) - childBefore) * 10_000; // USER_HZ is 100 on Linux
  const commits = done - before;
  console.log(`${clone ? 'structured clone, a message per commit' : 'binary, batched per turn'}, ${clients} clients: ${commits} commits in ${seconds} s; `
    + `CPU per commit: worker side ${((used.user + used.system) / commits).toFixed(1)} µs, primary side ${(childMicros / commits).toFixed(1)} µs`);
  running = false;
  await Promise.all(all);
  channel.kill();
}

if (process.argv.includes('--primary')) runPrimary(new NodeProcesses().parent()!);
else runWorker().catch((error) => { console.error(error); process.exitCode = 1; });
