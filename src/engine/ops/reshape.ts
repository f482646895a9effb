/**
 * Reshape (TFLite's RESHAPE and SQUEEZE, a flatten): the same int8 values in another C x H x W shape,
 * a view. Its output shares its input's buffer (no copy on the device; the kernel `view` emits no C)
 * and its gradient shares the output gradient's. The importer (models/from-tflite.ts) lowers only
 * reshapes that keep NCHW order's meaning: a map flattened for a FULLY_CONNECTED layer, whose
 * weights it permutes from TFLite's NHWC order, or a C x 1 x 1 vector kept as one.
 */
import { oneInt8Map } from '../ir/errors.ts';
import { numel } from '../ir/tensor.ts';
import type { OpDef } from './op.ts';

export const reshape: OpDef<'reshape'> = {
  type: 'reshape',
  outputDType: 'int8',

  inferShapes(node, inputs) {
    const x = oneInt8Map(node, inputs);
    // The output's declared shape is the reshape's; it must hold the same values.
    return [[numel(x.shape), 1, 1]];
  },

  macs() {
    return 0;
  },

  forward(_node, _g, ins, outs) {
    outs[0].set(ins[0]);
  },

  gradient(node, ctx) {
    const x = node.inputs[0];
    if (!ctx.needsGrad(x)) return;
    const gy = ctx.gradOf(node.outputs[0]);
    const gx = ctx.tensor(ctx.gradName(x), 'float32', ctx.graph.tensors[x].shape, 'gradient', gy);
    ctx.emit({ op: 'view', inputs: [gy], outputs: [gx] });
    ctx.contribute(x, gx);
  },
};
