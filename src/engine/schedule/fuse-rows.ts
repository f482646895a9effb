/**
 * Fused row-by-row execution of the frozen early stage (after MCUNetV2's patch-based inference).
 * In front of the first trained conv nothing is kept for the backward pass, so a run of frozen
 * blocks (pw1 -> dw -> pw2 [+ residual], the stem) can run as one kernel that produces its output
 * row by row: every tensor inside the run shrinks to a ring of rows, as tall as its readers need (e.g.
 * mcunet-5fps's 32x64x64 map after conv 3 never exists whole). A block's residual add reads its skip
 * from the chain's input or from the ring of the block's input inside the chain, so a chain may cross
 * residual blocks. A chain whose output has its input's shape writes it over its input where the row
 * order allows (a residual block: output row r once no conv reads input row r again): proxyless-w0.3's
 * block 2 holds its 16 KB input and rings, not also a 16 KB output. No row is computed twice, and the
 * values are identical to the unfused convs.
 *
 * Where the chains break is chosen so that the most bytes any chain holds (its input, its output
 * unless in place, its rings, its workspace's floor) is as small as it can be (`partition`): a longer
 * chain removes the maps between its parts but adds their rings (a stride-2 7x7 depthwise conv's input
 * ring is seven rows of the expanded map), so on the zoo's models the best splits keep the stem with
 * the first blocks and every later block a chain of its own. A chain that would set the arena may
 * split its rings (splitRing): a depthwise conv's input ring then keeps kh - stride rows of every
 * channel, its new rows computed one channel at a time.
 */
import { FAMILY_ROLES, type Graph, type Node } from '../ir/graph.ts';
import { convGeom, isPointwise, taps, type ConvGeom } from '../ops/conv2d.ts';
import { forwardMask, type Kernel, type Scheduled } from '../program/types.ts';

/**
 * Stages of one chain at most: the C library's TT_CHAIN_MAX (csrc/tt_kernels.h; its run state, a few
 * words per stage, is static, and its row requests use an explicit stack there, not the C stack).
 */
export const CHAIN_MAX = 12;

/** A residual add inside a chain: after stage `stage` (the conv row is its second operand), the skip read from source `skip`. */
export interface ChainAdd {
  stage: number;
  /** 0: the chain's input; i > 0: the input of stage i (a ring). */
  skip: number;
}

export interface ChainLayout {
  /**
   * Byte offset and rows of the ring of each stage's input after the first (ring i feeds stage i + 1) in
   * the scratch buffer. `spare` >= 0: a split ring (splitRing), its `rows` the depthwise conv's kh -
   * stride rows of every channel, and at `spare` its stride rows of one channel; -1: a plain ring.
   */
  rings: { offset: number; rows: number; channels: number; width: number; spare: number }[];
  /** Offset of the one-row buffer a conv writes before its residual add (-1 without adds; all adds share it). */
  addRow: number;
  bytes: number;
}

/**
 * The residual adds of a chain as stages and skip sources, or null if the chain cannot run them: an
 * add's second operand must be a stage's output read by nothing else in the chain, its first the
 * chain's input or a stage's input.
 */
export function chainAdds(convs: Node<'conv2d'>[], adds: Node[]): ChainAdd[] | null {
  const out: ChainAdd[] = [];
  // What each source holds: source 0 the chain's input, source i + 1 what stage i (and its add) writes.
  const source = new Map<string, number>([[convs[0].inputs[0], 0]]);
  for (let i = 0; i < convs.length; i++) {
    if (convs[i].inputs[0] !== [...source.entries()].find(([, s]) => s === i)?.[0]) return null;
    const add = adds.find((a) => a.inputs[1] === convs[i].outputs[0]);
    if (!add) {
      source.set(convs[i].outputs[0], i + 1);
      continue;
    }
    const skip = source.get(add.inputs[0]);
    if (skip === undefined || add.inputs[0] === add.inputs[1]) return null;
    out.push({ stage: i, skip });
    source.set(add.outputs[0], i + 1);
  }
  return out.length === adds.length ? out : null;
}

