/**
 * Channel-streamed backward of a whole inverted bottleneck (extends fuse-backward.ts one conv further
 * back). pw2's input gradient is, channel by channel of the expanded width, a weighted sum of pw2's
 * output-gradient channels; the depthwise conv then works channel-wise (mask, scale, bias and weight
 * updates, input gradient), and pw1 takes its gradient one output channel at a time. Fused, neither
 * expanded gradient (after pw2's transpose, after the depthwise conv) exists whole: two channel planes
 * of workspace replace them. Every sum keeps the order of the unfused kernels, so the result is
 * bit-identical; each input gradient uses the weights before their update, as unfused.
 * The kernel sits where pw2's input gradient was, before pw2's own updates.
 */
import type { Graph, Node } from '../ir/graph.ts';
import { convGeom, isDepthwise, taps } from '../ops/conv2d.ts';
import { isOp, type Kernel, type Scheduled } from '../program/types.ts';

const OPS = ['mask', 'channel_scale', 'conv_bwd_x', 'conv_update_w', 'conv_update_b'] as const;

export function fuseBlockBackward(graph: Graph, s: Scheduled): Scheduled {
  const { kernels } = s;
  if (kernels.some((k) => k.op === 'conv_grad_w' || k.op === 'conv_grad_b')) return s; // no fusion without reordering
  const tensors = { ...s.tensors };
  const consumers = new Map<string, number>();
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
    for (const o of n.outputs) producer.set(o, n);
  }
  const index = new Map(kernels.map((k, i) => [k.name, i]));
  const at = (name: string) => index.get(name) ?? -1;
  const replace = new Map<number, Kernel>();
  const drop = new Set<number>();
  for (const n of graph.nodes) {
    const pw2 = n as Node<'conv2d'>;
    if (n.op !== 'conv2d' || pw2.attrs.role !== 'pw2') continue;
    const dw = producer.get(pw2.inputs[0]) as Node<'conv2d'> | undefined;
    if (!dw || dw.op !== 'conv2d' || !isDepthwise(convGeom(dw, graph)) || consumers.get(dw.outputs[0]) !== 1) continue;
    const pw2X = at(`conv_bwd_x:${pw2.name}`);
    if (pw2X < 0) continue;
    const d = OPS.map((op) => at(`${op}:${dw.name}`));
    if (d[0] < 0 || d[1] < 0) continue;
    const [, , dX, dW, dB] = d.map((i) => (i >= 0 ? kernels[i] : undefined));
    const pw1 = producer.get(dw.inputs[0]) as Node<'conv2d'> | undefined;
    const fusePw1 = !!dX && !!pw1 && pw1.op === 'conv2d' && pw1.attrs.role === 'pw1' && consumers.get(pw1.outputs[0]) === 1 && at(`mask:${pw1.name}`) >= 0;
    const p = fusePw1 ? OPS.map((op) => at(`${op}:${pw1!.name}`)) : [];
    const [pMask, pScale, pX, pW, pB] = p.map((i) => (i >= 0 ? kernels[i] : undefined));
    // Without pw1 to stream into (block 0), the depthwise input gradient is whole anyway, and unfused
    // it can overwrite g' in place: fusing would only add workspace.
    if (dX && !fusePw1) continue;

    const dg = convGeom(dw, graph);
    const dwChannels = isOp(dW, 'conv_update_w') ? dW.attrs.channels : 0;
    const pwChannels = isOp(pW, 'conv_update_w') ? pW.attrs.channels : 0;
    const scratch = `scratch:block-bwd:${dw.name}`;
    const elems = dg.ho * dg.wo + dg.h * dg.w + Math.max(taps(dg), pwChannels);
    tensors[scratch] = { name: scratch, dtype: 'float32', shape: [elems], bytes: elems * 4, category: 'scratch' };
    // The expanded gradients and their in-place successors are gone.
    const gone = [kernels[pw2X].outputs[0], kernels[d[0]].outputs[0], kernels[d[1]].outputs[0]];
    if (fusePw1) gone.push(dX!.outputs[0], pMask!.outputs[0], pScale!.outputs[0]);
    for (const t of gone) delete tensors[t];
    const qd = graph.tensors[dw.inputs[0]].q!;
    const qp = fusePw1 ? graph.tensors[pw1!.inputs[0]].q! : null;
    const fused: Kernel = {
      name: `block_bwd:${dw.name}`, op: 'block_bwd', phase: 'backward', node: dw.name,
      inputs: [kernels[pw2X].inputs[0], kernels[d[0]].inputs[1], ...(dW ? [dW.inputs[0]] : []),
        ...(fusePw1 ? [pMask!.inputs[1], ...(pW ? [pW.inputs[0]] : [])] : [])],
      outputs: [...(fusePw1 ? (pX ? [pX.outputs[0]] : []) : dX ? [dX.outputs[0]] : []), scratch],
      params: [pw2.inputs[1], dw.inputs[1], dw.inputs[2], dw.inputs[3], ...(dW?.params.slice(2) ?? []), ...(dB?.params.slice(2) ?? []),
        ...(fusePw1 ? [pw1!.inputs[1], pw1!.inputs[2], pw1!.inputs[3], ...(pW?.params.slice(2) ?? []), ...(pB?.params.slice(2) ?? [])] : [])],
      attrs: {
        pw2: pw2.name,
        dwMask: kernels[d[0]].inputs[1], dwSaved: dW?.inputs[0] ?? null, dwChannels, dwBias: !!dB, dwInputGrad: !!dX,
        dwXZero: qd.zeroPoint, dwXScale: qd.scale, dwWeightMomentum: dW?.params[2] ?? null, dwBiasMomentum: dB?.params[2] ?? null,
        pw1: fusePw1 ? pw1!.name : null, pwMask: pMask?.inputs[1] ?? null, pwSaved: pW?.inputs[0] ?? null, channels: pwChannels,
        bias: !!pB, inputGrad: !!pX, xZero: qp?.zeroPoint ?? 0, xScale: qp?.scale ?? 0,
        weightMomentum: pW?.params[2] ?? null, biasMomentum: pB?.params[2] ?? null, scratch,
      },
    };
    replace.set(pw2X, fused);
    for (const i of [...d, ...p]) if (i >= 0) drop.add(i);
  }
  return { kernels: kernels.flatMap((k, i) => (replace.has(i) ? [replace.get(i)!] : drop.has(i) ? [] : [k])), tensors };
}
