import { SqlError } from '../../contracts/errors.js';

/**
 * standard_conforming_strings = off: PostgreSQL's lexer reads a plain '…' literal as if it were
 * E'…' (backslash escapes), and refuses U&'…'. The parser we use always lexes with the setting
 * on, so such a query is rewritten first: every plain literal gets an E prefix. The text stays
 * valid whatever the setting is later, which is what stored texts (view definitions, column
 * defaults) need. Where the literal follows a space that separates nothing (after an operator
 * or a parenthesis), the E takes that space's place, so positions after it do not move.
 */
export function escapePlainLiterals(sql: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') { i = lineEnd(sql, i); continue; }
    if (c === '/' && next === '*') { i = blockCommentEnd(sql, i); continue; }
    if (c === '"') { i = quotedEnd(sql, i + 1, '"', false); continue; }
    if (c === '$' && !isIdentifierChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? sql.length : close + tag[0].length;
        continue;
      }
    }
    if (isIdentifierChar(c)) {
      const start = i;
      while (i < sql.length && isIdentifierChar(sql[i])) i++;
      const prefix = sql.slice(start, i).toLowerCase();
      if (prefix === 'u' && sql[i] === '&' && sql[i + 1] === "'") {
        throw new SqlError('0A000', 'unsafe use of string constant with Unicode escapes', {
          detail: 'String constants with Unicode escapes cannot be used when standard_conforming_strings is off.', position: start + 1,
        });
      }
      if (sql[i] !== "'") continue;
      if (prefix === 'b' || prefix === 'x') { i = literalEnd(sql, i + 1, false); continue; }
      if (prefix === 'e') { i = literalEnd(sql, i + 1, true); continue; }
      const end = literalEnd(sql, i + 1, true);
      if (prefix === 'n' && sql.slice(i, end).includes('\\')) {
        throw new SqlError('0A000', 'national character literals with backslashes are not supported when standard_conforming_strings is off', { position: start + 1 });
      }
      // A type name glued to its literal (text'a\n'): the E needs a space before it.
      if (prefix !== 'n' && sql.slice(i, end).includes('\\')) { out += sql.slice(copied, i) + ' E'; copied = i; }
      i = end;
      continue;
    }
    if (c === "'") {
      const end = literalEnd(sql, i + 1, true);
      if (sql.slice(i, end).includes('\\')) {
        // Nothing to escape, nothing to rewrite; else the E replaces a space that separates nothing.
        const spare = i >= 2 && /\s/.test(sql[i - 1]!) && !isIdentifierChar(sql[i - 2]);
        out += spare ? sql.slice(copied, i - 1) + 'E' : sql.slice(copied, i) + 'E';
        copied = i;
      }
      i = end;
      continue;
    }
    i++;
  }
  return out === '' ? sql : out + sql.slice(copied);
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && (/[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80);
}

function lineEnd(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end < 0 ? sql.length : end + 1;
}

function blockCommentEnd(sql: string, i: number): number {
  let depth = 0;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) { depth++; i += 2; } else if (sql.startsWith('*/', i)) { depth--; i += 2; if (depth === 0) return i; } else i++;
  }
  return sql.length;
}

/** Index after the closing quote of a literal whose text starts at `i`; '' is a quote. */
function quotedEnd(sql: string, i: number, quote: string, backslashEscapes: boolean): number {
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') { i += 2; continue; }
    if (c === quote) {
      if (sql[i + 1] === quote) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/**
 * The end of a string literal, continuation segments included: 'a'<newline>'b' is one literal,
 * every segment lexed as the first.
 */
function literalEnd(sql: string, i: number, backslashEscapes: boolean): number {
  let end = quotedEnd(sql, i, "'", backslashEscapes);
  for (;;) {
    const gap = /^[ \t\f]*(?:\r\n|\n|\r)(?:[ \t\n\r\f]|--[^\n\r]*)*'/.exec(sql.slice(end));
    if (!gap) return end;
    end = quotedEnd(sql, end + gap[0].length, "'", backslashEscapes);
  }
}
