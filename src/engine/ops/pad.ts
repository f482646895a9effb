/**
 * Pad: int8 C x H x W -> C x (top + H + bottom) x (left + W + right), the border filled with the
 * input's zero point; the output keeps the input's quantization. It is what an imported conv becomes
 * when its padding differs before and after (TensorFlow's SAME with stride 2 on an even size pads 0
 * before and 1 after, an explicit PAD may pad anything): the pad, then the conv with padding 0
 * (models/from-tflite-graph.ts). Symmetric padding stays inside the conv. The int8 math and its C
 * twin are kernels/pad.ts (padInt8, cropFloat).
 * Backward: the input's gradient is the crop of the output gradient (the border reads no input).
 */
import { failAt, oneInt8Map } from '../ir/errors.ts';
import { padInt8 } from '../kernels/pad.ts';
import type { OpDef } from './op.ts';

/** Bound on each amount: a pad wider than the studio's largest input says nothing a model needs. */
export const MAX_PAD = 1024;

export const pad: OpDef<'pad'> = {
  type: 'pad',
  outputDType: 'int8',

  inferShapes(node, inputs) {
    const fail = (msg: string) => failAt(node, msg);
    const x = oneInt8Map(node, inputs);
    const { top, left, bottom, right } = node.attrs;
    if (![top, left, bottom, right].every((v) => Number.isInteger(v) && v >= 0 && v <= MAX_PAD)) {
      fail(`pads ${top}/${left}/${bottom}/${right} (top/left/bottom/right); each must be a whole number from 0 to ${MAX_PAD}`);
    }
    const [c, h, w] = x.shape;
    return [[c, top + h + bottom, left + w + right]];
  },

  macs() {
    return 0;
  },

  forward(node, g, ins, outs) {
    const x = g.tensors[node.inputs[0]];
    const [channels, h, w] = x.shape;
    padInt8(ins[0], { channels, h, w, zero: x.q!.zeroPoint }, node.attrs, outs[0]);
  },

  gradient(node, ctx) {
    const x = node.inputs[0];
    if (!ctx.needsGrad(x)) return;
    const { top, left, bottom, right } = node.attrs;
    const gx = ctx.tensor(ctx.gradName(x), 'float32', ctx.graph.tensors[x].shape, 'gradient');
    ctx.emit({ op: 'pad_bwd', inputs: [ctx.gradOf(node.outputs[0])], outputs: [gx], attrs: { top, left, bottom, right } });
    ctx.contribute(x, gx);
  },
};
