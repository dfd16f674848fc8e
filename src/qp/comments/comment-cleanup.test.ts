import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessCatalog } from '../roles/access-catalog.js';
import { CatalogSnapshot, catalogKey, tableKey, type TableInfo } from '../catalog/catalog.js';
import { CommentCatalog, CommentClass, commentKey, commentWrite, type Comment } from './comment-catalog.js';
import { commentWritesFor } from './comment-cleanup.js';

const TABLE: TableInfo = {
  id: 20000, schema: 'a', name: 't', primaryKey: [0], foreignKeys: [],
  columns: [{ name: 'id', typeOid: 23, typmod: -1, notNull: true, defaultText: null }, { name: 'v', typeOid: 25, typmod: -1, notNull: false, defaultText: null }],
  indexes: [{ id: 1, oid: 20001, name: 't_pkey', columns: [0], include: [], unique: true, primary: true, valid: true, nullsNotDistinct: false, constraintName: 't_pkey' }],
};

function snapshot(comments: Comment[]): CatalogSnapshot {
  const entries = comments.map((c) => ({ key: commentKey(c), value: new TextEncoder().encode(c.description) }));
  return new CatalogSnapshot(1, 30000, [TABLE], [{ name: 'a', oid: 19999 }], [], [], [], [], AccessCatalog.empty(), CommentCatalog.fromEntries(entries));
}

const hex = (writes: { key: Uint8Array; value: Uint8Array | null }[]) => writes.map((w) => `${Buffer.from(w.key).toString('hex')}=${w.value === null ? 'null' : Buffer.from(w.value).toString()}`).sort();

test('dropping a schema, a table or a column deletes their comments in the same writes; other DDL writes none', () => {
  const schemaComment = { classOid: CommentClass.namespace, objectOid: 19999, subId: 0, description: 'schema' };
  const tableComment = { classOid: CommentClass.relation, objectOid: 20000, subId: 0, description: 'table' };
  const columnComment = { classOid: CommentClass.relation, objectOid: 20000, subId: 2, description: 'column' };
  const before = snapshot([schemaComment, tableComment, columnComment]);
  // The schema key is the shortest catalog key: index 2, the name, a terminator.
  const dropSchema = [{ key: catalogKey(2, Buffer.from('a\0')), value: null }];
  assert.deepEqual(hex(commentWritesFor(dropSchema, before)), hex([commentWrite(schemaComment, null)]));
  const dropTable = [{ key: tableKey(TABLE.id), value: null }];
  assert.deepEqual(hex(commentWritesFor(dropTable, before)), hex([commentWrite(tableComment, null), commentWrite(columnComment, null)]));
  const withoutColumn: TableInfo = { ...TABLE, columns: [TABLE.columns[0]!], droppedColumns: [{ slot: 1, typeOid: 25 }] };
  const dropColumn = [{ key: tableKey(TABLE.id), value: new TextEncoder().encode(JSON.stringify(withoutColumn)) }];
  assert.deepEqual(hex(commentWritesFor(dropColumn, before)), hex([commentWrite(columnComment, null)]));
  const renamed = [{ key: tableKey(TABLE.id), value: new TextEncoder().encode(JSON.stringify({ ...TABLE, name: 'u' })) }];
  assert.deepEqual(commentWritesFor(renamed, before), []);
  assert.deepEqual(commentWritesFor(dropTable, snapshot([])), [], 'no comments, nothing to inspect');
});
