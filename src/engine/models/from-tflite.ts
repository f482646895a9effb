/**
 * Maps an int8 `.tflite` model of the inverted-bottleneck family onto the graph IR, so the studio
 * trains, plans and exports it like the paper's models: a stem conv, blocks of [1x1 expand] ->
 * k x k depthwise -> 1x1 project with an optional residual ADD, a global average pool (MEAN or a
 * whole-map AVERAGE_POOL_2D, possibly behind a TRANSPOSE) and a FULLY_CONNECTED head. QUANTIZE at the
 * input, RESHAPE/SQUEEZE around the pool, and SOFTMAX/LOG_SOFTMAX/DEQUANTIZE after the head (the
 * training loss replaces them) are accepted; an explicit PAD before a conv is folded into its padding.
 *
 * The IR's conv pads (k-1)/2 on every side and clamps to int8 only, so a model is refused, in one
 * sentence naming the operator, where its padding or its fused activation cannot be said that way.
 * The IR computes with its own int8 arithmetic (quant/arith.ts: float32 requantization, one rounding
 * per op), not TFLite's fixed-point one; tests/tflite-import.test.ts measures how close the two are.
 */
import type { ConvRole, Model, ParamStore, PoolStages } from '../ir/graph.ts';
import type { QParams } from '../ir/tensor.ts';
import { within } from '../input-error.ts';
import { ModelFileError } from '../io/errors.ts';
import { checkActivationQuant, checkArchitecture, checkWeightScales, MAX_NAME_CHARS } from '../limits.ts';
import { convOutSize } from '../ops/conv2d.ts';
import { activationRange } from '../tflite-kernels/lower.ts';
import { windowOutSize, windowPadBefore } from '../tflite/geometry.ts';
import { int32Data, int8Data, numElements, opLabel, tensorLabel, type FusedActivation, type ImportedModel, type ImportedOp, type ImportedTensor, type OpOf } from '../tflite/model.ts';
import { readTflite } from '../tflite/read.ts';
import type { ArchSpec, BlockSpec } from './arch.ts';
import { buildGraph, type ActivationQuant, type HeadKind } from './build.ts';
import { withArch } from './weights-file.ts';
import { lowerGeneral, weightsToOihw } from './from-tflite-graph.ts';
import { setHeadParams } from './file-head.ts';

export interface TfliteOptions {
  fileName?: string;
  /** Input resolution; default the file's own. */
  resolution?: number;
  /** Classes of the head; the file's own head is kept only when this equals its class count. */
  classes?: number;
  head?: HeadKind;
}

/** A conv of the file, in the IR's layout (OIHW weights, one weight scale per output channel). */
interface ConvParams {
  cin: number; cout: number; k: number; stride: number; groups: number;
  inSize: number; outSize: number;
  weight: Int8Array; bias: Int32Array; wScales: Float32Array;
  y: QParams;
}

const FAMILY = 'the studio trains .tflite models of the inverted-bottleneck family (a stem conv; blocks of an optional 1x1 expansion, a depthwise conv and a 1x1 projection with an optional residual ADD; a global average pool; a FULLY_CONNECTED head)';

/** Reads a `.tflite` file (the reader's bounds and coverage check first) and returns it as a graph with its weights. */
export function modelFromTflite(bytes: Uint8Array, opts: TfliteOptions = {}): Model {
  const name = opts.fileName ?? 'model.tflite';
  const imported = readTflite(bytes, name);
  return within(name, () => {
    // A file of the family maps onto the family's graph (its fused schedules apply); any other
    // becomes a general graph (models/from-tflite-graph.ts), whose refusal then names what it cannot say.
    try {
      return lower(imported, name, opts);
    } catch (e) {
      if (!(e instanceof ModelFileError)) throw e;
      return lowerGeneral(imported, name, opts);
    }
  });
}

function fail(msg: string): never {
  throw new ModelFileError(msg);
}

/** The op list as a cursor: each step takes the next op, checked to read what the previous one wrote. */
class OpCursor {
  private i = 0;
  constructor(private readonly m: ImportedModel) {}
  peek(): ImportedOp | undefined {
    return this.m.ops[this.i];
  }
  take(): ImportedOp {
    return this.m.ops[this.i++];
  }
  get done(): boolean {
    return this.i >= this.m.ops.length;
  }
}

