/**
 * The connection limits DSQL puts on a cluster (reference/dsql.md §3.1): at most 10,000 open
 * connections (configurable: `TOO_MANY_CONNECTIONS` 53300), and new connections at a rate of 100
 * a second with a burst capacity of 1,000 — a token bucket (`CONFIGURED_LIMIT_EXCEEDED` 53400).
 * Where a connection is counted is the caller's: the distributed QP at the startup message (TLS
 * done, before the password: a CancelRequest is not a connection), the embedded node when its
 * shared port routes the first packet. Either way a client refused gets DSQL's FATAL error in the
 * protocol rather than a reset.
 */
import type { Clock } from '../contracts/time.js';
import type { ErrorFields } from '../wire/backend.js';

export const TOO_MANY_CONNECTIONS: ErrorFields = { severity: 'FATAL', code: '53300', message: 'Unable to accept connection, too many open connections.' };
export const CONNECTION_RATE_EXCEEDED: ErrorFields = { severity: 'FATAL', code: '53400', message: 'Unable to accept connection, rate exceeded.' };

/** A token bucket: `burst` tokens at most, refilled at `perSecond`; each new connection takes one. */
export class ConnectionRate {
  private tokens: number;
  private lastUs: number;

  constructor(private readonly clock: Clock, private readonly perSecond: number, private readonly burst: number) {
    this.tokens = burst;
    this.lastUs = clock.now().earliest;
  }

  /** Takes a token if there is one: false means the connection is over the rate. */
  tryTake(): boolean {
    const nowUs = this.clock.now().earliest;
    // A clock read earlier than the last (a bounded clock's interval moves) adds nothing.
    if (nowUs > this.lastUs) {
      this.tokens = Math.min(this.burst, this.tokens + (nowUs - this.lastUs) * this.perSecond / 1e6);
      this.lastUs = nowUs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface AdmissionLimits {
  /** Open connections at most. */
  readonly maxConnections: number;
  /** New connections a second, and the bucket's size. */
  readonly ratePerSecond: number;
  readonly burst: number;
}

export const DSQL_LIMITS: AdmissionLimits = { maxConnections: 10_000, ratePerSecond: 100, burst: 1_000 };

/** What a cluster's configuration may set of its limits (EmbeddedOptions, ClusterConfig extend it). */
export interface ConfiguredLimits {
  /** At most this many open connections (DSQL's quota: 10,000). */
  readonly maxConnections?: number;
  /** New connections a second and the burst over it (DSQL's: 100 and 1,000). */
  readonly connectionRate?: { readonly perSecond: number; readonly burst: number };
}

/** DSQL's limits, with what the configuration sets instead. */
export function limitsOf(configured: ConfiguredLimits): AdmissionLimits {
  return {
    maxConnections: configured.maxConnections ?? DSQL_LIMITS.maxConnections,
    ratePerSecond: configured.connectionRate?.perSecond ?? DSQL_LIMITS.ratePerSecond,
    burst: configured.connectionRate?.burst ?? DSQL_LIMITS.burst,
  };
}

/**
 * One process's part of a cluster's limits when `sharers` processes admit its connections
 * independently (the distributed cluster's QPs of a region, each told nothing of the others'
 * counts): each gets an equal share, rounded up, so the cluster admits at least its limits.
 */
export function shareOf(limits: AdmissionLimits, sharers: number): AdmissionLimits {
  const n = Math.max(1, sharers);
  return {
    maxConnections: Math.ceil(limits.maxConnections / n),
    ratePerSecond: limits.ratePerSecond / n,
    burst: Math.max(1, Math.ceil(limits.burst / n)),
  };
}

/**
 * Decides whether a new connection is admitted: null, or the FATAL error to end it with.
 * `open`: the connections open now, this one not counted.
 */
export class Admission {
  private rate: ConnectionRate;

  constructor(private readonly clock: Clock, private limits: AdmissionLimits) {
    this.rate = new ConnectionRate(clock, limits.ratePerSecond, limits.burst);
  }

  /**
   * Another share of the cluster's limits (a QP joined the region: each now admits less). The
   * quota applies to the next connection; the rate starts again from a full burst of the share.
   */
  reshare(limits: AdmissionLimits): void {
    if (limits.maxConnections === this.limits.maxConnections && limits.ratePerSecond === this.limits.ratePerSecond && limits.burst === this.limits.burst) return;
    this.limits = limits;
    this.rate = new ConnectionRate(this.clock, limits.ratePerSecond, limits.burst);
  }

  admit(open: number): ErrorFields | null {
    if (open >= this.limits.maxConnections) return TOO_MANY_CONNECTIONS;
    // Only a connection the quota would take spends a token.
    return this.rate.tryTake() ? null : CONNECTION_RATE_EXCEEDED;
  }
}
