/**
 * Messages between the embedded node's primary process (journal, adjudicator, storage writer)
 * and its query-processor workers. Workers read storage themselves (the store is shared); only
 * commits, cancellations and lifecycle cross the channel. Commits and their outcomes travel in
 * batches, encoded by commit-codec.ts.
 */
export type ToWorker =
  | { readonly type: 'start'; readonly dataDir: string; readonly index: number; readonly quiet: boolean }
  /** Sent with the accepted socket as the handle; `preface`: its first bytes, already read (the peek). */
  | { readonly type: 'connection'; readonly preface?: Uint8Array }
  /** Outcomes of this worker's commits (`encodeOutcomes`). */
  | { readonly type: 'commit-outcomes'; readonly bytes: Uint8Array }
  | { readonly type: 'cancel'; readonly processId: number; readonly secretKey: number }
  | { readonly type: 'advance-clock'; readonly id: number; readonly micros: number }
  | { readonly type: 'stop' };

export type ToPrimary =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  /** Commits, each with the id its outcome will carry (`encodeCommits`). */
  | { readonly type: 'commits'; readonly bytes: Uint8Array }
  | { readonly type: 'connection-closed' }
  | { readonly type: 'cancel'; readonly processId: number; readonly secretKey: number }
  | { readonly type: 'clock-advanced'; readonly id: number };
