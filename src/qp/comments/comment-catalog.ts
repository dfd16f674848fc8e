import { assert } from '../../contracts/errors.js';
import type { Key, WriteEntry } from '../../contracts/kv.js';
import { catalogKey } from '../catalog/catalog.js';

/**
 * COMMENT ON's descriptions in the catalog (PostgreSQL's pg_description and pg_shdescription).
 * They live in the catalog's key range like every other catalog object and change by ordinary
 * DDL commits, so a comment is transactional and every QP sees it with the catalog version that
 * wrote it. Key, under the catalog's table id:
 *   index 9, suffix u32 class oid, u32 object oid, u32 sub-id → the description (UTF-8 text)
 * as pg_description's (classoid, objoid, objsubid): the class is the system catalog the object
 * lives in (pg_class 1259 for relations, with the column's attnum as sub-id; pg_namespace,
 * pg_proc, pg_constraint, pg_type; pg_authid and pg_database for the shared ones). One key per
 * object keeps comments on different objects from conflicting.
 */
export const COMMENTS_INDEX = 9;

/** The system catalogs a described object lives in (their pg_class oids). */
export const CommentClass = {
  relation: 1259,
  namespace: 2615,
  proc: 1255,
  constraint: 2606,
  type: 1247,
  /** Shared: pg_shdescription. */
  role: 1260,
  database: 1262,
} as const;

export interface CommentTarget {
  readonly classOid: number;
  readonly objectOid: number;
  /** A column's attnum for a column of a relation; 0 for the object itself. */
  readonly subId: number;
}

export interface Comment extends CommentTarget {
  readonly description: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function isSharedClass(classOid: number): boolean {
  return classOid === CommentClass.role || classOid === CommentClass.database;
}

export function commentKey(target: CommentTarget): Key {
  assert(target.subId >= 0 && Number.isSafeInteger(target.objectOid), 'comment targets are real objects');
  const suffix = Buffer.alloc(12);
  suffix.writeUInt32BE(target.classOid, 0);
  suffix.writeUInt32BE(target.objectOid >>> 0, 4);
  suffix.writeUInt32BE(target.subId, 8);
  return catalogKey(COMMENTS_INDEX, suffix);
}

/** COMMENT ON … IS 'text' writes the description; IS NULL (or '') deletes it, as PostgreSQL's CreateComments. */
export function commentWrite(target: CommentTarget, description: string | null): WriteEntry {
  const value = description === null || description === '' ? null : encoder.encode(description);
  return { key: commentKey(target), value };
}

/** The comments of one catalog version, looked up by object. */
export class CommentCatalog {
  private readonly byTarget = new Map<string, Comment>();

  private constructor(comments: Iterable<Comment>) {
    for (const comment of comments) this.byTarget.set(targetName(comment), comment);
  }

  static empty(): CommentCatalog {
    return new CommentCatalog([]);
  }

  /** From the catalog range's index-9 entries (key as stored, value the description). */
  static fromEntries(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): CommentCatalog {
    const comments: Comment[] = [];
    for (const { key, value } of entries) {
      assert(key.length === 18, 'a comment key is the catalog prefix and three u32s');
      const view = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
      comments.push({ classOid: view.readUInt32BE(6), objectOid: view.readUInt32BE(10), subId: view.readUInt32BE(14), description: decoder.decode(value) });
    }
    return new CommentCatalog(comments);
  }

  get(classOid: number, objectOid: number, subId: number): string | null {
    return this.byTarget.get(targetName({ classOid, objectOid, subId }))?.description ?? null;
  }

  all(): Iterable<Comment> {
    return this.byTarget.values();
  }

  /** Every comment on an object or on one of its parts (columns). */
  ofObject(classOid: number, objectOid: number): Comment[] {
    return [...this.byTarget.values()].filter((c) => c.classOid === classOid && c.objectOid === objectOid);
  }
}

function targetName(target: CommentTarget): string {
  return `${target.classOid}/${target.objectOid >>> 0}/${target.subId}`;
}
