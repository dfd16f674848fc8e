import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { TypeName } from '../sql/ast.js';
import type { CompiledExpr, Evaluator } from '../sql/compiled.js';
import { splitArrayText } from '../types/index.js';
import { lookupRegName, regCastTarget, regOidText, type CatalogScope } from './catalog-functions.js';

/**
 * Casts of names to reg* types beyond a single literal, as drizzle-kit's column introspection
 * writes them. Strata has no reg* types (catalog-functions.ts): a name literal cast to one is
 * its oid, looked up when planning; an oid cast to one is the name it prints as.
 */

/** The reg* element type an array cast names (`regtype[]`), or null for any other type. */
export function regArrayCastTarget(type: TypeName): string | null {
  if (type.arrayBounds !== 1) return null;
  return regCastTarget({ ...type, arrayBounds: 0 });
}

/**
 * `'{int,int8,int2}'::regtype[]` (drizzle-kit: `a.atttypid = ANY ('{…}'::regtype[])`): the
 * oid[] of the names. Only a literal can be cast so; anything else is refused, not guessed.
 */
export function compileRegArrayCast(arg: CompiledExpr, target: string, scope: CatalogScope, location: number): CompiledExpr {
  const at = location >= 0 ? { position: location + 1 } : {};
  if (arg.unknownLiteral === undefined) {
    throw new SqlError('0A000', `cast to ${target}[] is supported only from a string literal`, at);
  }
  const oids = splitArrayText(arg.unknownLiteral).map((name) => (name === null ? 'NULL' : String(lookupRegName(scope, target, name, at))));
  const value = `{${oids.join(',')}}`;
  return { oid: TypeOid.oidArray, typmod: -1, eval: () => value, rowIndependent: true, name: target, location };
}

/**
 * A name computed per row cast to a reg* type (drizzle-kit:
 * `pg_get_serial_sequence('"s"."t"', a.attname)::regclass`): the name is looked up as the row
 * is read (an unknown one is PostgreSQL's error) and the result is the text the object prints
 * as, which is what PostgreSQL's output of the reg* value shows.
 */
export function compileRegNameLookup(arg: CompiledExpr, target: string, scope: CatalogScope, location: number): CompiledExpr {
  const at = location >= 0 ? { position: location + 1 } : {};
  const f = arg.eval;
  const show = regOidText(scope, target);
  const evaluator: Evaluator = (row, c) => {
    const name = f(row, c);
    return name === null ? null : show(lookupRegName(scope, target, name as string, at));
  };
  return { oid: TypeOid.text, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent, name: target, location };
}

/**
 * `$1::regnamespace` (drizzle-kit: `connamespace = $1::regnamespace`): the parameter's text is
 * looked up when the statement runs and the result is the oid, as for a literal.
 */
export function compileRegParamCast(arg: CompiledExpr, target: string, scope: CatalogScope, location: number): CompiledExpr {
  const at = location >= 0 ? { position: location + 1 } : {};
  const f = arg.eval;
  const evaluator: Evaluator = (row, c) => {
    const name = f(row, c);
    return name === null ? null : lookupRegName(scope, target, String(name), at);
  };
  return { oid: TypeOid.oid, typmod: -1, eval: evaluator, rowIndependent: true, name: target, location };
}