function qOf(t: ImportedTensor, where: string): QParams {
  if (t.dtype !== 'int8' || !t.quant || t.quant.scales.length !== 1) fail(`${where}: ${tensorLabel(t)} must be an int8 tensor with one scale and zero point`);
  return within(`${where}: ${tensorLabel(t)}`, () => checkActivationQuant('quantization', { scale: t.quant!.scales[0], zeroPoint: t.quant!.zeroPoints[0] }));
}

/** A constant int32 operand (paddings, axes, a permutation, biases), or the refusal naming the op. */
function constInts(m: ImportedModel, op: ImportedOp, input: number, what: string): Int32Array {
  const t = m.tensors[op.inputs[input]];
  if (!t || t.dtype !== 'int32' || !t.data) fail(`${opLabel(m, op)}: its ${what} must be a constant int32 tensor`);
  return int32Data(t);
}

const sameQ = (a: QParams, b: QParams) => Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint;

function lower(m: ImportedModel, name: string, opts: TfliteOptions): Model {
  const ops = new OpCursor(m);
  const T = (i: number) => m.tensors[i];
  const misfit: (op: ImportedOp | undefined, what: string) => never = (op, what) =>
    fail(op ? `${opLabel(m, op)} ${what}; ${FAMILY}` : `the model ends early (${what}); ${FAMILY}`);

  if (m.inputs.length !== 1) fail(`the model has ${m.inputs.length} inputs; ${FAMILY} with one image input`);
  let cur = m.inputs[0];
  const inT = T(cur);
  if (inT.shape.length !== 4 || inT.shape[0] !== 1) fail(`the input ${tensorLabel(inT)} has shape [${inT.shape.join(', ')}]; an image input is [1, height, width, channels]`);
  const [, fileH, fileW, inChannels] = inT.shape;
  if (fileH !== fileW) fail(`the input is ${fileH}x${fileW}; the studio trains square inputs`);
  if (ops.peek()?.kind === 'QUANTIZE') {
    const q = ops.take();
    if (q.inputs[0] !== cur) misfit(q, 'does not read the model input');
    cur = q.outputs[0];
  }
  const input = qOf(T(cur), 'the input');

  /** An optional PAD in front of a conv: its leading padding in H and W. */
  const takePad = (): { h: number; w: number } => {
    if (ops.peek()?.kind !== 'PAD') return { h: 0, w: 0 };
    const op = ops.take();
    if (op.inputs[0] !== cur) misfit(op, 'does not read the previous operator\'s output');
    const p = constInts(m, op, 1, 'paddings');
    if (T(op.inputs[1]).shape.join() !== '4,2') misfit(op, 'needs paddings of shape [4, 2]');
    if (p[0] || p[1] || p[6] || p[7]) misfit(op, 'pads the batch or channel dimension');
    if (!sameQ(qOf(T(op.inputs[0]), opLabel(m, op)), qOf(T(op.outputs[0]), opLabel(m, op)))) misfit(op, 'changes the quantization');
    cur = op.outputs[0];
    return { h: p[2], w: p[4] };
  };

  const convs: { c: ConvParams; role: ConvRole }[] = [];
  /** The next op must be a conv (depthwise or not) reading `cur`; checks it against the IR's conv and converts its weights. */
  const takeConv = (role: ConvRole, want: { depthwise: boolean; k1?: boolean }): ConvParams => {
    const inSize = T(cur).shape[1]; // before any PAD: the size the IR's conv sees
    const pad = takePad();
    const op = ops.take();
    const kind = want.depthwise ? 'DEPTHWISE_CONV_2D' : 'CONV_2D';
    if (op?.kind !== kind) misfit(op, `is where the ${role} conv (${kind}) should be`);
    const conv = op as OpOf<'CONV_2D'> | OpOf<'DEPTHWISE_CONV_2D'>;
    const where = opLabel(m, conv);
    if (conv.inputs[0] !== cur) misfit(conv, 'does not read the previous operator\'s output');
    const x = T(conv.inputs[0]), wT = T(conv.inputs[1]), y = T(conv.outputs[0]);
    const o = conv.options;
    if (o.dilationH !== 1 || o.dilationW !== 1) misfit(conv, 'is dilated');
    if (o.strideH !== o.strideW) misfit(conv, `has strides ${o.strideH}x${o.strideW}`);
    const [, kh, kw] = wT.shape;
    if (kh !== kw) misfit(conv, `has a ${kh}x${kw} kernel; the inverted-bottleneck family's convs are square`);
    const k = kh, stride = o.strideH;
    if (want.k1 && (k !== 1 || stride !== 1)) misfit(conv, `is where a 1x1 conv of stride 1 (the ${role}) should be, but it is ${k}x${k} with stride ${stride}`);
    // The IR pads (k-1)/2 before, with the input's zero point (so does PAD), and must give the same output size.
    const [, hp, wp, cin] = x.shape;
    const before = [pad.h + windowPadBefore(hp, k, stride, 1, o.padding), pad.w + windowPadBefore(wp, k, stride, 1, o.padding)];
    const irPad = (k - 1) >> 1;
    const outSize = windowOutSize(hp, k, stride, 1, o.padding);
    if (before[0] !== irPad || before[1] !== irPad || convOutSize(inSize, k, stride, irPad) !== outSize || y.shape[1] !== outSize) {
      misfit(conv, `pads ${before[0]} rows and ${before[1]} columns before its ${k}x${k} window of stride ${stride} (output ${outSize}); the studio's convs pad ${irPad} on every side`);
    }
    const yq = qOf(y, where);
    const act = o.activation as FusedActivation;
    const range = activationRange(act, y);
    if (range.actMin !== -128 || range.actMax !== 127) {
      misfit(conv, `clamps its output to [${range.actMin}, ${range.actMax}] (fused ${act}); the studio's int8 convs clamp to [-128, 127] only, so a ReLU must coincide with the output's zero point -128 (and ReLU6 with a scale of at most 6/254.5)`);
    }
    const cout = y.shape[3];
    if (want.depthwise && ((o as OpOf<'DEPTHWISE_CONV_2D'>['options']).depthMultiplier !== 1 || cout !== cin)) misfit(conv, 'is a depthwise conv with a depth multiplier other than 1');
    if (!wT.data || wT.dtype !== 'int8' || !wT.quant) misfit(conv, 'needs constant int8 weights');
    const groups = want.depthwise ? cin : 1;
    const wq = wT.quant;
    if (wq.zeroPoints.some((z) => z !== 0)) misfit(conv, 'has asymmetric weights (a weight zero point other than 0)');
    const perChannel = wq.scales.length === cout;
    if (!perChannel && wq.scales.length !== 1) misfit(conv, `has ${wq.scales.length} weight scales for ${cout} output channels`);
    const wScales = Float32Array.from({ length: cout }, (_, c) => wq.scales[perChannel ? c : 0]);
    within(where, () => checkWeightScales('weight scale', wScales));
    // TFLite: conv weights [O, KH, KW, I], depthwise [1, KH, KW, C]; the IR: [O, I/groups, KH, KW].
    const weight = weightsToOihw(int8Data(wT), want.depthwise, cout, cin, k, k);
    const bias = conv.inputs[2] === -1 || conv.inputs[2] === undefined ? new Int32Array(cout) : constInts(m, conv, 2, 'bias');
    if (bias.length !== cout) misfit(conv, `has ${bias.length} biases for ${cout} output channels`);
    cur = conv.outputs[0];
    const c: ConvParams = { cin, cout, k, stride, groups, inSize, outSize, weight, bias, wScales, y: yq };
    convs.push({ c, role });
    return c;
  };

  const stem = takeConv('stem', { depthwise: false });

  // Blocks, until the global pool.
  const blocks: BlockSpec[] = [];
  const residuals = new Map<number, QParams>();
  const isPoolStart = (op: ImportedOp | undefined) => op !== undefined && (op.kind === 'MEAN' || op.kind === 'TRANSPOSE' || op.kind === 'AVERAGE_POOL_2D');
  while (!isPoolStart(ops.peek())) {
    const bi = blocks.length;
    const blockIn = cur;
    const cin = T(cur).shape[3];
    // A 1x1 CONV_2D (possibly after nothing else) opens an expanding block; otherwise the depthwise conv reads the block input.
    const next = ops.peek();
    const expand = next?.kind === 'CONV_2D';
    if (expand) takeConv('pw1', { depthwise: false, k1: true });
    const dw = takeConv('dw', { depthwise: true });
    const pw2 = takeConv('pw2', { depthwise: false, k1: true });
    let residual = false;
    const add = ops.peek();
    if (add?.kind === 'ADD') {
      ops.take();
      const ins = [...add.inputs].sort((a, b) => a - b);
      if (ins.join() !== [blockIn, cur].sort((a, b) => a - b).join()) misfit(add, 'does not add the block\'s input to its projection (the only residual the studio trains)');
      if (add.options.activation !== 'NONE') misfit(add, `has a fused ${add.options.activation}`);
      if (dw.stride !== 1 || pw2.cout !== cin) misfit(add, 'adds tensors of different shapes');
      residuals.set(bi, qOf(T(add.outputs[0]), opLabel(m, add)));
      cur = add.outputs[0];
      residual = true;
    }
    blocks.push({ mid: dw.cout, expand, out: pw2.cout, kernel: dw.k, stride: dw.stride, residual });
    if (ops.done) misfit(undefined, 'no global pool and FULLY_CONNECTED head after the blocks');
  }
  if (blocks.length === 0) misfit(ops.peek(), 'follows the stem directly: there is no block');

  // The global average pool: every op up to the head must only reduce or reshape the spatial dimensions.
  const features = T(cur).shape[3];
  const hw = T(cur).shape[1];
  const poolIn = qOf(T(cur), 'the pool');
  let dims = ['n', 'h', 'w', 'c'];
  let pooled = false;
  /** What each averaging op reduced: 'hw', or 'h' or 'w' alone. */
  const stages: string[] = [];
  // The head: a FULLY_CONNECTED, or a 1x1 CONV_2D on the pooled [1, 1, 1, C] map (the studio's own
  // export of an int8 head, tflite/from-graph.ts, writes that).
  const isHead = (op: ImportedOp | undefined) => op?.kind === 'FULLY_CONNECTED' || (op?.kind === 'CONV_2D' && pooled);
  while (!isHead(ops.peek())) {
    if (ops.done) misfit(undefined, 'no FULLY_CONNECTED head');
    const op = ops.take();
    if (op.inputs[0] !== cur) misfit(op, 'does not read the previous operator\'s output');
    if (!sameQ(poolIn, qOf(T(op.outputs[0]), opLabel(m, op)))) misfit(op, 'changes the quantization of the pooled features (the studio\'s pool keeps it)');
    if (op.kind === 'TRANSPOSE') {
      const perm = Array.from(constInts(m, op, 1, 'permutation'));
      if (perm.length !== dims.length) misfit(op, 'permutes another number of dimensions');
      dims = perm.map((p) => dims[p]);
    } else if (op.kind === 'MEAN') {
      const axes = Array.from(constInts(m, op, 1, 'axes')).map((a) => (a < 0 ? a + dims.length : a));
      if (axes.some((a) => dims[a] !== 'h' && dims[a] !== 'w')) misfit(op, 'averages over something other than the spatial dimensions');
      const reduced = axes.map((a) => dims[a]).sort().join('');
      stages.push(reduced === 'hw' ? 'hw' : reduced);
      dims = op.options.keepDims ? dims.map((d, i) => (axes.includes(i) ? `${d}1` : d)) : dims.filter((_, i) => !axes.includes(i));
    } else if (op.kind === 'AVERAGE_POOL_2D') {
      const o = op.options;
      if (o.filterH !== hw || o.filterW !== hw || o.padding !== 'VALID' || dims.join() !== 'n,h,w,c') misfit(op, 'is not a global average pool over the whole feature map');
      dims = ['n', 'h1', 'w1', 'c'];
      stages.push('hw');
    } else if (op.kind === 'RESHAPE' || op.kind === 'SQUEEZE') {
      if (dims.includes('h') || dims.includes('w') || numElements(T(op.outputs[0]).shape) !== features) misfit(op, 'reshapes features that are not yet pooled');
      dims = ['n', 'c'];
    } else {
      misfit(op, 'is where the global average pool should be');
    }
    cur = op.outputs[0];
    pooled = !dims.includes('h') && !dims.includes('w');
  }
  if (!pooled) misfit(ops.peek(), 'reads features that are not pooled over the whole map');
  // The studio's pool: one stage over H x W, or two (rows then columns, or columns then rows).
  const pool = ({ hw: 'hw', 'w,h': 'w,h', 'h,w': 'h,w' } as Record<string, PoolStages>)[stages.join(',')];
  if (!pool) misfit(ops.peek(), `follows a pool in ${stages.length} stages (${stages.join(', ')}); the studio pools in one stage over the whole map or two, one spatial axis each`);

  const fc = ops.take() as OpOf<'FULLY_CONNECTED'> | OpOf<'CONV_2D'>;
  if (fc.inputs[0] !== cur) misfit(fc, 'does not read the pooled features');
  if (fc.options.activation !== 'NONE') misfit(fc, `has a fused ${fc.options.activation}; the training loss needs the raw logits`);
  const fw = T(fc.inputs[1]);
  // [classes, C] for FULLY_CONNECTED, [classes, 1, 1, C] for the 1x1 conv: the same bytes.
  const headShape = fc.kind === 'CONV_2D' ? fw.shape.length === 4 && fw.shape[1] === 1 && fw.shape[2] === 1 && fw.shape[3] === features : fw.shape.length === 2 && fw.shape[1] === features;
  if (!fw.data || fw.dtype !== 'int8' || !fw.quant || !headShape) misfit(fc, `needs constant int8 weights of shape [classes, ${features}]${fc.kind === 'CONV_2D' ? ' (a 1x1 conv over the pooled features)' : ''}`);
  if (fw.quant.zeroPoints.some((z) => z !== 0)) misfit(fc, 'has asymmetric weights');
  const classesInFile = fw.shape[0];
  if (fw.quant.scales.length !== 1 && fw.quant.scales.length !== classesInFile) misfit(fc, `has ${fw.quant.scales.length} weight scales for ${classesInFile} classes`);
  const headBias = fc.inputs[2] === -1 || fc.inputs[2] === undefined ? new Int32Array(classesInFile) : constInts(m, fc, 2, 'bias');
  if (headBias.length !== classesInFile) misfit(fc, `has ${headBias.length} biases for ${classesInFile} classes`);
  const logitsQ = qOf(T(fc.outputs[0]), opLabel(m, fc));
  cur = fc.outputs[0];
  // What follows the logits is replaced by the training loss.
  while (!ops.done) {
    const op = ops.take();
    if (op.kind !== 'SOFTMAX' && op.kind !== 'LOG_SOFTMAX' && op.kind !== 'DEQUANTIZE' && op.kind !== 'RESHAPE' && op.kind !== 'SQUEEZE') misfit(op, 'follows the FULLY_CONNECTED head (only SOFTMAX, LOG_SOFTMAX, DEQUANTIZE or a reshape may)');
    if (op.inputs[0] !== cur) misfit(op, 'does not read the previous operator\'s output');
    cur = op.outputs[0];
  }
  if (m.outputs.length !== 1 || m.outputs[0] !== cur) fail(`the model's output is not the end of its single chain of operators; ${FAMILY}`);

  const arch: ArchSpec = {
    name: name.replace(/\.tflite$/i, '').slice(0, MAX_NAME_CHARS),
    inChannels,
    stem: { out: stem.cout, kernel: stem.k, stride: stem.stride },
    blocks,
    pool,
  };
  const classes = opts.classes ?? classesInFile;
  const head = opts.head ?? 'float32';
  const quant: ActivationQuant = { input, conv: (i) => convs[i].c.y, residual: (b) => residuals.get(b)!, logits: logitsQ };
  checkArchitecture(arch, { resolution: fileH, classes: classesInFile, head: 'int8' });
  // The graph carries its architecture, so a trained model saves as a .ttw.
  // TFLite's own integer requantization (quant/tflite-int.ts: RequantArith), so that training sees the forward
  // the user's TFLite Micro deployment computes.
  const graph = Object.assign(withArch(buildGraph(arch, { resolution: opts.resolution ?? fileH, classes, head, quant, withLoss: true }), arch), { requant: 'tflite' as const });

  // The conv order of buildGraph is the file's: check sizes at the file's resolution as a cross-check of the mapping.
  const atFile = opts.resolution === undefined || opts.resolution === fileH ? graph : buildGraph(arch, { resolution: fileH, classes, head, quant });
  const params: ParamStore = {};
  convs.forEach(({ c }, i) => {
    const node = atFile.nodes.find((n) => n.name === `conv${i}`)!;
    if (atFile.tensors[node.outputs[0]].shape[1] !== c.outSize) throw new Error(`conv${i}: the mapped architecture gives another output size than the file`);
    params[`conv${i}.weight`] = c.weight;
    params[`conv${i}.bias`] = c.bias;
    params[`conv${i}.w_scales`] = c.wScales;
  });
  const headScales = Float32Array.from({ length: classesInFile }, (_, o) => fw.quant!.scales[fw.quant!.scales.length === 1 ? 0 : o]);
  within(opLabel(m, fc), () => checkWeightScales('weight scale', headScales));
  const headNote = setHeadParams(graph, params, { weight: int8Data(fw).slice(), bias: headBias, wScales: headScales, cin: features, cout: classesInFile, xScale: poolIn.scale }, classes, head);
  return { graph, params, source: `${name} (int8 TFLite weights, ${headNote})` };
}
