/**
 * Strata's embedded cluster in a process of its own, for the harness: a statement that runs away
 * in Strata cannot stall the harness, and the process can be killed and started again on the
 * same data directory. Prints one JSON line ({ port, token }) once it accepts connections.
 *
 *   node dist/conformance/strata-child.js DATA_DIR
 */
import { startEmbedded } from '../src/node/embedded.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: strata-child.js DATA_DIR\n');
  process.exit(2);
}
const cluster = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, quiet: true, workers: 0 });
const token = await cluster.token('admin', 604_800);
process.stdout.write(`${JSON.stringify({ port: cluster.port, token, pid: process.pid })}\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  cluster.stop().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The harness going away (its end of stdin closes) stops us too.
process.stdin.on('end', stop);
process.stdin.resume();
