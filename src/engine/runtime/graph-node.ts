/**
 * Graph nodes by name, for the fast kernel table (wasm/kernel-table.ts), which still reads the graph:
 * the executor hands it each kernel's node. The reference kernels read their bindings instead.
 */
import type { Graph, Node } from '../ir/graph.ts';

const nodeMaps = new WeakMap<Graph, Map<string, Node>>();
/** A graph node by name, from a map made once per graph (not a search per kernel call). */
export function graphNode(g: Graph, name: string): Node {
  let m = nodeMaps.get(g);
  if (!m) nodeMaps.set(g, (m = new Map(g.nodes.map((n) => [n.name, n]))));
  const node = m.get(name);
  if (!node) throw new Error(`internal: the program names a node "${name}" its graph does not have`);
  return node;
}
