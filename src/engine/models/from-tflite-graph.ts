/**
 * Lowers an int8 `.tflite` that is not of the inverted-bottleneck family onto a general graph: any
 * DAG of convs (CONV_2D, DEPTHWISE_CONV_2D with depth multiplier 1), ADD, MAX_POOL_2D, a global
 * AVERAGE_POOL_2D or MEAN, RESHAPE/SQUEEZE (a flatten, lowered as a view), CONCATENATION along
 * channels and FULLY_CONNECTED layers (inside the graph a 1x1 conv on an N x 1 x 1 map, role 'fc';
 * the one producing the logits is the head, 'classifier'). QUANTIZE at the input, PAD folded into
 * the following conv where the padding comes out the same before and after, and SOFTMAX/LOG_SOFTMAX/
 * DEQUANTIZE/reshapes after the logits (replaced by the training loss) are accepted. Kernels may be
 * non-square (kh x kw, a keyword-spotting stem's 10x4), each axis with its own padding. An axis whose
 * padding (SAME, or a PAD's with its own) differs before and after goes into an explicit pad graph op
 * (ops/pad.ts) and the conv pads it 0 (a 10x4 SAME stride 2 on 49x10: rows 4 and 5 padded by the op,
 * columns 1 and 1 by the conv); so does a PAD read by anything but a conv. Every conv gets a convIndex
 * in the file's operator order, so schemes name layers by the graph's own indices; nodes carry no
 * `block` (the UI lays the DAG out by node).
 *
 * What the IR cannot say is refused in one sentence naming the operator: strides that differ between
 * rows and columns, non-square max-pool windows, a fused activation that is not the int8 clamp, a
 * requantizing pool or concatenation, a reshape that is not a flatten.
 */
import { convAttrs, type Conv2dAttrs, type ConvWindow, type Graph, type Model, type Node, type PadAttrs, type ParamStore } from '../ir/graph.ts';
import { summarize } from '../ir/summary.ts';
import { tensorBytes, type QParams, type Tensor } from '../ir/tensor.ts';
import { validateGraph } from '../ir/validate.ts';
import { within } from '../input-error.ts';
import { ModelFileError } from '../io/errors.ts';
import { ARCH_LIMITS, checkActivationQuant, checkWeightScales, MAX_NAME_CHARS } from '../limits.ts';
import { convOutSize } from '../ops/conv2d.ts';
import { MAX_PAD } from '../ops/pad.ts';
import { activationRange } from '../tflite-kernels/lower.ts';
import { windowOutSize, windowPadBefore } from '../tflite/geometry.ts';
import { int32Data, int8Data, numElements, opLabel, tensorLabel, type FusedActivation, type ImportedModel, type ImportedOp, type ImportedTensor, type OpOf } from '../tflite/model.ts';
import type { HeadKind } from './build.ts';
import { setHeadParams } from './file-head.ts';
import { addGeneralHead } from './general-head.ts';

export interface GeneralOptions {
  resolution?: number;
  classes?: number;
  head?: HeadKind;
}

function fail(msg: string): never {
  throw new ModelFileError(msg);
}

/**
 * A conv's weights from TFLite's layout (conv [O, KH, KW, I], depthwise [1, KH, KW, C]) into the
 * IR's [O, I/groups, KH, KW].
 */
export function weightsToOihw(src: Int8Array, depthwise: boolean, cout: number, cin: number, kh: number, kw: number): Int8Array {
  const cpg = depthwise ? 1 : cin;
  const weight = new Int8Array(cout * cpg * kh * kw);
  for (let oc = 0; oc < cout; oc++) {
    for (let ic = 0; ic < cpg; ic++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          weight[((oc * cpg + ic) * kh + ky) * kw + kx] = depthwise ? src[(ky * kw + kx) * cout + oc] : src[((oc * kh + ky) * kw + kx) * cin + ic];
        }
      }
    }
  }
  return weight;
}

/** An IR tensor standing for a file tensor. `perm`: a flattened map's IR element i is the file's element perm[i] (NHWC order). */
interface Lowered { name: string; perm?: Int32Array }

const sameQ = (a: QParams, b: QParams) => Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint;

/** The ops allowed after the logits: the training loss replaces them. */
const AFTER_LOGITS = new Set(['SOFTMAX', 'LOG_SOFTMAX', 'DEQUANTIZE', 'RESHAPE', 'SQUEEZE']);

/**
 * What the IR cannot say, op by op, before lowering: each kind of problem with how many operators
 * have it and the first one. Structural problems (what reads what) are left to the lowering, which
 * names the first operator it cannot place.
 */
