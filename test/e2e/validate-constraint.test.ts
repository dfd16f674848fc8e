/**
 * ALTER TABLE ASYNC … VALIDATE CONSTRAINT (reference/dsql.md §2.2, §2.4): a VALIDATE_CONSTRAINT
 * job in sys.jobs that marks a NOT VALID CHECK or FOREIGN KEY validated, or fails with
 * PostgreSQL's violation text. The catalog afterwards is compared with PostgreSQL after its
 * synchronous VALIDATE CONSTRAINT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE)',
  'CREATE TABLE child (id int PRIMARY KEY, parent_id int, code text, qty int)',
  "INSERT INTO parent VALUES (1, 'a'), (2, 'b')",
  "INSERT INTO child VALUES (1, 1, 'a', 5), (2, 2, NULL, 7), (3, NULL, 'b', 9)",
]);

/** Runs ASYNC on Strata (waiting for its job) and the synchronous form on PostgreSQL. */
async function validate(table: string, constraint: string): Promise<{ jobId: string; strataError: string | null; postgresError: { code: string; message: string; detail?: string } | null }> {
  const job = await db().strata.query(`ALTER TABLE ASYNC ${table} VALIDATE CONSTRAINT ${constraint}`);
  assert.equal(job.command, 'ALTER');
  assert.deepEqual(job.fields.map((f) => f.name), ['job_id']);
  const jobId = job.rows[0].job_id as string;
  assert.match(jobId, /^[a-z2-7]{26}$/);
  const strataError = await db().strata.query(`CALL sys.wait_for_job('${jobId}')`).then(() => null, (e: Error) => e.message);
  const postgresError = await db().postgres.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint}`)
    .then(() => null, (e: { code: string; message: string; detail?: string }) => ({ code: e.code, message: e.message, detail: e.detail }));
  return { jobId, strataError, postgresError };
}

async function job(jobId: string): Promise<{ status: string; details: string | null; job_type: string; object_name: string }> {
  const r = await db().strata.query('SELECT status, details, job_type, object_name FROM sys.jobs WHERE job_id = $1', [jobId]);
  assert.equal(r.rows.length, 1);
  return r.rows[0];
}

const catalog = "SELECT conname, contype, convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'child'::regclass AND contype IN ('c', 'f') ORDER BY conname";

test('a NOT VALID CHECK the rows satisfy becomes valid through a VALIDATE_CONSTRAINT job', { skip }, async () => {
  for (const sql of [
    'ALTER TABLE child ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID',
    'INSERT INTO child VALUES (9, NULL, NULL, -1)',
    catalog,
  ]) await db().same(sql);
  const { jobId, strataError, postgresError } = await validate('child', 'qty_positive');
  assert.equal(strataError, null);
  assert.equal(postgresError, null);
  assert.deepEqual(await job(jobId), { status: 'completed', details: null, job_type: 'VALIDATE_CONSTRAINT', object_name: 'public.qty_positive' });
  await db().same(catalog);
});

test('a violated CHECK fails the job with PostgreSQL\'s text and stays NOT VALID', { skip }, async () => {
  await db().same('ALTER TABLE child ADD CONSTRAINT qty_small CHECK (qty < 8) NOT VALID');
  const { jobId, strataError, postgresError } = await validate('child', 'qty_small');
  assert.equal(postgresError?.code, '23514');
  assert.equal(strataError, `job ${jobId} failed: ${postgresError!.message}`);
  assert.deepEqual(await job(jobId), { status: 'failed', details: postgresError!.message, job_type: 'VALIDATE_CONSTRAINT', object_name: 'public.qty_small' });
  await db().same(catalog);
  // Still enforced on writes, as in PostgreSQL.
  await db().same('INSERT INTO child VALUES (10, NULL, NULL, 8)');
  await db().same('ALTER TABLE child DROP CONSTRAINT qty_small');
});

test('foreign keys: a satisfied one is validated, a violated one fails with the missing key', { skip }, async () => {
  for (const sql of [
    'ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent NOT VALID',
    'ALTER TABLE child ADD CONSTRAINT child_code_fk FOREIGN KEY (code) REFERENCES parent (code) NOT VALID',
  ]) await db().same(sql);
  const ok = await validate('child', 'child_parent_fk');
  assert.equal(ok.strataError, null);
  assert.equal(ok.postgresError, null);
  await db().same("INSERT INTO child VALUES (11, 1, 'zz', 1)");
  await db().same("INSERT INTO parent VALUES (3, 'zz')");
  await db().same("INSERT INTO child VALUES (11, 1, 'zz', 1)");
  await db().same("DELETE FROM parent WHERE id = 3");
  // A row that broke the NOT VALID key before it was added.
  await db().same('ALTER TABLE child DROP CONSTRAINT child_code_fk');
  await db().same("UPDATE child SET code = 'nope' WHERE id = 3");
  await db().same('ALTER TABLE child ADD CONSTRAINT child_code_fk FOREIGN KEY (code) REFERENCES parent (code) NOT VALID');
  const bad = await validate('child', 'child_code_fk');
  assert.equal(bad.postgresError?.code, '23503');
  const expected = `${bad.postgresError!.message}\nDETAIL:  ${bad.postgresError!.detail}`;
  assert.equal(bad.strataError, `job ${bad.jobId} failed: ${expected}`);
  assert.equal((await job(bad.jobId)).details, expected);
  await db().same(catalog);
});

test('VALIDATE of a missing or key constraint is refused as PostgreSQL refuses it; without ASYNC, DSQL\'s text', { skip }, async () => {
  for (const [sql, code] of [
    ['ALTER TABLE ASYNC child VALIDATE CONSTRAINT nope', '42704'],
    ['ALTER TABLE ASYNC child VALIDATE CONSTRAINT child_pkey', '42809'],
    ['ALTER TABLE ASYNC nope VALIDATE CONSTRAINT x', '42P01'],
  ] as const) {
    const postgres = await db().postgres.query(sql.replace(' ASYNC', '')).then(() => null, (e: { code: string; message: string }) => e);
    await assert.rejects(db().strata.query(sql), (e: { code?: string; message: string }) => e.code === code && e.code === postgres?.code && e.message === postgres.message, sql);
  }
  await assert.rejects(db().strata.query('ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk'),
    (e: { code?: string; message: string }) => e.code === '0A000' && e.message === 'unsupported ALTER TABLE VALIDATE CONSTRAINT statement');
  await assert.rejects(db().strata.query('CALL sys.wait_for_job(\'aaaaaaaaaaaaaaaaaaaaaaaaaa\')'), (e: { code?: string }) => e.code === '42704');
});
