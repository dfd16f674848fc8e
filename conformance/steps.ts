/** What a corpus file turns into: statements to send, data to load, and records not run. */

export type Step =
  | {
    readonly kind: 'sql';
    readonly line: number;
    readonly sql: string;
    /** Send with the extended protocol (Parse/Bind/Execute) instead of a simple Query. */
    readonly extended?: boolean;
    /** psql's \gset: the first row's values become variables (prefix + column name). */
    readonly gset?: string;
  }
  | {
    /** COPY … FROM a file or stdin: loaded by the harness, as psql's \copy would (see README). */
    readonly kind: 'load';
    readonly line: number;
    readonly sql: string;
    readonly table: string;
    readonly columns: readonly string[] | null;
    readonly rows: readonly (readonly (string | null)[])[];
  }
  | { readonly kind: 'skip'; readonly line: number; readonly sql: string; readonly reason: string };

/** Steps come one at a time: a psql script's later text depends on variables set while running. */
export interface StepSource {
  next(): Step | null;
  setVariable?(name: string, value: string): void;
}

export function arraySource(steps: readonly Step[]): StepSource {
  let i = 0;
  return { next: () => steps[i++] ?? null };
}

/** Rows of COPY's text format: tab-separated, \N for NULL, backslash escapes. */
export function parseCopyText(lines: readonly string[]): (string | null)[][] {
  const rows: (string | null)[][] = [];
  for (const line of lines) {
    if (line === '') continue;
    rows.push(line.split('\t').map((field) => (field === '\\N' ? null : unescapeCopy(field))));
  }
  return rows;
}

function unescapeCopy(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (code[0] === 'x' && code.length > 1) return String.fromCharCode(parseInt(code.slice(1), 16));
    if (/^[0-7]/.test(code)) return String.fromCharCode(parseInt(code, 8));
    switch (code) {
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'v': return '\v';
      default: return code;
    }
  });
}

/** `COPY t [(cols)] FROM source` with no options, or null. */
export function parseCopyFrom(sql: string): { table: string; columns: string[] | null; source: string } | null {
  const match = /^\s*copy\s+((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)\s*(?:\(([^)]*)\))?\s+from\s+(stdin|stdout|pstdin|'(?:[^']|'')*')\s*;?\s*$/is.exec(sql);
  if (!match) return null;
  const columns = match[2] ? match[2].split(',').map((c) => c.trim()) : null;
  let source = match[3]!;
  if (source.startsWith("'")) source = source.slice(1, -1).replace(/''/g, "'");
  else source = source.toLowerCase();
  return { table: match[1]!, columns, source };
}

/** SQL literal for a value loaded from COPY text (typed by the column on both servers). */
export function literal(value: string | null): string {
  if (value === null) return 'NULL';
  if (value.includes('\\')) return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return `'${value.replace(/'/g, "''")}'`;
}
