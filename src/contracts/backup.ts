/**
 * Backups and restores of a cluster (DESIGN.md §1: the control plane's backups and restores):
 * what a backup file says about itself, and the node's side of the jobs the control plane runs.
 */

/** A backup file's header (docs/backup.md). */
export interface BackupHeader {
  readonly format: number;
  /** The cluster the backup was taken of. */
  readonly clusterId: string;
  /** The commit timestamp (µs) the backup reads as of: every commit at or below it, nothing later. */
  readonly timestamp: number;
  /** Wall-clock milliseconds when the backup was started. */
  readonly takenAtMs: number;
  /** The catalog version at `timestamp` (0 for a cluster that never ran DDL). */
  readonly catalogVersion: number;
  readonly entries: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
  readonly bodyBytes: number;
  /** SHA-256 of the body, hex. */
  readonly bodySha256: string;
}

/**
 * A backup file's fixed header block (docs/backup.md). Part of the contract because the control
 * plane reports a recovery point's size, the header included, without reading the file.
 */
export const BACKUP_HEADER_BYTES = 4096;

/** A whole backup file's size: its header block and the body the header describes. */
export function backupFileBytes(header: Pick<BackupHeader, 'bodyBytes'>): number {
  return BACKUP_HEADER_BYTES + header.bodyBytes;
}

/** The node's side of backups and restores: reading a live cluster, filling a new one. */
export interface ClusterBackups {
  /**
   * Writes a full backup of the cluster as of a commit timestamp taken now into `path` (which
   * must not exist), durably; no lock, no pause of writers. On failure no file is left.
   * `cancelled` is asked as the read goes.
   */
  backup(clusterId: string, path: string, cancelled: () => boolean): Promise<BackupHeader>;
  /**
   * Checks the backup at `path` and restores it into `directory` (which must not exist) as a
   * cluster's database, durably. On any failure (a corrupt file included) nothing is left.
   */
  restore(path: string, directory: string, cancelled: () => boolean): Promise<BackupHeader>;
}
