/**
 * A simple query's values as parameters. Texts of one literal shape (literal-shape.ts) that take
 * their values only where a parameter means exactly what the literal means can share one plan,
 * as a driver's prepared statement does: the session plans `… WHERE aid = $1` once and binds each
 * text's value, instead of planning every text (~40 µs of a point SELECT's ~90).
 *
 * Where a literal may become a parameter — each a place where the literal-form statement also
 * evaluates the value at run time, or where the comparison cannot fail for the types a
 * parameter here can have:
 * - a top-level WHERE conjunct of a SELECT, UPDATE or DELETE comparing a column with the literal
 *   (`=`, `<>`, `<`, `<=`, `>`, `>=`, `[NOT] IN (…)` of literals only, `[NOT] BETWEEN`): an
 *   integer (int4; int8 beyond it) or a string (its type inferred from the column, as the unknown
 *   literal's is). A decimal stays a literal there: its implicit cast (numeric to float8) can
 *   fail, and the literal form fails at planning;
 * - an UPDATE's `SET c = column + literal` or `- literal` (evaluated per row either way);
 * - the rows of an INSERT … VALUES (each evaluated once either way).
 * Every other literal stays in the statement, and its text is part of the plan's key.
 *
 * A string's value is read by its parameter's inferred type when the statement is bound; if that
 * fails (`'abc'` for an integer), or the parameterised form does not plan, the session answers
 * the text as if none of this existed (the literal form's error, with its position).
 */
import type { LiteralShape, ShapeTemplate } from './literal-shape.js';
import { TypeOid } from '../../contracts/sql-value.js';

/** Where a literal sits, for what it may become. */
type Place = 'where' | 'evaluated';

/** For each literal of a template, the place that lets it become a parameter (undefined: none). */
export type ParameterPlaces = readonly (Place | undefined)[];

/** One text's statement with its parameterised literals: the plan key, types and values. */
export interface Parameterised {
  /** The shape's key plus each literal's parameter type, or its text where it stays a literal. */
  readonly key: string;
  /** Parameter n+1 is literal `literals[n]` of the shape. */
  readonly literals: readonly number[];
  /** Declared types: int4, int8, numeric, or 0 (a string's, inferred). */
  readonly types: readonly number[];
  /** Each parameter's value as text (negated where the grammar folded a minus in). */
  readonly values: readonly string[];
}

