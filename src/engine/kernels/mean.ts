/**
 * The global pool of an imported .tflite (its MEAN ops): ops/avgpool.ts meanStagesInt8, in C
 * tt_mean_stages. The stages are a field ('hw', 'w,h', 'h,w'); the backward is avgpool_bwd's (each
 * stage is a mean, so every input position gets g / (H * W)).
 */
import type { PoolStages } from '../ir/graph.ts';
import { avgpoolInt8, meanStagesInt8, type MeanShape } from '../ops/avgpool.ts';
import type { KernelDef, KernelTypes } from './def.ts';

export type MeanTypes = KernelTypes<{ stages: PoolStages }, MeanShape>;

/** The C encoding of the stages (tt_mean_stages). */
const STAGE_CODE: Record<PoolStages, number> = { hw: 0, 'w,h': 1, 'h,w': 2 };

/** inputs [x], outputs [y]: C x H x W -> C x 1 x 1, the input's quantization kept. */
export const mean: KernelDef<'mean'> = {
  bind: (k, b) => {
    const [channels, h, w] = b.shape(k.inputs[0]);
    return { channels, h, w, zero: b.quant(k.inputs[0]).zeroPoint };
  },
  reference(k, env) {
    // Float mode (gradient checks): the same mean without its roundings, as avgpool's.
    if (!env.round) avgpoolInt8(env.buf(k.inputs[0]) as Int8Array, k.bound.channels, k.bound.h * k.bound.w, env.buf(k.outputs[0]) as Int8Array, false);
    else meanStagesInt8(env.buf(k.inputs[0]), k.bound, k.attrs.stages, env.buf(k.outputs[0]) as Int8Array);
  },
  c: {
    functions: ['tt_mean_stages', 'tt_tflite_mean'],
    emit: (k, e) => [`tt_mean_stages(${e.ptr(k.inputs[0])}, ${k.bound.channels}, ${k.bound.h}, ${k.bound.w}, ${k.bound.zero}, ${STAGE_CODE[k.attrs.stages]}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 398,
  },
  kind: 'forward',
  label: 'mean (TFLite)',
};
