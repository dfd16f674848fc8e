import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readOrder } from './remote-storage.js';

const replica = (name: string, region: string, az: string) => ({ name, address: `${name}:1`, region, az });

test('reads go to the own AZ, then the own region, then other regions, each group in the given order', () => {
  const replicas = [
    replica('west-1', 'west', 'az1'), replica('east-2', 'east', 'az2'), replica('west-2', 'west', 'az2'),
    replica('east-1', 'east', 'az1'), replica('east-3', 'east', 'az3'),
  ];
  assert.deepEqual(readOrder(replicas, { region: 'east', az: 'az1' }).map((r) => r.name), ['east-1', 'east-2', 'east-3', 'west-1', 'west-2']);
  assert.deepEqual(readOrder(replicas, { region: 'west', az: 'az2' }).map((r) => r.name), ['west-2', 'west-1', 'east-2', 'east-1', 'east-3']);
});

test('an AZ of the same name in another region is not the own AZ', () => {
  const replicas = [replica('west-1', 'west', 'az1'), replica('east-2', 'east', 'az2')];
  assert.deepEqual(readOrder(replicas, { region: 'east', az: 'az1' }).map((r) => r.name), ['east-2', 'west-1']);
});
