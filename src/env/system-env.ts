import { SystemClock } from './clock.js';
import { NodeDisk } from './disk.js';
import type { Env } from './env.js';
import { SilentLog } from './log.js';
import { NodeNet } from './net.js';
import { SystemRandom } from './random.js';
import { SystemTimers } from './timers.js';

function processCpuUs(): number {
  const used = process.cpuUsage();
  return used.user + used.system;
}

/**
 * The machine's own clock, timers, randomness, disk, network and CPU meter, and a silent log, with any of
 * them replaced by `overrides` (a named log, a fake clock in a test, the links' TLS): the Env of
 * a command, a node process, a backup thread or a test that runs on the real machine.
 */
export function systemEnv(overrides: Partial<Env> = {}): Env {
  return {
    clock: new SystemClock(0), timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(), net: new NodeNet(), log: new SilentLog(),
    processCpuUs,
    ...overrides,
  };
}
