/**
 * Throwaway etcd clusters for tests: 1 or 3 members on free loopback ports in a temporary
 * directory, stopped (and the directory removed) by `stop()` or when the test process exits.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientEndpoint, etcdUnavailableReason, spawnEtcd, waitForEtcd, type EtcdMember } from '../../src/env/etcd-server.js';
import { freePorts } from '../../src/env/ports.js';
import type { LinkTls } from '../../src/env/link-tls.js';

export { etcdUnavailableReason };

export interface TestEtcd {
  readonly endpoints: string[];
  readonly members: readonly EtcdMember[];
  /** SIGKILLs member `index`; resolves once it has exited. */
  kill(index: number): Promise<void>;
  /** Starts member `index` again on its data directory. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => { for (const child of running) child.kill('SIGKILL'); });

export interface TestEtcdOptions {
  /** Mutual TLS: each member's certificate files, and the client identity the health checks use. */
  readonly tls?: { readonly member: (name: string) => NonNullable<EtcdMember['tls']>; readonly client: LinkTls };
}

export async function startEtcd(size: 1 | 3 = 1, options: TestEtcdOptions = {}): Promise<TestEtcd> {
  const reason = etcdUnavailableReason();
  if (reason) throw new Error(reason);
  const dir = mkdtempSync(join(tmpdir(), 'strata-etcd-'));
  const ports = await freePorts(size * 2);
  const members: EtcdMember[] = Array.from({ length: size }, (_, i) => ({
    name: `m${i + 1}`, dataDir: join(dir, `m${i + 1}`), clientPort: ports[2 * i]!, peerPort: ports[2 * i + 1]!,
    ...(options.tls === undefined ? {} : { tls: options.tls.member(`m${i + 1}`) }),
  }));
  const clientTls = options.tls?.client ?? null;
  const children: (ChildProcess | null)[] = members.map((m) => spawnEtcd(m, members, dir, join(dir, `${m.name}.log`)));
  for (const child of children) running.add(child!);
  const endpoints = members.map(clientEndpoint);
  await Promise.all(endpoints.map((e) => waitForEtcd(e, 30_000, clientTls)));
  const stopChild = async (index: number, signal: NodeJS.Signals) => {
    const child = children[index];
    if (!child) return;
    children[index] = null;
    running.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
  };
  return {
    endpoints,
    members,
    kill: (index) => stopChild(index, 'SIGKILL'),
    async restart(index) {
      await stopChild(index, 'SIGKILL');
      const child = spawnEtcd(members[index]!, members, dir, join(dir, `${members[index]!.name}.log`));
      children[index] = child;
      running.add(child);
      await waitForEtcd(endpoints[index]!, 30_000, clientTls);
    },
    async stop() {
      if (process.env['STRATA_KEEP_ETCD']) return;
      await Promise.all(members.map((_, i) => stopChild(i, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
