import { SqlError } from '../../contracts/errors.js';
import type { CopyOption } from '../sql/ast.js';

/**
 * COPY's options, checked as PostgreSQL 15's ProcessCopyOptions checks them (same SQLSTATEs,
 * same texts, same order), with its defaults filled in. Pure: the column lists are checked
 * against the table by the caller.
 */
export interface CopyFormat {
  readonly format: 'text' | 'csv' | 'binary';
  readonly delimiter: string;
  readonly nullString: string;
  readonly header: boolean;
  /** HEADER MATCH (COPY FROM only): the header line must name the columns. */
  readonly headerMatch: boolean;
  readonly quote: string;
  readonly escape: string;
  /** FORCE_QUOTE (COPY TO, CSV): '*' for every column. */
  readonly forceQuote: readonly string[] | '*';
  readonly forceNotNull: readonly string[];
  readonly forceNull: readonly string[];
  readonly freeze: boolean;
}

function at(option: CopyOption): { position?: number } {
  return option.location >= 0 ? { position: option.location + 1 } : {};
}

function conflicting(option: CopyOption): SqlError {
  return new SqlError('42601', 'conflicting or redundant options', at(option));
}

/** defGetString: any argument as text; none is an error. */
function stringArg(option: CopyOption): string {
  const arg = option.arg;
  if (arg === null) throw new SqlError('42601', `${option.name} requires a parameter`);
  if (Array.isArray(arg)) return arg.join(', ');
  return String(arg);
}

/** defGetBoolean. */
function booleanArg(option: CopyOption): boolean {
  const arg = option.arg;
  if (arg === null) return true;
  if (typeof arg === 'boolean') return arg;
  if (arg === 0 || arg === 1) return arg === 1;
  if (typeof arg === 'string') {
    const v = arg.toLowerCase();
    if (v === 'true' || v === 'on') return true;
    if (v === 'false' || v === 'off') return false;
  }
  throw new SqlError('42601', `${option.name} requires a Boolean value`);
}

/** defGetCopyHeaderChoice: a Boolean or MATCH (COPY FROM only). */
function headerArg(option: CopyOption, from: boolean): 'true' | 'false' | 'match' {
  const arg = option.arg;
  if (arg === null) return 'true';
  if (typeof arg === 'boolean') return arg ? 'true' : 'false';
  if (arg === 0 || arg === 1) return arg === 1 ? 'true' : 'false';
  if (typeof arg === 'string') {
    const v = arg.toLowerCase();
    if (v === 'true' || v === 'on') return 'true';
    if (v === 'false' || v === 'off') return 'false';
    if (v === 'match') {
      if (!from) throw new SqlError('0A000', `cannot use "${arg}" with HEADER in COPY TO`);
      return 'match';
    }
  }
  throw new SqlError('42601', `${option.name} requires a Boolean value or "match"`);
}

function columnList(option: CopyOption, allowStar: boolean): readonly string[] | '*' {
  if (Array.isArray(option.arg)) return option.arg;
  if (allowStar && option.arg === '*') return '*';
  throw new SqlError('22023', `argument to option "${option.name}" must be a list of column names`, at(option));
}

/** Encoding names as PostgreSQL cleans them (lower case, letters and digits only). */
const UTF8_NAMES = new Set(['utf8', 'unicode']);
const OTHER_ENCODINGS = new Set([
  'sqlascii', 'eucjp', 'euccn', 'euckr', 'euctw', 'eucjis2004', 'mulecode', 'latin1', 'latin2', 'latin3', 'latin4', 'latin5',
  'latin6', 'latin7', 'latin8', 'latin9', 'latin10', 'win1256', 'win1258', 'win866', 'win874', 'koi8r', 'win1251', 'win1252',
  'iso88595', 'iso88596', 'iso88597', 'iso88598', 'win1250', 'win1253', 'win1254', 'win1255', 'win1257', 'koi8u', 'sjis',
  'big5', 'gbk', 'uhc', 'gb18030', 'johab', 'shiftjis2004', 'alt', 'win', 'mskanji', 'shiftjis', 'tcvn', 'tcvn5712', 'vscii',
  'koi8', 'iso885913', 'iso885914', 'iso885915', 'iso885916', 'windows1252', 'abc', 'cp936', 'cp949', 'cp1250', 'cp1251',
]);

function checkEncoding(option: CopyOption): void {
  const name = stringArg(option);
  const cleaned = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (UTF8_NAMES.has(cleaned)) return;
  if (OTHER_ENCODINGS.has(cleaned)) throw new SqlError('0A000', `COPY ENCODING '${name}' is not supported: Strata's client encoding is UTF8`);
  throw new SqlError('22023', `argument to option "${option.name}" must be a valid encoding name`, at(option));
}

