/**
 * The fused row kernel (schedule/fuse-rows.ts): runs a chain of convs and residual adds, producing the
 * output row by row. Each stage computes the rows its consumer asks for, in order, into a ring; the
 * consumer's window only moves forward, so a ring as tall as the chain's layout says suffices. A stage
 * followed by a residual add writes its row into a one-row buffer, and the add writes the block's output
 * row (skip row + that row) where the stage's output would go; the skip row comes from the chain's input
 * or from the ring of a block input inside the chain. With a streamed input
 * (schedule/stream-input.ts) the image itself is read the same way: its rows are copied into
 * `inputRing` as the first conv asks for them. The reference: the fast table's chain
 * (wasm/kernel-table.ts, one wasm call, the same rows in the same order) is held to it.
 * Everything about the chain (geometry, zero points, adds, ring layout) is bound by the compiler
 * (kernels/conv-binding.ts: bindChain).
 */
import type { ParamStore } from '../ir/graph.ts';
import { addInt8 } from '../ops/add.ts';
import { convRowInt8, ringRows, wholeRows, type RowSource } from '../ops/conv2d.ts';
import { effScalesOf, multipliersOf, type ChainAddBinding, type ChainBinding } from '../kernels/conv-binding.ts';

export function runBoundChain(chain: ChainBinding, param: (n: string) => ParamStore[string],
  input: Int8Array, output: Int8Array, scratch: Int8Array, inputRing?: Int8Array): void {
  const { stages, adds, layout } = chain;
  const geoms = stages.map((c) => c.geom);
  const eff = stages.map((c) => effScalesOf(c, param(c.wScales) as Float32Array));
  const rq = stages.map((c) => multipliersOf(c, param(c.wScales) as Float32Array));
  const m = stages.length;
  const last = geoms[m - 1];
  const g0 = geoms[0];
  const inRows = inputRing ? inputRing.length / (g0.cin * g0.w) : 0;
  const sources: RowSource[] = [inputRing ? ringRows(inputRing, inRows, g0.w) : wholeRows(input, g0.h, g0.w)];
  let nextInput = 0;
  /** Copies image rows up to `upTo` into the ring (the camera's next lines). */
  const load = (upTo: number): void => {
    for (; nextInput <= upTo; nextInput++) {
      const at = (nextInput % inRows) * g0.w;
      for (let ch = 0; ch < g0.cin; ch++) {
        const from = (ch * g0.h + nextInput) * g0.w;
        inputRing!.set(input.subarray(from, from + g0.w), ch * inRows * g0.w + at);
      }
    }
  };
  layout.rings.forEach((r) => sources.push(ringRows(scratch.subarray(r.offset, r.offset + r.channels * r.rows * r.width), r.rows, r.width)));
  sources.push(wholeRows(output, last.ho, last.wo));
  const addAt = new Map(adds.map((a) => [a.stage, a]));
  const rowBytes = Math.max(0, ...adds.map((a) => geoms[a.stage].cout * geoms[a.stage].wo));
  const rowBuf = adds.length ? scratch.subarray(layout.addRow, layout.addRow + rowBytes) : null;
  const next = new Array<number>(m).fill(0);

  /**
   * Row oy of depthwise stage `stage` whose input ring is split (schedule/fuse-rows.ts: splitRing): the
   * pointwise producer's rows next..need one output channel e at a time into the spare, channel e's
   * depthwise row, then those rows into the ring's slots (tt_chain_split_row).
   */
  const splitRow = (stage: number, oy: number, from: number, need: number): void => {
    const p = stage - 1, pg = geoms[p], dg = geoms[stage], ps = stages[p], ds = stages[stage];
    const ring = layout.rings[p], w = ring.width, lo = next[p];
    const spareRows: RowSource = { data: scratch, channelStride: 0, rowOffset: (y) => ring.spare + (y - from) * w };
    const pw = param(ps.weight) as Int8Array, pb = param(ps.bias) as Int32Array, dw = param(ds.weight) as Int8Array, db = param(ds.bias) as Int32Array;
    const dst = sources[stage + 1], taps = dg.kh * dg.kw;
    const one = (m: typeof rq[number], e: number) => m && { multipliers: m.multipliers.subarray(e, e + 1), shifts: m.shifts.subarray(e, e + 1) };
    for (let e = 0; e < pg.cout; e++) {
      const ringAt = ring.offset + e * ring.rows * w;
      for (let y = lo; y <= need; y++) {
        convRowInt8(sources[p], ps.xZero, pw.subarray(e * pg.cpg, (e + 1) * pg.cpg), pb.subarray(e, e + 1), eff[p].subarray(e, e + 1), spareRows,
          ps.yZero, { ...pg, cout: 1 }, y, one(rq[p], e));
      }
      const rows: RowSource = { data: scratch, channelStride: 0, rowOffset: (y) => y < from ? ringAt + (y % ring.rows) * w : ring.spare + (y - from) * w };
      const out: RowSource = { data: dst.data, channelStride: 0, rowOffset: (y) => dst.rowOffset(y) + e * dst.channelStride };
      convRowInt8(rows, ds.xZero, dw.subarray(e * taps, (e + 1) * taps), db.subarray(e, e + 1), eff[stage].subarray(e, e + 1), out, ds.yZero,
        { ...dg, cin: 1, cout: 1, groups: 1, cpg: 1 }, oy, one(rq[stage], e));
      for (let y = lo; y <= need; y++) scratch.copyWithin(ringAt + (y % ring.rows) * w, ring.spare + (y - from) * w, ring.spare + (y - from + 1) * w);
    }
    next[p] = Math.max(lo, need + 1);
  };

  const ensure = (stage: number, upTo: number): void => {
    const c = geoms[stage];
    const add = addAt.get(stage);
    while (next[stage] <= upTo) {
      const oy = next[stage]++;
      const need = Math.min(c.h - 1, oy * c.stride - c.ph + c.kh - 1);
      if (stage > 0 && layout.rings[stage - 1].spare >= 0) {
        // The window's last stride rows come from the split producer, channel by channel.
        const from = oy * c.stride - c.ph + c.kh - c.stride;
        ensure(stage - 1, Math.min(from - 1, need));
        if (next[stage - 1] <= need) {
          if (stage > 1) ensure(stage - 2, need);
          else if (inputRing) load(need);
        }
        splitRow(stage, oy, from, need);
        continue;
      }
      if (stage > 0) ensure(stage - 1, need);
      else if (inputRing) load(need);
      const dst = add ? ringRows(rowBuf!, 1, c.wo) : sources[stage + 1];
      const s = stages[stage];
      convRowInt8(sources[stage], s.xZero, param(s.weight) as Int8Array, param(s.bias) as Int32Array, eff[stage], dst, s.yZero, c, oy, rq[stage]);
      if (add) addResidualRow(add, sources[add.skip], rowBuf!, sources[stage + 1], c.cout, c.wo, oy);
    }
  };
  ensure(m - 1, last.ho - 1);
}

/** dst[:, oy, :] = add(skip[:, oy, :], conv row), channel by channel. */
function addResidualRow(a: ChainAddBinding, skip: RowSource, row: Int8Array, dst: RowSource, channels: number, w: number, oy: number): void {
  const { q } = a;
  const s = skip.rowOffset(oy), d = dst.rowOffset(oy);
  for (let c = 0; c < channels; c++) {
    const from = s + c * skip.channelStride, to = d + c * dst.channelStride;
    addInt8(skip.data.subarray(from, from + w), q.a.scale, q.a.zeroPoint, row.subarray(c * w, c * w + w), q.b.scale, q.b.zeroPoint,
      dst.data.subarray(to, to + w), q.y.scale, q.y.zeroPoint, undefined, true, q.rq);
  }
}
