/**
 * Channel-streamed backward of an inverted bottleneck's expansion. A depthwise conv's input gradient
 * is channel-wise, and the pw1 conv that feeds it can take its gradient one output channel at a time
 * (mask, scale, bias and weight-row updates, and its own input gradient as an accumulation). Fused,
 * the expanded gradient (e.g. 240x8x8 floats, 60 KB, in mcunet-5fps's block 10) never exists whole:
 * one channel of workspace replaces it. The arithmetic and its order are those of the unfused kernels,
 * so the result is bit-identical; pw1's input gradient uses its weights before their update, as the
 * unfused order does.
 */
import type { Graph, Node } from '../ir/graph.ts';
import { convGeom, isDepthwise } from '../ops/conv2d.ts';
import { isOp, type Kernel, type Scheduled } from '../program/types.ts';

export function fuseExpansionBackward(graph: Graph, s: Scheduled): Scheduled {
  const tensors = { ...s.tensors };
  const out = s.kernels;
  const consumers = new Map<string, number>();
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
    for (const o of n.outputs) producer.set(o, n);
  }
  if (out.some((k) => k.op === 'conv_grad_w' || k.op === 'conv_grad_b')) return s; // no fusion without reordering
  const index = new Map(out.map((k, i) => [k.name, i]));
  // Fusions touch disjoint kernels, so they are found on the original list and applied in one pass.
  const replace = new Map<number, Kernel>();
  const drop = new Set<number>();
  for (const n of graph.nodes) {
    if (n.op !== 'conv2d') continue;
    const dw = n as Node<'conv2d'>;
    const dg = convGeom(dw, graph);
    const pw = producer.get(dw.inputs[0]) as Node<'conv2d'> | undefined;
    if (!isDepthwise(dg) || !pw || pw.op !== 'conv2d' || pw.attrs.role !== 'pw1' || consumers.get(pw.outputs[0]) !== 1) continue;
    const find = (name: string) => index.get(name) ?? -1;
    const bwdX = find(`conv_bwd_x:${dw.name}`);
    const pwMask = find(`mask:${pw.name}`);
    if (bwdX < 0 || pwMask < 0) continue;
    const pwKernels = ['mask', 'channel_scale', 'conv_bwd_x', 'conv_update_w', 'conv_update_b'].map((op) => find(`${op}:${pw.name}`));
    if (pwKernels[1] < 0 || (pwKernels.some((i, j) => i >= 0 && j > 0 && i < pwMask))) continue;
    const [, , pwX, pwW, pwB] = pwKernels.map((i) => (i >= 0 ? out[i] : undefined));

    const pg = convGeom(pw, graph);
    const dwGrad = out[bwdX];
    const channels = isOp(pwW, 'conv_update_w') ? pwW.attrs.channels : 0;
    const scratch = `scratch:bwd:${pw.name}`;
    const bytes = (pg.ho * pg.wo + channels) * 4;
    tensors[scratch] = { name: scratch, dtype: 'float32', shape: [pg.ho * pg.wo + channels], bytes, category: 'scratch' };
    // The expanded gradient and its in-place successors are gone.
    const gone = new Set([dwGrad.outputs[0], out[pwMask].outputs[0], out[pwKernels[1]].outputs[0]]);
    for (const t of gone) delete tensors[t];
    const fused: Kernel = {
      name: `dw_pw_bwd:${pw.name}`, op: 'dw_pw_bwd', phase: 'backward', node: pw.name,
      inputs: [dwGrad.inputs[0], out[pwMask].inputs[1], ...(pwW ? [pwW.inputs[0]] : [])],
      outputs: [...(pwX ? [pwX.outputs[0]] : []), scratch],
      params: [dw.inputs[1], pw.inputs[1], pw.inputs[2], pw.inputs[3], ...(pwW?.params.slice(2) ?? []), ...(pwB?.params.slice(2) ?? [])],
      attrs: {
        dw: dw.name, channels, bias: !!pwB, inputGrad: !!pwX, xZero: graph.tensors[pw.inputs[0]].q!.zeroPoint,
        xScale: graph.tensors[pw.inputs[0]].q!.scale, weightMomentum: pwW?.params[2] ?? null, biasMomentum: pwB?.params[2] ?? null, scratch,
      },
    };
    replace.set(bwdX, fused);
    for (const i of pwKernels) if (i >= 0) drop.add(i);
  }
  return { kernels: out.flatMap((k, i) => (replace.has(i) ? [replace.get(i)!] : drop.has(i) ? [] : [k])), tensors };
}
