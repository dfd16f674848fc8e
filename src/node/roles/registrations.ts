/**
 * What a node's registration in etcd says (`nodes/<name>`, put by each role's `register` call on
 * its lease while it serves): its role, region, AZ and address, and a storage replica's shard.
 * Nodes added while the cluster runs (`strata local add`) are in no running process's config:
 * their peers learn of them here.
 */
export interface Registered {
  readonly name: string;
  readonly role: string;
  readonly region: string | null;
  readonly az: string;
  readonly host: string;
  readonly port: number;
  readonly address: string;
  /** A storage replica's shard (0 when it names none). */
  readonly shard: number;
}

/** The registration at `key` (…/nodes/<name>) with JSON `value`, or null for one that does not parse. */
export function parseRegistration(key: string, value: string): Registered | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { role, region, az, address, shard } = parsed as Record<string, unknown>;
  if (typeof role !== 'string' || typeof az !== 'string' || typeof address !== 'string') return null;
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) return null;
  return {
    name: key.slice(key.lastIndexOf('/') + 1), role, region: typeof region === 'string' ? region : null, az,
    host: address.slice(0, colon), port, address, shard: typeof shard === 'number' ? shard : 0,
  };
}

/** A registered query processor, or null for any other registration. */
export function registeredQp(key: string, value: string): Registered | null {
  const registered = parseRegistration(key, value);
  return registered?.role === 'qp' ? registered : null;
}
