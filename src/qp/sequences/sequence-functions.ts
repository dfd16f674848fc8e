import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, SequenceInfo } from '../catalog/catalog.js';
import type { Expr } from '../sql/ast.js';
import { coerce, compileExpr, inferParamType, type CompileContext } from '../sql/compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from '../sql/compiled.js';
import type { Row } from '../sql/operators.js';
import { RowCall, subplanSlot, type SubqueryHost } from '../sql/subplans.js';
import type { SrfCollector } from '../sql/plan-srf.js';
import * as types from '../sql/typesystem.js';
import { regCastTarget, splitQualifiedName } from '../system/catalog-functions.js';
import { hasPrivilege, permissionDenied, privilegesOf } from '../roles/object-privileges.js';
import { resolveSequenceName, sequenceById } from './sequence-catalog.js';
import type { SessionSequences } from './sequence-session.js';

/**
 * nextval, currval, setval and lastval. nextval and setval may commit (sequence-allocator.ts),
 * which is asynchronous, while expressions evaluate synchronously; so where an evaluation point
 * runs subplans (select lists, WHERE, UPDATE SET, INSERT's VALUES and column defaults) a call
 * becomes a per-row subplan that runs before the row's expressions, in the order the calls
 * appear — currval and lastval too, so `SELECT currval('s'), nextval('s')` sees the old value
 * as PostgreSQL does. Elsewhere nextval and setval are refused (0A000); currval and lastval,
 * which only read session state, evaluate in place.
 */
export const SEQUENCE_FUNCTIONS = new Set(['nextval', 'currval', 'setval', 'lastval']);

type Call = (ctx: ExecContext, row: Row) => SqlValue | Promise<SqlValue>;

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

function sessionOf(ctx: ExecContext): SessionSequences {
  if (!ctx.sequences) throw new SqlError('0A000', 'sequence functions are not available here');
  return ctx.sequences;
}