/**
 * Whether ring i (stage i's output, stage i + 1's input) can be split: stage i pointwise with no add,
 * stage i + 1 depthwise with kh > stride, and no add reading ring i as its skip. A split ring keeps
 * only the kh - stride rows of every channel that the depthwise conv's next window shares with its
 * current one; the stride new rows of its window are computed one channel at a time (the pointwise
 * conv's output channel e over those rows, then the depthwise row of channel e) into a spare of stride
 * rows of one channel, copied into the ring once channel e's row is done. No row is computed twice;
 * the ring drops stride x (channels - 1) rows of the expanded map (proxyless-w0.3's block 2: 6 KB).
 * The pointwise conv then runs one output channel at a time (tt_pw_single instead of four at a time),
 * so the compiler splits only where a chain's bytes need it (partition).
 */
export function splitRing(geoms: ConvGeom[], adds: ChainAdd[], i: number): boolean {
  const [p, d] = [geoms[i], geoms[i + 1]];
  return !!d && isPointwise(p) && !adds.some((a) => a.stage === i || a.stage === i + 1 || a.skip === i + 1) &&
    d.groups === d.cin && d.cin === d.cout && d.cpg === 1 && d.kh > d.stride && p.cout === d.cin;
}

/**
 * Rows each ring must hold, found by running the chain's row schedule (the order runtime/conv-chain.ts
 * and tt_conv_chain compute rows in) on row numbers only: when a stage writes row r of a source, the
 * ring must still hold the lowest row any reader of that source will read (its conv's window, an
 * add's skip row). `inPlace`: the output may overwrite the input row for row (same shape): whenever
 * output row r is written, no reader of the input will read row r or an earlier one again (an add
 * reading skip row r reads each byte before it writes it). Null when an add would read a skip row not
 * yet written (no family block does).
 */
function rowSchedule(geoms: ConvGeom[], adds: ChainAdd[], split: boolean[] = []): { rows: number[]; inPlace: boolean } | null {
  const m = geoms.length;
  const next = new Array<number>(m).fill(0);
  const done = new Array<number>(m).fill(0);
  const added = new Array<number>(m).fill(0);
  const written = new Array<number>(m + 1).fill(0);
  const rows = new Array<number>(m + 1).fill(1);
  const addAt = new Map(adds.map((a) => [a.stage, a]));
  let ok = true;
  let inPlace = m > 1;
  const lowest = (s: number): number => {
    const c = geoms[s];
    // The first row stage s has not finished (the one it is computing, or the next) and the window it reads.
    let low = done[s] < c.ho ? Math.max(0, done[s] * c.stride - c.ph) : Infinity;
    for (const a of adds) if (a.skip === s) low = Math.min(low, added[a.stage]);
    return low;
  };
  /** Stage `stage` writes row oy (and its add). */
  const write = (stage: number, oy: number): void => {
    done[stage]++;
    const add = addAt.get(stage);
    if (add) {
      if (written[add.skip] <= oy && add.skip > 0) ok = false;
      added[stage]++;
    }
    written[stage + 1] = oy + 1;
    if (stage + 1 < m) rows[stage + 1] = Math.max(rows[stage + 1], oy - lowest(stage + 1) + 1);
    else if (lowest(0) <= oy) inPlace = false;
  };
  const ensure = (stage: number, upTo: number): void => {
    const c = geoms[stage];
    while (next[stage] <= upTo) {
      const oy = next[stage]++;
      const need = Math.min(c.h - 1, oy * c.stride - c.ph + c.kh - 1);
      if (stage > 0 && split[stage - 1]) {
        // A split input (splitRing): rows below the window's top kh - stride ones into the ring as usual, then
        // the rest (spareFrom..need) of every channel with the producer's input rows for all of them held at once.
        const p = stage - 1, spareFrom = oy * c.stride - c.ph + c.kh - c.stride;
        ensure(p, Math.min(need, spareFrom - 1));
        if (need >= next[p]) {
          if (p > 0) ensure(p - 1, need);
          // The producer's rows next[p]..need: written (its reader's lowest row never rises above them).
          for (let y = next[p]; y <= need; y++) done[p]++;
          written[p + 1] = need + 1;
          next[p] = need + 1;
        }
      } else if (stage > 0) ensure(stage - 1, need);
      write(stage, oy);
    }
  };
  ensure(m - 1, geoms[m - 1].ho - 1);
  // A split ring holds the kh - stride rows its window keeps (slot y % rows; fewer only on a shorter map).
  split.forEach((on, i) => { if (on) rows[i + 1] = Math.max(rows[i + 1], Math.min(geoms[i + 1].h, geoms[i + 1].kh - geoms[i + 1].stride)); });
  const [g0, last] = [geoms[0], geoms[m - 1]];
  inPlace &&= g0.cin === last.cout && g0.h === last.ho && g0.w === last.wo;
  return ok ? { rows: rows.slice(1, m), inPlace } : null;
}

