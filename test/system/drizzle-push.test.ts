/**
 * drizzle-kit's push (pushSchema from drizzle-kit/api) of a small Drizzle schema into an empty
 * Strata database and an empty PostgreSQL 15: the statements it plans must be the same, and
 * Strata must accept each one except what DSQL refuses by design (reference/dsql.md §2.1,
 * §2.4), which drizzle-kit emits:
 *  - a foreign key as `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` after the CREATE TABLEs:
 *    DSQL adds a foreign key to an existing table only NOT VALID, then validates it with
 *    `ALTER TABLE ASYNC … VALIDATE CONSTRAINT`;
 *  - `CREATE INDEX` without ASYNC.
 * Applied in DSQL's forms instead, a second push finds nothing to change, on both servers.
 * drizzle-kit sends each statement on its own (autocommit), so DSQL's one-DDL-per-transaction
 * rule is never in the way.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, numeric, pgTable, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';
import { drizzlePushPlan } from '../support/drizzle-push.js';

const author = pgTable('author', {
  id: bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity({ cache: 1 }),
  name: varchar({ length: 80 }).notNull(),
  email: text().unique(),
  active: boolean().default(true),
}, (t) => [check('author_name_check', sql`length(${t.name}) > 0`)]);

const post = pgTable('post', {
  id: integer().primaryKey(),
  authorId: bigint('author_id', { mode: 'number' }).notNull().references(() => author.id, { onDelete: 'cascade' }),
  title: text().notNull(),
  score: numeric({ precision: 8, scale: 2 }).default('0'),
  created: timestamp({ withTimezone: true }).defaultNow(),
}, (t) => [index('post_author_idx').on(t.authorId)]);

const SCHEMA = { author, post };

const skipReason = postgresUnavailableReason();
let strata: TestCluster;
let postgres: TestPostgres;
let strataConfig: pg.ClientConfig;

before(async () => {
  if (skipReason) return;
  [strata, postgres] = await Promise.all([startTestCluster(), startPostgres()]);
  strataConfig = await strata.config();
});

after(async () => {
  if (skipReason) return;
  await Promise.all([strata?.stop(), postgres?.stop()]);
});

const opts = { skip: skipReason ?? false };

/** pushSchema's plan for SCHEMA against a server; the first query the server refuses fails at once (drizzle-kit would wait forever). */
async function plannedStatements(config: pg.ClientConfig): Promise<string[]> {
  return drizzlePushPlan(config, SCHEMA);
}

/** What each of drizzle-kit's statements gets from a server: 'ok' or `SQLSTATE message`. */
async function apply(client: { query(text: string): Promise<unknown> }, statements: readonly string[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (const statement of statements) {
    try {
      await client.query(statement);
      outcomes.push('ok');
    } catch (error) {
      const e = error as { code?: string; message: string };
      outcomes.push(`${e.code} ${e.message}`);
    }
  }
  return outcomes;
}

test('drizzle-kit push: the same plan on Strata as on PostgreSQL; Strata refuses only what DSQL refuses by design', opts, async () => {
  const planned = await plannedStatements(strataConfig);
  assert.deepEqual(planned, await plannedStatements(postgres.config));
  assert.equal(planned.length, 4);
  assert.match(planned[0]!, /^CREATE TABLE "author"/);
  assert.match(planned[1]!, /^CREATE TABLE "post"/);
  assert.equal(planned[2], 'ALTER TABLE "post" ADD CONSTRAINT "post_author_id_author_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."author"("id") ON DELETE cascade ON UPDATE no action;');
  assert.equal(planned[3], 'CREATE INDEX "post_author_idx" ON "post" USING btree ("author_id");');

  assert.deepEqual(await apply(postgres, planned), ['ok', 'ok', 'ok', 'ok']);
  const ours = await strata.client();
  try {
    assert.deepEqual(await apply(ours, planned), [
      'ok', 'ok', '0A000 unsupported ALTER TABLE ADD CONSTRAINT statement', '0A000 unsupported mode. please use CREATE INDEX ASYNC.',
    ]);
    // DSQL's forms of the two refused statements.
    await ours.query(planned[2]!.replace(/;$/, ' NOT VALID'));
    const validate = await ours.query('ALTER TABLE ASYNC "post" VALIDATE CONSTRAINT "post_author_id_author_id_fk"');
    await ours.query(`CALL sys.wait_for_job('${String(validate.rows[0]?.job_id)}')`);
    const build = await ours.query(planned[3]!.replace(/^CREATE INDEX /, 'CREATE INDEX ASYNC ').replace(/;$/, ''));
    await ours.query(`CALL sys.wait_for_job('${String(build.rows[0]?.job_id)}')`);
  } finally {
    await ours.end();
  }
  // Introspected again, each database now matches the Drizzle schema.
  assert.deepEqual(await plannedStatements(strataConfig), []);
  assert.deepEqual(await plannedStatements(postgres.config), []);
});
