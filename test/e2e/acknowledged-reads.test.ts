/**
 * A commit is acknowledged once its journal write is durable, before storage applies it (one
 * process, no workers). Every read after the acknowledgement must still see it: the same
 * session's next statement, and another session told of it. Run under concurrent commits, so
 * acknowledgements regularly come while their apply is still queued. (In one process the apply
 * usually runs before the next statement is even read; what makes such a read wait for it when
 * it does not is the adjudicator's snapshotTime, tested in src/adjudicator.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
const SESSIONS = 8;
const ROUNDS = 150;

before(async () => {
  t = await startTestCluster();
  const c = await t.client();
  await c.query('CREATE TABLE tallies (id int PRIMARY KEY, n int NOT NULL)');
  await c.query(`INSERT INTO tallies SELECT g, 0 FROM generate_series(1, ${SESSIONS}) g`);
});
after(async () => { await t.stop(); });

test('each session reads its own commit right after COMMIT, and a second session reads it right after the acknowledgement', async () => {
  const writers = await Promise.all(Array.from({ length: SESSIONS }, () => t.client()));
  const readers = await Promise.all(Array.from({ length: SESSIONS }, () => t.client()));
  await Promise.all(writers.map(async (writer, i) => {
    const id = i + 1;
    const reader = readers[i]!;
    for (let round = 1; round <= ROUNDS; round++) {
      // Autocommit: acknowledged when the UPDATE's answer arrives.
      await writer.query({ text: 'UPDATE tallies SET n = n + 1 WHERE id = $1', values: [id] });
      const own = (await writer.query({ text: 'SELECT n FROM tallies WHERE id = $1', values: [id] })).rows[0].n;
      assert.equal(own, round, `session ${id} reads its own commit ${round}`);
      // The reader starts only after the writer heard of the commit.
      const seen = (await reader.query({ text: 'SELECT n FROM tallies WHERE id = $1', values: [id] })).rows[0].n;
      assert.equal(seen, round, `another session reads commit ${round} of session ${id} after its acknowledgement`);
      // An explicit block: COMMIT's answer, then a new transaction in the same session.
      if (round % 10 === 0) {
        await writer.query('BEGIN');
        await writer.query({ text: 'UPDATE tallies SET n = n + 1000 WHERE id = $1', values: [id] });
        await writer.query('COMMIT');
        const after = (await reader.query({ text: 'SELECT n FROM tallies WHERE id = $1', values: [id] })).rows[0].n;
        assert.equal(after, round + 1000, 'a commit acknowledged at COMMIT is seen by the next reader');
        await writer.query({ text: 'UPDATE tallies SET n = n - 1000 WHERE id = $1', values: [id] });
      }
    }
  }));
  const total = (await readers[0]!.query('SELECT sum(n)::int AS total FROM tallies')).rows[0].total;
  assert.equal(total, SESSIONS * ROUNDS);
});
