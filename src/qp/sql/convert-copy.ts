import { SqlError } from '../../contracts/errors.js';
import type { CopyOption, CopyStatement } from './ast.js';
import { convertSelect, unsupported } from './convert.js';

/**
 * COPY's libpg-query node into a CopyStatement. Only the client-side forms exist in DSQL
 * (reference/dsql.md §2.1: `COPY … FROM STDIN` works; files and PROGRAM are refused): a
 * statement naming a file or a program is refused here, before anything is looked up.
 * The options are kept as written; copy-options.ts checks them when the COPY runs, as
 * PostgreSQL does (a Parse of a COPY with a bad option succeeds, its Execute fails).
 */

// libpg-query nodes are `{ NodeName: { ...fields } }` with every field optional.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function convertCopy(n: Json): CopyStatement {
  const location: number = n.relation?.location ?? -1;
  if (n.is_program) throw unsupported('COPY to or from an external program is not supported', location);
  if (n.filename !== undefined) {
    throw new SqlError('0A000', 'COPY to or from a file is not supported', {
      hint: 'Only COPY FROM STDIN and COPY TO STDOUT are supported; psql\'s \\copy reads and writes client-side files.',
      ...(location >= 0 ? { position: location + 1 } : {}),
    });
  }
  if (n.whereClause) throw unsupported('COPY FROM … WHERE is not supported');
  let query = null;
  if (n.query) {
    if (!n.query.SelectStmt) throw unsupported('COPY of a data-modifying statement is not supported');
    query = convertSelect(n.query.SelectStmt);
  }
  if (n.relation?.catalogname) throw unsupported('cross-database references are not implemented', location);
  return {
    kind: 'copy',
    schema: n.relation?.schemaname ?? null,
    table: n.relation?.relname ?? null,
    columns: n.attlist ? (n.attlist as Json[]).map((a) => String(a.String.sval)) : null,
    query,
    from: !!n.is_from,
    options: ((n.options ?? []) as Json[]).map((o) => copyOption(o.DefElem)),
    location,
  };
}

function copyOption(def: Json): CopyOption {
  return { name: String(def.defname), arg: optionArg(def.arg), location: def.location ?? -1 };
}

function optionArg(arg: Json): CopyOption['arg'] {
  if (arg === undefined || arg === null) return null;
  if (arg.String) return String(arg.String.sval);
  if (arg.Boolean) return !!arg.Boolean.boolval;
  if (arg.Integer) return Number(arg.Integer.ival ?? 0);
  if (arg.Float) return String(arg.Float.fval);
  if (arg.A_Star) return '*';
  if (arg.List) return ((arg.List.items ?? []) as Json[]).map((i) => String(i.String.sval));
  return String(Object.values(arg)[0]);
}
