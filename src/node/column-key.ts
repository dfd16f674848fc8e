import { KeyWriter } from '../encoding/key.js';
import { decodeColumn } from '../encoding/tuple.js';

/** For pushed-down filters: one column of a row tuple, in the key encoding of its type. */
export function columnKeyOf(value: Uint8Array, column: number, typeOid?: number): Uint8Array | null {
  if (typeOid === undefined) throw new Error('a pushed comparison names its column type');
  const decoded = decodeColumn(value, column, typeOid);
  if (decoded === null) return null;
  const writer = new KeyWriter(64);
  writer.writeValue(typeOid, decoded);
  return writer.view();
}