const COMPARISONS: ReadonlySet<string> = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
const ADDITIVE: ReadonlySet<string> = new Set(['+', '-']);
const LISTS: ReadonlySet<string> = new Set(['AEXPR_IN', 'AEXPR_BETWEEN', 'AEXPR_NOT_BETWEEN']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function object(value: Json | undefined): JsonObject | null {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : null;
}

/** The places of a template's literals; null when none may become a parameter. */
export function parameterPlaces(template: ShapeTemplate): ParameterPlaces | null {
  const tree = object(template.tree);
  const statements = tree?.['stmts'];
  if (!Array.isArray(statements) || statements.length !== 1) return null;
  const places: (Place | undefined)[] = new Array(template.literals.length).fill(undefined);
  const slotOf = (node: Json | undefined): number | undefined => {
    const body = object(object(node ?? null)?.['A_Const']);
    return body === null ? undefined : template.slots.get(body)?.literal;
  };
  const isColumn = (node: Json | undefined): boolean => {
    const fields = object(object(node ?? null)?.['ColumnRef'])?.['fields'];
    return Array.isArray(fields) && fields.every((field) => object(field)?.['String'] !== undefined);
  };
  const operator = (expr: JsonObject): string | null => {
    if (expr['kind'] !== 'AEXPR_OP') return null;
    const name = expr['name'];
    if (!Array.isArray(name) || name.length !== 1) return null;
    const sval = object(object(name[0]!)?.['String'])?.['sval'];
    return typeof sval === 'string' ? sval : null;
  };
  /** `column op literal` or `literal op column` with op in `ops`: the literal's index. */
  const columnAgainstLiteral = (node: Json | undefined, ops: ReadonlySet<string>): number | undefined => {
    const expr = object(object(node ?? null)?.['A_Expr']);
    if (expr === null) return undefined;
    const op = operator(expr);
    if (op === null || !ops.has(op)) return undefined;
    if (isColumn(expr['lexpr'])) return slotOf(expr['rexpr']);
    if (isColumn(expr['rexpr'])) return slotOf(expr['lexpr']);
    return undefined;
  };
  const where = (clause: Json | undefined): void => {
    const and = object(object(clause ?? null)?.['BoolExpr']);
    if (and !== null) {
      if (and['boolop'] === 'AND_EXPR' && Array.isArray(and['args'])) for (const arg of and['args']) where(arg);
      return;
    }
    const literal = columnAgainstLiteral(clause, COMPARISONS);
    if (literal !== undefined) { places[literal] = 'where'; return; }
    // `column [NOT] IN (literal, …)` and `column [NOT] BETWEEN literal AND literal`.
    const expr = object(object(clause ?? null)?.['A_Expr']);
    if (expr === null || !LISTS.has(expr['kind'] as string) || !isColumn(expr['lexpr'])) return;
    const items = object(object(expr['rexpr'] ?? null)?.['List'])?.['items'];
    if (!Array.isArray(items)) return;
    const literals = items.map(slotOf);
    if (literals.every((index) => index !== undefined)) for (const index of literals) places[index!] = 'where';
  };
  const statement = object(object(statements[0]!)?.['stmt']);
  const select = object(statement?.['SelectStmt']);
  const update = object(statement?.['UpdateStmt']);
  const remove = object(statement?.['DeleteStmt']);
  const insert = object(statement?.['InsertStmt']);
  if (select !== null && select['op'] === 'SETOP_NONE' && select['valuesLists'] === undefined) where(select['whereClause']);
  if (remove !== null) where(remove['whereClause']);
  if (update !== null) {
    where(update['whereClause']);
    for (const target of Array.isArray(update['targetList']) ? update['targetList'] : []) {
      const literal = columnAgainstLiteral(object(object(target)?.['ResTarget'])?.['val'], ADDITIVE);
      if (literal !== undefined) places[literal] = 'evaluated';
    }
  }
  if (insert !== null) {
    // INSERT's VALUES rows: each value is coerced to its column's type on its own (PostgreSQL's
    // transformInsertRow), not to a type common to the rows as a VALUES list elsewhere is.
    const rows = object(object(insert['selectStmt'])?.['SelectStmt'])?.['valuesLists'];
    for (const row of Array.isArray(rows) ? rows : []) {
      const items = object(object(row)?.['List'])?.['items'];
      for (const item of Array.isArray(items) ? items : []) {
        const literal = slotOf(item);
        if (literal !== undefined) places[literal] = 'evaluated';
      }
    }
  }
  return places.some((place) => place !== undefined) ? places : null;
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** The declared type of a literal's parameter, as the literal's own type (compile.ts compileConst). */
function typeOf(shape: LiteralShape, index: number, negated: boolean): number {
  const literal = shape.literals[index]!;
  if (literal.kind === 'i') return TypeOid.int4;
  if (literal.kind === 's') return 0;
  const text = literal.value as string;
  if (/^\d+$/.test(text)) {
    const value = negated ? -BigInt(text) : BigInt(text);
    if (value >= -2147483648n && value <= 2147483647n) return TypeOid.int4; // -2147483648 comes as a float
    if (value >= INT8_MIN && value <= INT8_MAX) return TypeOid.int8;
  }
  return TypeOid.numeric;
}

/**
 * `shape`'s literals as parameters where `places` allows and the value's type may take that
 * place; null when none does.
 */
export function parameterise(template: ShapeTemplate, places: ParameterPlaces, shape: LiteralShape): Parameterised | null {
  const literals: number[] = [];
  const types: number[] = [];
  const values: string[] = [];
  let key = shape.key;
  const negated = template.negated;
  shape.literals.forEach((literal, index) => {
    const place = places[index];
    const type = place === undefined ? -1 : typeOf(shape, index, negated[index]!);
    if (place === undefined || (place === 'where' && type === TypeOid.numeric)) {
      key += `\0=${literal.value}`; // a text holds no zero byte
      return;
    }
    key += `\0$${type}`;
    literals.push(index);
    types.push(type);
    const text = String(literal.value);
    values.push(negated[index] ? (literal.kind === 'i' ? String(0 - (literal.value as number)) : `-${text}`) : text);
  });
  return literals.length === 0 ? null : { key, literals, types, values };
}
