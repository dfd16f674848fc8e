/**
 * `npm run fault [-- --seconds-per-fault N] [--clients N] [--regions]`: the long fault run (see
 * fault-run.ts): each role killed in turn, stalls, two roles at once and every process at once;
 * `--regions` runs it on a multi-region cluster, losing whole regions.
 * Prints the counts; exits 1 when a check fails.
 */
import { faultRun } from './fault-run.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

// `--regions`: a multi-region cluster, whole regions lost and started again (and a node or two).
const regions = process.argv.includes('--regions');
const report = await faultRun({
  victims: regions
    ? ['region:leader', 'leader', 'region:standby', 'region:wit', 'region:leader', 'east-storage-1', 'west-qp-1']
    : ['etcd-1', 'leader', 'storage-1', 'qp-1', 'etcd-2', 'leader', 'storage-2', 'qp-2', 'relay-1',
      // Stalls (a process frozen past the leader's lease, then woken among peers that went on),
      // the etcd member leading raft, two roles at the same instant, and a power cut.
      'pause:leader', 'pause:storage-1', 'pause:qp-1', 'etcd-leader', 'pause:etcd-leader', 'storage-3+leader', 'all'],
  regions,
  secondsPerFault: option('seconds-per-fault', 10),
  clients: option('clients', 8),
  keys: 20,
  accounts: 10,
  log: (line) => console.log(line),
});
console.log(JSON.stringify(report, null, 2));
// A power cut (`all`) restarts every process at once, which on a small machine takes longer than
// the 5 s asked of one role's loss (docs/distributed.md, Failure handling).
const bound = (fault: string) => (fault.startsWith('all') ? 30_000 : 5_000);
const ok = report.missing === 0 && report.bankViolations === 0 && report.historyValid
  && Object.entries(report.recoveryMs).every(([fault, ms]) => ms < bound(fault));
console.log(ok ? 'fault run passed' : 'fault run FAILED');
process.exit(ok ? 0 : 1);
