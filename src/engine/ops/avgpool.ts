/**
 * Global average pool: int8 C x H x W -> C x 1 x 1, the mean rounded, scale and zero point unchanged.
 * The paper's models average H x W at once and round half to even; an imported .tflite pools as its
 * MEAN ops do (attrs.stages: the spatial axes in the file's order, each stage rounded half away from
 * zero through float32, TFLite's int8 MEAN). Backward either way: each input position gets g[c] / (H * W).
 */
import type { PoolStages } from '../ir/graph.ts';
import { oneInt8Map } from '../ir/errors.ts';
import { rint } from '../quant/arith.ts';
import { roundHalfAway } from '../quant/tflite-int.ts';
import type { OpDef } from './op.ts';

const f32 = Math.fround;

export const avgpool: OpDef<'avgpool'> = {
  type: 'avgpool',
  outputDType: 'int8',

  inferShapes(node, inputs) {
    const x = oneInt8Map(node, inputs);
    return [[x.shape[0], 1, 1]];
  },

  macs(node, g) {
    const [c, h, w] = g.tensors[node.inputs[0]].shape;
    return c * h * w;
  },

  forward(node, g, ins, outs) {
    const x = g.tensors[node.inputs[0]];
    const [c, h, w] = x.shape;
    if (node.attrs.stages) meanStagesInt8(ins[0] as Int8Array, { channels: c, h, w, zero: x.q!.zeroPoint }, node.attrs.stages, outs[0] as Int8Array);
    else avgpoolInt8(ins[0] as Int8Array, c, h * w, outs[0] as Int8Array);
  },

  gradient(node, ctx) {
    const x = node.inputs[0];
    if (!ctx.needsGrad(x)) return;
    const gx = ctx.tensor(ctx.gradName(x), 'float32', ctx.graph.tensors[x].shape, 'gradient');
    ctx.emit({ op: 'avgpool_bwd', inputs: [ctx.gradOf(node.outputs[0])], outputs: [gx], attrs: {} });
    ctx.contribute(x, gx);
  },
};

/** gx: each channel's g[c] / hw, `copies` times (hw: the plane's gradient; 1: one value per channel). */
export function avgpoolBackward(g: Float32Array, hw: number, gx: Float32Array, copies = hw): void {
  const n = Math.fround(hw);
  for (let c = 0; c < g.length; c++) gx.fill(Math.fround(g[c] / n), c * copies, (c + 1) * copies);
}

export function avgpoolInt8(x: Int8Array, channels: number, hw: number, y: Int8Array, round = true): void {
  const n = Math.fround(hw);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = c * hw, end = i + hw; i < end; i++) sum += x[i];
    const mean = Math.fround(Math.fround(sum) / n);
    y[c] = round ? rint(mean) : mean;
  }
}

/** A C x H x W int8 input and its zero point (the output keeps the input's quantization). */
export interface MeanShape { channels: number; h: number; w: number; zero: number }

/** TFLite's int8 MEAN of `count` values summing to `sum`, same quantization in and out: through float32, half away from zero. */
function tfliteMean(sum: number, count: number, zero: number): number {
  const v = roundHalfAway(f32(f32(sum / count) + f32(-zero))) + zero;
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/** The pool as a .tflite's MEAN ops compute it: one stage over H x W, or rows then columns ('w,h': each row's mean, then their mean). */
export function meanStagesInt8(x: ArrayLike<number>, s: MeanShape, stages: PoolStages, y: Int8Array): void {
  const { channels, h, w, zero } = s;
  for (let c = 0; c < channels; c++) {
    const base = c * h * w;
    if (stages === 'hw') {
      let sum = 0;
      for (let i = base; i < base + h * w; i++) sum += x[i];
      y[c] = tfliteMean(sum, h * w, zero);
      continue;
    }
    // Two stages: the first mean (rounded) of each row ('w,h') or column ('h,w'), then their mean.
    const rows = stages === 'w,h';
    const [outer, inner] = rows ? [h, w] : [w, h];
    let sum2 = 0;
    for (let o = 0; o < outer; o++) {
      let sum = 0;
      for (let i = 0; i < inner; i++) sum += x[base + (rows ? o * w + i : i * w + o)];
      sum2 += tfliteMean(sum, inner, zero);
    }
    y[c] = tfliteMean(sum2, outer, zero);
  }
}