function inexpressible(m: ImportedModel, tail: Set<ImportedOp>): string[] {
  const groups = new Map<string, { count: number; first: string }>();
  const note = (op: ImportedOp, what: string, detail: string) => {
    const key = `${op.kind} ${what}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { count: 1, first: `${opLabel(m, op)}: ${detail}` });
  };
  const T = (i: number) => m.tensors[i];
  const clamp = (op: ImportedOp, act: FusedActivation, y: ImportedTensor | undefined) => {
    if (act === 'NONE' || !y?.quant || y.quant.scales.length !== 1) return;
    const r = activationRange(act, y);
    if (r.actMin !== -128 || r.actMax !== 127) note(op, `with a fused ${act} that is not the int8 clamp`, `clamps to [${r.actMin}, ${r.actMax}]`);
  };
  for (const op of m.ops) {
    if (tail.has(op)) continue;
    const x = T(op.inputs[0]);
    if (op.kind === 'CONV_2D' || op.kind === 'DEPTHWISE_CONV_2D') {
      const w = T(op.inputs[1]), o = op.options;
      if (o.strideH !== o.strideW) note(op, 'with unequal strides', `strides ${o.strideH}x${o.strideW}`);
      if (o.dilationH !== 1 || o.dilationW !== 1) note(op, 'that is dilated', `dilation ${o.dilationH}x${o.dilationW}`);
      if (op.kind === 'DEPTHWISE_CONV_2D' && op.options.depthMultiplier !== 1) note(op, 'with a depth multiplier other than 1', `depth multiplier ${op.options.depthMultiplier}`);
      if (w?.quant?.zeroPoints.some((z) => z !== 0)) note(op, 'with asymmetric weights', 'a weight zero point other than 0');
      clamp(op, o.activation, T(op.outputs[0]));
    } else if (op.kind === 'MAX_POOL_2D' || op.kind === 'AVERAGE_POOL_2D') {
      const o = op.options;
      if (op.kind === 'AVERAGE_POOL_2D' && x?.shape.length === 4 && (o.filterH !== x.shape[1] || o.filterW !== x.shape[2] || o.padding !== 'VALID')) {
        note(op, 'that is not a global pool', `a ${o.filterH}x${o.filterW} window on a ${x.shape[1]}x${x.shape[2]} map`);
      }
      if (op.kind === 'MAX_POOL_2D' && (o.filterH !== o.filterW || o.strideH !== o.strideW)) note(op, 'with a non-square window or strides', `a ${o.filterH}x${o.filterW} window, strides ${o.strideH}x${o.strideW}`);
      clamp(op, o.activation, T(op.outputs[0]));
    } else if (op.kind === 'CONCATENATION') {
      const rank = T(op.outputs[0])?.shape.length ?? 0;
      const axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
      if (rank !== 4 || axis !== 3) note(op, 'along another axis than channels', `axis ${op.options.axis} of a rank-${rank} tensor`);
      clamp(op, op.options.activation, T(op.outputs[0]));
    } else if (op.kind === 'ADD') {
      clamp(op, op.options.activation, T(op.outputs[0]));
    } else if (op.kind === 'TRANSPOSE') {
      note(op, 'inside a general graph', 'a transpose (the studio takes one only before the pool of an inverted-bottleneck model)');
    } else if (op.kind === 'QUANTIZE' && op !== m.ops[0]) {
      note(op, 'inside the graph', 'a requantization (QUANTIZE is taken at the input only)');
    } else if (op.kind === 'SOFTMAX' || op.kind === 'LOG_SOFTMAX' || op.kind === 'DEQUANTIZE') {
      note(op, 'before the logits', `${op.kind} may only follow the logits`);
    }
  }
  return [...groups].map(([key, g]) => `${g.count === 1 ? 'one' : g.count} ${key} (${g.count === 1 ? '' : 'first '}${g.first})`);
}

/** The architecture bounds the family's models are held to (limits.ts ARCH_LIMITS), for a general graph: sizes, parameters and MACs. */
export function checkGeneralBounds(g: Graph): void {
  const [, h, w] = g.tensors[g.input].shape;
  if (h > ARCH_LIMITS.resolution.max || w > ARCH_LIMITS.resolution.max) fail(`the input is ${h}x${w}; at most ${ARCH_LIMITS.resolution.max}x${ARCH_LIMITS.resolution.max}`);
  let acts = 0, params = 0;
  for (const t of Object.values(g.tensors)) {
    const bytes = tensorBytes(t);
    if (t.kind === 'activation') {
      if (bytes > ARCH_LIMITS.activationBytes) fail(`the activation "${t.name}" (${t.shape.join('x')}) takes ${bytes.toLocaleString('en-US')} bytes, more than the ${ARCH_LIMITS.activationBytes.toLocaleString('en-US')} any activation may`);
      acts += bytes;
    } else if (t.kind === 'weight' || t.kind === 'bias' || t.kind === 'scales') params += bytes;
  }
  if (acts > ARCH_LIMITS.activationsBytes) fail(`the activations take ${acts.toLocaleString('en-US')} bytes together, more than ${ARCH_LIMITS.activationsBytes.toLocaleString('en-US')}`);
  if (params > ARCH_LIMITS.paramBytes) fail(`the parameters take ${params.toLocaleString('en-US')} bytes, more than ${ARCH_LIMITS.paramBytes.toLocaleString('en-US')}`);
  const macs = summarize(g).totalMacs;
  if (macs > ARCH_LIMITS.macs) fail(`one forward pass takes ${macs.toLocaleString('en-US')} multiply-accumulates, more than ${ARCH_LIMITS.macs.toLocaleString('en-US')}`);
}

export function lowerGeneral(m: ImportedModel, name: string, opts: GeneralOptions): Model {
  const T = (i: number) => m.tensors[i];
  const refuse: (op: ImportedOp, what: string) => never = (op, what) => fail(`${opLabel(m, op)} ${what}`);
  const qOf = (t: ImportedTensor, where: string): QParams => {
    if (t.dtype !== 'int8' || !t.quant || t.quant.scales.length !== 1) fail(`${where}: ${tensorLabel(t)} must be an int8 tensor with one scale and zero point`);
    return within(`${where}: ${tensorLabel(t)}`, () => checkActivationQuant('quantization', { scale: t.quant!.scales[0], zeroPoint: t.quant!.zeroPoints[0] }));
  };
  const constInts = (op: ImportedOp, input: number, what: string): Int32Array => {
    const t = T(op.inputs[input]);
    if (!t || t.dtype !== 'int32' || !t.data) refuse(op, `: its ${what} must be a constant int32 tensor`);
    return int32Data(t);
  };
  const clampOnly = (op: ImportedOp, act: FusedActivation, y: ImportedTensor) => {
    const r = activationRange(act, y);
    if (r.actMin !== -128 || r.actMax !== 127) {
      refuse(op, `clamps its output to [${r.actMin}, ${r.actMax}] (fused ${act}); the studio's int8 ops clamp to [-128, 127] only, so a ReLU must coincide with the output's zero point -128 (and ReLU6 with a scale of at most 6/254.5)`);
    }
  };

  if (m.inputs.length !== 1 || m.outputs.length !== 1) fail(`the model has ${m.inputs.length} inputs and ${m.outputs.length} outputs; the studio trains models with one image input and one output`);
  const inT = T(m.inputs[0]);
  if (inT.shape.length !== 4 || inT.shape[0] !== 1) fail(`the input ${tensorLabel(inT)} has shape [${inT.shape.join(', ')}]; an image input is [1, height, width, channels]`);
  const [, fileH, fileW, inChannels] = inT.shape;
  if (inChannels > ARCH_LIMITS.inChannels.max) fail(`the input has ${inChannels} channels; the studio's images have at most ${ARCH_LIMITS.inChannels.max}`);
  if (opts.resolution !== undefined && opts.resolution !== fileH) {
    fail(`the model's graph is fixed to its ${fileH}x${fileW} input (it is not of the inverted-bottleneck family, whose size can change); it cannot open at ${opts.resolution}x${opts.resolution}`);
  }

  // The logits: walk back from the output over what the loss replaces.
  const producer = new Map<number, ImportedOp>();
  const readers = new Map<number, number>();
  for (const op of m.ops) {
    for (const o of op.outputs) producer.set(o, op);
    for (const i of op.inputs) if (i >= 0) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  let logitsT = m.outputs[0];
  const skipped = new Set<ImportedOp>();
  for (let op = producer.get(logitsT); op && AFTER_LOGITS.has(op.kind); op = producer.get(logitsT)) {
    skipped.add(op);
    logitsT = op.inputs[0];
  }
  const problems = inexpressible(m, skipped);
  if (problems.length) fail(`the studio cannot train this graph: ${problems.join('; ')}`);
  const headOp = producer.get(logitsT);
  if (!headOp || (headOp.kind !== 'FULLY_CONNECTED' && headOp.kind !== 'CONV_2D')) {
    fail(`the model's logits ${tensorLabel(T(logitsT))} do not come from a FULLY_CONNECTED layer (or a 1x1 conv on pooled features), the head the studio trains`);
  }

  const tensors: Record<string, Tensor> = {};
  const nodes: Node[] = [];
  const params: ParamStore = {};
  const lowered = new Map<number, Lowered>();
  /** PAD outputs: the padded tensor and the amounts, for the conv that reads them (or a pad node, for anything else). */
  const pads = new Map<number, { op: ImportedOp; src: number } & PadAttrs>();
  const addTensor = (t: Tensor) => (tensors[t.name] = t).name;
  const shapeOf = (l: Lowered) => tensors[l.name].shape;
  const noPerm = (op: ImportedOp, l: Lowered) => {
    if (l.perm) refuse(op, 'reads a flattened map as if it were not flattened; only a FULLY_CONNECTED layer may read one');
  };
  /** An explicit pad node (named after the operator it stands for) of x. */
  const padNode = (op: ImportedOp, x: Lowered, a: PadAttrs): Lowered => {
    noPerm(op, x);
    const [c, h, w] = shapeOf(x);
    const nodeName = `pad${op.index}`;
    const y = addTensor({ name: `${nodeName}.out`, kind: 'activation', shape: [c, a.top + h + a.bottom, a.left + w + a.right], dtype: 'int8', q: tensors[x.name].q });
    nodes.push({ name: nodeName, op: 'pad', inputs: [x.name], outputs: [y], attrs: { top: a.top, left: a.left, bottom: a.bottom, right: a.right } } as Node<'pad'>);
    return { name: y };
  };
  const get = (op: ImportedOp, i: number): Lowered => {
    const t = op.inputs[i];
    let l = lowered.get(t);
    const p = pads.get(t);
    if (!l && p) {
      // A PAD read by anything but a conv (or by a conv that cannot fold it): the pad node, made once.
      l = padNode(p.op, lowered.get(p.src)!, p);
      lowered.set(t, l);
    }
    if (!l) refuse(op, `reads ${tensorLabel(T(t))}, which the studio does not compute (a constant or a tensor of an op it dropped)`);
    return l;
  };

  // The input, through an optional QUANTIZE.
  let inputTensor = m.inputs[0];
  const first = m.ops[0];
  if (first?.kind === 'QUANTIZE' && first.inputs[0] === inputTensor) {
    inputTensor = first.outputs[0];
    skipped.add(first);
  }
  const inputQ = qOf(T(inputTensor), 'the input');
  addTensor({ name: 'input', kind: 'input', shape: [inChannels, fileH, fileW], dtype: 'int8', q: inputQ });
  lowered.set(inputTensor, { name: 'input' });

  let convIndex = 0;
  /** A flatten of a map (H x W > 1) for a FULLY_CONNECTED layer, as a view; the permutation says where NHWC's elements went. */
  const flatten = (op: ImportedOp, l: Lowered): Lowered => {
    const [c, h, w] = shapeOf(l);
    if (h === 1 && w === 1) return l;
    noPerm(op, l);
    const nodeName = `flatten${op.index}`;
    const out = addTensor({ name: `${nodeName}.out`, kind: 'activation', shape: [c * h * w, 1, 1], dtype: 'int8', q: tensors[l.name].q });
    nodes.push({ name: nodeName, op: 'reshape', inputs: [l.name], outputs: [out], attrs: {} } as Node<'reshape'>);
    // IR (CHW) element i = ch * h * w + y * w + x is the file's (NHWC) element (y * w + x) * c + ch.
    const perm = new Int32Array(c * h * w);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) perm[ch * h * w + p] = p * c + ch;
    return { name: out, perm };
  };
  const conv = (op: ImportedOp, x: Lowered, o: { cout: number; cin: number; win: ConvWindow; stride: number; groups: number; role: Conv2dAttrs['role'] },
    weight: Int8Array, bias: Int32Array, wScales: Float32Array, yT: ImportedTensor): Lowered => {
    const nodeName = o.role === 'classifier' ? 'classifier' : `conv${convIndex}`;
    const [, h, w] = shapeOf(x);
    const { kh, kw, ph, pw } = o.win;
    const out = addTensor({
      name: `${nodeName}.out`, kind: o.role === 'classifier' ? 'output' : 'activation',
      shape: [o.cout, convOutSize(h, kh, o.stride, ph), convOutSize(w, kw, o.stride, pw)], dtype: 'int8', q: qOf(yT, opLabel(m, op)),
    });
    const wName = addTensor({ name: `${nodeName}.weight`, kind: 'weight', shape: [o.cout, o.cin / o.groups, kh, kw], dtype: 'int8' });
    const bName = addTensor({ name: `${nodeName}.bias`, kind: 'bias', shape: [o.cout], dtype: 'int32' });
    const sName = addTensor({ name: `${nodeName}.w_scales`, kind: 'scales', shape: [o.cout], dtype: 'float32' });
    const attrs = convAttrs(o.win, o.stride, o.groups, o.role);
    if (o.role !== 'classifier') attrs.convIndex = convIndex++;
    nodes.push({ name: nodeName, op: 'conv2d', inputs: [x.name, wName, bName, sName], outputs: [out], attrs } as Node<'conv2d'>);
    params[wName] = weight;
    params[bName] = bias;
    params[sName] = wScales;
    return { name: out };
  };
  /** A FULLY_CONNECTED's (or a 1x1 conv's on a 1 x 1 map) weights as [units, depth] in the IR's input order, its biases and scales. */
  const denseParams = (op: OpOf<'FULLY_CONNECTED'> | OpOf<'CONV_2D'>, x: Lowered) => {
    const wT = T(op.inputs[1]);
    const depth = shapeOf(x)[0];
    const shapeOk = op.kind === 'CONV_2D' ? wT.shape.length === 4 && wT.shape[1] === 1 && wT.shape[2] === 1 && wT.shape[3] === depth : wT.shape.length === 2 && wT.shape[1] === depth;
    if (!wT.data || wT.dtype !== 'int8' || !wT.quant || !shapeOk) refuse(op, `needs constant int8 weights of shape [units, ${depth}]`);
    if (wT.quant.zeroPoints.some((z) => z !== 0)) refuse(op, 'has asymmetric weights (a weight zero point other than 0)');
    const units = wT.shape[0];
    if (wT.quant.scales.length !== 1 && wT.quant.scales.length !== units) refuse(op, `has ${wT.quant.scales.length} weight scales for ${units} units`);
    const src = int8Data(wT);
    const weight = new Int8Array(units * depth);
    for (let u = 0; u < units; u++) for (let i = 0; i < depth; i++) weight[u * depth + i] = src[u * depth + (x.perm ? x.perm[i] : i)];
    const bias = op.inputs[2] === -1 || op.inputs[2] === undefined ? new Int32Array(units) : constInts(op, 2, 'bias');
    if (bias.length !== units) refuse(op, `has ${bias.length} biases for ${units} units`);
    const wScales = Float32Array.from({ length: units }, (_, u) => wT.quant!.scales[wT.quant!.scales.length === 1 ? 0 : u]);
    within(opLabel(m, op), () => checkWeightScales('weight scale', wScales));
    return { weight, bias, wScales, units, depth };
  };

  let headInput: Lowered | null = null;
  let head: ReturnType<typeof denseParams> | null = null;
  for (const op of m.ops) {
    if (skipped.has(op)) continue;
    const out = op.outputs[0];
    if (op !== headOp && !readers.get(out)) refuse(op, 'writes a tensor nothing reads; the studio trains graphs whose every branch reaches the logits');
    switch (op.kind) {
      case 'PAD': {
        if (!lowered.has(op.inputs[0]) && !pads.has(op.inputs[0])) refuse(op, 'pads something other than a computed activation');
        noPerm(op, get(op, 0));
        const p = constInts(op, 1, 'paddings');
        if (T(op.inputs[1]).shape.join() !== '4,2') refuse(op, 'needs paddings of shape [4, 2]');
        if (p[0] || p[1] || p[6] || p[7]) refuse(op, 'pads the batch or channel dimension');
        if (![p[2], p[3], p[4], p[5]].every((v) => v >= 0 && v <= MAX_PAD)) refuse(op, `pads [${Array.from(p).join(', ')}]; each amount must be from 0 to ${MAX_PAD}`);
        if (!sameQ(qOf(T(op.inputs[0]), opLabel(m, op)), qOf(T(out), opLabel(m, op)))) refuse(op, 'changes the quantization');
        pads.set(out, { op, src: op.inputs[0], top: p[2], bottom: p[3], left: p[4], right: p[5] });
        break;
      }
      case 'CONV_2D':
      case 'DEPTHWISE_CONV_2D': {
        if (op === headOp) {
          headInput = get(op, 0);
          head = denseParams(op as OpOf<'CONV_2D'>, headInput);
          const [, hh, hw] = shapeOf(headInput);
          if (hh !== 1 || hw !== 1) refuse(op, 'computes the logits but is not a 1x1 conv on pooled features');
          break;
        }
        const pad = pads.get(op.inputs[0]) ?? { src: op.inputs[0], top: 0, left: 0, bottom: 0, right: 0 };
        const x = lowered.get(pad.src);
        if (!x) refuse(op, `reads ${tensorLabel(T(pad.src))}, which the studio does not compute`);
        // A 1x1 conv on a flattened map is a FULLY_CONNECTED (the studio's own export writes it so): its input channels permuted below.
        if (x.perm && !(T(op.inputs[1]).shape[1] === 1 && T(op.inputs[1]).shape[2] === 1 && shapeOf(x)[1] === 1 && shapeOf(x)[2] === 1 && pad.src === op.inputs[0])) noPerm(op, x);
        const xT = T(op.inputs[0]), wT = T(op.inputs[1]), yT = T(out);
        const o = op.options;
        const depthwise = op.kind === 'DEPTHWISE_CONV_2D';
        if (o.dilationH !== 1 || o.dilationW !== 1) refuse(op, 'is dilated');
        if (o.strideH !== o.strideW) refuse(op, `has strides ${o.strideH}x${o.strideW}; the studio's convs stride the same both ways`);
        const [, kh, kw] = wT.shape;
        const stride = o.strideH;
        const [, inH, inW] = shapeOf(x);
        const [, hp, wp, cin] = xT.shape;
        const beforeH = pad.top + windowPadBefore(hp, kh, stride, 1, o.padding), beforeW = pad.left + windowPadBefore(wp, kw, stride, 1, o.padding);
        const outH = windowOutSize(hp, kh, stride, 1, o.padding), outW = windowOutSize(wp, kw, stride, 1, o.padding);
        if (hp !== inH + pad.top + pad.bottom || wp !== inW + pad.left + pad.right) refuse(op, `reads a ${hp}x${wp} map where the studio computes ${inH + pad.top + pad.bottom}x${inW + pad.left + pad.right}`);
        if (yT.shape[1] !== outH || yT.shape[2] !== outW) refuse(op, `writes a ${yT.shape[1]}x${yT.shape[2]} output where its ${kh}x${kw} window of stride ${stride} on a ${hp}x${wp} map gives ${outH}x${outW}`);
        if (kh > ARCH_LIMITS.kernel || kw > ARCH_LIMITS.kernel) refuse(op, `has a ${kh}x${kw} kernel; at most ${ARCH_LIMITS.kernel} rows and columns`);
        // Each axis on its own: its padding folds into the conv where the same amount before and after
        // gives the output; otherwise (TensorFlow's SAME with stride 2 on an even size: 0 before, 1
        // after; a 10-row kernel's SAME: 4 and 5) the axis is padded by an explicit pad of what the
        // windows read and the conv pads it 0. A window never reads past the padded map, so the rows it
        // drops at the end are left out.
        const foldH = convOutSize(inH, kh, stride, beforeH) === outH, foldW = convOutSize(inW, kw, stride, beforeW) === outW;
        const win: ConvWindow = { kh, kw, ph: foldH ? beforeH : 0, pw: foldW ? beforeW : 0 };
        let src = x;
        if (!foldH || !foldW) {
          const afterH = foldH ? 0 : Math.max(0, (outH - 1) * stride + kh - inH - beforeH), afterW = foldW ? 0 : Math.max(0, (outW - 1) * stride + kw - inW - beforeW);
          src = padNode(op, x, { top: foldH ? 0 : beforeH, left: foldW ? 0 : beforeW, bottom: afterH, right: afterW });
          const [, paddedH, paddedW] = shapeOf(src);
          if (convOutSize(paddedH, kh, stride, win.ph) !== outH || convOutSize(paddedW, kw, stride, win.pw) !== outW) {
            refuse(op, `pads its ${inH}x${inW} map to ${paddedH}x${paddedW}, which does not give its ${outH}x${outW} output`);
          }
        }
        clampOnly(op, o.activation, yT);
        const cout = yT.shape[3];
        if (depthwise && ((o as OpOf<'DEPTHWISE_CONV_2D'>['options']).depthMultiplier !== 1 || cout !== cin)) refuse(op, 'is a depthwise conv with a depth multiplier other than 1');
        if (!wT.data || wT.dtype !== 'int8' || !wT.quant) refuse(op, 'needs constant int8 weights');
        const wq = wT.quant;
        if (wq.zeroPoints.some((z) => z !== 0)) refuse(op, 'has asymmetric weights (a weight zero point other than 0)');
        const perChannel = wq.scales.length === cout;
        if (!perChannel && wq.scales.length !== 1) refuse(op, `has ${wq.scales.length} weight scales for ${cout} output channels`);
        const wScales = Float32Array.from({ length: cout }, (_, c) => wq.scales[perChannel ? c : 0]);
        within(opLabel(m, op), () => checkWeightScales('weight scale', wScales));
        const bias = op.inputs[2] === -1 || op.inputs[2] === undefined ? new Int32Array(cout) : constInts(op, 2, 'bias');
        if (bias.length !== cout) refuse(op, `has ${bias.length} biases for ${cout} output channels`);
        if (cout > ARCH_LIMITS.channels) refuse(op, `has ${cout} channels; at most ${ARCH_LIMITS.channels}`);
        let weight = weightsToOihw(int8Data(wT), depthwise, cout, cin, kh, kw);
        if (x.perm && !depthwise) {
          const src = weight;
          weight = new Int8Array(src.length);
          for (let oc = 0; oc < cout; oc++) for (let i = 0; i < cin; i++) weight[oc * cin + i] = src[oc * cin + x.perm[i]];
        }
        if (x.perm && depthwise) noPerm(op, x);
        lowered.set(out, conv(op, src, { cout, cin, win, stride, groups: depthwise ? cin : 1, role: kh === 1 && kw === 1 && inH === 1 && inW === 1 && !depthwise ? 'fc' : 'conv' }, weight, bias, wScales, yT));
        break;
      }
      case 'FULLY_CONNECTED': {
        if (op.options.keepNumDims) refuse(op, 'keeps its input\'s dimensions');
        const x = flatten(op, get(op, 0));
        if (op === headOp) {
          if (op.options.activation !== 'NONE') refuse(op, `has a fused ${op.options.activation}; the training loss needs the raw logits`);
          headInput = x;
          head = denseParams(op, x);
          break;
        }
        const d = denseParams(op, x);
        clampOnly(op, op.options.activation, T(out));
        lowered.set(out, conv(op, x, { cout: d.units, cin: d.depth, win: { kh: 1, kw: 1, ph: 0, pw: 0 }, stride: 1, groups: 1, role: 'fc' }, d.weight, d.bias, d.wScales, T(out)));
        break;
      }
      case 'ADD': {
        const a = get(op, 0), b = get(op, 1);
        noPerm(op, a);
        noPerm(op, b);
        if (shapeOf(a).join() !== shapeOf(b).join()) refuse(op, `adds tensors of shapes ${shapeOf(a).join('x')} and ${shapeOf(b).join('x')} (the studio adds equal shapes, no broadcasting)`);
        clampOnly(op, op.options.activation, T(out));
        const nodeName = `add${op.index}`;
        const y = addTensor({ name: `${nodeName}.out`, kind: 'activation', shape: shapeOf(a).slice(), dtype: 'int8', q: qOf(T(out), opLabel(m, op)) });
        nodes.push({ name: nodeName, op: 'add', inputs: [a.name, b.name], outputs: [y], attrs: {} } as Node<'add'>);
        lowered.set(out, { name: y });
        break;
      }
      case 'MAX_POOL_2D':
      case 'AVERAGE_POOL_2D': {
        const x = get(op, 0);
        noPerm(op, x);
        const o = op.options;
        const xq = qOf(T(op.inputs[0]), opLabel(m, op));
        if (!sameQ(xq, qOf(T(out), opLabel(m, op)))) refuse(op, 'changes the quantization (the studio\'s pools keep their input\'s)');
        clampOnly(op, o.activation, T(out));
        const [c, h, w] = shapeOf(x);
        const nodeName = `${op.kind === 'MAX_POOL_2D' ? 'maxpool' : 'pool'}${op.index}`;
        if (op.kind === 'AVERAGE_POOL_2D') {
          if (o.filterH !== h || o.filterW !== w || o.padding !== 'VALID') refuse(op, `is not a global average pool over the whole ${h}x${w} map (the only average pool the studio has)`);
          const y = addTensor({ name: `${nodeName}.out`, kind: 'activation', shape: [c, 1, 1], dtype: 'int8', q: xq });
          nodes.push({ name: nodeName, op: 'avgpool', inputs: [x.name], outputs: [y], attrs: { stages: 'hw' } } as Node<'avgpool'>);
          lowered.set(out, { name: y });
          break;
        }
        if (o.filterH !== o.filterW || o.strideH !== o.strideW) refuse(op, `has a ${o.filterH}x${o.filterW} window with strides ${o.strideH}x${o.strideW}; the studio's max-pools are square`);
        const k = o.filterH, stride = o.strideH;
        const ph = windowPadBefore(h, k, stride, 1, o.padding), pw = windowPadBefore(w, k, stride, 1, o.padding);
        const outH = windowOutSize(h, k, stride, 1, o.padding), outW = windowOutSize(w, k, stride, 1, o.padding);
        const pOut = (n: number) => Math.floor((n + 2 * ph - k) / stride) + 1;
        if (ph !== pw || ph >= k || pOut(h) !== outH || pOut(w) !== outW) refuse(op, `pads ${ph} rows and ${pw} columns before its ${k}x${k} window; the studio's max-pool pads the same on every side`);
        const y = addTensor({ name: `${nodeName}.out`, kind: 'activation', shape: [c, outH, outW], dtype: 'int8', q: xq });
        nodes.push({ name: nodeName, op: 'maxpool', inputs: [x.name], outputs: [y], attrs: { kernel: k, stride, pad: ph } } as Node<'maxpool'>);
        lowered.set(out, { name: y });
        break;
      }
      case 'MEAN': {
        const x = get(op, 0);
        noPerm(op, x);
        const axes = Array.from(constInts(op, 1, 'axes')).map((a) => (a < 0 ? a + 4 : a)).sort().join();
        if (axes !== '1,2') refuse(op, 'is not a mean over both spatial dimensions at once (the global pool the studio has for general graphs)');
        const xq = qOf(T(op.inputs[0]), opLabel(m, op));
        if (!sameQ(xq, qOf(T(out), opLabel(m, op)))) refuse(op, 'changes the quantization (the studio\'s pool keeps its input\'s)');
        const nodeName = `pool${op.index}`;
        const y = addTensor({ name: `${nodeName}.out`, kind: 'activation', shape: [shapeOf(x)[0], 1, 1], dtype: 'int8', q: xq });
        nodes.push({ name: nodeName, op: 'avgpool', inputs: [x.name], outputs: [y], attrs: { stages: 'hw' } } as Node<'avgpool'>);
        lowered.set(out, { name: y });
        break;
      }
      case 'RESHAPE':
      case 'SQUEEZE': {
        const x = get(op, 0);
        if (!sameQ(qOf(T(op.inputs[0]), opLabel(m, op)), qOf(T(out), opLabel(m, op)))) refuse(op, 'changes the quantization');
        const s = T(out).shape;
        const n = numElements(s);
        // A flatten ([1, N] or [1, 1, 1, N]); anything else would reorder a map.
        const flat = (s.length === 2 && s[0] === 1) || (s.length === 4 && s[0] === 1 && s[1] === 1 && s[2] === 1);
        if (!flat || n !== numElements(shapeOf(x))) refuse(op, `reshapes to [${s.join(', ')}]; the studio lowers a flatten to [1, N] only`);
        lowered.set(out, flatten(op, x));
        break;
      }
      case 'CONCATENATION': {
        const xs = op.inputs.map((_, i) => get(op, i));
        const rank = T(out).shape.length;
        const axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
        if (rank !== 4 || axis !== 3) refuse(op, `concatenates along axis ${op.options.axis}; the studio concatenates channels (axis 3 of NHWC)`);
        clampOnly(op, op.options.activation, T(out));
        const yq = qOf(T(out), opLabel(m, op));
        op.inputs.forEach((i) => {
          if (!sameQ(qOf(T(i), opLabel(m, op)), yq)) refuse(op, `has an input (${tensorLabel(T(i))}) whose scale and zero point differ from its output's; TFLite's int8 concatenation shares one quantization`);
        });
        xs.forEach((x) => noPerm(op, x));
        const [, h, w] = shapeOf(xs[0]);
        const nodeName = `concat${op.index}`;
        const y = addTensor({ name: `${nodeName}.out`, kind: 'activation', shape: [xs.reduce((c, x) => c + shapeOf(x)[0], 0), h, w], dtype: 'int8', q: yq });
        nodes.push({ name: nodeName, op: 'concat', inputs: xs.map((x) => x.name), outputs: [y], attrs: {} } as Node<'concat'>);
        lowered.set(out, { name: y });
        break;
      }
      default:
        refuse(op, op.kind === 'QUANTIZE' ? 'requantizes inside the graph; the studio takes QUANTIZE at the input only' : `is not an operator the studio lowers inside a general graph (${op.kind} may only ${AFTER_LOGITS.has(op.kind) ? 'follow the logits' : 'appear in a model of the inverted-bottleneck family'})`);
    }
  }
  if (!head || !headInput) fail('the model has no head');
  const hp = head as ReturnType<typeof denseParams>, hx = headInput as Lowered;

  // The head: a float32 linear layer (default) or the int8 1x1 conv, as buildGraph makes them.
  const classesInFile = hp.units;
  const classes = opts.classes ?? classesInFile;
  const headKind = opts.head ?? 'float32';
  const features = hp.depth;
  const headGraph = addGeneralHead(tensors, nodes, hx.name, classes, headKind, headKind === 'int8' ? qOf(T(logitsT), opLabel(m, headOp)) : undefined);
  // TFLite's own integer requantization (quant/tflite-int.ts: RequantArith), as the file's interpreter computes.
  const graph: Graph = { name: name.replace(/\.tflite$/i, '').slice(0, MAX_NAME_CHARS), tensors, nodes, input: 'input', ...headGraph, requant: 'tflite' };
  validateGraph(graph);
  checkGeneralBounds(graph);
  const note = setHeadParams(graph, params, { weight: hp.weight, bias: hp.bias, wScales: hp.wScales, cin: features, cout: classesInFile, xScale: tensors[hx.name].q!.scale }, classes, headKind);
  return { graph, params, source: `${name} (int8 TFLite weights, a general graph of ${convIndex} convs, ${note})` };
}