/** The sequence an argument names: looked up now for a literal, per call for a text value or an oid. */
function sequenceArgument(name: string, arg: Expr, ctx: CompileContext, catalog: CatalogSnapshot, location: number): (row: Row, c: ExecContext) => SequenceInfo {
  const searchPath = ctx.searchPath ?? [];
  // `$1::regclass`: the parameter is the name (reg* casts of parameters are not compiled elsewhere).
  if (arg.kind === 'cast' && arg.arg.kind === 'param' && regCastTarget(arg.type) === 'regclass') arg = arg.arg;
  let compiled = compileExpr(arg, ctx);
  if (compiled.paramIndex !== undefined && compiled.oid === TypeOid.unknown) {
    // PostgreSQL types the parameter regclass; Strata has no regclass values, so the name comes as text.
    inferParamType(compiled, TypeOid.text);
    compiled = coerce(compiled, TypeOid.text, -1, 'implicit', arg.location);
  }
  if (compiled.unknownLiteral !== undefined) {
    const text = compiled.unknownLiteral;
    const sequence = resolveSequenceName(catalog, searchPath, splitQualifiedName(text), text, arg.location >= 0 ? arg.location : location);
    return () => sequence;
  }
  if (compiled.oid === TypeOid.text || compiled.oid === TypeOid.varchar || compiled.oid === TypeOid.name || compiled.oid === TypeOid.bpchar) {
    const f = compiled.eval;
    return (row, c) => {
      const text = String(f(row, c));
      return resolveSequenceName(catalog, searchPath, splitQualifiedName(text), text);
    };
  }
  if (compiled.oid === TypeOid.regclass || compiled.oid === TypeOid.oid || compiled.oid === TypeOid.int4 || compiled.oid === TypeOid.int8 || compiled.oid === TypeOid.int2) {
    const f = compiled.eval;
    return (row, c) => sequenceById(catalog, Number(f(row, c)));
  }
  throw new SqlError('42883', `function ${name}(${types.formatType(compiled.oid, -1)}) does not exist`, {
    ...at(location), hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/**
 * The privilege each call needs, as PostgreSQL checks it: nextval USAGE or UPDATE, currval and
 * lastval USAGE or SELECT, setval UPDATE (42501 otherwise). An identity column's nextval checks
 * none: INSERT on its table is enough.
 */
const NEEDED_LETTERS: Record<string, string> = { nextval: 'Uw', currval: 'Ur', lastval: 'Ur', setval: 'w' };

function checkSequencePrivilege(catalog: CatalogSnapshot, user: string, sequence: SequenceInfo, name: string): SequenceInfo {
  const role = catalog.access.role(user);
  // Naming the sequence needs USAGE on its schema (PostgreSQL checks it in the name lookup).
  const schema = catalog.schema(sequence.schema);
  if (schema && !(role && hasPrivilege(catalog, role.oid, schema.oid, 'schema', 'U'))) throw permissionDenied('schema', sequence.schema);
  const held = role ? privilegesOf(catalog, role.oid, sequence.id, 'sequence').privileges : '';
  if (![...NEEDED_LETTERS[name]!].some((letter) => held.includes(letter))) throw permissionDenied('sequence', sequence.name);
  return sequence;
}

function typedArgument(arg: Expr, ctx: CompileContext, oid: number): Evaluator {
  const compiled = compileExpr(arg, ctx);
  inferParamType(compiled, oid);
  return coerce(compiled, oid, -1, 'implicit', arg.location).eval;
}

export function compileSequenceCall(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  const { name, args, location } = expr;
  const catalog = ctx.catalog;
  if (!catalog) throw new SqlError('0A000', `${name}() is not available here`, at(location));
  const arity = name === 'lastval' ? [0] : name === 'setval' ? [2, 3] : [1];
  if (!arity.includes(args.length) || expr.star || expr.distinct || expr.filter) {
    throw new SqlError('42883', `function ${name} with ${args.length} arguments does not exist`, {
      ...at(location), hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
    });
  }
  let call: Call;
  let commits = false;
  if (name === 'lastval') {
    call = (c) => sessionOf(c).lastval(catalog, (sequence) => checkSequencePrivilege(catalog, c.user, sequence, name));
  } else {
    const named = sequenceArgument(name, args[0]!, ctx, catalog, location);
    const sequence = expr.identity ? named : (row: Row, c: ExecContext) => checkSequencePrivilege(catalog, c.user, named(row, c), name);
    if (name === 'currval') {
      call = (c, row) => sessionOf(c).currval(sequence(row, c));
    } else if (name === 'nextval') {
      commits = true;
      call = (c, row) => sessionOf(c).nextval(sequence(row, c));
    } else {
      commits = true;
      const value = typedArgument(args[1]!, ctx, TypeOid.int8);
      const called = args.length === 3 ? typedArgument(args[2]!, ctx, TypeOid.bool) : null;
      call = (c, row) => {
        const v = value(row, c);
        const isCalled = called === null ? true : called(row, c);
        // setval is strict: a NULL argument gives NULL and changes nothing.
        if (v === null || isCalled === null) return null;
        return sessionOf(c).setval(sequence(row, c), v as bigint, isCalled as boolean);
      };
    }
  }
  // Aggregate and window arguments are evaluated on other rows than the ones subplans extend.
  const ownRows = ctx.clause !== 'aggregate function calls' && ctx.clause !== 'window functions';
  if (ctx.subqueries && ownRows) return asSubplan(name, call, ctx.subqueries, location, ctx.srfs);
  if (commits) throw new SqlError('0A000', `${name}() is not supported in ${ctx.clause} yet`, at(location));
  const inPlace: Evaluator = (row, c) => call(c, row) as SqlValue;
  return { oid: TypeOid.int8, typmod: -1, eval: inPlace, rowIndependent: false, name, location };
}

function asSubplan(name: string, call: Call, host: SubqueryHost, location: number, srfs: SrfCollector | undefined): CompiledExpr {
  const index = host.collector.add({
    plan: { columns: [{ name, oid: TypeOid.int8, typmod: -1 }], build: () => new RowCall(`Sequence Function ${name}`, (_rt, ctx, row) => call(ctx, row)) },
    mode: 'scalar', correlated: true,
  });
  const slot = subplanSlot(host.collector, index);
  // Beside a set-returning call the value would repeat on every row the call expands to (PostgreSQL
  // calls nextval per output row): refused. The collector is complete once the statement runs.
  const evaluator: Evaluator = srfs ? (row, c) => {
    if (!srfs.empty) throw new SqlError('0A000', `${name}() beside a set-returning function in a select list is not supported yet`, at(location));
    return slot(row, c);
  } : slot;
  return { oid: TypeOid.int8, typmod: -1, eval: evaluator, rowIndependent: false, name, location };
}

