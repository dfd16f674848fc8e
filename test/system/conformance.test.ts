/**
 * The conformance harness's comparison, on a handful of statements (the full corpus runs with
 * `npm run conformance`): the same runner and comparison code against a throwaway PostgreSQL
 * and an embedded Strata, with statements that must match, DSQL refusals, a statement that
 * follows a refusal, and one that must differ — so the comparison is shown able to fail.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { analyze, loadAnalyzer } from '../../conformance/analysis.js';
import { compareOutcomes } from '../../conformance/compare.js';
import { Endpoint, type Outcome } from '../../conformance/endpoint.js';
import { PsqlScript } from '../../conformance/psql-script.js';
import { readSlt } from '../../conformance/slt.js';
import { FileRunner, type FileResult } from '../../conformance/runner.js';
import { preparePostgres } from '../../conformance/servers.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';

const skip = postgresUnavailableReason() ?? false;

const SCRIPT = `
CREATE TABLE t (a int PRIMARY KEY, b text);
INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, NULL);
SELECT a, b FROM t ORDER BY a DESC;
SELECT b FROM t;
SELECT count(*) AS n FROM t WHERE a > 1;
SELECT 1 / 0;
\\set who 'y'
SELECT a FROM t WHERE b = :'who';
TRUNCATE t;
CREATE TEMP TABLE scratch (a int);
INSERT INTO scratch VALUES (1);
SHOW server_version;
SELECT current_user;
SHOW port;
`;

let postgres: TestPostgres;
let strata: TestCluster;
let result: FileResult;

before(async () => {
  await loadAnalyzer();
  if (skip) return;
  [postgres, strata] = await Promise.all([startPostgres(), startTestCluster()]);
  const pgConfig = await preparePostgres(postgres, 10_000);
  const runner = new FileRunner(
    { endpoint: new Endpoint('PostgreSQL', async () => pgConfig, 12_000) },
    { endpoint: new Endpoint('Strata', () => strata.config(), 10_000) },
  );
  result = await runner.run({ id: 'test/inline.sql', corpus: 'project' }, new PsqlScript(SCRIPT), 'conformance_test');
});

after(async () => {
  await strata?.stop();
  await postgres?.stop();
});

function verdictAt(fragment: string): { verdict: string; cause?: string } {
  const found = result.statements.find((s) => s.sql.includes(fragment));
  assert.ok(found, `no statement with ${fragment}`);
  return found;
}

test('statements Strata answers as PostgreSQL does pass; refusals need DSQL\'s error', { skip }, () => {
  assert.equal(verdictAt('ORDER BY a DESC').verdict, 'pass');
  assert.equal(verdictAt('SELECT b FROM t').verdict, 'pass');
  assert.equal(verdictAt('count(*) AS n').verdict, 'pass');
  assert.equal(verdictAt('1 / 0').verdict, 'pass', 'the same SQLSTATE on both sides is a match');
  assert.equal(verdictAt("b = 'y'").verdict, 'pass', 'psql variables are substituted');
  assert.equal(verdictAt('TRUNCATE').verdict, 'refused-ok');
  assert.equal(verdictAt('CREATE TEMP').verdict, 'refused-ok');
  assert.equal(verdictAt('INSERT INTO scratch').verdict, 'dependent', 'what uses a refused object is counted apart');
});

test('a statement that answers differently fails, with its cause', { skip }, () => {
  assert.equal(verdictAt('current_user').verdict, 'pass', 'both sessions are admin\'s');
  const differing = verdictAt('SHOW port');
  assert.equal(differing.verdict, 'fail', 'the two servers listen on different ports');
  assert.match(differing.cause ?? '', /^(wrong values|Strata error)/);
  assert.equal(verdictAt('server_version').verdict, 'pass', 'DSQL reports 16.15 by design: its own value is the expectation');
  assert.equal(result.counts.fail, 1);
});

const ok = (columns: [string, number][], rows: (string | null)[][], tag = `SELECT ${rows.length}`): Outcome => ({
  results: [{ tag, columns: columns.map(([name, type]) => ({ name, type })), rows }], ms: 0,
});

test('comparison: order only where the query orders, ties may permute, unordered LIMIT by count', () => {
  const ordered = analyze('SELECT a, b FROM t ORDER BY a');
  const rowsA = [['1', 'x'], ['1', 'y'], ['2', 'z']];
  const rowsB = [['1', 'y'], ['1', 'x'], ['2', 'z']];
  assert.equal(compareOutcomes(ok([['a', 23], ['b', 25]], rowsA), ok([['a', 23], ['b', 25]], rowsB), ordered), null, 'ties on the key');
  const reversed = [['2', 'z'], ['1', 'x'], ['1', 'y']];
  assert.equal(compareOutcomes(ok([['a', 23], ['b', 25]], rowsA), ok([['a', 23], ['b', 25]], reversed), ordered)?.cause, 'wrong row order');
  const unordered = analyze('SELECT a, b FROM t');
  assert.equal(compareOutcomes(ok([['a', 23], ['b', 25]], rowsA), ok([['a', 23], ['b', 25]], reversed), unordered), null, 'a multiset');
  const limited = analyze('SELECT a FROM t LIMIT 1');
  assert.equal(compareOutcomes(ok([['a', 23]], [['1']]), ok([['a', 23]], [['2']]), limited), null);
  assert.match(compareOutcomes(ok([['a', 23]], [['1']]), ok([['a', 20]], [['1']]), unordered)?.cause ?? '', /^wrong column type/);
  assert.equal(compareOutcomes(ok([['a', 23]], [['1']]), ok([['b', 23]], [['1']]), unordered)?.cause, 'wrong column names');
  const error = (code: string): Outcome => ({ results: [], error: { code, message: 'm' }, ms: 0 });
  assert.equal(compareOutcomes(error('22012'), error('22012'), null), null);
  assert.match(compareOutcomes(error('22012'), error('42883'), null)?.cause ?? '', /^wrong SQLSTATE/);
});

test('psql scripts: statements, variables, COPY data; sqllogictest records and engine conditions', () => {
  const script = new PsqlScript("SELECT ';' AS s; \\set n 3\nSELECT :n + 1;\nCOPY t (a, b) FROM stdin;\n1\tx\n2\t\\N\n\\.\n\\d t\nSELECT $$a;b$$\n;");
  const steps = [];
  for (let s = script.next(); s; s = script.next()) steps.push(s);
  assert.deepEqual(steps.map((s) => s.kind), ['sql', 'sql', 'load', 'skip', 'sql']);
  assert.equal(steps[1]!.sql, 'SELECT 3 + 1');
  assert.deepEqual(steps[2]!.kind === 'load' ? steps[2]!.rows : null, [['1', 'x'], ['2', null]]);
  const slt = readSlt('statement ok\nCREATE TABLE x (a int)\n\nskipif postgresql\nquery I\nSELECT 1\n----\n1\n\nonlyif postgresql\nquery I rowsort\nSELECT 2\n----\n2\n');
  assert.deepEqual(slt.map((s) => [s.kind, s.sql]), [['sql', 'CREATE TABLE x (a int)'], ['skip', 'SELECT 1'], ['sql', 'SELECT 2']]);
});

test('psql scripts: with standard_conforming_strings off, a backslash escapes a quote in a plain literal', () => {
  const script = new PsqlScript("set standard_conforming_strings = off;\nselect 'a\\'b;c', U&'d\\0061';\nreset standard_conforming_strings;\nselect 'x\\';\n");
  const steps = [];
  for (let s = script.next(); s; s = script.next()) steps.push(s);
  assert.deepEqual(steps.map((s) => s.sql), ['set standard_conforming_strings = off', "select 'a\\'b;c', U&'d\\0061'", 'reset standard_conforming_strings', "select 'x\\'"]);
});
