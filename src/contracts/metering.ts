/**
 * Metering (reference/dsql.md §6): what a query processor reports about each transaction it
 * ends, and where it reports it. The processor prices the work in DPUs (src/qp/metering); the
 * usage store (src/metering) keeps the cluster's totals in CloudWatch's names.
 */

/** One ended transaction's bill, priced by the query processor. */
export interface TransactionUsage {
  /** Processing time of its statements, in seconds (= ComputeDPU). */
  readonly computeDpu: number;
  readonly readDpu: number;
  /** Zero unless it committed writes. */
  readonly writeDpu: number;
  /** Bytes billed for reads (each storage read at least 128), before the transaction minimum. */
  readonly bytesRead: number;
  /** Bytes billed for the rows it committed (each at least 128), before the transaction minimum. */
  readonly bytesWritten: number;
  /** Never reached the adjudicator (no writes, no locks). */
  readonly readOnly: boolean;
  /** Aborted by a key-level optimistic-concurrency conflict (OC000). */
  readonly occConflict: boolean;
  /** Ended by the 300 s transaction age limit (54000): CloudWatch's QueryTimeouts. */
  readonly ageLimit: boolean;
  /** Microseconds of the commit phase (adjudication, journal, commit wait); null when it had none. */
  readonly commitLatencyUs: number | null;
}

/** Where a query processor reports ended transactions (UsageStore; nothing in tests that need none). */
export interface UsageRecorder {
  /**
   * Called once per ended transaction, on the hot path: must be cheap and must not throw. The
   * record is valid only during the call (a session reuses one object): copy what is kept.
   */
  record(usage: TransactionUsage): void;
}
