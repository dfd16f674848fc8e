import type { PendingDrop } from './drop-job.js';

/**
 * Work a DDL statement leaves for after its commit: the background job it started, by kind.
 * The session hands each to its host once the DDL has committed (a rolled-back DDL starts none).
 */
export type AfterCommitJob =
  | { readonly kind: 'build-index'; readonly tableId: number; readonly indexId: number; readonly jobId: string }
  | { readonly kind: 'validate-constraint'; readonly tableId: number; readonly constraint: string; readonly jobId: string }
  | { readonly kind: 'drop-rows'; readonly drop: PendingDrop };
