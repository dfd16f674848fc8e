import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cascadedObjects, cascadeNotice, dependencyDetail, type DroppedObject } from './ddl-cascade.js';

const leaf = (id: number, description: string): DroppedObject => ({ id, description, dependents: [] });

test("the order PostgreSQL reports: each object before what depends on it, siblings as they were made, an object reached twice once", () => {
  // DROP SCHEMA s2 CASCADE over PostgreSQL 15 (test/e2e/drop-cascade.test.ts has the statements):
  // tv reads t and is in the schema; pv reads t from public; pv6 reads pv.
  const tv = leaf(5, 'view s2.tv');
  const pv6 = leaf(9, 'view pv6');
  const t: DroppedObject = { id: 2, description: 'table s2.t', dependents: [tv, { id: 7, description: 'view pv', dependents: [pv6] }, leaf(8, 'constraint pc_fkey on table pc')] };
  const u = leaf(3, 'table s2.u');
  const schema: DroppedObject = { id: 1, description: 'schema s2', dependents: [t, u, tv, leaf(6, 'type s2.d')] };
  const reached = cascadedObjects([schema]);
  assert.deepEqual(reached.map((c) => c.object.description), ['table s2.t', 'view pv', 'view pv6', 'constraint pc_fkey on table pc', 'table s2.u', 'view s2.tv', 'type s2.d']);
  assert.equal(dependencyDetail(reached).split('\n')[2], 'view pv6 depends on view pv');
  assert.equal(dependencyDetail(reached).split('\n')[5], 'view s2.tv depends on schema s2');
});

test('the notice: none, one object as the message, several with a DETAIL line each', () => {
  assert.equal(cascadeNotice([]), null);
  const one = cascadeNotice(['view v'])!;
  assert.equal(one.message, 'drop cascades to view v');
  assert.equal(one.detail, undefined);
  const two = cascadeNotice(['view v', 'view w'])!;
  assert.equal(two.message, 'drop cascades to 2 other objects');
  assert.equal(two.detail, 'drop cascades to view v\ndrop cascades to view w');
  assert.equal(two.code, '00000');
});

test('roots are not reported, even when one reaches another', () => {
  const b = leaf(2, 'view b');
  const a: DroppedObject = { id: 1, description: 'view a', dependents: [b, leaf(3, 'view c')] };
  assert.deepEqual(cascadedObjects([a, b]).map((c) => c.object.description), ['view c']);
});