interface Given {
  format?: 'text' | 'csv' | 'binary';
  delimiter?: string;
  nullString?: string;
  header?: 'true' | 'false' | 'match';
  quote?: string;
  escape?: string;
  forceQuote?: readonly string[] | '*';
  forceNotNull?: readonly string[];
  forceNull?: readonly string[];
  freeze?: boolean;
  encoding?: true;
}

function collect(options: readonly CopyOption[], from: boolean): Given {
  const given: Given = {};
  for (const option of options) {
    const once = <K extends keyof Given>(key: K, value: () => Given[K]): void => {
      if (given[key] !== undefined) throw conflicting(option);
      given[key] = value();
    };
    switch (option.name) {
      case 'format':
        once('format', () => {
          const name = stringArg(option);
          const format = name.toLowerCase();
          if (format !== 'text' && format !== 'csv' && format !== 'binary') throw new SqlError('22023', `COPY format "${name}" not recognized`, at(option));
          return format;
        });
        break;
      case 'freeze': once('freeze', () => booleanArg(option)); break;
      case 'delimiter': once('delimiter', () => stringArg(option)); break;
      case 'null': once('nullString', () => stringArg(option)); break;
      case 'header': once('header', () => headerArg(option, from)); break;
      case 'quote': once('quote', () => stringArg(option)); break;
      case 'escape': once('escape', () => stringArg(option)); break;
      case 'force_quote': once('forceQuote', () => columnList(option, true)); break;
      case 'force_not_null': once('forceNotNull', () => columnList(option, false) as readonly string[]); break;
      case 'force_null': once('forceNull', () => columnList(option, false) as readonly string[]); break;
      case 'encoding': once('encoding', () => { checkEncoding(option); return true; }); break;
      default: throw new SqlError('42601', `option "${option.name}" not recognized`, at(option));
    }
  }
  return given;
}

const feature = (message: string) => new SqlError('0A000', message);
const invalid = (message: string) => new SqlError('22023', message);

export function resolveCopyOptions(options: readonly CopyOption[], from: boolean): CopyFormat {
  const given = collect(options, from);
  const format = given.format ?? 'text';
  const csv = format === 'csv';
  const binary = format === 'binary';
  if (binary && given.delimiter !== undefined) throw new SqlError('42601', 'cannot specify DELIMITER in BINARY mode');
  if (binary && given.nullString !== undefined) throw new SqlError('42601', 'cannot specify NULL in BINARY mode');
  const delimiter = given.delimiter ?? (csv ? ',' : '\t');
  const nullString = given.nullString ?? (csv ? '' : '\\N');
  const quote = given.quote ?? (csv ? '"' : undefined);
  const escape = given.escape ?? (csv ? quote : undefined);
  if (Buffer.byteLength(delimiter) !== 1) throw feature('COPY delimiter must be a single one-byte character');
  if (delimiter === '\r' || delimiter === '\n') throw invalid('COPY delimiter cannot be newline or carriage return');
  if (nullString.includes('\r') || nullString.includes('\n')) throw invalid('COPY null representation cannot use newline or carriage return');
  if (!csv && '\\.abcdefghijklmnopqrstuvwxyz0123456789'.includes(delimiter)) throw invalid(`COPY delimiter cannot be "${delimiter}"`);
  const header = given.header ?? 'false';
  if (binary && header !== 'false') throw feature('cannot specify HEADER in BINARY mode');
  if (!csv && given.quote !== undefined) throw feature('COPY quote available only in CSV mode');
  if (csv && Buffer.byteLength(quote!) !== 1) throw feature('COPY quote must be a single one-byte character');
  if (csv && delimiter === quote) throw invalid('COPY delimiter and quote must be different');
  if (!csv && given.escape !== undefined) throw feature('COPY escape available only in CSV mode');
  if (csv && Buffer.byteLength(escape!) !== 1) throw feature('COPY escape must be a single one-byte character');
  if (!csv && given.forceQuote !== undefined) throw feature('COPY force quote available only in CSV mode');
  if (given.forceQuote !== undefined && from) throw feature('COPY force quote only available using COPY TO');
  if (!csv && given.forceNotNull !== undefined) throw feature('COPY force not null available only in CSV mode');
  if (given.forceNotNull !== undefined && !from) throw feature('COPY force not null only available using COPY FROM');
  if (!csv && given.forceNull !== undefined) throw feature('COPY force null available only in CSV mode');
  if (given.forceNull !== undefined && !from) throw feature('COPY force null only available using COPY FROM');
  if (nullString.includes(delimiter)) throw feature('COPY delimiter must not appear in the NULL specification');
  if (csv && nullString.includes(quote!)) throw feature('CSV quote character must not appear in the NULL specification');
  return {
    format, delimiter, nullString, header: header !== 'false', headerMatch: header === 'match',
    quote: quote ?? '"', escape: escape ?? '"',
    forceQuote: given.forceQuote ?? [], forceNotNull: given.forceNotNull ?? [], forceNull: given.forceNull ?? [],
    freeze: given.freeze ?? false,
  };
}
