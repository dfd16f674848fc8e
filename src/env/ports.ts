import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';

/** Ports below this are left alone: well-known and common services' ports (5432, 8080, …). */
const LOWEST_PICKED = 10_000;
/** Candidates tried per port before the OS is left to pick one. */
const ATTEMPTS_PER_PORT = 64;
/** A span outside the ephemeral range narrower than this is not worth picking from. */
const NARROWEST_SPAN = 1_000;

/**
 * Loopback ports free at the time of the call, none of them in `avoid` (a port can be taken
 * again before its user binds it, so callers that can retry on EADDRINUSE should).
 *
 * They are picked outside the kernel's ephemeral range (net.ipv4.ip_local_port_range), where the
 * OS itself picks: every outgoing connection's local port comes from that range, so a port it
 * handed out here could be the local end of some connection by the time its user binds it —
 * a local cluster opens hundreds of connections while it starts, after its ports were laid
 * out, and a node, relay or etcd member then failed with EADDRINUSE. Outside the range only
 * another listener can take a port, and it was free when picked. Below the range where there is
 * room (Linux's default range starts at 32768), else above it; where the range leaves no room
 * either side the OS picks.
 */
export async function freePorts(count: number, host = '127.0.0.1', avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
  const servers: Server[] = [];
  // Ports the OS handed out that are in `avoid`: kept bound until the end so it hands out others.
  const refused: Server[] = [];
  try {
    const span = pickingSpan(ephemeralRange());
    while (servers.length < count) {
      const server = await listenIn(span, host, servers.length + refused.length, avoid);
      (avoid.has(portOf(server)) ? refused : servers).push(server);
    }
    return servers.map(portOf);
  } finally {
    await Promise.all([...servers, ...refused].map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** A server listening on a random free port of `span` not in `avoid`, else on one the OS picks. */
async function listenIn(span: PortSpan | null, host: string, held: number, avoid: ReadonlySet<number>): Promise<Server> {
  // The ports of this call stay bound until it returns: a candidate never repeats one of them.
  for (let attempt = 0; span !== null && attempt < ATTEMPTS_PER_PORT && span.end - span.start > held + avoid.size; attempt++) {
    const port = span.start + Math.floor(Math.random() * (span.end - span.start));
    if (avoid.has(port)) continue;
    const server = await listen(port, host).catch(() => null);
    if (server !== null) return server;
  }
  return listen(0, host);
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Ports [start, end). */
export interface PortSpan { readonly start: number; readonly end: number }

/** Where ports are picked given the ephemeral range: below it, else above it, else nowhere (null). */
export function pickingSpan([first, last]: readonly [number, number]): PortSpan | null {
  if (first - LOWEST_PICKED >= NARROWEST_SPAN) return { start: LOWEST_PICKED, end: first };
  const above = Math.max(last + 1, LOWEST_PICKED);
  return 65_536 - above >= NARROWEST_SPAN ? { start: above, end: 65_536 } : null;
}

/** The kernel's ephemeral range (Linux), or the common default where unknown. */
export function ephemeralRange(): [number, number] {
  try {
    const [first, last] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(first) && Number.isInteger(last) && first! > 0 && last! >= first!) return [first!, last!];
  } catch {
    // Not Linux: the default below.
  }
  return [32_768, 60_999];
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
