import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { arrayElements, formatArray, MAX_ELEMENTS, splitArrayText } from './arrays.js';
import { castContext } from './casts.js';
import { comparator } from './compare.js';
import { requireType, typeByOid } from './registry.js';
import { arrayLowerBound } from './vectors.js';
import { styledOutput, type OutputStyle } from './output-style.js';

/**
 * Array functions and operators over one-dimensional arrays with lower bound 1 (the arrays
 * Strata has): array_length/upper/lower/ndims/dims, cardinality, array_append/prepend/cat,
 * array_position(s), array_remove/replace, array_fill, trim_array, and ||, @>, <@, && —
 * PostgreSQL 15's results.
 */

type Impl = (args: SqlValue[], ctx?: { readonly outputStyle?: OutputStyle }) => SqlValue;
type Resolved = { args: number[]; result: number; strict: boolean; fn: Impl };
export type DefinePolymorphic = (name: string, resolve: (argTypes: readonly number[]) => Resolved | null) => void;
export type DefineOperator = (name: string, left: number, right: number, result: number, impl: ((a: SqlValue, b: SqlValue) => SqlValue) | null,
  make?: (declared: readonly number[]) => (a: SqlValue, b: SqlValue) => SqlValue, strict?: boolean) => void;

const I4 = TypeOid.int4;

// The vector types (int2vector, oidvector) count from 0. PostgreSQL passes them as anyarray
// with that bound (array_to_string(indkey, ' '), array_length, array_lower → 0): the functions
// that only read an array take them (`readElementOf`), reading subscripts from the type's
// bound. Those that build an array would answer a smallint[] counting from 0, which Strata's
// arrays cannot hold, so they do not take vectors (42883) rather than shift subscripts.
const elementOf = (oid: number): number => (arrayLowerBound(oid) === 1 ? typeByOid(oid)?.element ?? 0 : 0);
// (record[] is a pseudo-type's array, category P, but an array all the same.)
const readElementOf = (oid: number): number => {
  const type = typeByOid(oid);
  return type !== undefined && (type.category === 'A' || type.element === TypeOid.record) ? type.element ?? 0 : 0;
};
const arrayOf = (oid: number): number => (elementOf(oid) === 0 ? typeByOid(oid)?.array ?? 0 : 0);
const values = (array: SqlValue, element: number): SqlValue[] => arrayElements(array as string, requireType(element));
const text = (items: readonly SqlValue[], element: number): string => formatArray(items, requireType(element));

/** The array type for (array, element) arguments, an unknown literal taking the other's type. */
function arrayAndElement(arrayType: number, elementType: number, elementFor = elementOf): { array: number; element: number } | null {
  if (arrayType === TypeOid.unknown && elementType !== TypeOid.unknown) arrayType = arrayOf(elementType);
  const element = elementFor(arrayType);
  if (element === 0) return null;
  if (elementType !== TypeOid.unknown && elementType !== element && castContext(elementType, element) !== 'i') return null;
  return { array: arrayType, element };
}

function equal(element: number): (a: SqlValue, b: SqlValue) => boolean {
  const cmp = comparator(element);
  return (a, b) => (a === null || b === null ? a === b : cmp(a, b) === 0);
}

