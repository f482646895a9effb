/**
 * The fused row kernel (schedule/fuse-rows.ts): runs a chain of convs, and an optional residual add,
 * producing the output row by row. Each stage computes the rows its consumer asks for, in order, into
 * a ring; the consumer's window only moves forward, so a ring as tall as its kernel suffices. With a
 * streamed input (schedule/stream-input.ts) the image itself is read the same way: its rows are copied
 * into `inputRing` as the first conv asks for them. The reference: the fast table's chain
 * (wasm/kernel-table.ts, one wasm call, the same rows in the same order) is held to it.
 * Everything about the chain (geometry, zero points, ring layout) is bound by the compiler
 * (kernels/conv-binding.ts: bindChain).
 */
import type { ParamStore } from '../ir/graph.ts';
import { addInt8 } from '../ops/add.ts';
import { convRowInt8, ringRows, wholeRows, type RowSource } from '../ops/conv2d.ts';
import { effScalesOf, multipliersOf, type ChainBinding } from '../kernels/conv-binding.ts';

export function runBoundChain(chain: ChainBinding, param: (n: string) => ParamStore[string],
  input: Int8Array, output: Int8Array, scratch: Int8Array, inputRing?: Int8Array): void {
  const { stages, add, layout } = chain;
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
  const rowBuf = add ? scratch.subarray(layout.addRow, layout.addRow + last.cout * last.wo) : null;
  const finalDst = rowBuf ? ringRows(rowBuf, 1, last.wo) : wholeRows(output, last.ho, last.wo);
  const next = new Array<number>(m).fill(0);

  const ensure = (stage: number, upTo: number): void => {
    const c = geoms[stage];
    while (next[stage] <= upTo) {
      const oy = next[stage]++;
      const need = Math.min(c.h - 1, oy * c.stride - c.ph + c.kh - 1);
      if (stage > 0) ensure(stage - 1, need);
      else if (inputRing) load(need);
      const dst = stage === m - 1 ? finalDst : sources[stage + 1];
      const s = stages[stage];
      convRowInt8(sources[stage], s.xZero, param(s.weight) as Int8Array, param(s.bias) as Int32Array, eff[stage], dst, s.yZero, c, oy, rq[stage]);
      if (stage === m - 1 && add && rowBuf) addResidualRow(add, input, rowBuf, output, last.cout, last.ho, last.wo, oy);
    }
  };
  ensure(m - 1, last.ho - 1);
}

/** output[:, oy, :] = add(block input row, conv row), channel by channel. */
function addResidualRow(q: NonNullable<ChainBinding['add']>, input: Int8Array, row: Int8Array, output: Int8Array,
  channels: number, h: number, w: number, oy: number): void {
  for (let c = 0; c < channels; c++) {
    const at = c * h * w + oy * w;
    addInt8(input.subarray(at, at + w), q.a.scale, q.a.zeroPoint, row.subarray(c * w, c * w + w), q.b.scale, q.b.zeroPoint,
      output.subarray(at, at + w), q.y.scale, q.y.zeroPoint, undefined, true, q.rq);
  }
}
