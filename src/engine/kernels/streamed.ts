/**
 * The channel-streamed backward kernels: dw_pw_bwd (schedule/fuse-backward.ts: a depthwise conv's
 * input gradient streamed into its pw1's backward) and block_bwd (schedule/fuse-block-backward.ts: a
 * whole inverted bottleneck's backward). The TypeScript loops are in runtime/streamed-backward.ts.
 */
import { blockBackward, blockOperands, expansionBackward, expansionOperands } from '../runtime/streamed-backward.ts';
import type { ConvBinding, KernelDef, KernelPart, KernelTypes } from './def.ts';

/** One conv's streamed backward inside a fused kernel: mask, scale, bias and weight updates, input gradient. */
function convParts(node: string, a: { bias?: boolean; channels?: number; inputGrad?: boolean }): KernelPart[] {
  const parts: KernelPart[] = [
    { kind: 'mask', label: `clamp mask of ${node}`, node },
    { kind: 'scale', label: `per-channel scale of ${node}`, node },
  ];
  if (a.bias) parts.push({ kind: 'bias', label: `bias update of ${node}`, node });
  if (a.channels) parts.push({ kind: 'weight', label: `weight update of ${node} (${a.channels} ch)`, node, weightUpdate: node });
  if (a.inputGrad) parts.push({ kind: 'input-grad', label: `input gradient of ${node}`, node });
  return parts;
}

export type DwPwBwdTypes = KernelTypes<{
  /** The depthwise conv whose input gradient is streamed into this pw1's (k.node) backward. */
  dw: string; channels: number; bias: boolean; inputGrad: boolean; xZero: number; xScale: number;
  weightMomentum: string | null; biasMomentum: string | null; scratch: string;
  /** The gradient the input gradient adds onto (as conv_bwd_x's). */
  onto?: string;
}, { dw: ConvBinding; pw: ConvBinding }>;

export const dw_pw_bwd: KernelDef<'dw_pw_bwd'> = {
  bind: (k, b) => ({ dw: b.conv(k.attrs.dw), pw: b.conv(k.node) }),
  reference(k, env) {
    expansionBackward(expansionOperands(k, env), env.buf(k.attrs.scratch) as Float32Array);
  },
  c: {
    functions: ['tt_dw_pw_bwd'],
    emit(k, e) {
      const pw = e.conv(k.node), dw = e.conv(k.attrs.dw);
      const ch = k.attrs.channels;
      const saved = ch > 0 ? e.ptr(k.inputs[2]) : 'NULL';
      const gx = k.attrs.inputGrad ? e.ptr(k.outputs[0]) : 'NULL';
      return [`tt_dw_pw_bwd(${e.ptr(k.inputs[0])}, ${e.ptr(k.inputs[1])}, ${saved}, ${gx}, ${k.attrs.onto ? 1 : 0}, ${e.ptr(k.attrs.scratch)}, ` +
        `&${dw.weight}, &${dw.geomSym}, ` +
        `&${pw.weight}, &${pw.geomSym}, ${k.attrs.bias ? pw.bias : 'NULL'}, ${pw.scales}, ${pw.eff}, ${ch}, ${k.attrs.bias ? 1 : 0}, ` +
        `${k.attrs.xZero}, ${e.f32(k.attrs.xScale)}, &tt_sgd_weight, &tt_sgd_bias, ` +
        `${e.p(k.attrs.weightMomentum)}, ${e.p(k.attrs.biasMomentum)}, ${e.wk});`];
    },
    codeBytes: 5632,
  },
  kind: 'input-grad',
  label: 'fused dw → pw1 backward',
  parts(k) {
    const a = k.attrs;
    return [
      { kind: 'input-grad', label: `input gradient of ${a.dw} (dw)`, node: a.dw },
      ...convParts(k.node, { bias: a.bias, channels: a.channels, inputGrad: a.inputGrad }),
    ];
  },
};

