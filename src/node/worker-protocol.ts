import type { CommitOutcome, CommitRequest } from '../contracts/adjudicator.js';

/**
 * Messages between the embedded node's primary process (journal, adjudicator, storage writer)
 * and its query-processor workers. Workers read storage themselves (the store is shared); only
 * commits, cancellations and lifecycle cross the channel.
 */
export type ToWorker =
  | { readonly type: 'start'; readonly dataDir: string; readonly index: number; readonly quiet: boolean }
  /** Sent with the accepted socket as the handle. */
  | { readonly type: 'connection' }
  | { readonly type: 'commit-outcome'; readonly id: number; readonly outcome: CommitOutcome }
  | { readonly type: 'cancel'; readonly processId: number; readonly secretKey: number }
  | { readonly type: 'advance-clock'; readonly id: number; readonly micros: number }
  | { readonly type: 'stop' };

export type ToPrimary =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'commit'; readonly id: number; readonly request: CommitRequest }
  | { readonly type: 'connection-closed' }
  | { readonly type: 'cancel'; readonly processId: number; readonly secretKey: number }
  | { readonly type: 'clock-advanced'; readonly id: number };