export function defineArrayFunctions(polymorphic: DefinePolymorphic): void {
  const oneArray = (name: string, extra: number[], result: number | ((element: number) => number),
    fn: (items: SqlValue[], args: SqlValue[], element: number, lower: number) => SqlValue, elementFor = elementOf) => {
    polymorphic(name, (types) => {
      if (types.length !== 1 + extra.length) return null;
      const element = elementFor(types[0]!);
      if (element === 0) return null;
      const lower = arrayLowerBound(types[0]!);
      return {
        args: [types[0]!, ...extra], result: typeof result === 'number' ? result : result(element), strict: true,
        fn: (args) => fn(values(args[0]!, element), args, element, lower),
      };
    });
  };
  // One dimension counting from the type's lower bound: dimension 1 is the array, any other is absent (NULL).
  oneArray('array_length', [I4], I4, (items, args) => (args[1] === 1 && items.length > 0 ? items.length : null), readElementOf);
  oneArray('array_upper', [I4], I4, (items, args, _, lower) => (args[1] === 1 && items.length > 0 ? lower + items.length - 1 : null), readElementOf);
  oneArray('array_lower', [I4], I4, (items, args, _, lower) => (args[1] === 1 && items.length > 0 ? lower : null), readElementOf);
  oneArray('array_ndims', [], I4, (items) => (items.length > 0 ? 1 : null), readElementOf);
  oneArray('array_dims', [], TypeOid.text, (items, _, __, lower) => (items.length > 0 ? `[${lower}:${lower + items.length - 1}]` : null), readElementOf);
  oneArray('cardinality', [], I4, (items) => items.length, readElementOf);

  const withElement = (name: string, order: 'array-first' | 'element-first', fn: (items: SqlValue[], value: SqlValue, element: number) => SqlValue, result: 'array' | 'int4' = 'array') => {
    polymorphic(name, (types) => {
      if (types.length !== 2) return null;
      const [a, e] = order === 'array-first' ? [types[0]!, types[1]!] : [types[1]!, types[0]!];
      const found = arrayAndElement(a, e);
      if (!found) return null;
      const declared = order === 'array-first' ? [found.array, found.element] : [found.element, found.array];
      return {
        args: declared, result: result === 'array' ? found.array : I4, strict: false,
        fn: (args) => {
          const [array, value] = order === 'array-first' ? [args[0]!, args[1]!] : [args[1]!, args[0]!];
          if (array === null) return result === 'array' && name !== 'array_remove' ? text([value], found.element) : null;
          return fn(values(array, found.element), value, found.element);
        },
      };
    });
  };
  withElement('array_append', 'array-first', (items, value, element) => text([...items, value], element));
  withElement('array_prepend', 'element-first', (items, value, element) => text([value, ...items], element));
  withElement('array_remove', 'array-first', (items, value, element) => { const eq = equal(element); return text(items.filter((v) => !eq(v, value)), element); });
  // array_position(array, value [, start]).
  // width_bucket(operand, thresholds): how many of the (sorted) thresholds are at or below the
  // operand — the bucket it falls in, 0 below the first. Operand and elements meet in their
  // common type (anycompatible), as PostgreSQL's does.
  polymorphic('width_bucket', (types) => {
    if (types.length !== 2) return null;
    const [operand, arrayType] = types as [number, number];
    const element = elementOf(arrayType);
    if (element === 0) return null;
    const common = operand === element || operand === TypeOid.unknown || castContext(operand, element) === 'i' ? element
      : castContext(element, operand) === 'i' ? operand : 0;
    const commonArray = common === 0 ? 0 : typeByOid(common)?.array ?? 0;
    if (commonArray === 0) return null;
    const cmp = comparator(common);
    return {
      args: [common, commonArray], result: I4, strict: true,
      fn: (args) => {
        const thresholds = values(args[1]!, common);
        if (thresholds.some((v) => v === null)) throw new SqlError('22004', 'thresholds array must not contain NULLs');
        // Binary search, as PostgreSQL's: the first threshold above the operand.
        let low = 0;
        let high = thresholds.length;
        while (low < high) {
          const middle = (low + high) >> 1;
          if (cmp(args[0]!, thresholds[middle]!) >= 0) low = middle + 1;
          else high = middle;
        }
        return low;
      },
    };
  });
  polymorphic('array_position', (types) => {
    const found = types.length === 2 || types.length === 3 ? arrayAndElement(types[0]!, types[1]!, readElementOf) : null;
    if (!found) return null;
    const lower = arrayLowerBound(found.array);
    const start = types[2];
    if (start !== undefined && start !== I4 && start !== TypeOid.unknown && castContext(start, I4) !== 'i') return null;
    return {
      args: start === undefined ? [found.array, found.element] : [found.array, found.element, I4], result: I4, strict: false,
      fn: (args) => {
        if (args[0] === null) return null;
        if (args[2] === null) throw new SqlError('22004', 'initial position must not be null');
        const eq = equal(found.element);
        const items = values(args[0], found.element);
        for (let i = Math.max((args[2] as number | undefined) ?? lower, lower) - lower; i < items.length; i++) if (eq(items[i]!, args[1]!)) return i + lower;
        return null;
      },
    };
  });
  polymorphic('array_positions', (types) => {
    const found = types.length === 2 ? arrayAndElement(types[0]!, types[1]!, readElementOf) : null;
    if (!found) return null;
    const lower = arrayLowerBound(found.array);
    return {
      args: [found.array, found.element], result: TypeOid.int4Array, strict: false,
      fn: (args) => {
        if (args[0] === null) return null;
        const eq = equal(found.element);
        const at: SqlValue[] = [];
        values(args[0], found.element).forEach((v, i) => { if (eq(v, args[1]!)) at.push(i + lower); });
        return text(at, I4);
      },
    };
  });
  polymorphic('array_replace', (types) => {
    const found = types.length === 3 ? arrayAndElement(types[0]!, types[1] === TypeOid.unknown ? types[2]! : types[1]!) : null;
    if (!found) return null;
    return {
      args: [found.array, found.element, found.element], result: found.array, strict: false,
      fn: (args) => {
        if (args[0] === null) return null;
        const eq = equal(found.element);
        return text(values(args[0], found.element).map((v) => (eq(v, args[1]!) ? args[2]! : v)), found.element);
      },
    };
  });
  oneArray('trim_array', [I4], (element) => arrayOf(element), (items, args, element) => {
    const n = args[1] as number;
    if (n < 0 || n > items.length) throw new SqlError('2202E', `number of elements to trim must be between 0 and ${items.length}`);
    return text(items.slice(0, items.length - n), element);
  });
  // array_fill(value, dims [, lower bounds]): one dimension counting from 1 is what Strata's arrays
  // hold; more dimensions, or other lower bounds, are refused rather than answered otherwise.
  polymorphic('array_fill', (types) => {
    if (types.length !== 2 && types.length !== 3) return null;
    if (types.slice(1).some((t) => t !== TypeOid.int4Array && t !== TypeOid.unknown)) return null;
    if (types[0] === TypeOid.unknown) throw new SqlError('42804', 'could not determine polymorphic type because input has type unknown');
    const array = arrayOf(types[0]!);
    if (array === 0) return null;
    return {
      args: [types[0]!, ...types.slice(1).map(() => TypeOid.int4Array)], result: array, strict: false,
      fn: (args) => {
        if (args[1] === null || (args.length === 3 && args[2] === null)) throw new SqlError('22004', 'dimension array or low bound array cannot be null');
        const dims = values(args[1], I4);
        const lower = args.length === 3 ? values(args[2]!, I4) : null;
        if (lower && lower.length !== dims.length) throw new SqlError('2202E', 'wrong number of array subscripts', { detail: 'Low bound array has different size than dimensions array.' });
        if (dims.length === 0) return text([], types[0]!);
        if (dims.some((d) => d === null) || lower?.some((b) => b === null)) throw new SqlError('22004', 'dimension values cannot be null');
        if (dims.length > 1) throw new SqlError('0A000', 'multidimensional arrays are not supported yet');
        if (lower && lower[0] !== 1) throw new SqlError('0A000', 'arrays with a lower bound other than 1 are not supported yet');
        const count = dims[0] as number;
        if (count < 0 || count > MAX_ELEMENTS) throw new SqlError('54000', `array size exceeds the maximum allowed (${MAX_ELEMENTS})`);
        return text(new Array<SqlValue>(count).fill(args[0]!), types[0]!);
      },
    };
  });
  // array_to_string(array, separator [, null text]): each element as the session prints it (a
  // timestamptz in its zone), NULLs skipped or written as the third argument.
  polymorphic('array_to_string', (types) => {
    if (types.length !== 2 && types.length !== 3) return null;
    if (types[0] === TypeOid.unknown) throw new SqlError('42804', 'could not determine polymorphic type because input has type unknown');
    const element = readElementOf(types[0]!);
    if (element === 0 || types.slice(1).some((t) => t !== TypeOid.text && t !== TypeOid.unknown && castContext(t, TypeOid.text) !== 'i')) return null;
    return {
      args: [types[0]!, ...types.slice(1).map(() => TypeOid.text)], result: TypeOid.text, strict: types.length === 2,
      fn: (args, ctx) => {
        if (args[0] === null || args[1] === null) return null;
        const nullText = args[2] ?? null;
        // Row values are kept in their text form (no parser for anonymous records): as written.
        const items = element === TypeOid.record ? splitArrayText(args[0] as string) : values(args[0], element);
        const print = element === TypeOid.record ? String : styledOutput(element, ctx?.outputStyle);
        const parts: string[] = [];
        for (const v of items) {
          if (v !== null) parts.push(print(v));
          else if (nullText !== null) parts.push(nullText as string);
        }
        return parts.join(args[1] as string);
      },
    };
  });
  polymorphic('array_cat', (types) => {
    if (types.length !== 2) return null;
    const array = types[0] === TypeOid.unknown ? types[1]! : types[0]!;
    const element = elementOf(array);
    if (element === 0 || (types[1] !== TypeOid.unknown && types[1] !== array)) return null;
    return {
      args: [array, array], result: array, strict: false,
      fn: (args) => (args[0] === null ? args[1]! : args[1] === null ? args[0]! : text([...values(args[0], element), ...values(args[1], element)], element)),
    };
  });
}

