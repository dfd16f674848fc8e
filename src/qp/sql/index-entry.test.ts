/**
 * Covering index entries (index-entry.ts): the types read back from key bytes give exactly the
 * written value; the others, and INCLUDE columns, are stored in the value; an entry gives back
 * the row's covered columns and its row key, in both the unique and the non-unique key form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { KeyReader, KeyWriter } from '../../encoding/key.js';
import { edgeValues, numeric, SAMPLED_TYPES, sampleValues, SeededRandom } from '../../encoding/samples.js';
import type { ColumnInfo, IndexInfo, TableInfo } from '../catalog/catalog.js';
import { COVERING_ENTRY_FORMAT, keyDecodesExactly } from './index-entry.js';
import { TableCodec } from './table-codec.js';

test('a type counted as exact decodes from its key to the very value written', () => {
  const random = new SeededRandom(7);
  const writer = new KeyWriter();
  const exact = SAMPLED_TYPES.filter(keyDecodesExactly);
  assert.ok(exact.length >= 10);
  for (const type of exact) {
    for (const value of [...edgeValues(type), ...sampleValues(random, type, 200)]) {
      writer.reset();
      writer.writeValue(type, value);
      assert.deepEqual(new KeyReader(writer.finish()).readValue(type), value, `type ${type}`);
    }
  }
});

test('types whose keys lose something (scale, -0, trailing blanks, months) are not counted exact', () => {
  for (const type of [TypeOid.numeric, TypeOid.float4, TypeOid.float8, TypeOid.bpchar, TypeOid.interval]) assert.equal(keyDecodesExactly(type), false);
});

function column(name: string, typeOid: number): ColumnInfo {
  return { name, typeOid, typmod: -1, notNull: false, defaultText: null };
}

function index(id: number, columns: number[], include: number[], unique: boolean, entryFormat?: number): IndexInfo {
  return { id, oid: 100 + id, name: `i${id}`, columns, include, unique, primary: false, valid: true, nullsNotDistinct: false, constraintName: null, ...(entryFormat ? { entryFormat } : {}) };
}

// t (id int PRIMARY KEY, price numeric, label text, note text)
const plain = index(2, [1], [3], false, COVERING_ENTRY_FORMAT);
const unique = index(3, [2], [1], true, COVERING_ENTRY_FORMAT);
const old = index(4, [2], [], true);
const table: TableInfo = {
  id: 9, schema: 'public', name: 't', primaryKey: [0],
  columns: [column('id', TypeOid.int4), column('price', TypeOid.numeric), column('label', TypeOid.text), column('note', TypeOid.text)],
  indexes: [{ ...index(1, [0], [], true), primary: true }, plain, unique, old],
};

test('an entry gives back the covered columns exactly and the row key, unique or not', () => {
  const codec = new TableCodec(table);
  const row: SqlValue[] = [42, numeric('1.50'), 'x', 'a note'];
  const rowKey = codec.primaryKey(row, null);
  for (const ix of [plain, unique]) {
    const entry = codec.indexEntry(ix, row, rowKey);
    assert.deepEqual(codec.primaryKeyFromIndexEntry(ix, entry.key, entry.value), rowKey);
    const decoded = codec.decodeIndexEntry(ix, entry.key, entry.value);
    assert.deepEqual(decoded.at(-1), rowKey);
    for (const c of codec.entryLayout(ix).covered) assert.deepEqual(decoded[c], row[c], `index ${ix.id} column ${c}`);
  }
  // 1.50 keeps its scale: numeric is stored in the value, so a change of scale changes the entry.
  const rescaled = codec.indexEntry(plain, [42, numeric('1.5'), 'x', 'a note'], rowKey);
  const before = codec.indexEntry(plain, row, rowKey);
  assert.deepEqual(rescaled.key, before.key);
  assert.notDeepEqual(rescaled.value, before.value);
});

test('a read is index-only when the index covers every decoded column, and never through an old index', () => {
  const codec = new TableCodec(table);
  assert.equal(codec.pruned([0, 1, 3]).readsIndexOnly(plain), true);
  assert.equal(codec.pruned([1, 2]).readsIndexOnly(plain), false);
  assert.equal(codec.pruned([0, 1, 2]).readsIndexOnly(unique), true);
  assert.equal(codec.readsIndexOnly(plain), false);
  assert.equal(codec.pruned([2]).readsIndexOnly(old), false);
  // The old format still finds its rows.
  const row: SqlValue[] = [7, null, 'y', null];
  const rowKey = codec.primaryKey(row, null);
  const entry = codec.indexEntry(old, row, rowKey);
  assert.deepEqual(entry.value, rowKey.subarray(6));
  assert.deepEqual(codec.primaryKeyFromIndexEntry(old, entry.key, entry.value), rowKey);
});

test('a primary key or index column whose key is inexact (numeric, char(n)) comes back from the value', () => {
  const ix = index(2, [1], [], false, COVERING_ENTRY_FORMAT);
  const keyed: TableInfo = {
    id: 10, schema: 'public', name: 'k', primaryKey: [0],
    columns: [column('id', TypeOid.numeric), column('code', TypeOid.bpchar), column('other', TypeOid.int4)],
    indexes: [{ ...index(1, [0], [], true), primary: true }, ix],
  };
  const codec = new TableCodec(keyed);
  assert.deepEqual(codec.entryLayout(ix).stored, [1, 0]);
  const row: SqlValue[] = [numeric('2.500'), 'ab  ', 5];
  const rowKey = codec.primaryKey(row, null);
  const entry = codec.indexEntry(ix, row, rowKey);
  const decoded = codec.pruned([0, 1]).decodeIndexEntry(ix, entry.key, entry.value);
  assert.deepEqual(decoded, [numeric('2.500'), 'ab  ', null, rowKey]);
  assert.equal(codec.pruned([0, 1, 2]).readsIndexOnly(ix), false);
});