/** Whether a chain's output may overwrite its input row for row (rowSchedule; the caller checks that nothing else reads the input). */
export function chainInPlace(geoms: ConvGeom[], adds: ChainAdd[], split: boolean[] = []): boolean {
  return rowSchedule(geoms, adds, split)?.inPlace ?? false;
}

/** A stage tt_conv_chain packs: pointwise, or im2col (a standard conv of at most 510 taps); its int16 pairs of taps. */
function packedStage(g: ConvGeom): { im2col: boolean; cp2: number } | null {
  const pw = isPointwise(g);
  // As tt_is_im2col: at most 510 taps, at most 22 rows.
  const im2col = !pw && g.groups === 1 && g.cpg * taps(g) <= 510 && g.kh <= 22;
  return pw || im2col ? { im2col, cp2: Math.ceil((g.cpg * (pw ? 1 : taps(g))) / 2) } : null;
}

/**
 * Words tt_conv_chain keeps for one tile of activations: 16 pixels (or the row), an im2col stage also one
 * pixel of taps; the producer of a split ring its stride rows of pixels and one channel's weights.
 */
function chainTileWords(geoms: ConvGeom[], split: boolean[] = []): number {
  let xneed = 0;
  geoms.forEach((g, i) => {
    const s = packedStage(g);
    if (s && split[i]) xneed = Math.max(xneed, (geoms[i + 1].stride * g.wo + 1) * s.cp2);
    else if (s) xneed = Math.max(xneed, (Math.min(g.wo, 16) + (s.im2col ? 1 : 0)) * s.cp2);
  });
  return xneed;
}

/**
 * The workspace tt_conv_chain's fast paths take at most (bytes): every pointwise and im2col stage's
 * packed weights (int16 pairs), packed once for the whole chain, and one tile of activations.
 * firmware/workspaces.ts gives the chain this much where its step leaves room, and at least
 * chainFloorBytes.
 */
export function chainPackedBytes(geoms: ConvGeom[], split: boolean[] = []): number {
  return 4 * (geoms.reduce((w, g, i) => w + (packedStage(g) && !split[i] ? g.cout * packedStage(g)!.cp2 : 0), 0) + chainTileWords(geoms, split));
}

/**
 * The least workspace that keeps every stage of a chain on a packed path (bytes): the im2col stages'
 * packed weights (without them the stem runs the generic loops), and room for the largest pointwise
 * stage to pack its weights at each row (tt_pw_fast: every output channel and a tile of up to 8
 * pixels) or the chain's tile, whichever is more. A pointwise stage the chain could not pack once packs
 * at each row: one pass over its weights per output row, a few percent of its multiply-accumulates.
 */
export function chainFloorBytes(geoms: ConvGeom[], split: boolean[] = []): number {
  let im2col = 0, row = 0;
  geoms.forEach((g, i) => {
    const s = packedStage(g);
    if (!s || split[i]) return;
    if (s.im2col) im2col += g.cout * s.cp2;
    else row = Math.max(row, g.cout * s.cp2 + s.cp2 * Math.min(g.wo, 8));
  });
  return 4 * (im2col + Math.max(row, chainTileWords(geoms, split)));
}

