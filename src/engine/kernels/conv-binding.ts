/**
 * A conv as the kernels read it: its geometry, its input's and output's quantization and its
 * parameter names, bound once by the compiler (kernels/bind.ts), and the effective scales the int8
 * conv multiplies by, made from the bound scales and the weight scales.
 */
import type { Graph, Node } from '../ir/graph.ts';
import { convGeom } from '../ops/conv2d.ts';
import { effectiveScale } from '../quant/arith.ts';
import { addMultipliers, convMultipliers, type AddMultipliers, type ConvMultipliers } from '../quant/tflite-int.ts';
import { chainAdds, chainLayout, type ChainLayout } from '../schedule/fuse-rows.ts';
import type { ConvBinding, ExecEnv, Quant } from './def.ts';

/** The binding of conv node `node` (compile time). */
export function bindConv(g: Graph, node: Node<'conv2d'>): ConvBinding {
  const x = g.tensors[node.inputs[0]].q!, y = g.tensors[node.outputs[0]].q!;
  const [, weight, bias, wScales] = node.inputs;
  return {
    node: node.name, geom: convGeom(node, g), xScale: x.scale, xZero: x.zeroPoint, yScale: y.scale, yZero: y.zeroPoint, weight, bias, wScales,
    ...(g.requant === 'tflite' ? { requant: 'tflite' as const } : {}),
  };
}

/** x_scale * w_scale[oc] / y_scale per output channel, in float32 (as ops/conv2d.ts: convEffectiveScales). */
export function effScalesOf(c: ConvBinding, wScales: Float32Array): Float32Array {
  const out = new Float32Array(wScales.length);
  for (let oc = 0; oc < out.length; oc++) out[oc] = effectiveScale(c.xScale, wScales[oc], c.yScale);
  return out;
}

/** The effective scales of a bound conv, from the current weight scales. */
export const convEff = (c: ConvBinding, env: ExecEnv) => effScalesOf(c, env.param(c.wScales) as Float32Array);

/**
 * A conv's TFLite multipliers and shifts, made from the same float32 scales TFLite uses (the weight
 * scales are parameters, so at the call as the effective scales are), or undefined in float arithmetic.
 */
export function multipliersOf(c: ConvBinding, wScales: Float32Array): ConvMultipliers | undefined {
  return c.requant === 'tflite' ? convMultipliers(c.xScale, wScales, c.yScale) : undefined;
}

/** An add's quantization, and in TFLite's arithmetic its multipliers (bound once). */
export interface AddBinding { a: Quant; b: Quant; y: Quant; rq?: AddMultipliers }

export function bindAdd(g: Graph, add: Node): AddBinding {
  const a = quant(g, add.inputs[0]), b = quant(g, add.inputs[1]), y = quant(g, add.outputs[0]);
  return { a, b, y, ...(g.requant === 'tflite' ? { rq: addMultipliers(a.scale, b.scale, y.scale) } : {}) };
}

/** A residual add inside a chain: after stage `stage`, its skip read from source `skip` (0: the chain's input, i: stage i's input). */
export interface ChainAddBinding { stage: number; skip: number; q: AddBinding }

/** A conv chain's bound operands: its stages, its residual adds (in stage order), its ring layout. */
export interface ChainBinding {
  stages: ConvBinding[];
  adds: ChainAddBinding[];
  layout: ChainLayout;
}

const quant = (g: Graph, t: string): Quant => ({ scale: g.tensors[t].q!.scale, zeroPoint: g.tensors[t].q!.zeroPoint });

/** The binding of a fused chain of convs and its residual adds (compile time). */
export function bindChain(g: Graph, convs: Node<'conv2d'>[], adds: Node[], split: boolean[] = []): ChainBinding {
  const skips = chainAdds(convs, adds);
  if (!skips) throw new Error(`internal: the adds of chain ${convs[0].name} do not read its stages`);
  return {
    stages: convs.map((c) => bindConv(g, c)),
    adds: skips.map((a) => ({ ...a, q: bindAdd(g, adds.find((n) => n.inputs[1] === convs[a.stage].outputs[0])!) })),
    layout: chainLayout(g, convs, skips, split),
  };
}
