/**
 * Fused row-by-row execution of the frozen early stage (after MCUNetV2's patch-based inference).
 * In front of the first trained conv nothing is kept for the backward pass, so each frozen block
 * (pw1 -> dw -> pw2 [+ residual], the stem joined to block 0) can run as one kernel that produces its
 * output row by row: every intermediate tensor shrinks to a ring of as many rows as its consumer's
 * kernel is tall. The large early activations (e.g. 32x64x64 after mcunet-5fps's conv 3) never exist
 * whole. No row is computed twice, and the values are identical to the unfused convs.
 */
import { FAMILY_ROLES, type Graph, type Node } from '../ir/graph.ts';
import { convGeom } from '../ops/conv2d.ts';
import { forwardMask, type Kernel, type Scheduled } from '../program/types.ts';

export interface ChainLayout {
  /** Byte offset and rows of each intermediate ring in the scratch buffer. */
  rings: { offset: number; rows: number; channels: number; width: number }[];
  /** Offset of the one-row buffer the last conv writes before the residual add (-1 without). */
  addRow: number;
  bytes: number;
}

export function chainLayout(graph: Graph, convs: Node<'conv2d'>[], withAdd: boolean): ChainLayout {
  const rings: ChainLayout['rings'] = [];
  let bytes = 0;
  for (let i = 0; i < convs.length - 1; i++) {
    const c = convGeom(convs[i], graph);
    const rows = convGeom(convs[i + 1], graph).kh;
    rings.push({ offset: bytes, rows, channels: c.cout, width: c.wo });
    bytes += Math.ceil((c.cout * rows * c.wo) / 8) * 8;
  }
  let addRow = -1;
  if (withAdd) {
    const c = convGeom(convs[convs.length - 1], graph);
    addRow = bytes;
    bytes += c.cout * c.wo;
  }
  return { rings, addRow, bytes };
}

/** Groups of frozen forward nodes to fuse: the stem with block 0, then every frozen block. */
function frozenChains(graph: Graph, firstTrained: number | null): { convs: Node<'conv2d'>[]; add: Node | null }[] {
  const limit = firstTrained ?? Infinity;
  const chains: { convs: Node<'conv2d'>[]; add: Node | null }[] = [];
  const byBlock = new Map<number, { convs: Node<'conv2d'>[]; add: Node | null }>();
  for (const n of graph.nodes) {
    if (n.op === 'conv2d') {
      const c = n as Node<'conv2d'>;
      // Only the family's convs chain (a general graph's convs have no block and run as plain kernels).
      if (c.attrs.convIndex === undefined || c.attrs.block === undefined || !FAMILY_ROLES.includes(c.attrs.role)) continue;
      const b = Math.max(0, c.attrs.block);
      if (!byBlock.has(b)) byBlock.set(b, { convs: [], add: null });
      byBlock.get(b)!.convs.push(c);
    } else if (n.op === 'add' && (n as Node<'add'>).attrs.block !== undefined) {
      const chain = byBlock.get((n as Node<'add'>).attrs.block!);
      if (chain) chain.add = n;
    }
  }
  // The chain kernel's residual add reads the chain's input as the skip, so a block with an add
  // must start its own chain: the stem then runs alone.
  const first = byBlock.get(0);
  if (first?.add && first.convs[0].attrs.role === 'stem') {
    byBlock.set(0, { convs: first.convs.slice(1), add: first.add });
    if (first.convs[0].attrs.convIndex! < limit) chains.push({ convs: first.convs.slice(0, 1), add: null });
    else return [];
  }
  for (const chain of [...byBlock.keys()].sort((a, b) => a - b).map((b) => byBlock.get(b)!)) {
    if (chain.convs.every((c) => c.attrs.convIndex! < limit)) chains.push(chain);
    else break;
  }
  return mergeChains(graph, chains);
}

const bytesOf = (graph: Graph, t: string) => graph.tensors[t].shape.reduce((a, b) => a * b, 1);

/** What a chain holds while it runs: its whole input and output, and its rings. */
function chainPeak(graph: Graph, chain: { convs: Node<'conv2d'>[]; add: Node | null }): number {
  const out = (chain.add ?? chain.convs[chain.convs.length - 1]).outputs[0];
  return bytesOf(graph, chain.convs[0].inputs[0]) + bytesOf(graph, out) + chainLayout(graph, chain.convs, !!chain.add).bytes;
}

/**
 * Joins a chain to the next when neither ends in a residual add (the kernel's add reads the chain's
 * whole input) and the joined chain needs less than the larger of the two: the tensor between them
 * becomes a one-row ring. E.g. mcunet-5fps's stem, block 0 and block 1 run as one chain.
 */
function mergeChains(graph: Graph, chains: { convs: Node<'conv2d'>[]; add: Node | null }[]): typeof chains {
  const out: typeof chains = [];
  for (const c of chains) {
    if (!c.convs.length) continue;
    const prev = out[out.length - 1];
    if (prev && !prev.add && !c.add) {
      const joined = { convs: [...prev.convs, ...c.convs], add: null };
      if (chainPeak(graph, joined) < Math.max(chainPeak(graph, prev), chainPeak(graph, c))) {
        out[out.length - 1] = joined;
        continue;
      }
    }
    out.push(c);
  }
  return out;
}

/** Replaces the frozen early stage's forward kernels by fused row kernels; returns the new list. */
export function fuseFrozenRows(graph: Graph, s: Scheduled, firstTrained: number | null): Scheduled {
  const tensors = { ...s.tensors };
  let out = s.kernels;
  for (const chain of frozenChains(graph, firstTrained)) {
    const names = new Set<string>([...chain.convs.map((c) => c.name), ...(chain.add ? [chain.add.name] : [])]);
    const idx = out.map((k, i) => (k.phase === 'forward' && names.has(k.node) ? i : -1)).filter((i) => i >= 0);
    // Every member must be one plain forward kernel, back to back, with no mask (nothing trains here).
    if (idx.length !== names.size || idx.some((v, j) => j > 0 && v !== idx[j - 1] + 1)) continue;
    if (idx.some((i) => forwardMask(out[i]))) continue;
    const first = chain.convs[0], last = chain.add ?? chain.convs[chain.convs.length - 1];
    const input = first.inputs[0];
    const output = last.outputs[0];
    const layout = chainLayout(graph, chain.convs, !!chain.add);
    const scratch = `scratch:rows:${first.name}`;
    tensors[scratch] = { name: scratch, dtype: 'int8', shape: [layout.bytes], bytes: layout.bytes, category: 'scratch' };
    for (const c of chain.convs) if (c.outputs[0] !== output) delete tensors[c.outputs[0]];
    const kernel: Kernel = {
      name: `conv_chain:${first.name}`, op: 'conv_chain', phase: 'forward', node: first.name,
      inputs: [input], outputs: [output, scratch],
      params: chain.convs.flatMap((c) => c.inputs.slice(1)),
      attrs: { convs: chain.convs.map((c) => c.name), add: chain.add?.name ?? null, scratch },
    };
    out = [...out.slice(0, idx[0]), kernel, ...out.slice(idx[idx.length - 1] + 1)];
  }
  return { kernels: out, tensors };
}