export type BlockBwdTypes = KernelTypes<{
  pw2: string; dwMask: string; dwSaved: string | null; dwChannels: number; dwBias: boolean; dwInputGrad: boolean;
  dwXZero: number; dwXScale: number; dwWeightMomentum: string | null; dwBiasMomentum: string | null;
  pw1: string | null; pwMask: string | null; pwSaved: string | null; channels: number; bias: boolean; inputGrad: boolean;
  xZero: number; xScale: number; weightMomentum: string | null; biasMomentum: string | null; scratch: string;
  /** The gradient pw1's input gradient adds onto (as conv_bwd_x's). */
  onto?: string;
  /**
   * pw2's output gradient is one value per channel under this clamp mask of pw2's output: v[c] where
   * bit (c, p) is set, 0 elsewhere (a global pool's backward kept per channel: schedule/pool-grad.ts).
   */
  g2Mask?: string;
}, { dw: ConvBinding; pw2: ConvBinding; pw1: ConvBinding | null }>;

export const block_bwd: KernelDef<'block_bwd'> = {
  bind: (k, b) => ({ dw: b.conv(k.node), pw2: b.conv(k.attrs.pw2), pw1: k.attrs.pw1 ? b.conv(k.attrs.pw1) : null }),
  reference(k, env) {
    blockBackward(blockOperands(k, env), env.buf(k.attrs.scratch) as Float32Array);
  },
  c: {
    functions: ['tt_block_bwd'],
    emit(k, e) {
      const a = k.attrs;
      const dw = e.conv(k.node), pw2 = e.conv(a.pw2);
      const pw = a.pw1 ? e.conv(a.pw1) : null;
      const tensor = (name: string | null) => (name ? e.ptr(name) : 'NULL');
      const dwCh = a.dwChannels, ch = a.channels;
      const gx = k.outputs.length > 1 ? e.ptr(k.outputs[0]) : 'NULL';
      const pwArgs = pw
        ? `${tensor(a.pwMask)}, ${ch > 0 ? tensor(a.pwSaved) : 'NULL'}, ${gx}, ${a.onto ? 1 : 0}, &${pw.weight}, &${pw.geomSym}, ${a.bias ? pw.bias : 'NULL'}, ` +
          `${pw.scales}, ${pw.eff}, ${ch}, ${a.bias ? 1 : 0}, ${a.xZero}, ${e.f32(a.xScale)}, ` +
          `${e.p(a.weightMomentum)}, ${e.p(a.biasMomentum)}`
        : `NULL, NULL, ${gx}, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0.0f, NULL, NULL`;
      return [`tt_block_bwd(${e.ptr(k.inputs[0])}, ${tensor(a.g2Mask ?? null)}, &${pw2.weight}, &${pw2.geomSym}, ` +
        `${tensor(a.dwMask)}, ${dwCh > 0 ? tensor(a.dwSaved) : 'NULL'}, &${dw.weight}, &${dw.geomSym}, ${a.dwBias ? dw.bias : 'NULL'}, ` +
        `${dw.scales}, ${dw.eff}, ${dwCh}, ${a.dwBias ? 1 : 0}, ${a.dwInputGrad ? 1 : 0}, ${a.dwXZero}, ${e.f32(a.dwXScale)}, ` +
        `${e.p(a.dwWeightMomentum)}, ${e.p(a.dwBiasMomentum)}, ` +
        `${pwArgs}, &tt_sgd_weight, &tt_sgd_bias, ${e.ptr(a.scratch)}, ${e.wk});`];
    },
    codeBytes: 10688,
  },
  kind: 'input-grad',
  label: 'fused block backward',
  parts(k) {
    const a = k.attrs;
    return [
      { kind: 'input-grad', label: `input gradient of ${a.pw2} (pw2)`, node: a.pw2 },
      ...convParts(k.node, { bias: a.dwBias, channels: a.dwChannels, inputGrad: a.dwInputGrad }),
      ...(a.pw1 ? convParts(a.pw1, { bias: a.bias, channels: a.channels, inputGrad: a.inputGrad }) : []),
    ];
  },
};
