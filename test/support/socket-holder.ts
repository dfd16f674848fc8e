/**
 * Where the far end of a test's TCP connection sits, for a test that waited too long on it: the
 * process holding the server's socket (by its inode in /proc/PID/fd) and the bytes queued on it.
 * "held by no process" means the connection is still in the listen queue (nobody accepted it);
 * bytes queued to receive at the server end mean the process that holds it does not read it.
 * Linux only (/proc); elsewhere it says so.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

interface TcpEntry {
  readonly inode: string;
  /** Bytes sent and not acknowledged / received and not read, as /proc/net/tcp shows them. */
  readonly txQueue: number;
  readonly rxQueue: number;
  readonly state: string;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};

/** The TCP entry with this local and remote port (the server's end of a client's connection). */
function tcpEntry(localPort: number, remotePort: number): TcpEntry | undefined {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (parseInt(f[1]!.split(':')[1]!, 16) !== localPort || parseInt(f[2]!.split(':')[1]!, 16) !== remotePort) continue;
      const [tx, rx] = f[4]!.split(':').map((n) => parseInt(n, 16));
      return { inode: f[9]!, txQueue: tx!, rxQueue: rx!, state: TCP_STATES[f[3]!] ?? f[3]! };
    }
  }
  return undefined;
}

/** The socket inodes a process holds open (empty when it is gone). */
export function socketInodes(pid: number | string): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  return inodes;
}

/** The inode of the server's end of a connection from `clientPort` to `serverPort`. */
export function serverEndInode(serverPort: number, clientPort: number): string | undefined {
  return tcpEntry(serverPort, clientPort)?.inode;
}

/**
 * One line on the server end of the connection from `clientPort` to `serverPort`: its state,
 * its queues and which of `processes` (name → pid) holds it.
 */
export function describeServerEnd(serverPort: number, clientPort: number, processes: Readonly<Record<string, number>>): string {
  const entry = tcpEntry(serverPort, clientPort);
  if (entry === undefined) return `no server end for client port ${clientPort} (closed, or no /proc here)`;
  const holders = Object.entries(processes).filter(([, pid]) => socketInodes(pid).has(entry.inode)).map(([name, pid]) => `${name} (pid ${pid})`);
  return `server end of client port ${clientPort}: ${entry.state}, ${entry.rxQueue} bytes unread, ${entry.txQueue} unacknowledged, `
    + `held by ${holders.length > 0 ? holders.join(', ') : 'no process of the cluster (still in the listen queue?)'}`;
}
