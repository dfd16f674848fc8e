/**
 * A copy of an AST with nodes replaced: `replace` sees each object node (expressions, and the
 * plain objects that hold them) before its children; what it returns (other than undefined)
 * stands in the node's place and is not descended into.
 */
export function mapTree(node: unknown, replace: (node: Record<string, unknown>) => unknown | undefined): unknown {
  if (Array.isArray(node)) return node.map((child) => mapTree(child, replace));
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  const replaced = replace(record);
  if (replaced !== undefined) return replaced;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[key] = mapTree(value, replace);
  return out;
}
