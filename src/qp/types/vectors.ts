import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { arrayFromBinary, arrayToBinary, formatArray, splitArrayText } from './arrays.js';
import type { SqlType, Spec } from './registry.js';

/**
 * int2vector and oidvector: the catalog's fixed arrays (pg_index.indkey, indoption, indclass,
 * indcollation). PostgreSQL's text form is the elements separated by spaces (`1 2`), their
 * subscripts start at 0 (`indoption[0]` is the first column's), and the binary form is
 * array_send's. In memory they are held as an array's text form (`{1,2}`), so unnest, ANY and
 * the other array code read them as they read int2[] and oid[].
 */
export const INT2VECTOR = 22;
export const OIDVECTOR = 30;

/** The subscript of an array type's first element: 0 for the vector types, 1 for every other array. */
export function arrayLowerBound(oid: number): number {
  return oid === INT2VECTOR || oid === OIDVECTOR ? 0 : 1;
}

/** The two types' registry specs; `elementType` is the registry's lookup (int2, oid). */
export function vectorSpecs(elementType: (oid: number) => SqlType): Spec[] {
  return [
    vectorSpec(INT2VECTOR, 'int2vector', elementType(TypeOid.int2)),
    vectorSpec(OIDVECTOR, 'oidvector', elementType(TypeOid.oid)),
  ];
}

function vectorSpec(oid: number, typname: string, element: SqlType): Spec {
  return {
    oid, typname, name: typname, length: -1, category: 'A', array: 0, element: element.oid,
    parseText: (text) => parseVector(text, element),
    formatText: (value) => splitArrayText(value as string).join(' '),
    parseBinary: (bytes) => arrayFromBinary(bytes, element),
    formatBinary: (value) => arrayToBinary(value as string, element),
  };
}

/** int2vectorin / oidvectorin: elements separated by white space, each read by the element's input function. */
function parseVector(text: string, element: SqlType): string {
  const words = text.trim() === '' ? [] : text.trim().split(/\s+/);
  const values: SqlValue[] = words.map((word) => element.parseText(word, -1));
  return formatArray(values, element);
}
