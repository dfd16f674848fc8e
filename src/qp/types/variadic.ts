import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { arrayElements } from './arrays.js';
import { castContext } from './casts.js';
import { formatText } from './format.js';
import { outputFunctions, type ResolvedFunction } from './functions.js';
import { requireType, typeByOid } from './registry.js';

/**
 * `f(…, VARIADIC array)` where the array is a value rather than ARRAY[…] written out (which the
 * converter spreads into ordinary arguments): the elements become the variadic arguments when
 * the call runs. PostgreSQL matches such a call against the variadic parameter alone, so
 * concat takes just the array, concat_ws and format a text argument and the array.
 */
const VARIADIC_ANY: Record<string, number> = { concat: 0, concat_ws: 1, format: 1 };

export function resolveVariadicArrayCall(name: string, argTypes: readonly number[]): ResolvedFunction | null {
  const arrayType = argTypes[argTypes.length - 1];
  const element = arrayType === undefined ? 0 : typeByOid(arrayType)?.element ?? 0;
  if (arrayType !== undefined && element === 0) throw new SqlError('42804', 'VARIADIC argument must be an array');
  const fixed = VARIADIC_ANY[name];
  if (fixed === undefined) throw new SqlError('0A000', 'VARIADIC with an array other than ARRAY[…] is not supported yet');
  if (argTypes.length !== fixed + 1) return null;
  if (fixed === 1 && !textLike(argTypes[0]!)) return null;
  const elementType = requireType(element);
  const printers = outputFunctions([element]);
  const spread = (array: SqlValue): SqlValue[] => arrayElements(array as string, elementType);
  const args = fixed === 1 ? [TypeOid.text, arrayType!] : [arrayType!];
  const result = TypeOid.text;
  switch (name) {
    case 'concat':
      return { args, result, strict: true, fn: (values, ctx) => spread(values[0]!).filter((v) => v !== null).map(printers(ctx)[0]!).join('') };
    case 'concat_ws':
      return { args, result, strict: true, fn: (values, ctx) => spread(values[1]!).filter((v) => v !== null).map(printers(ctx)[0]!).join(values[0] as string) };
    default: // format: a NULL array means no arguments
      return {
        args, result, strict: false,
        fn: (values, ctx) => {
          const elements = values[1] === null ? [] : spread(values[1]!);
          const print = printers(ctx)[0]!;
          return formatText([values[0]!, ...elements], [TypeOid.text, ...elements.map(() => element)], [(v) => v as string, ...elements.map(() => print)]);
        },
      };
  }
}

function textLike(oid: number): boolean {
  return oid === TypeOid.text || oid === TypeOid.unknown || castContext(oid, TypeOid.text) === 'i';
}
