import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Ports below this are left alone: well-known and common services' ports (5432, 8080, …). */
const LOWEST_PICKED = 10_000;
/** Candidates tried per port before the OS is left to pick one. */
const ATTEMPTS_PER_PORT = 64;

/**
 * Loopback ports free at the time of the call (a port can be taken again before its user binds
 * it, so callers that can retry on EADDRINUSE should).
 *
 * They are picked below the kernel's ephemeral range (net.ipv4.ip_local_port_range), where the
 * OS itself picks: every outgoing connection's local port comes from that range, so a port it
 * handed out here could be the local end of some connection by the time its user binds it —
 * a local cluster opens hundreds of connections while it starts, after its ports were laid
 * out, and a node, relay or etcd member then failed with EADDRINUSE. Below the range only another
 * listener can take a port, and it was free when picked.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const below = ephemeralRangeStart();
    for (let i = 0; i < count; i++) servers.push(await listenBelow(below, host, servers));
    return servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** A server listening on a random free port in [LOWEST_PICKED, below), else on one the OS picks. */
async function listenBelow(below: number, host: string, taken: readonly Server[]): Promise<Server> {
  // The ports of this call stay bound until it returns: a candidate never repeats one of them.
  for (let attempt = 0; attempt < ATTEMPTS_PER_PORT && below - LOWEST_PICKED > taken.length; attempt++) {
    const port = LOWEST_PICKED + Math.floor(Math.random() * (below - LOWEST_PICKED));
    const server = await listen(port, host).catch(() => null);
    if (server !== null) return server;
  }
  return listen(0, host);
}

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** The first port of the kernel's ephemeral range (Linux), or the common default where unknown. */
function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** Why `host:port` cannot be listened on now (taken by another server, not permitted), or null. */
export async function listenProblem(port: number, host = '127.0.0.1'): Promise<string | null> {
  try {
    const server = await listen(port, host);
    await new Promise((resolve) => server.close(resolve));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
