import { parseSync } from 'libpg-query';
import { quoteIdentifier } from '../types/format.js';

type Node = Record<string, unknown>;

/**
 * A query's text with every qualifier that names schema `from` — of a relation (`s.t`), a column
 * (`s.t.c`), a function (`s.f()`) or a type (`x::s.d`) — spelled `to`, found by the parser's
 * locations so that string literals and aliases that merely look alike stay as written. Null
 * when the text does not parse or a location does not hold the name (the caller then refuses).
 */
export function requalified(text: string, from: string, to: string): string | null {
  let tree: unknown;
  try {
    tree = parseSync(text);
  } catch {
    return null;
  }
  const locations = new Set<number>();
  collect(tree, from, locations);
  if (locations.size === 0) return text;
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let done = 0;
  for (const at of [...locations].sort((a, b) => a - b)) {
    const length = nameLength(bytes, at, from);
    if (length === null) return null;
    parts.push(bytes.subarray(done, at), Buffer.from(quoteIdentifier(to), 'utf8'));
    done = at + length;
  }
  parts.push(bytes.subarray(done));
  return Buffer.concat(parts).toString('utf8');
}

function collect(value: unknown, from: string, out: Set<number>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, from, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const node = value as Node;
  for (const [key, child] of Object.entries(node)) {
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
      const c = child as Node;
      const first = (list: unknown, atLeast: number): string | undefined => {
        const items = list as Node[] | undefined;
        return items && items.length >= atLeast ? ((items[0]!.String as Node | undefined)?.sval as string | undefined) : undefined;
      };
      const hit = (key === 'RangeVar' || key === 'relation') ? c.schemaname === from
        : key === 'ColumnRef' ? first(c.fields, 3) === from
          : key === 'FuncCall' ? first(c.funcname, 2) === from
            : key === 'TypeName' || key === 'typeName' ? first(c.names, 2) === from
              : false;
      if (hit && typeof c.location === 'number') out.add(c.location);
    }
    collect(child, from, out);
  }
}

/** The length in bytes of the identifier `name` written at `at` (bare in any case, or quoted), or null. */
function nameLength(bytes: Buffer, at: number, name: string): number | null {
  if (bytes[at] === 0x22) {
    const quoted = Buffer.from(`"${name.replace(/"/g, '""')}"`, 'utf8');
    return bytes.subarray(at, at + quoted.length).equals(quoted) ? quoted.length : null;
  }
  const bare = Buffer.from(name, 'utf8');
  const written = bytes.subarray(at, at + bare.length).toString('utf8');
  const next = bytes[at + bare.length];
  const endsThere = next === undefined || !/[A-Za-z0-9_$\u0080-\uffff]/.test(String.fromCharCode(next));
  return written.toLowerCase() === name && endsThere ? bare.length : null;
}
