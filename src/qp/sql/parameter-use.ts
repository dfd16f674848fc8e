/**
 * Which `$n` a statement's expressions refer to, and which of them some context gave a type:
 * PostgreSQL's parse analysis leaves a parameter that nothing coerces (`$1 IS NULL`, an argument
 * of a function taking "any" such as concat or json_build_object) of type unknown, and Parse then
 * fails with 42P18; one a context coerces (a select list, an operator, a column) gets that type.
 * One object per planning of a statement, shared by its compile contexts.
 */
export class ParameterUse {
  private readonly referenced = new Set<number>();
  private readonly typed = new Set<number>();

  /** A reference to `$index` was compiled. */
  refer(index: number): void {
    this.referenced.add(index);
  }

  /** A reference to `$index` was coerced to (or inferred as) some type. */
  type(index: number): void {
    this.typed.add(index);
  }

  /**
   * The first parameter the statement refers to that nothing gave a type (and no client hint or
   * inference did: its entry in `types` is still 0), or null.
   */
  undetermined(types: readonly number[]): number | null {
    for (let i = 0; i < types.length; i++) {
      if (types[i] === 0 && this.referenced.has(i + 1) && !this.typed.has(i + 1)) return i + 1;
    }
    return null;
  }
}
