import { SqlError } from '../../contracts/errors.js';

/**
 * What a DROP … CASCADE takes with it, and the NOTICE PostgreSQL sends about it
 * (reportDependentObjects): `drop cascades to view v` for one object; for several,
 * `drop cascades to N other objects` with one DETAIL line per object.
 *
 * The order is PostgreSQL's: it walks each dropped object's dependents depth first, newest first
 * (as its pg_depend scan returns them), records each object after its dependents, and reports the
 * record backwards — so an object comes before what depends on it, and siblings in the order they
 * were made. Catalog ids here are allocated in creation order, as PostgreSQL's OIDs are.
 */
export interface DroppedObject {
  readonly id: number;
  /** PostgreSQL's description: `table s.t` (schema-qualified unless visible on the search path), `view v`, `constraint c on table t`. */
  readonly description: string;
  readonly dependents: readonly DroppedObject[];
}

/** An object a drop reaches, and the object it was reached from (what PostgreSQL says it depends on). */
export interface Cascaded {
  readonly object: DroppedObject;
  readonly dependee: DroppedObject;
}

/** The objects the drop of `roots` cascades to, in PostgreSQL's order (the roots themselves left out). */
export function cascadedObjects(roots: readonly DroppedObject[]): Cascaded[] {
  const visited = new Set<number>();
  const recorded: Cascaded[] = [];
  const visit = (object: DroppedObject, dependee: DroppedObject | null): void => {
    visited.add(object.id);
    const newestFirst = [...object.dependents].sort((a, b) => b.id - a.id);
    for (const dependent of newestFirst) if (!visited.has(dependent.id)) visit(dependent, object);
    if (dependee !== null) recorded.push({ object, dependee });
  };
  for (const root of roots) if (!visited.has(root.id)) visit(root, null);
  const rootIds = new Set(roots.map((r) => r.id));
  return recorded.reverse().filter((c) => !rootIds.has(c.object.id));
}

/** PostgreSQL's DETAIL when a drop without CASCADE would reach other objects: `view w depends on view v`, in the same order. */
export function dependencyDetail(cascaded: readonly Cascaded[]): string {
  return cascaded.map((c) => `${c.object.description} depends on ${c.dependee.description}`).join('\n');
}

/** The NOTICE for the objects a drop cascaded to (their descriptions, in order); null when there were none. */
export function cascadeNotice(cascaded: readonly string[]): SqlError | null {
  if (cascaded.length === 0) return null;
  const lines = cascaded.map((description) => `drop cascades to ${description}`);
  if (lines.length === 1) return new SqlError('00000', lines[0]!);
  return new SqlError('00000', `drop cascades to ${lines.length} other objects`, { detail: lines.join('\n') });
}
