/**
 * Differential tests of whole SQL expressions: `SELECT <expression>` parsed, converted and
 * compiled the way a query is (src/qp/sql), evaluated with no input row, against a throwaway
 * PostgreSQL 15. This covers what is SQL syntax rather than a plain call: SIMILAR TO,
 * EXTRACT(… FROM …), SUBSTRING(… SIMILAR …), typed literals, casts inside arguments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../contracts/errors.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../../../test/support/postgres.js';
import { compileExpr, type CompileContext } from '../sql/compile.js';
import type { ExecContext } from '../sql/compiled.js';
import { loadParser, parseSql } from '../sql/parse.js';
import { Scope } from '../sql/scope.js';
import { formatTextValue } from './index.js';

type Outcome = { ok: true; text: string | null; oid: number } | { ok: false; code: string; message: string; detail?: string };

/** 2024-01-02 03:04:05 UTC, the transaction time now() sees. */
const FIXED_NOW = Date.UTC(2024, 0, 2, 3, 4, 5) * 1000;

function mine(sql: string): Outcome {
  try {
    const [parsed] = parseSql(sql);
    const statement = parsed!.statement;
    if (statement.kind !== 'select' || statement.targets.length !== 1) throw new Error(`not a one-column SELECT: ${sql}`);
    const ctx: CompileContext = {
      scope: new Scope([]), paramTypes: [], aggregates: null, aggregateBase: 0, clause: 'SELECT', sessionUser: 'admin', currentSchema: 'public',
    };
    const compiled = compileExpr(statement.targets[0]!.expr, ctx);
    const exec: ExecContext = {
      params: [], statementTimestamp: FIXED_NOW, user: 'admin', excluded: null,
      random: { bytes: (n: number) => new Uint8Array(n), int: () => 0 } as unknown as ExecContext['random'],
    };
    const value = compiled.eval([], exec);
    return { ok: true, text: formatTextValue(compiled.oid, value), oid: compiled.oid };
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    return { ok: false, code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) };
  }
}

async function theirs(pgsql: TestPostgres, sql: string): Promise<Outcome> {
  try {
    const r = await pgsql.query({ text: sql, types: { getTypeParser: () => (v: string) => v } } as any);
    return { ok: true, text: r.rows[0][r.fields[0]!.name] ?? null, oid: r.fields[0]!.dataTypeID };
  } catch (error) {
    const e = error as { code?: string; message: string; detail?: string };
    if (!e.code) throw error;
    return { ok: false, code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) };
  }
}

/** Expressions Strata refuses with 0A000 on purpose, whatever PostgreSQL answers. */
const REFUSED = new Set<string>([
  "regexp_matches('abab', 'b', 'g')",
]);

const SIMILAR = [
  "'abc' SIMILAR TO 'a%'", "'abc' SIMILAR TO 'b%'", "'abc' NOT SIMILAR TO 'a_c'", "'abc' SIMILAR TO '(a|x)(b|y)c'",
  "'a|b' SIMILAR TO 'a#|b' ESCAPE '#'", "'ab' SIMILAR TO 'a[bc]'", "'ab' SIMILAR TO 'a[^bc]'", "'aaa' SIMILAR TO 'a{2,3}'",
  "'a+' SIMILAR TO 'a\\+'", "'a.c' SIMILAR TO 'a.c'", "'abc' SIMILAR TO 'a.c'", "'' SIMILAR TO '%'", "NULL SIMILAR TO 'a'",
  "'abc' SIMILAR TO 'A%'", "'a%' SIMILAR TO 'a!%' ESCAPE '!'", "'ab' SIMILAR TO 'a' || 'b'", "'x' SIMILAR TO 'x' ESCAPE ''",
  "'x' SIMILAR TO 'x' ESCAPE 'ab'", "'x' SIMILAR TO 'x' ESCAPE NULL", "'a\nb' SIMILAR TO 'a_b'", "'ab' SIMILAR TO '(a)+b*'",
  "substring('foobar' SIMILAR '%#\"o_b#\"%' ESCAPE '#')", "substring('foobar' FROM 'o(.)b')", "substring('foobar' FROM 2 FOR 3)",
  "'foo' ~ 'o{2}'", "'foo' !~* 'O'", "regexp_matches('abab', 'b', 'g')",
];

const SKIP = postgresUnavailableReason();

describe('SQL expressions: differential against PostgreSQL 15', { skip: SKIP ?? false }, () => {
  let pgsql: TestPostgres;
  before(async () => {
    await loadParser();
    pgsql = await startPostgres({ settings: { TimeZone: 'UTC' } });
  }, { timeout: 180_000 });
  after(async () => { await pgsql?.stop(); });

  async function check(expressions: readonly string[]): Promise<void> {
    const failures: string[] = [];
    for (const expression of expressions) {
      const sql = `SELECT ${expression}`;
      const actual = mine(sql);
      if (REFUSED.has(expression)) {
        if (actual.ok || actual.code !== '0A000') failures.push(`${sql}\n  expected a 0A000 refusal\n  strata:   ${JSON.stringify(actual)}`);
        continue;
      }
      const expected = await theirs(pgsql, sql);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        failures.push(`${sql}\n  postgres: ${JSON.stringify(expected)}\n  strata:   ${JSON.stringify(actual)}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} of ${expressions.length} differ:\n${failures.join('\n')}`);
  }

  it('SIMILAR TO, SUBSTRING and the regular-expression operators', async () => check(SIMILAR));
});
