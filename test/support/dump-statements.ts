/**
 * The three kinds of statement pg_dump 15 sends that DSQL refuses by design (reference/dsql.md
 * §2.1: `SET TRANSACTION …`, `LOCK TABLE`, SQL-level `PREPARE`/`EXECUTE`), and what the test
 * proxy does with each so pg_dump can run against Strata — the job AWS's pg_dump proxy for DSQL
 * exists for. Test-only; every catalog query still reaches Strata as pg_dump wrote it.
 *
 * - `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY` right after BEGIN: answered
 *   here. Every Strata transaction already reads one snapshot (DSQL's only isolation level,
 *   PostgreSQL's REPEATABLE READ), and pg_dump only reads.
 * - `LOCK TABLE t IN ACCESS SHARE MODE`: answered here. The lock keeps DDL from changing a table
 *   while pg_dump reads it; Strata's catalog reads are at the transaction's snapshot, so the
 *   dump sees one catalog version whatever commits meanwhile.
 * - `PREPARE name(types) AS query` is remembered and answered here; `EXECUTE name('v', …)` is sent
 *   as the query with each `$n` replaced by its literal cast to the declared type.
 */
export type DumpStatementAction =
  | { readonly kind: 'forward'; readonly text: string }
  | { readonly kind: 'answer'; readonly commandTag: string };

const SET_TRANSACTION = /^SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY$/;
const LOCK_ACCESS_SHARE = /^LOCK TABLE [^;]+ IN ACCESS SHARE MODE$/;
const PREPARE = /^PREPARE (\w+)\(([^)]*)\) AS\s+([\s\S]+)$/;
const EXECUTE = /^EXECUTE (\w+)\(([\s\S]*)\)$/;
const LITERAL = /'(?:[^']|'')*'/g;

export class DumpStatements {
  private readonly prepared = new Map<string, { types: string[]; text: string }>();

  action(query: string): DumpStatementAction {
    const text = query.trim();
    if (SET_TRANSACTION.test(text)) return { kind: 'answer', commandTag: 'SET' };
    if (LOCK_ACCESS_SHARE.test(text)) return { kind: 'answer', commandTag: 'LOCK TABLE' };
    const prepare = PREPARE.exec(text);
    if (prepare) {
      this.prepared.set(prepare[1]!.toLowerCase(), { types: prepare[2]!.split(',').map((t) => t.trim()).filter((t) => t !== ''), text: prepare[3]! });
      return { kind: 'answer', commandTag: 'PREPARE' };
    }
    const execute = EXECUTE.exec(text);
    if (execute) {
      const statement = this.prepared.get(execute[1]!.toLowerCase());
      if (!statement) throw new Error(`EXECUTE of unknown prepared statement ${execute[1]}`);
      const values = execute[2]!.match(LITERAL) ?? [];
      if (values.length !== statement.types.length) throw new Error(`EXECUTE ${execute[1]} has ${values.length} values for ${statement.types.length} parameters`);
      return { kind: 'forward', text: statement.text.replace(/\$(\d+)/g, (_m, n: string) => `(${values[Number(n) - 1]!}::${statement.types[Number(n) - 1]!})`) };
    }
    return { kind: 'forward', text: query };
  }
}