export function defineArrayOperators(op: DefineOperator, anyArray: number, anyElement: number): void {
  // anyarray || anyarray, anyarray || anyelement, anyelement || anyarray (array_cat/append/prepend),
  // which take NULLs as those functions do: a NULL array is empty, a NULL element is appended.
  op('||', anyArray, anyArray, anyArray, null, (declared) => {
    const element = elementOf(declared[0]!);
    return (a, b) => (a === null ? b : b === null ? a : text([...values(a, element), ...values(b, element)], element));
  }, false);
  op('||', anyArray, anyElement, anyArray, null, (declared) => {
    const element = elementOf(declared[0]!);
    return (a, b) => text([...(a === null ? [] : values(a, element)), b], element);
  }, false);
  op('||', anyElement, anyArray, anyArray, null, (declared) => {
    const element = elementOf(declared[1]!);
    return (a, b) => text([a, ...(b === null ? [] : values(b, element))], element);
  }, false);
  const containsAll = (outer: SqlValue[], inner: SqlValue[], element: number) => {
    const eq = equal(element);
    // NULL elements never match (PostgreSQL's array_contain_compare).
    return inner.every((v) => v !== null && outer.some((w) => w !== null && eq(w, v)));
  };
  op('@>', anyArray, anyArray, TypeOid.bool, null, (declared) => {
    const element = elementOf(declared[0]!);
    return (a, b) => containsAll(values(a, element), values(b, element), element);
  });
  op('<@', anyArray, anyArray, TypeOid.bool, null, (declared) => {
    const element = elementOf(declared[0]!);
    return (a, b) => containsAll(values(b, element), values(a, element), element);
  });
  op('&&', anyArray, anyArray, TypeOid.bool, null, (declared) => {
    const element = elementOf(declared[0]!);
    return (a, b) => { const eq = equal(element); const right = values(b, element); return values(a, element).some((v) => v !== null && right.some((w) => w !== null && eq(v, w))); };
  });
}
