/**
 * Positions in libpg-query's parse tree. The grammar counts bytes of the UTF-8 text; Strata slices
 * statement texts and places error positions by the JavaScript string's index, which PostgreSQL's
 * character count matches for every character but those beyond the Basic Multilingual Plane (two
 * units each): the connection counts those as one when it sends the position (`inCharacters`).
 */

/** The fields whose numbers are offsets into the text (ParseLoc), besides RawStmt's stmt_len. */
export const LOCATIONS: ReadonlySet<string> = new Set(['location', 'stmt_location', 'rexpr_list_start', 'rexpr_list_end', 'list_start', 'list_end', 'name_location']);

/** Whether `text` is all ASCII: its byte offsets are its string indexes. */
export function isAscii(text: string): boolean {
  return !NOT_ASCII.test(text);
}
const NOT_ASCII = /[^\x00-\x7f]/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Rewrites the tree's byte offsets into `text` as string indexes, in place. */
export function toStringIndexes(tree: Json, text: string): void {
  // index[b] is the string index of the character holding byte b of the UTF-8 text.
  const index = new Int32Array(Buffer.byteLength(text, 'utf8') + 1);
  let byte = 0;
  for (let i = 0; i < text.length;) {
    const code = text.codePointAt(i)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let b = 0; b < width; b++) index[byte + b] = i;
    byte += width;
    i += code > 0xffff ? 2 : 1;
  }
  index[byte] = text.length;
  const at = (offset: number): number => (offset < 0 ? offset : index[Math.min(offset, byte)]!);
  const visit = (node: Json): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) { for (const item of node) visit(item); return; }
    const start = node['stmt_location'];
    const length = node['stmt_len'];
    if (typeof length === 'number') {
      const from = typeof start === 'number' ? start : 0;
      node['stmt_len'] = at(from + length) - at(from);
    }
    for (const key in node) {
      const value = node[key]!;
      if (typeof value === 'number') { if (LOCATIONS.has(key)) node[key] = at(value); } else visit(value);
    }
  };
  visit(tree);
}
