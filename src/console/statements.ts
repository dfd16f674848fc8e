/**
 * Splits the editor's text into statements at top-level semicolons, the way psql does: not
 * inside quotes ('…', E'…' with backslash escapes, "…"), dollar quotes ($tag$…$tag$) or comments
 * (-- to the end of the line, nested /* … *\/). The console runs each statement on its own
 * (its own result, its own 10,000-row cap) and needs where each one starts to map an error's
 * position back into the editor. Statements of only whitespace and comments are dropped.
 */
export interface StatementText {
  readonly sql: string;
  /** Index of the statement's first character in the editor text (UTF-16 units). */
  readonly start: number;
}

export function splitStatements(text: string): StatementText[] {
  const out: StatementText[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ';') {
      push(out, text, start, i);
      start = i + 1;
      i++;
    } else {
      i = skipToken(text, i);
    }
  }
  push(out, text, start, text.length);
  return out;
}

/** The index after the quoted string, comment or single character at `i`. */
function skipToken(text: string, i: number): number {
  const c = text[i]!;
  const next = text[i + 1];
  if (c === '-' && next === '-') {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end + 1;
  }
  if (c === '/' && next === '*') return skipBlockComment(text, i);
  if (c === "'") return skipQuoted(text, i, "'", isEscapeString(text, i));
  if (c === '"') return skipQuoted(text, i, '"', false);
  if (c === '$') {
    const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
    if (tag && !isIdentifierChar(text[i - 1])) {
      const end = text.indexOf(tag[0], i + tag[0].length);
      return end < 0 ? text.length : end + tag[0].length;
    }
  }
  return i + 1;
}

function skipBlockComment(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') { depth++; i += 2; continue; }
    if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
      continue;
    }
    i++;
  }
  return text.length;
}

/** A doubled quote is the quote itself; in an E'…' string a backslash escapes the next character. */
function skipQuoted(text: string, i: number, quote: string, backslashEscapes: boolean): number {
  i++;
  while (i < text.length) {
    const c = text[i]!;
    if (backslashEscapes && c === '\\') { i += 2; continue; }
    if (c === quote) {
      if (text[i + 1] === quote) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

function isEscapeString(text: string, quoteAt: number): boolean {
  const before = text[quoteAt - 1];
  return (before === 'E' || before === 'e') && !isIdentifierChar(text[quoteAt - 2]);
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

function push(out: StatementText[], text: string, from: number, to: number): void {
  const sql = text.slice(from, to);
  if (onlyWhitespaceAndComments(sql)) return;
  const lead = sql.length - sql.trimStart().length;
  out.push({ sql: sql.slice(lead).trimEnd(), start: from + lead });
}

function onlyWhitespaceAndComments(sql: string): boolean {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*')) { i = skipToken(sql, i); continue; }
    return false;
  }
  return true;
}

/**
 * The editor index of a server error position: PostgreSQL counts characters (code points) from
 * 1 in the statement it was sent; the editor counts UTF-16 units from 0 in the whole text.
 */
export function editorIndex(statement: StatementText, position: number): number {
  let index = 0;
  let remaining = position - 1;
  while (remaining > 0 && index < statement.sql.length) {
    const code = statement.sql.codePointAt(index)!;
    index += code > 0xffff ? 2 : 1;
    remaining--;
  }
  return statement.start + index;
}
