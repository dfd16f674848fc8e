/**
 * DSQL's DPU formulas (reference/dsql.md §6.1), and the statement estimate EXPLAIN ANALYZE
 * VERBOSE prints. Pure: the byte counts come from the transaction (transaction.ts), the
 * processing time from the session's stopwatch (session.ts).
 */

/** ReadDPU per byte read. */
export const READ_DPU_PER_BYTE = 0.00000183105;
/** WriteDPU per byte written. */
export const WRITE_DPU_PER_BYTE = 0.00004883;
/** Every storage read bills at least this much (DSQL: per storage partition read). */
export const MIN_BYTES_PER_READ = 128;
/** Every row written (base table or secondary index) bills at least this much. */
export const MIN_BYTES_PER_ROW = 128;
/** A transaction bills at least this much read, ≈ 0.00375 DPU. */
export const MIN_READ_BYTES_PER_TRANSACTION = 2048;
/** A transaction that writes bills at least this much written, ≈ 0.05 DPU. */
export const MIN_WRITE_BYTES_PER_TRANSACTION = 1024;

/** The bytes one storage read bills: what it examined, at least 128. */
export function billedReadBytes(bytes: number): number {
  return bytes < MIN_BYTES_PER_READ ? MIN_BYTES_PER_READ : bytes;
}

/** The bytes one written row bills: its key and value as the journal carries them, at least 128. */
export function billedRowBytes(rowBytes: number): number {
  return rowBytes < MIN_BYTES_PER_ROW ? MIN_BYTES_PER_ROW : rowBytes;
}

/** A transaction's ReadDPU: every transaction pays the 2,048-byte minimum. */
export function transactionReadDpu(bytesRead: number): number {
  return Math.max(bytesRead, MIN_READ_BYTES_PER_TRANSACTION) * READ_DPU_PER_BYTE;
}

/** A transaction's WriteDPU: none unless it wrote; then at least the 1,024-byte minimum. */
export function transactionWriteDpu(bytesWritten: number): number {
  return bytesWritten === 0 ? 0 : Math.max(bytesWritten, MIN_WRITE_BYTES_PER_TRANSACTION) * WRITE_DPU_PER_BYTE;
}

/** One statement's share, without the transaction minimums (EXPLAIN ANALYZE VERBOSE). */
export interface StatementUsage {
  readonly computeSeconds: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/** DSQL's `Statement DPU Estimate` block, five decimals, as it follows the plan. */
export function statementEstimateLines(usage: StatementUsage): string[] {
  const compute = usage.computeSeconds;
  const read = usage.bytesRead * READ_DPU_PER_BYTE;
  const write = usage.bytesWritten * WRITE_DPU_PER_BYTE;
  const dpu = (value: number) => `${value.toFixed(5)} DPU`;
  return [
    'Statement DPU Estimate:',
    `  Compute: ${dpu(compute)}`,
    `  Read: ${dpu(read)} (Transaction minimum: ${(MIN_READ_BYTES_PER_TRANSACTION * READ_DPU_PER_BYTE).toFixed(5)})`,
    `  Write: ${dpu(write)} (Transaction minimum: ${(MIN_WRITE_BYTES_PER_TRANSACTION * WRITE_DPU_PER_BYTE).toFixed(5)})`,
    `  Total: ${dpu(compute + read + write)}`,
  ];
}
