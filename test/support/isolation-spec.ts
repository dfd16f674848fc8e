/**
 * PostgreSQL's isolationtester spec format (src/test/isolation/specparse.y), read into data:
 * global setup and teardown blocks, sessions with their own setup, steps and teardown, and the
 * permutations to run (every interleaving of the sessions' steps when the spec names none).
 * Blocking markers in permutations (`step(*)`, `step(other)`) only tell PostgreSQL's tester
 * how to print a wait; they are dropped: the runner learns of waits from the server.
 */

export interface SpecSession {
  readonly name: string;
  readonly setup: readonly string[];
  readonly steps: readonly { readonly name: string; readonly sql: string }[];
  readonly teardown: readonly string[];
}

export interface IsolationSpec {
  readonly setup: readonly string[];
  readonly teardown: readonly string[];
  readonly sessions: readonly SpecSession[];
  /** Each permutation as step names in order. */
  readonly permutations: readonly (readonly string[])[];
}

type Token = { kind: 'word'; text: string } | { kind: 'sql'; text: string } | { kind: 'marker'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '#') { i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i); continue; }
    if (ch === '{') {
      // As the original scanner does: the block ends at the first closing brace.
      const end = text.indexOf('}', i);
      if (end === -1) throw new Error('unterminated { in spec');
      tokens.push({ kind: 'sql', text: text.slice(i + 1, end).trim() });
      i = end + 1;
    } else if (ch === '(') {
      const end = text.indexOf(')', i);
      tokens.push({ kind: 'marker', text: text.slice(i + 1, end) });
      i = end + 1;
    } else if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      tokens.push({ kind: 'word', text: text.slice(i + 1, end) });
      i = end + 1;
    } else {
      const match = /^[^\s{}()#"]+/.exec(text.slice(i))!;
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

export function parseSpec(text: string): IsolationSpec {
  const tokens = tokenize(text);
  const setup: string[] = [];
  const teardown: string[] = [];
  const sessions: { name: string; setup: string[]; steps: { name: string; sql: string }[]; teardown: string[] }[] = [];
  const permutations: string[][] = [];
  let at = 0;
  const sql = (): string => {
    const token = tokens[at++];
    if (token?.kind !== 'sql') throw new Error(`expected a { … } block at token ${at}`);
    return token.text;
  };
  const word = (): string => {
    const token = tokens[at++];
    if (token?.kind !== 'word') throw new Error(`expected a name at token ${at}`);
    return token.text;
  };
  while (at < tokens.length) {
    const keyword = word();
    const session = sessions[sessions.length - 1];
    if (keyword === 'setup') (session && permutations.length === 0 ? session.setup : setup).push(sql());
    else if (keyword === 'teardown') (session ? session.teardown : teardown).push(sql());
    else if (keyword === 'session') sessions.push({ name: word(), setup: [], steps: [], teardown: [] });
    else if (keyword === 'step') {
      if (!session) throw new Error('step outside a session');
      session.steps.push({ name: word(), sql: sql() });
    } else if (keyword === 'permutation') {
      const names: string[] = [];
      while (tokens[at]?.kind === 'word' && !['permutation'].includes(tokens[at]!.text)) {
        names.push(word());
        if (tokens[at]?.kind === 'marker') at++;
      }
      permutations.push(names);
    } else throw new Error(`unexpected "${keyword}" in spec`);
  }
  return { setup, teardown, sessions, permutations: permutations.length > 0 ? permutations : interleavings(sessions) };
}

/** Every order of all steps that keeps each session's steps in their own order. */
function interleavings(sessions: readonly SpecSession[]): string[][] {
  const out: string[][] = [];
  const next = sessions.map(() => 0);
  const walk = (prefix: string[]): void => {
    let any = false;
    for (const [i, session] of sessions.entries()) {
      if (next[i]! >= session.steps.length) continue;
      any = true;
      prefix.push(session.steps[next[i]!]!.name);
      next[i]!++;
      walk(prefix);
      next[i]!--;
      prefix.pop();
    }
    if (!any) out.push([...prefix]);
  };
  walk([]);
  return out;
}

/**
 * Splits a setup block into its statements, so Strata runs each in its own transaction (DSQL
 * refuses DDL and DML in one). Semicolons inside quotes and dollar quotes stay.
 */
export function splitStatements(block: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < block.length) {
    const ch = block[i]!;
    if (ch === "'") {
      i = block.indexOf("'", i + 1) + 1 || block.length;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(block.slice(i));
      if (tag) {
        const end = block.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? block.length : end + tag[0].length;
      } else i++;
    } else if (ch === '-' && block[i + 1] === '-') {
      i = block.indexOf('\n', i) === -1 ? block.length : block.indexOf('\n', i);
    } else if (ch === ';') {
      out.push(block.slice(start, i).trim());
      start = ++i;
    } else i++;
  }
  out.push(block.slice(start).trim());
  return out.filter((statement) => statement.replace(/--[^\n]*/g, '').trim() !== '');
}
