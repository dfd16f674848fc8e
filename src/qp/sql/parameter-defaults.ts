import { SqlError } from '../../contracts/errors.js';
import type { FunctionInfo } from '../catalog/catalog.js';
import { defaultCheckScope } from '../sequences/sequence-catalog.js';
import type { Expr } from './ast.js';
import { mapTree } from './ast-map.js';
import { compileExpr, coerce } from './compile.js';
import { Scope } from './scope.js';
import { parseExpression, positionedIn } from './table-expressions.js';
import * as types from './typesystem.js';

/**
 * Parameter defaults of SQL functions at CREATE [OR REPLACE] FUNCTION, checked as PostgreSQL's
 * interpret_function_parameter_list and ProcedureCreate check them. The default is kept as
 * written; a call that leaves the parameter out parses it again (user-function-calls.ts), so
 * `DEFAULT now()` is each call's now().
 */

type Parameter = FunctionInfo['args'][number];

export interface WrittenParameter {
  readonly name: string | null;
  readonly typeOid: number;
  readonly typmod: number;
  readonly defaultText?: string;
  /** Where the default starts in the statement's text (error positions point there). */
  readonly defaultOffset?: number;
}

export interface DefaultCheckHost {
  readonly catalog: Parameters<typeof defaultCheckScope>[0];
  readonly currentSchema: string;
  readonly searchPath?: readonly string[];
  readonly sessionUser: string;
}

/** The parameters as the catalog keeps them, their defaults checked; throws PostgreSQL's errors. */
export function checkedParameters(written: readonly WrittenParameter[], host: DefaultCheckHost): Parameter[] {
  let sawDefault = false;
  return written.map((p) => {
    const parameter: Parameter = { name: p.name, typeOid: p.typeOid, typmod: p.typmod };
    if (p.defaultText === undefined) {
      if (sawDefault) throw new SqlError('42P13', 'input parameters after one with a default value must also have defaults');
      return parameter;
    }
    sawDefault = true;
    checkDefault(p.defaultText, p.typeOid, p.defaultOffset, host);
    return { ...parameter, default: p.defaultText };
  });
}

/**
 * transformExpr with EXPR_KIND_FUNCTION_DEFAULT, then coerce_to_specific_type: no columns (an
 * empty scope, so a name is "column … does not exist"), no parameters, subqueries, aggregates,
 * window or set-returning functions; the value assignable to the parameter's type (no typmod).
 */
function checkDefault(text: string, oid: number, origin: number | undefined, host: DefaultCheckHost): void {
  try {
    const expr = parseExpression(text);
    refuseSubqueriesAndParameters(expr);
    const value = compileExpr(expr, {
      scope: new Scope([]), paramTypes: [], aggregates: null, aggregateBase: 0, clause: 'DEFAULT expressions',
      sessionUser: host.sessionUser, currentSchema: host.currentSchema,
      ...defaultCheckScope(host.catalog, host.currentSchema),
      searchPath: host.searchPath ?? [host.currentSchema],
    });
    try {
      coerce(value, oid, -1, 'assignment', value.location);
    } catch (error) {
      // can_coerce_type failing, however the cast would have said it: coerce_to_specific_type's words.
      if (error instanceof SqlError && (error.code === '42804' || error.code === '42846')) {
        throw new SqlError('42804', `argument of DEFAULT must be type ${types.formatType(oid, -1)}, not type ${types.formatType(value.oid, value.typmod < 0 ? -1 : value.typmod)}`,
          value.location >= 0 ? { position: value.location + 1 } : {});
      }
      throw error;
    }
  } catch (error) {
    positionedIn(error, origin);
  }
}

/** What transformExpr refuses in a parameter default before typing it, at the node's position. */
function refuseSubqueriesAndParameters(expr: Expr): void {
  mapTree(expr, (node) => {
    const at = typeof node['location'] === 'number' && node['location'] >= 0 ? { position: node['location'] + 1 } : {};
    if (node['kind'] === 'subquery') throw new SqlError('0A000', 'cannot use subquery in DEFAULT expression', at);
    if (node['kind'] === 'param') throw new SqlError('42P02', `there is no parameter $${node['index'] as number}`, at);
    return undefined;
  });
}

/** CREATE OR REPLACE may add defaults but not take any away (ProcedureCreate's check). */
export function checkReplacedDefaults(existing: FunctionInfo, replacement: readonly Parameter[]): void {
  if (defaultCount(existing.args) > defaultCount(replacement)) {
    throw new SqlError('42P13', 'cannot remove parameter defaults from existing function');
  }
}

/** pg_proc.pronargdefaults. */
export function defaultCount(args: readonly Parameter[]): number {
  return args.filter((a) => a.default !== undefined).length;
}
