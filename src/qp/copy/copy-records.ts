import { SqlError } from '../../contracts/errors.js';
import type { CopyFormat } from './copy-options.js';

/**
 * COPY FROM's text and CSV input, sans I/O: CopyData payloads go in as they arrive (a record may
 * span payloads, a payload may hold many records), whole records come out as raw bytes without
 * their line end. It follows PostgreSQL 15's CopyReadLineText: the first line end fixes the
 * newline style (\n, \r\n or \r); in text mode a backslash quotes the next byte (even a
 * newline) and `\.` ends the data; in CSV mode line ends inside quotes are data and `\.` ends
 * the data only alone on a line. The fields of a record are split by copy-fields.ts.
 */

/** The longest record taken: a row is at most 2 MiB in DSQL, its text (escaped) a few times that. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

const NL = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

type Eol = 'nl' | 'crlf' | 'cr';

function badFormat(message: string, hint?: string): SqlError {
  return new SqlError('22P04', message, hint ? { hint } : {});
}

export class RecordSplitter {
  private pending: Buffer = Buffer.alloc(0);
  /** How far `pending` has been scanned for the current record's end. */
  private scanned = 0;
  private inQuote = false;
  private lastWasEscape = false;
  private eol: Eol | null = null;
  /** Set once `\.` was seen: everything after it is ignored, as PostgreSQL does. */
  ended = false;
  /**
   * Bad input found while splitting: the records before it are still handed out (their rows
   * come first, as in PostgreSQL), then the caller raises this.
   */
  failure: SqlError | null = null;
  private readonly csv: boolean;
  private readonly quote: number;
  private readonly escape: number;

  constructor(format: CopyFormat) {
    this.csv = format.format === 'csv';
    this.quote = format.quote.charCodeAt(0);
    // An escape equal to the quote is just the quote again: a doubled quote toggles twice.
    this.escape = format.escape === format.quote ? -1 : format.escape.charCodeAt(0);
  }

  /** The records completed by this payload. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.ended || this.failure) return [];
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending = this.pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.pending, bytes]);
    return this.split(false);
  }

  /** CopyDone: the records left, a last line without a line end included. */
  finish(): Buffer[] {
    if (this.ended || this.failure) return [];
    const records = this.split(true);
    if (this.ended || this.failure || this.pending.length === 0) return records;
    // An open quote at the end: the rest is one record, line ends and all, and its fields say
    // "unterminated CSV quoted field" with the line as context, as in PostgreSQL.
    records.push(this.pending);
    this.pending = Buffer.alloc(0);
    return records;
  }

  /** The text of the record being read (for an error's CONTEXT before it is complete). */
  partial(): Buffer {
    return this.pending.subarray(0, this.scanned);
  }

  private split(atEnd: boolean): Buffer[] {
    const records: Buffer[] = [];
    try {
      this.splitInto(records, atEnd);
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      this.failure = error;
    }
    return records;
  }

  private splitInto(records: Buffer[], atEnd: boolean): void {
    const b = this.pending;
    let start = 0;
    let i = this.scanned;
    const take = (end: number, next: number): void => {
      records.push(b.subarray(start, end));
      start = next;
      i = next;
      this.inQuote = false;
      this.lastWasEscape = false;
    };
    while (i < b.length) {
      const c = b[i]!;
      if (this.csv) {
        if (this.inQuote && c === this.escape) this.lastWasEscape = !this.lastWasEscape;
        if (c === this.quote && !this.lastWasEscape) this.inQuote = !this.inQuote;
        if (c !== this.escape) this.lastWasEscape = false;
        if (this.inQuote) { i++; continue; }
      }
      if (c === BACKSLASH && (!this.csv || i === start)) {
        const marker = this.endMarker(b, i, atEnd);
        if (marker === 'wait') break;
        if (marker === 'end') {
          if (i > start) records.push(b.subarray(start, i));
          this.ended = true;
          this.pending = Buffer.alloc(0);
          this.scanned = 0;
          return;
        }
        if (!this.csv) {
          // A backslash quotes the next byte, a line end too.
          if (i + 1 >= b.length && !atEnd) break;
          i += 2;
          continue;
        }
      }
      if (c === NL || c === CR) {
        const end = this.lineEnd(b, i, atEnd);
        if (end === -1) break;
        take(i, end);
        continue;
      }
      i++;
    }
    this.pending = start === 0 ? b : Buffer.from(b.subarray(start));
    this.scanned = i - start;
    if (this.scanned > MAX_RECORD_BYTES) throw new SqlError('54000', 'maximum row size exceeded', { detail: `A COPY record is longer than ${MAX_RECORD_BYTES} bytes.` });
  }

  /** Where the record after the line end at i starts, or -1 to wait for more input. */
  private lineEnd(b: Buffer, i: number, atEnd: boolean): number {
    const c = b[i]!;
    if (c === CR && i + 1 >= b.length && !atEnd) return -1;
    const crlf = c === CR && b[i + 1] === NL;
    const style: Eol = c === NL ? 'nl' : crlf ? 'crlf' : 'cr';
    if (this.eol === null) this.eol = style;
    if (style !== this.eol) {
      if (c === CR) {
        throw this.csv
          ? badFormat('unquoted carriage return found in data', 'Use quoted CSV field to represent carriage return.')
          : badFormat('literal carriage return found in data', 'Use "\\r" to represent carriage return.');
      }
      throw this.csv
        ? badFormat('unquoted newline found in data', 'Use quoted CSV field to represent newline.')
        : badFormat('literal newline found in data', 'Use "\\n" to represent newline.');
    }
    return i + (crlf ? 2 : 1);
  }

  /** At a backslash: is this `\.` followed by a line end (or the end of the data)? */
  private endMarker(b: Buffer, i: number, atEnd: boolean): 'end' | 'no' | 'wait' {
    if (i + 1 >= b.length) return atEnd ? 'no' : 'wait';
    if (b[i + 1] !== DOT) return 'no';
    if (i + 2 >= b.length) return atEnd ? 'end' : 'wait';
    const c = b[i + 2]!;
    if (c === NL) return 'end';
    if (c === CR) {
      if (i + 3 >= b.length && !atEnd) return 'wait';
      return 'end';
    }
    if (this.csv) return 'no';
    throw badFormat('end-of-copy marker corrupt');
  }
}
