/**
 * The global pool's backward kept per channel. The gradient of the last conv's output (pw2 of the last
 * inverted bottleneck) is the pooled gradient g[c] / HW broadcast over every pixel, masked by that
 * conv's clamp mask and scaled per channel: value(c, p) = bit(c, p) ? f32(f32(g[c] / HW) * eff[c]) : 0.
 * Unfused, avgpool_bwd, mask and channel_scale write it whole (C * HW floats, 7 KB on the paper's
 * schemes at 128x128) for its two readers, the block's fused backward (pw2's input gradient) and pw2's
 * bias update. Here avgpool_bwd writes one value per channel, channel_scale scales it in place, the
 * mask kernel goes, and both readers take the per-channel values with the mask (block_bwd's `g2Mask`,
 * conv_update_b's `mask`), adding v[c] where the bit is set: the unfused sums add +0 or -0 where it is
 * not, which leaves a float sum that started at +0 unchanged, so every bit is the same.
 * Runs after fuseBlockBackward; only where every reader of the gradient is one of those two.
 */
import type { Kernel, Scheduled } from '../program/types.ts';

export function compactPoolGradient(s: Scheduled): Scheduled {
  let kernels = s.kernels;
  const tensors = { ...s.tensors };
  for (const bb of s.kernels) {
    if (bb.op !== 'block_bwd' || bb.attrs.g2Mask) continue;
    const find = (pred: (k: Kernel) => boolean) => kernels.findIndex(pred);
    const g = bb.inputs[0];
    const cs = find((k) => k.op === 'channel_scale' && k.outputs[0] === g);
    if (cs < 0) continue;
    const mk = find((k) => k.op === 'mask' && k.outputs[0] === kernels[cs].inputs[0]);
    if (mk < 0) continue;
    const ap = find((k) => k.op === 'avgpool_bwd' && k.outputs[0] === kernels[mk].inputs[0] && !k.attrs.perChannel);
    if (ap < 0 || !(ap < mk && mk < cs)) continue;
    const pw2 = bb.attrs.pw2;
    const full = kernels[ap].outputs[0], masked = kernels[mk].outputs[0], maskBits = kernels[mk].inputs[1];
    const names = new Set([full, masked, g]);
    const ub = find((k) => k.op === 'conv_update_b' && k.node === pw2 && k.inputs[0] === g);
    // Any other reader (pw2's weight update, an unfused conv_bwd_x) needs the whole tensor: leave it.
    const others = kernels.some((k, i) => i !== ap && i !== mk && i !== cs && i !== ub && k !== bb &&
      [...k.inputs, ...k.outputs].some((n) => names.has(n)));
    if (others) continue;
    const t = tensors[full];
    const channels = t.shape[0];
    const shape = [channels, 1, 1];
    tensors[full] = { ...t, shape, bytes: channels * 4 };
    tensors[g] = { ...tensors[g], shape, bytes: channels * 4, aliasOf: full };
    delete tensors[masked];
    kernels = kernels.flatMap((k, i): Kernel[] => {
      if (i === mk) return [];
      if (i === ap && k.op === 'avgpool_bwd') return [{ ...k, attrs: { perChannel: true } }];
      if (i === cs) return [{ ...k, inputs: [full] }];
      if (i === ub && k.op === 'conv_update_b') return [{ ...k, inputs: [g, maskBits], attrs: { ...k.attrs, mask: maskBits } }];
      if (k === bb && k.op === 'block_bwd') return [{ ...k, inputs: [g, maskBits, ...k.inputs.slice(1)], attrs: { ...k.attrs, g2Mask: maskBits } }];
      return [k];
    });
  }
  return { kernels, tensors };
}
