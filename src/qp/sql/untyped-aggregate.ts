import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import { allTypes, typeByOid } from '../types/index.js';
import { aggregateResultType } from './typesystem.js';

/**
 * The type an untyped argument (a literal, NULL, a parameter) of a one-argument aggregate takes,
 * by PostgreSQL's func_select_candidate for unknown inputs: text when some candidate takes a
 * string type; else, when every candidate is of one category, its preferred type (or the only
 * candidate); else "is not unique" (42725). sum('1') and avg(NULL) are ambiguous (numbers and
 * interval), stddev('1') is float8, bool_and('t') boolean, min('a') text.
 */
export function untypedAggregateArgument(name: string, location: number): number {
  const candidates = allTypes().filter((type) => type.element === 0 && type.oid !== TypeOid.unknown && aggregateResultType(name, type.oid) !== null);
  if (candidates.length === 0 || candidates.some((type) => type.category === 'S')) return TypeOid.text;
  const categories = new Set(candidates.map((type) => type.category));
  const preferred = candidates.filter((type) => typeByOid(type.oid)?.preferred);
  if (categories.size === 1 && (candidates.length === 1 || preferred.length === 1)) return (candidates.length === 1 ? candidates[0]! : preferred[0]!).oid;
  throw new SqlError('42725', `function ${name}(unknown) is not unique`, {
    ...(location >= 0 ? { position: location + 1 } : {}), hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
  });
}
