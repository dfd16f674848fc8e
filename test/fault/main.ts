/**
 * `npm run fault [-- --seconds-per-fault N] [--clients N]`: the long fault run (see fault-run.ts).
 * Prints the counts; exits 1 when a check fails.
 */
import { faultRun } from './fault-run.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const report = await faultRun({
  victims: ['etcd-1', 'leader', 'storage-1', 'qp-1', 'etcd-2', 'leader', 'storage-2', 'qp-2', 'relay-1'],
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
