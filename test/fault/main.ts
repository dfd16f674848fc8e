/**
 * `npm run fault [-- --seconds-per-fault N] [--clients N] [--regions]`: the long fault run (see
 * fault-run.ts); `--regions` runs it on a multi-region cluster, losing whole regions.
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
    : ['etcd-1', 'leader', 'storage-1', 'qp-1', 'etcd-2', 'leader', 'storage-2', 'qp-2', 'relay-1'],
  regions,
  secondsPerFault: option('seconds-per-fault', 10),
  clients: option('clients', 8),
  keys: 20,
  accounts: 10,
  log: (line) => console.log(line),
});
console.log(JSON.stringify(report, null, 2));
const ok = report.missing === 0 && report.bankViolations === 0 && report.historyValid && Object.values(report.recoveryMs).every((ms) => ms < 5_000);
console.log(ok ? 'fault run passed' : 'fault run FAILED');
process.exit(ok ? 0 : 1);