/** Which rings of a layout are split (splitRing). */
export const splitOf = (layout: ChainLayout): boolean[] => layout.rings.map((r) => r.spare >= 0);

export function chainLayout(graph: Graph, convs: Node<'conv2d'>[], adds: ChainAdd[], split: boolean[] = []): ChainLayout {
  return chainLayoutOf(convs.map((c) => convGeom(c, graph)), adds, split);
}

/** The ring layout of a chain of these geometries and adds (rowSchedule's rows, each ring 8-aligned, then the add row). */
export function chainLayoutOf(geoms: ConvGeom[], adds: ChainAdd[], split: boolean[] = []): ChainLayout {
  if (split.some((on, i) => on && !splitRing(geoms, adds, i))) throw new Error('internal: a chain splits a ring that cannot be split');
  const ringRows = rowSchedule(geoms, adds, split)?.rows;
  if (!ringRows) throw new Error('internal: a chain reads a skip row before it is written');
  const rings: ChainLayout['rings'] = [];
  let bytes = 0;
  for (let i = 0; i < geoms.length - 1; i++) {
    const c = geoms[i];
    const ring = c.cout * ringRows[i] * c.wo, spare = split[i] ? geoms[i + 1].stride * c.wo : 0;
    rings.push({ offset: bytes, rows: ringRows[i], channels: c.cout, width: c.wo, spare: split[i] ? bytes + ring : -1 });
    bytes += Math.ceil((ring + spare) / 8) * 8;
  }
  let addRow = -1;
  if (adds.length) {
    addRow = bytes;
    bytes += Math.max(...adds.map((a) => geoms[a.stage].cout * geoms[a.stage].wo));
  }
  return { rings, addRow, bytes };
}

interface Unit { convs: Node<'conv2d'>[]; adds: Node[] }

/** The frozen forward in units that chain: the stem, then every block whose convs are all frozen. */
function frozenUnits(graph: Graph, firstTrained: number | null): Unit[] {
  const limit = firstTrained ?? Infinity;
  const byBlock = new Map<number, Unit>();
  for (const n of graph.nodes) {
    if (n.op === 'conv2d') {
      const c = n as Node<'conv2d'>;
      // Only the family's convs chain (a general graph's convs have no block and run as plain kernels).
      if (c.attrs.convIndex === undefined || c.attrs.block === undefined || !FAMILY_ROLES.includes(c.attrs.role)) continue;
      const b = c.attrs.block;
      if (!byBlock.has(b)) byBlock.set(b, { convs: [], adds: [] });
      byBlock.get(b)!.convs.push(c);
    } else if (n.op === 'add' && (n as Node<'add'>).attrs.block !== undefined) {
      byBlock.get((n as Node<'add'>).attrs.block!)?.adds.push(n);
    }
  }
  const units: Unit[] = [];
  for (const b of [...byBlock.keys()].sort((x, y) => x - y)) {
    const u = byBlock.get(b)!;
    if (!u.convs.every((c) => c.attrs.convIndex! < limit)) break;
    units.push(u);
  }
  return units;
}

const bytesOf = (graph: Graph, t: string) => graph.tensors[t].shape.reduce((a, b) => a * b, 1);

interface Chain { convs: Node<'conv2d'>[]; adds: Node[]; skips: ChainAdd[]; split: boolean[] }

/**
 * What a chain holds while it runs: its input (the streamed image's ring when `streamed` applies),
 * its output, its rings and its workspace's floor (firmware/workspaces.ts), with plain rings (`cost`)
 * and with every ring that can be split split (`splitCost`); Infinity when the units cannot run as one chain.
 */
