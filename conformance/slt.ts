/**
 * Reads sqllogictest files (SQLite's format and sqllogictest-rs's) into statements. The
 * expected results written in the file are not used: both servers run each statement and
 * PostgreSQL's answer is the expectation. `skipif postgresql` / `onlyif <other engine>`
 * records are not run (counted as skipped), as PostgreSQL's own runs do.
 */
import type { Step } from './steps.js';

const ENGINES = new Set(['postgresql', 'postgres']);

export function readSlt(text: string, options: { extended?: boolean } = {}): Step[] {
  const lines = text.split('\n');
  const steps: Step[] = [];
  let conditions: { kind: string; engine: string }[] = [];
  let i = 0;
  const applies = (): boolean => conditions.every((c) => (c.kind === 'skipif' ? !ENGINES.has(c.engine) : ENGINES.has(c.engine)));
  while (i < lines.length) {
    const trimmed = lines[i]!.trim();
    const lineNo = i + 1;
    if (trimmed === '') {
      conditions = [];
      i++;
      continue;
    }
    if (trimmed.startsWith('#')) {
      i++;
      continue;
    }
    const words = trimmed.split(/\s+/);
    const head = words[0]!;
    if (head === 'skipif' || head === 'onlyif') {
      conditions.push({ kind: head, engine: words[1] ?? '' });
      i++;
      continue;
    }
    if (head === 'halt') {
      if (applies()) break;
      conditions = [];
      i++;
      continue;
    }
    if (head === 'statement' || head === 'query') {
      i++;
      const sql: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.trim() !== '----') sql.push(lines[i++]!);
      if (i < lines.length && lines[i]!.trim() === '----') {
        // Expected output (or an expected error text): up to the next blank line. sqllogictest-rs
        // allows a multi-line error block that itself contains blank lines; it ends at a blank
        // line followed by a record keyword or the end.
        i++;
        while (i < lines.length && lines[i]!.trim() !== '') i++;
      }
      const text = sql.join('\n').replace(/;\s*$/, '');
      if (!applies()) steps.push({ kind: 'skip', line: lineNo, sql: text, reason: 'skipif/onlyif for another engine' });
      else if (text.trim() !== '') steps.push({ kind: 'sql', line: lineNo, sql: text, ...(options.extended ? { extended: true } : {}) });
      conditions = [];
      continue;
    }
    // hash-threshold, control, mode, include, connection, sleep, …: no SQL to compare.
    i++;
  }
  return steps;
}
