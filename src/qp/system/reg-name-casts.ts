import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { TypeName } from '../sql/ast.js';
import type { CompiledExpr } from '../sql/compiled.js';
import { splitArrayText } from '../types/index.js';
import { lookupRegName, regCastTarget, type CatalogScope } from './catalog-functions.js';

/**
 * Casts of names to arrays of reg* types, as drizzle-kit's column introspection writes them.
 * Strata has no reg* array types yet (reg-types.ts): the result is the oid[] of the names,
 * which compares with oid columns as PostgreSQL's regtype[] does. A name, a text value or a
 * parameter cast to a single reg* type is compileRegCast (catalog-functions.ts).
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
