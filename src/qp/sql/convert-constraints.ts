import { scanSync } from 'libpg-query';
import { SqlError } from '../../contracts/errors.js';
import type { CheckDefinition, DomainAction, Statement } from './ast.js';
import { convertTypeName, unsupported } from './convert.js';

/**
 * Conversion of CHECK constraints, generation expressions and domain statements. Their
 * expressions are kept as source text (the catalog stores text, as it does for DEFAULT), so
 * what is taken here is the text between the parentheses the grammar requires around them.
 */

// libpg-query nodes are `{ NodeName: { ...fields } }` with every field optional.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The text inside the first parenthesized group at or after `from` (a constraint's location:
 * `[CONSTRAINT name] CHECK (…)`, `GENERATED ALWAYS AS (…)`). Tokens come from PostgreSQL's own
 * scanner, so quoted names and string literals holding parentheses are skipped correctly.
 */
export function parenthesizedText(text: string, from: number): string {
  return parenthesizedSource(text, from).text;
}

/** The text between the first parentheses from `from`, and where it starts in `text`. */
export function parenthesizedSource(text: string, from: number): { text: string; offset: number } {
  let depth = 0;
  let start = -1;
  for (const token of scanSync(text.slice(from)).tokens as { start: number; end: number; text: string }[]) {
    if (token.text === '(') {
      if (depth === 0 && start < 0) start = from + token.end;
      depth++;
    } else if (token.text === ')') {
      depth--;
      if (depth === 0 && start >= 0) {
        const raw = text.slice(start, from + token.start);
        return { text: raw.trim(), offset: start + raw.length - raw.trimStart().length };
      }
    }
  }
  throw unsupported('cannot find the expression of the constraint');
}

/** A CHECK constraint node (column, table or domain) as a CheckDefinition. */
export function checkDefinition(k: Json, text: string): CheckDefinition {
  const location: number = k.location ?? -1;
  if (location < 0) throw unsupported('cannot find the expression of the constraint');
  const source = parenthesizedSource(text, location);
  return {
    name: k.conname ?? null, text: source.text, textOffset: source.offset, noInherit: !!k.is_no_inherit,
    validate: !k.skip_validation, location,
  };
}

/** The expression of `GENERATED ALWAYS AS (expr) STORED`; identity columns are not generated expressions. */
export function generatedText(k: Json, text: string): { text: string; offset: number } {
  if (k.generated_kind !== 's') throw unsupported('only STORED generated columns are supported');
  return parenthesizedSource(text, k.location ?? 0);
}

function qualifiedName(items: Json[]): { schema: string | null; name: string } {
  const names = items.map((i) => String(i.String.sval));
  return { schema: names.length > 1 ? names[names.length - 2]! : null, name: names[names.length - 1]! };
}

/** CREATE DOMAIN name AS type [DEFAULT …] [NOT NULL | NULL] [[CONSTRAINT c] CHECK (…)]…. */
export function convertCreateDomain(n: Json, text: string, defaultSource: (raw: Json) => string | null): Statement {
  const { schema, name } = qualifiedName(n.domainname);
  let notNull = false;
  let defaultText: string | null = null;
  const checks: CheckDefinition[] = [];
  if (n.collClause) throw unsupported('COLLATE is not supported');
  for (const node of (n.constraints ?? []) as Json[]) {
    const k = node.Constraint;
    switch (k.contype) {
      case 'CONSTR_NOTNULL': notNull = true; break;
      case 'CONSTR_NULL': break;
      case 'CONSTR_DEFAULT': defaultText = defaultSource(k.raw_expr); break;
      case 'CONSTR_CHECK': checks.push(checkDefinition(k, text)); break;
      default: throw new SqlError('42601', `${String(k.contype).replace('CONSTR_', '').toLowerCase()} constraints not possible for domains`);
    }
  }
  return { kind: 'create-domain', schema, name, type: convertTypeName(n.typeName), notNull, defaultText, checks };
}

/** ALTER DOMAIN: the forms DSQL allows; SET NOT NULL, ADD CONSTRAINT and VALIDATE are refused (DSQL refuses them). */
export function convertAlterDomain(n: Json, defaultSource: (raw: Json) => string | null): Statement {
  const { schema, name } = qualifiedName(n.typeName);
  let action: DomainAction;
  switch (n.subtype) {
    case 'T': action = { kind: 'set-default', defaultText: n.def ? defaultSource(n.def) : null }; break;
    case 'N': action = { kind: 'drop-not-null' }; break;
    case 'X':
      if (n.behavior === 'DROP_CASCADE') throw unsupported('ALTER DOMAIN DROP CONSTRAINT with CASCADE unsupported');
      action = { kind: 'drop-constraint', name: n.name, ifExists: !!n.missing_ok };
      break;
    case 'O': throw unsupported('unsupported ALTER DOMAIN SET NOT NULL statement');
    case 'C': throw unsupported('unsupported ALTER DOMAIN ADD CONSTRAINT statement');
    case 'V': throw unsupported('unsupported ALTER DOMAIN VALIDATE CONSTRAINT statement');
    default: throw unsupported(`ALTER DOMAIN ${String(n.subtype)} is not supported`);
  }
  return { kind: 'alter-domain', schema, name, action };
}

/** ALTER DOMAIN … RENAME [CONSTRAINT …] TO …. */
export function convertRenameDomain(n: Json): Statement {
  const { schema, name } = qualifiedName(n.object.List.items);
  if (n.renameType === 'OBJECT_DOMAIN') return { kind: 'alter-domain', schema, name, action: { kind: 'rename', newName: n.newname } };
  return { kind: 'alter-domain', schema, name, action: { kind: 'rename-constraint', name: n.subname, newName: n.newname } };
}
