import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitOutcome } from '../contracts/adjudicator.js';
import { commitBytes, decodeCommits, decodeOutcomes, encodeCommits, encodeOutcomes, type ChannelCommit } from './commit-codec.js';

const bytes = (...values: number[]) => new Uint8Array(values);

function encode(commits: readonly ChannelCommit[]): Uint8Array {
  return encodeCommits(commits, commits.reduce((total, commit) => total + commitBytes(commit), 0));
}

test('commits cross the channel whole: writes, tombstones, lock, key-share and schema keys', () => {
  const commits: ChannelCommit[] = [
    {
      id: 1,
      request: {
        transactionId: 'txn-1', startTimestamp: 1_764_400_000_123_456,
        writes: [{ key: bytes(0, 0, 0, 7, 0, 1, 5), value: bytes(1, 2, 3) }, { key: bytes(0, 0, 0, 7, 0, 1, 6), value: null }, { key: bytes(9), value: bytes() }],
        lockKeys: [bytes(4, 4)], keyShareKeys: [bytes(5), bytes()], schemaKeys: [bytes(0, 0, 0, 1, 0, 1, 7)],
      },
    },
    // No key-share keys at all is not the same as an empty list: it stays absent.
    { id: 0xffff_fffe, request: { transactionId: 'tränsaction ✓', startTimestamp: 0, writes: [], lockKeys: [], schemaKeys: [] } },
  ];
  const decoded = decodeCommits(encode(commits));
  assert.deepEqual(decoded, commits);
  assert.equal('keyShareKeys' in decoded[1]!.request, false);
});

test('decoded keys do not share memory with the message the channel delivered', () => {
  const message = encode([{ id: 3, request: { transactionId: 't', startTimestamp: 5, writes: [{ key: bytes(1, 2), value: bytes(3) }], lockKeys: [], schemaKeys: [] } }]);
  const [commit] = decodeCommits(message);
  message.fill(0xee);
  assert.deepEqual(commit!.request.writes[0], { key: bytes(1, 2), value: bytes(3) });
});

test('every outcome kind crosses the channel, in order', () => {
  const outcomes: { id: number; outcome: CommitOutcome }[] = [
    { id: 1, outcome: { kind: 'committed', commitTimestamp: 1_764_400_000_654_321 } },
    { id: 2, outcome: { kind: 'data-conflict' } },
    { id: 3, outcome: { kind: 'schema-conflict' } },
    { id: 4, outcome: { kind: 'too-old' } },
    { id: 5, outcome: { kind: 'unavailable', reason: 'adjudicator unavailable: journal append failed — disk full' } },
    { id: 6, outcome: { kind: 'unavailable', reason: '' } },
  ];
  assert.deepEqual(decodeOutcomes(encodeOutcomes(outcomes)), outcomes);
  assert.deepEqual(decodeOutcomes(encodeOutcomes([])), []);
});

test('a message cut short is refused, not read past its end', () => {
  const message = encode([{ id: 1, request: { transactionId: 'x', startTimestamp: 1, writes: [{ key: bytes(1), value: bytes(2) }], lockKeys: [], schemaKeys: [] } }]);
  assert.throws(() => decodeCommits(message.subarray(0, message.length - 1)), /inside the message/);
  assert.throws(() => decodeOutcomes(encodeOutcomes([{ id: 1, outcome: { kind: 'too-old' } }]).subarray(0, 9)), /inside the message/);
});
