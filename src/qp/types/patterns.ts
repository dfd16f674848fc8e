import { SqlError } from '../../contracts/errors.js';
import { regexMatches } from './regex-functions.js';

/**
 * LIKE and regular-expression matching. Patterns compile to RegExp once and are cached in a
 * bounded map, so a constant pattern costs one compile per query processor, not per row.
 */
const CACHE_LIMIT = 256;
const likeCache = new Map<string, RegExp>();

function cached(cache: Map<string, RegExp>, key: string, build: () => RegExp): RegExp {
  let re = cache.get(key);
  if (re) return re;
  re = build();
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, re);
  return re;
}

/** Translates a LIKE pattern (escape character `\`) into an anchored RegExp source. */
export function likeToRegexSource(pattern: string, escape = '\\'): string {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === escape) {
      i++;
      if (i >= pattern.length) throw new SqlError('22025', 'LIKE pattern must not end with escape character');
      out += pattern[i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out + '$';
}

export function likeMatch(text: string, pattern: string, caseInsensitive: boolean): boolean {
  const re = cached(likeCache, (caseInsensitive ? 'i' : 's') + pattern, () => new RegExp(likeToRegexSource(pattern), caseInsensitive ? 'iu' : 'u'));
  return re.test(text);
}

/** The `~` operators: PostgreSQL's advanced regular expressions (see regex.ts). */
export function regexMatch(text: string, pattern: string, caseInsensitive: boolean): boolean {
  return regexMatches(text, pattern, caseInsensitive);
}
