/**
 * Reads a psql script (PostgreSQL's regression files, the project's own SQL) the way psql does:
 * statements end at a semicolon outside quotes, comments and parentheses; `:name`, `:'name'`
 * and `:"name"` are replaced by variables (\set, \getenv, \gset); backslash commands run
 * (\set, \getenv, \g, \gset) or are passed over (formatting: \pset, \x; describe commands
 * \d… are recorded as not run); COPY … FROM stdin takes the data lines up to `\.`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseCopyFrom, parseCopyText, type Step, type StepSource } from './steps.js';

type LexState = 'normal' | 'single' | 'escape' | 'double' | 'dollar' | 'block';

export interface PsqlOptions {
  /** Values for \getenv (psql reads the environment; the harness supplies them). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where relative COPY file names resolve. */
  readonly cwd?: string;
}

export class PsqlScript implements StepSource {
  private readonly lines: string[];
  private lineIndex = 0;
  private readonly queue: Step[] = [];
  private readonly vars = new Map<string, string>();
  // Lexer state carried across lines.
  private state: LexState = 'normal';
  private dollarTag = '';
  private blockDepth = 0;
  private parenDepth = 0;
  private buffer = '';
  private bufferLine = 0;
  private hasContent = false;
  /**
   * standard_conforming_strings as the script has set it: psql lexes '…' with backslash
   * escapes while the server reports it off, so a statement ends where the server's would.
   */
  private standardStrings = true;

  constructor(text: string, private readonly options: PsqlOptions = {}) {
    this.lines = text.split('\n');
  }

  setVariable(name: string, value: string): void {
    this.vars.set(name, value);
  }

  next(): Step | null {
    while (this.queue.length === 0) {
      if (this.lineIndex >= this.lines.length) {
        if (this.hasContent) this.emitBuffer();
        this.buffer = '';
        this.hasContent = false;
        return this.queue.shift() ?? null;
      }
      this.readLine();
    }
    return this.queue.shift()!;
  }

