import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../contracts/errors.js';
import { CatalogSnapshot, FIRST_USER_OID, type SequenceInfo } from '../catalog/catalog.js';
import type { DdlContext } from '../sql/ddl.js';
import { executeSequenceDdl } from './sequence-ddl.js';

function catalogWith(count: number): CatalogSnapshot {
  const sequences: SequenceInfo[] = Array.from({ length: count }, (_, i) => ({
    id: FIRST_USER_OID + i, schema: 'public', name: `s${i}`, increment: '1', minValue: '1', maxValue: '100', start: '1', cache: '1', cycle: false,
    generation: 0, ownedBy: null,
  }));
  return new CatalogSnapshot(1, FIRST_USER_OID + count, [], [], [], [], [], sequences);
}

const create = (name: string) => ({ kind: 'create-sequence' as const, schema: null, name, ifNotExists: false, options: [{ name: 'cache', value: { kind: 'number' as const, text: '1' }, location: -1 }] });
const context = (catalog: CatalogSnapshot): DdlContext => ({ catalog, currentSchema: 'public', sessionUser: 'admin' });
const noState = () => Promise.resolve(null);

test("DSQL's quota: the 5,001st sequence is refused with 54000", async () => {
  const result = await executeSequenceDdl(create('last'), context(catalogWith(4999)), noState);
  assert.equal(result.tag, 'CREATE SEQUENCE');
  await assert.rejects(executeSequenceDdl(create('one_too_many'), context(catalogWith(5000)), noState),
    (e: SqlError) => e.code === '54000' && e.message === 'creating more than 5000 sequences is not allowed');
});

test('CREATE SEQUENCE writes the definition and the counter row in one change', async () => {
  const result = await executeSequenceDdl(create('fresh'), context(catalogWith(0)), noState);
  const keys = result.writes.map((w) => Buffer.from(w.key).toString('hex'));
  // catalog entry, counter row [oid][1], catalog version, next id
  assert.equal(keys.length, 4);
  assert.ok(keys.includes(`${FIRST_USER_OID.toString(16).padStart(8, '0')}0001`), 'the counter row of the new sequence');
});