function chainCost(graph: Graph, units: Unit[], streamed: boolean): { cost: number; splitCost: number; chain: Chain | null } {
  const convs = units.flatMap((u) => u.convs), adds = units.flatMap((u) => u.adds);
  const none = { cost: Infinity, splitCost: Infinity, chain: null };
  if (convs.length > CHAIN_MAX) return none;
  const skips = chainAdds(convs, adds);
  if (!skips) return none;
  const geoms = convs.map((c) => convGeom(c, graph));
  const input = convs[0].inputs[0];
  const last = convs[convs.length - 1];
  const out = (adds.find((a) => a.inputs[1] === last.outputs[0]) ?? last).outputs[0];
  // The image is read row by row into a ring of the stem's height (schedule/stream-input.ts) when no add reads it whole.
  const inBytes = streamed && input === graph.input && !skips.some((s) => s.skip === 0)
    ? geoms[0].cin * Math.min(geoms[0].kh, geoms[0].h) * geoms[0].w : bytesOf(graph, input);
  const costOf = (split: boolean[]): number => {
    const schedule = rowSchedule(geoms, skips, split);
    if (!schedule) return Infinity;
    // In place (the chain's input read by nothing after it: its first units are the input's only readers in the family).
    const inPlace = schedule.inPlace && input !== graph.input;
    return inBytes + (inPlace ? 0 : bytesOf(graph, out)) + chainLayoutOf(geoms, skips, split).bytes + Math.ceil(chainFloorBytes(geoms, split) / 8) * 8;
  };
  const split = geoms.slice(0, -1).map((_, i) => splitRing(geoms, skips, i));
  const cost = costOf([]);
  if (!Number.isFinite(cost)) return none;
  const splitCost = split.some(Boolean) ? Math.min(cost, costOf(split)) : cost;
  return { cost, splitCost, chain: { convs, adds, skips, split } };
}

/**
 * The chains: consecutive frozen units split where the most bytes one chain holds is least (ties: more
 * chains, then the smaller sum over chains). Below that most, joining chains saves bytes at steps that
 * do not set the arena and costs instructions (a chain packs its stages' weights into one workspace:
 * joined, fewer fit and the rest pack at each row; +0.2M a join on the M7), so chains join only where
 * that lowers the most. Dynamic programming over the split points, O(units^2). Split rings (splitRing)
 * cost instructions too (the pointwise conv one output channel at a time), so only a chain whose plain
 * rings would hold more than `splitAbove` bytes splits them (compile.ts passes the most any step
 * outside the chains holds: below it a split buys no arena byte), and only if that lowers the most.
 */
function partition(graph: Graph, units: Unit[], streamed: boolean, splitAbove: number): Chain[] {
  type Best = { max: number; sum: number; n: number; from: number; chain: Chain | null; cost: number };
  const costs = new Map<string, ReturnType<typeof chainCost>>();
  const costOf = (start: number, end: number) => {
    const key = `${start}:${end}`;
    if (!costs.has(key)) costs.set(key, chainCost(graph, units.slice(start, end), streamed));
    return costs.get(key)!;
  };
  const better = (a: Best, b: Best) => a.max !== b.max ? a.max < b.max : a.n !== b.n ? a.n > b.n : a.sum < b.sum;
  const run = (withSplit: boolean): { max: number; chains: { chain: Chain; cost: number }[] } => {
    const best: Best[] = [{ max: 0, sum: 0, n: 0, from: -1, chain: null, cost: 0 }];
    for (let end = 1; end <= units.length; end++) {
      let pick: Best | null = null;
      for (let start = end - 1; start >= 0; start--) {
        if (units.slice(start, end).reduce((s, u) => s + u.convs.length, 0) > CHAIN_MAX) break;
        const c = costOf(start, end);
        const cost = withSplit && c.cost > splitAbove ? c.splitCost : c.cost;
        const prev = best[start];
        if (!c.chain || !Number.isFinite(prev.max)) continue;
        const cand = { max: Math.max(prev.max, cost), sum: prev.sum + cost, n: prev.n + 1, from: start, chain: c.chain, cost: c.cost };
        if (!pick || better(cand, pick)) pick = cand;
      }
      best.push(pick ?? { max: Infinity, sum: Infinity, n: 0, from: -1, chain: null, cost: Infinity });
    }
    const chains: { chain: Chain; cost: number }[] = [];
    for (let end = units.length; end > 0 && best[end].chain; end = best[end].from) chains.unshift({ chain: best[end].chain!, cost: best[end].cost });
    return { max: best[units.length]?.max ?? Infinity, chains };
  };
  const plain = run(false), split = run(true);
  if (!(split.max < plain.max)) return plain.chains.map(({ chain }) => ({ ...chain, split: [] }));
  return split.chains.map(({ chain, cost }) => ({ ...chain, split: cost > splitAbove ? chain.split : [] }));
}