  private readLine(): void {
    const lineNo = this.lineIndex + 1;
    let line = this.lines[this.lineIndex++]!;
    if (!this.hasContent) {
      this.bufferLine = lineNo;
    }
    let segmentStart = 0;
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      const next = line[i + 1];
      switch (this.state) {
        case 'single':
          if (c === "'") {
            if (next === "'") i++;
            else this.state = 'normal';
          }
          i++;
          continue;
        case 'escape':
          if (c === '\\') i++;
          else if (c === "'") {
            if (next === "'") i++;
            else this.state = 'normal';
          }
          i++;
          continue;
        case 'double':
          if (c === '"') this.state = 'normal';
          i++;
          continue;
        case 'dollar':
          if (c === '$' && line.startsWith(this.dollarTag, i)) {
            i += this.dollarTag.length;
            this.state = 'normal';
          } else {
            i++;
          }
          continue;
        case 'block':
          if (c === '*' && next === '/') {
            this.blockDepth--;
            i += 2;
            if (this.blockDepth === 0) this.state = 'normal';
          } else if (c === '/' && next === '*') {
            this.blockDepth++;
            i += 2;
          } else {
            i++;
          }
          continue;
        default:
          break;
      }
      // normal state
      if (c === '-' && next === '-') {
        // A comment to the end of the line: keep it in the statement text, it is harmless.
        break;
      }
      if (c === '/' && next === '*') {
        this.state = 'block';
        this.blockDepth = 1;
        i += 2;
        continue;
      }
      if (c === "'") {
        const prev = line[i - 1];
        const escapePrefix = (prev === 'E' || prev === 'e') && !/[\w$]/.test(line[i - 2] ?? '');
        // B'…', X'…' and U&'…' never take backslash escapes.
        const otherPrefix = (/[bBxX]/.test(prev ?? '') && !/[\w$]/.test(line[i - 2] ?? ''))
          || (prev === '&' && /[uU]/.test(line[i - 2] ?? '') && !/[\w$]/.test(line[i - 3] ?? ''));
        this.state = escapePrefix || (!this.standardStrings && !otherPrefix) ? 'escape' : 'single';
        this.markContent(lineNo);
        i++;
        continue;
      }
      if (c === '"') {
        this.state = 'double';
        this.markContent(lineNo);
        i++;
        continue;
      }
      if (c === '$' && !/[\w$]/.test(line[i - 1] ?? '')) {
        const tag = /^\$([A-Za-z_][\w]*)?\$/.exec(line.slice(i));
        if (tag) {
          this.dollarTag = tag[0];
          this.state = 'dollar';
          this.markContent(lineNo);
          i += tag[0].length;
          continue;
        }
      }
      if (c === ':' && next !== ':' && line[i - 1] !== ':') {
        const variable = /^:(?:'([A-Za-z_]\w*)'|"([A-Za-z_]\w*)"|([A-Za-z_]\w*))/.exec(line.slice(i));
        if (variable) {
          const name = variable[1] ?? variable[2] ?? variable[3]!;
          const value = this.vars.get(name);
          if (value !== undefined) {
            const replacement = variable[1] !== undefined ? quoteLiteral(value)
              : variable[2] !== undefined ? `"${value.replace(/"/g, '""')}"` : value;
            line = line.slice(0, i) + replacement + line.slice(i + variable[0].length);
            // psql lexes the value again: it may hold quotes, semicolons, whole statements.
            continue;
          }
        }
      }
      if (c === '(') this.parenDepth++;
      if (c === ')') this.parenDepth = Math.max(0, this.parenDepth - 1);
      if (c === ';' && this.parenDepth === 0) {
        this.buffer += line.slice(segmentStart, i);
        this.emitBuffer();
        segmentStart = i + 1;
        i++;
        continue;
      }
      if (c === '\\') {
        this.buffer += line.slice(segmentStart, i);
        this.metaCommand(line.slice(i), lineNo);
        segmentStart = line.length;
        i = line.length;
        break;
      }
      if (!/\s/.test(c)) this.markContent(lineNo);
      i++;
    }
    if (segmentStart < line.length) this.buffer += line.slice(segmentStart);
    this.buffer += '\n';
  }

  private markContent(lineNo: number): void {
    if (!this.hasContent) {
      this.hasContent = true;
      this.bufferLine = lineNo;
    }
  }

  private emitBuffer(gset?: string): void {
    const sql = this.buffer.replace(/^(?:\s*--[^\n]*\n)*/, '').trim();
    const line = this.bufferLine;
    this.buffer = '';
    this.parenDepth = 0;
    const hadContent = this.hasContent;
    this.hasContent = false;
    if (!hadContent) return;
    const copy = parseCopyFrom(sql);
    if (copy && gset === undefined) {
      if (copy.source === 'stdin' || copy.source === 'stdout' || copy.source === 'pstdin') {
        const data: string[] = [];
        while (this.lineIndex < this.lines.length) {
          const dataLine = this.lines[this.lineIndex++]!;
          if (dataLine === '\\.') break;
          data.push(dataLine);
        }
        this.queue.push({ kind: 'load', line, sql, table: copy.table, columns: copy.columns, rows: parseCopyText(data) });
        return;
      }
      const path = isAbsolute(copy.source) ? copy.source : join(this.options.cwd ?? '.', copy.source);
      if (!existsSync(path)) {
        this.queue.push({ kind: 'skip', line, sql, reason: `data file ${copy.source} is not in the corpus` });
        return;
      }
      const rows = parseCopyText(readFileSync(path, 'utf8').split('\n'));
      this.queue.push({ kind: 'load', line, sql, table: copy.table, columns: copy.columns, rows });
      return;
    }
    if (/^\s*copy\b[\s\S]*\bto\s+stdout\b/i.test(sql)) {
      this.queue.push({ kind: 'skip', line, sql, reason: 'COPY TO STDOUT (results are compared through queries)' });
      return;
    }
    this.queue.push({ kind: 'sql', line, sql, ...(gset !== undefined ? { gset } : {}) });
    this.trackStandardStrings(sql);
  }

  private trackStandardStrings(sql: string): void {
    const set = /^\s*(?:set\s+(?:session\s+)?standard_conforming_strings\s*(?:=|to)\s*'?(\w+)'?|reset\s+(standard_conforming_strings|all))\s*$/i.exec(sql);
    if (!set) return;
    const value = set[1]?.toLowerCase();
    this.standardStrings = value === undefined || value === 'default' || /^(on|true|yes|1)$/.test(value);
  }

  private metaCommand(text: string, lineNo: number): void {
    const match = /^\\([A-Za-z!?.]+|\\)\s*(.*)$/.exec(text);
    const command = match?.[1] ?? '';
    const rest = match?.[2] ?? '';
    switch (command) {
      case 'set': {
        const args = this.metaArgs(rest);
        if (args.length === 0) return;
        this.vars.set(args[0]!, args.slice(1).join(''));
        return;
      }
      case 'unset': {
        const args = this.metaArgs(rest);
        if (args[0]) this.vars.delete(args[0]);
        return;
      }
      case 'getenv': {
        const args = this.metaArgs(rest);
        const value = this.options.env?.[args[1] ?? ''];
        if (args[0] && value !== undefined) this.vars.set(args[0], value);
        return;
      }
      case 'g': case 'gx': case 'crosstabview':
        this.emitBuffer();
        return;
      case 'gset': {
        const args = this.metaArgs(rest);
        this.emitBuffer(args[0] ?? '');
        return;
      }
      default:
        if (/^(d|l|z|sf|sv|dp|ds)/.test(command) && command !== 'x') {
          this.queue.push({ kind: 'skip', line: lineNo, sql: text.trim(), reason: 'psql describe command' });
        }
        // Formatting and other client-side commands (\pset, \x, \echo, \.) change no server state.
        return;
    }
  }

  /** psql's meta-command arguments: 'quoted' (with escapes), :var, :'var', words; stops at \\. */
  private metaArgs(text: string): string[] {
    const args: string[] = [];
    let i = 0;
    while (i < text.length) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (i >= text.length || text.startsWith('\\\\', i)) break;
      let arg = '';
      while (i < text.length && !/\s/.test(text[i]!)) {
        const c = text[i]!;
        if (c === "'") {
          i++;
          while (i < text.length) {
            if (text[i] === "'" && text[i + 1] === "'") { arg += "'"; i += 2; continue; }
            if (text[i] === "'") { i++; break; }
            if (text[i] === '\\' && i + 1 < text.length) {
              const e = text[i + 1]!;
              arg += e === 'n' ? '\n' : e === 't' ? '\t' : e;
              i += 2;
              continue;
            }
            arg += text[i++];
          }
          continue;
        }
        if (c === ':') {
          const variable = /^:(?:'([A-Za-z_]\w*)'|([A-Za-z_]\w*))/.exec(text.slice(i));
          if (variable) {
            const value = this.vars.get(variable[1] ?? variable[2]!) ?? '';
            arg += variable[1] !== undefined ? quoteLiteral(value) : value;
            i += variable[0].length;
            continue;
          }
        }
        arg += c;
        i++;
      }
      args.push(arg);
    }
    return args;
  }
}

function quoteLiteral(value: string): string {
  if (value.includes('\\')) return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return `'${value.replace(/'/g, "''")}'`;
}