/**
 * Replaces the frozen early stage's forward kernels by fused row kernels; returns the new list.
 * `streamed`: the image will be read row by row (schedule/stream-input.ts), so a first chain that
 * reads it costs its ring, not the whole image. `splitAbove`: a chain holding more bytes than this
 * with plain rings may split them (partition).
 */
export function fuseFrozenRows(graph: Graph, s: Scheduled, firstTrained: number | null, streamed = false, splitAbove = Infinity): Scheduled {
  const tensors = { ...s.tensors };
  let out = s.kernels;
  for (const chain of partition(graph, frozenUnits(graph, firstTrained), streamed, splitAbove)) {
    const names = new Set<string>([...chain.convs.map((c) => c.name), ...chain.adds.map((a) => a.name)]);
    const idx = out.map((k, i) => (k.phase === 'forward' && names.has(k.node) ? i : -1)).filter((i) => i >= 0);
    // Every member must be one plain forward kernel, back to back, with no mask (nothing trains here).
    if (idx.length !== names.size || idx.some((v, j) => j > 0 && v !== idx[j - 1] + 1)) continue;
    if (idx.some((i) => forwardMask(out[i]))) continue;
    const first = chain.convs[0];
    const lastConv = chain.convs[chain.convs.length - 1];
    const input = first.inputs[0];
    const output = (chain.adds.find((a) => a.inputs[1] === lastConv.outputs[0]) ?? lastConv).outputs[0];
    // Nothing outside the chain may read what it keeps as rings.
    const inner = new Set([...chain.convs, ...chain.adds].map((n) => n.outputs[0]).filter((t) => t !== output));
    if (out.some((k, i) => !idx.includes(i) && k.inputs.some((t) => inner.has(t)))) continue;
    const layout = chainLayout(graph, chain.convs, chain.skips, chain.split);
    // The output overwrites the input row for row where the row schedule allows and nothing after the chain reads the input.
    const t = tensors[input];
    if (t.category === 'activation' && !t.aliasOf && !Object.values(tensors).some((x) => x.aliasOf === input) &&
      !out.slice(idx[idx.length - 1] + 1).some((k) => k.inputs.includes(input) || k.outputs.includes(input)) &&
      chainInPlace(chain.convs.map((c) => convGeom(c, graph)), chain.skips, chain.split)) {
      tensors[output] = { ...tensors[output], aliasOf: input };
    }
    const scratch = `scratch:rows:${first.name}`;
    tensors[scratch] = { name: scratch, dtype: 'int8', shape: [layout.bytes], bytes: layout.bytes, category: 'scratch' };
    for (const t of inner) delete tensors[t];
    const kernel: Kernel = {
      name: `conv_chain:${first.name}`, op: 'conv_chain', phase: 'forward', node: first.name,
      inputs: [input], outputs: [output, scratch],
      params: chain.convs.flatMap((c) => c.inputs.slice(1)),
      attrs: { convs: chain.convs.map((c) => c.name), adds: chain.adds.map((a) => a.name), scratch, ...(chain.split.some(Boolean) ? { split: chain.split } : {}) },
    };
    out = [...out.slice(0, idx[0]), kernel, ...out.slice(idx[idx.length - 1] + 1)];
  }
  return { kernels: out, tensors };
}
