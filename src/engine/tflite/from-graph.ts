/**
 * A project model (IR graph + its current, possibly trained, parameters) as an int8 TFLite model:
 * the trained model leaves the tool in the format TFLite Micro runs. Every int8 tensor keeps the IR's
 * quantization (activation scales and zero points, per-channel weight scales, int32 biases in units
 * of input scale x weight scale), so the file computes what the project computes: exactly for a model
 * in TFLite's arithmetic (Graph.requant 'tflite', an imported .tflite), else up to TFLite's integer
 * requantization against the IR's float32 one.
 *
 * Layouts: IR activations are C x H x W, TFLite's NHWC (batch 1); conv weights OIHW become OHWI, a
 * depthwise conv's [C, 1, k, k] becomes [1, k, k, C]. The IR pads symmetrically by `padding`; where
 * TFLite's SAME padding would place the window differently (stride 2 on an even size puts the extra
 * row at the bottom, the IR at the top) the conv gets an explicit PAD (with the input's zero point,
 * the IR's padding value) and VALID padding. The global average pool is AVERAGE_POOL_2D over the
 * whole plane, or an imported model's two MEAN stages as MEAN ops; an int8 classifier conv stays a
 * 1x1 CONV_2D followed by a RESHAPE to [1, classes].
 * A general graph's max-pool is MAX_POOL_2D (SAME or VALID), its pad PAD, its concatenation CONCATENATION on
 * channels, its reshape (a flatten) RESHAPE to [1, 1, 1, N]; the 1x1 conv or the head reading a
 * flattened map gets its input channels permuted into TFLite's NHWC flattening order.
 *
 * A float32 head (the IR's `linear`, trained in float) has no int8 form in the project, so one is
 * made for the file (`HeadQuantization` records it): weights symmetric per tensor at max|W| / 127
 * (TFLite's int8 FULLY_CONNECTED takes one weight scale), bias rounded to int32 at input scale x
 * weight scale, and the logits' scale and zero point from the range of the float logits on
 * calibration inputs (the training images), widened by an eighth on each side and made to hold 0.
 */
import { InputError } from '../input-error.ts';
import type { Graph, Model, Node } from '../ir/graph.ts';
import { convWindow, isConv } from '../ir/graph.ts';
import type { QParams } from '../ir/tensor.ts';
import { convOutSize } from '../ops/conv2d.ts';
import { runForward } from '../runtime/reference.ts';
import { TfliteModelBuilder } from './build.ts';
import { windowOutSize, windowPadBefore } from './geometry.ts';
import type { ImportedModel } from './model.ts';
import { readTflite } from './read.ts';
import { writeTflite } from './write.ts';

/** How a float32 head was made int8 for the file. */
export interface HeadQuantization {
  /** The one weight scale (max|W| / 127). */
  weightScale: number;
  /** The logits' quantization in the file. */
  logits: QParams;
  /** The calibration range of the float logits [min, max] and how many inputs gave it. */
  range: [number, number];
  calibrationImages: number;
  /** Largest |bias / (input scale x weight scale)| before rounding (biases beyond int32 would be refused). */
  maxBiasSteps: number;
}

export interface GraphExport {
  model: ImportedModel;
  /** The tensor holding the int8 logits (the subgraph's output). */
  logits: number;
  /** Set when the graph's head is float32 and was quantized for the file. */
  head: HeadQuantization | null;
  /** Convs given an explicit PAD because TFLite's SAME padding would place their window elsewhere. */
  explicitPads: string[];
}

/** Refusal of a graph the exporter cannot express (e.g. a grouped conv that is not depthwise). */
export class TfliteExportError extends InputError {
  override name = 'TfliteExportError';
}

const HEAD_MARGIN = 1 / 8;

/**
 * The model as a TFLite model. `calibration` (int8 inputs, C x H x W) sets a float32 head's logit
 * range and is needed only then; the file's name goes into messages.
 */
export function graphToTflite(model: Model, calibration: Iterable<Int8Array> = [], file = `${model.graph.name}.tflite`): GraphExport {
  const g = model.graph;
  const p = model.params;
  const b = new TfliteModelBuilder();
  const index = new Map<string, number>();
  const explicitPads: string[] = [];
  let head: HeadQuantization | null = null;

  const nhwc = (name: string): number[] => {
    const s = g.tensors[name].shape;
    return [1, s[1], s[2], s[0]];
  };
  const activation = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) {
      const t = g.tensors[name];
      i = b.tensor(name, nhwc(name), 'int8', { scale: t.q!.scale, zeroPoint: t.q!.zeroPoint });
      index.set(name, i);
    }
    return i;
  };

  const inT = g.tensors[g.input];
  if (inT.dtype !== 'int8' || !inT.q || inT.shape.length !== 3) throw new TfliteExportError(`${file}: the model's input "${g.input}" is not an int8 C x H x W image`);
  b.inputs = [activation(g.input)];
  let logits = -1;

  /**
   * Flattened maps (a reshape of C x H x W, H x W > 1): the IR's element i is the file's element
   * perm[i] (TFLite flattens NHWC). Only a 1x1 conv (a FULLY_CONNECTED as the IR has it) or the head
   * may read one; their weights are permuted to the file's order.
   */
  const perms = new Map<string, Int32Array>();
  const unpermuted = (node: Node) => {
    const x = node.inputs.find((i) => perms.has(i));
    if (x) throw new TfliteExportError(`${file}: node "${node.name}" (${node.op}) reads the flattened map "${x}", which only a fully connected layer may read in the exporter`);
  };
  for (const node of g.nodes) {
    if (isConv(node)) logits = conv(node);
    else if (node.op === 'maxpool') {
      unpermuted(node);
      const { kernel: k, stride, pad } = (node as Node<'maxpool'>).attrs;
      const [, h, w] = g.tensors[node.inputs[0]].shape;
      const [, ho, wo] = g.tensors[node.outputs[0]].shape;
      const fits = (mode: 'SAME' | 'VALID') => windowOutSize(h, k, stride, 1, mode) === ho && windowOutSize(w, k, stride, 1, mode) === wo &&
        windowPadBefore(h, k, stride, 1, mode) === pad && windowPadBefore(w, k, stride, 1, mode) === pad;
      const padding = fits('VALID') ? 'VALID' : fits('SAME') ? 'SAME' : null;
      // A PAD would fill with the zero point, which could win a window; the IR's padding never does.
      if (!padding) throw new TfliteExportError(`${file}: max-pool "${node.name}" pads ${pad} on every side, which neither SAME nor VALID padding places there`);
      b.op('MAX_POOL_2D', { padding, strideH: stride, strideW: stride, filterH: k, filterW: k, activation: 'NONE' }, [activation(node.inputs[0])], [activation(node.outputs[0])]);
    } else if (node.op === 'pad') {
      unpermuted(node);
      // The IR's explicit pad (a conv whose padding differs before and after) is TFLite's PAD: the same zero-point fill.
      const { top, left, bottom, right } = (node as Node<'pad'>).attrs;
      b.op('PAD', {}, [activation(node.inputs[0]), b.tensor(`${node.outputs[0]}/paddings`, [4, 2], 'int32', null, Int32Array.of(0, 0, top, bottom, left, right, 0, 0))],
        [activation(node.outputs[0])]);
    } else if (node.op === 'concat') {
      unpermuted(node);
      b.op('CONCATENATION', { axis: 3, activation: 'NONE' }, node.inputs.map(activation), [activation(node.outputs[0])]);
    } else if (node.op === 'reshape') {
      unpermuted(node);
      const [c, h, w] = g.tensors[node.inputs[0]].shape;
      const n = c * h * w;
      if (h * w > 1 && c > 1) {
        const perm = new Int32Array(n);
        for (let ch = 0; ch < c; ch++) for (let q = 0; q < h * w; q++) perm[ch * h * w + q] = q * c + ch;
        perms.set(node.outputs[0], perm);
      }
      b.op('RESHAPE', { newShape: [1, 1, 1, n] }, [activation(node.inputs[0]), b.tensor(`${node.outputs[0]}/shape`, [4], 'int32', null, Int32Array.of(1, 1, 1, n))],
        [activation(node.outputs[0])]);
    }
    else if (node.op === 'add') {
      const [a, c] = node.inputs.map(activation);
      b.op('ADD', { activation: 'NONE' }, [a, c], [activation(node.outputs[0])]);
    } else if (node.op === 'avgpool') {
      unpermuted(node);
      const [c, h, w] = g.tensors[node.inputs[0]].shape;
      const x = node.inputs[0], stages = (node as Node<'avgpool'>).attrs.stages;
      if (!stages || stages === 'hw') {
        // One stage over the whole map: TFLite's AVERAGE_POOL_2D rounds its mean as ops/avgpool.ts's 'hw' does.
        b.op('AVERAGE_POOL_2D', { padding: 'VALID', strideH: 1, strideW: 1, filterH: h, filterW: w, activation: 'NONE' },
          [activation(x)], [activation(node.outputs[0])]);
      } else {
        // An imported model's two-stage pool as the MEAN ops it came from (ops/avgpool.ts meanStagesInt8: each
        // stage rounded as TFLite's int8 MEAN off its spatial special case), so the file computes what the graph does.
        const q = g.tensors[x].q!;
        const axes = (name: string, axis: number) => b.tensor(name, [1], 'int32', null, Int32Array.of(axis));
        const first = stages === 'w,h' ? 2 : 1;
        const mid = b.tensor(`${x}/mean1`, first === 2 ? [1, h, 1, c] : [1, 1, w, c], 'int8', { scale: q.scale, zeroPoint: q.zeroPoint });
        b.op('MEAN', { keepDims: true }, [activation(x), axes(`${x}/mean1_axes`, first)], [mid]);
        b.op('MEAN', { keepDims: true }, [mid, axes(`${x}/mean2_axes`, 3 - first)], [activation(node.outputs[0])]);
      }
    } else if (node.op === 'linear') {
      logits = floatHead(node as Node<'linear'>);
    } else if (node.op !== 'softmax_ce') {
      throw new TfliteExportError(`${file}: node "${node.name}" (${node.op}) has no TFLite form in the exporter`);
    }
  }
  if (logits < 0) throw new TfliteExportError(`${file}: the model has no classifier to export`);
  b.outputs = [logits];
  return { model: b.model(file, `${g.name}: exported by TinyTrain Studio with its current weights`), logits, head, explicitPads };

  function conv(node: Node<'conv2d'>): number {
    const [x, wName, bName, sName] = node.inputs;
    const [cin, h, wd] = g.tensors[x].shape;
    const [cout, cpg, kh, kw] = g.tensors[wName].shape;
    const { stride, groups } = node.attrs;
    const { ph, pw } = convWindow(node.attrs);
    const depthwise = groups > 1 && groups === cin && cout === cin;
    if (groups > 1 && !depthwise) throw new TfliteExportError(`${file}: conv "${node.name}" has ${groups} groups and is not depthwise; TFLite has no grouped conv`);
    const wq = p[wName] as Int8Array, bias = p[bName] as Int32Array, scales = p[sName] as Float32Array;
    const xq = g.tensors[x].q!;
    const ip = perms.get(x); // a 1x1 conv on a flattened map reads its channels in the file's order
    // Weights OIHW -> OHWI (regular) or 1HWC (depthwise), per-channel scales along O or C.
    const w = new Int8Array(wq.length);
    for (let o = 0; o < cout; o++) {
      for (let i = 0; i < cpg; i++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const v = wq[((o * cpg + i) * kh + ky) * kw + kx];
            if (depthwise) w[(ky * kw + kx) * cout + o] = v;
            else w[((o * kh + ky) * kw + kx) * cpg + (ip ? ip[i] : i)] = v;
          }
        }
      }
    }
    const zeros = new Array<number>(cout).fill(0);
    const wt = b.tensor(wName, depthwise ? [1, kh, kw, cout] : [cout, kh, kw, cpg], 'int8',
      { scales: Array.from(scales), zeroPoints: zeros, axis: depthwise ? 3 : 0 }, w);
    const bt = b.tensor(bName, [cout], 'int32',
      { scales: Array.from(scales, (s) => Math.fround(xq.scale) * Math.fround(s)), zeroPoints: zeros, axis: 0 }, bias.slice());

    // The classifier conv reads the pooled features [C, 1, 1] and gives logits [classes, 1, 1]: a 1x1 conv, then [1, classes].
    const y = node.outputs[0];
    const isHead = node.attrs.role === 'classifier';
    const yq = g.tensors[y].q!;
    const yt = isHead ? b.tensor(`${y}/nhwc`, nhwc(y), 'int8', { scale: yq.scale, zeroPoint: yq.zeroPoint }) : activation(y);

    let xt = activation(x);
    const ho = convOutSize(h, kh, stride, ph), wo = convOutSize(wd, kw, stride, pw);
    let pad: 'SAME' | 'VALID';
    const fits = (mode: 'SAME' | 'VALID') => windowOutSize(h, kh, stride, 1, mode) === ho && windowOutSize(wd, kw, stride, 1, mode) === wo &&
      windowPadBefore(h, kh, stride, 1, mode) === ph && windowPadBefore(wd, kw, stride, 1, mode) === pw;
    if (fits('VALID')) pad = 'VALID';
    else if (fits('SAME')) pad = 'SAME';
    else {
      // PAD with the IR's leading padding; the trailing side only as far as the last window reaches.
      const afterH = Math.max(0, (ho - 1) * stride + kh - h - ph), afterW = Math.max(0, (wo - 1) * stride + kw - wd - pw);
      const padded = b.tensor(`${x}/pad_for_${node.name}`, [1, h + ph + afterH, wd + pw + afterW, cin], 'int8', { scale: xq.scale, zeroPoint: xq.zeroPoint });
      const pads = b.tensor(`${node.name}/paddings`, [4, 2], 'int32', null, Int32Array.of(0, 0, ph, afterH, pw, afterW, 0, 0));
      b.op('PAD', {}, [xt, pads], [padded]);
      xt = padded;
      pad = 'VALID';
      explicitPads.push(node.name);
    }
    const opts = { padding: pad, strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: 'NONE' as const };
    if (depthwise) b.op('DEPTHWISE_CONV_2D', { ...opts, depthMultiplier: 1 }, [xt, wt, bt], [yt]);
    else b.op('CONV_2D', opts, [xt, wt, bt], [yt]);
    if (!isHead) return yt;
    const out = b.tensor(y, [1, cout], 'int8', { scale: yq.scale, zeroPoint: yq.zeroPoint });
    b.op('RESHAPE', { newShape: [1, cout] }, [yt, b.tensor(`${y}/shape`, [2], 'int32', null, Int32Array.of(1, cout))], [out]);
    return out;
  }

  function floatHead(node: Node<'linear'>): number {
    const [x, wName, bName] = node.inputs;
    const [classes, features] = g.tensors[wName].shape;
    const W = p[wName] as Float32Array, B = p[bName] as Float32Array;
    const xq = g.tensors[x].q!;
    let maxAbs = 0;
    for (const v of W) maxAbs = Math.max(maxAbs, Math.abs(v));
    // An all-zero head (a new head before training) still needs a positive scale; any value gives 0.
    const ws = Math.fround(maxAbs > 0 ? maxAbs / 127 : 1);
    const w = new Int8Array(W.length);
    const ip = perms.get(x); // the head on a flattened map: its columns in the file's order
    for (let o = 0; o < classes; o++) {
      for (let i = 0; i < features; i++) w[o * features + (ip ? ip[i] : i)] = Math.max(-127, Math.min(127, Math.round(W[o * features + i] / ws)));
    }
    const bs = Math.fround(Math.fround(xq.scale) * ws);
    let maxBiasSteps = 0;
    const bias = Int32Array.from(B, (v) => {
      const steps = Math.round(v / bs);
      maxBiasSteps = Math.max(maxBiasSteps, Math.abs(v / bs));
      if (!(Math.abs(steps) <= 2 ** 31 - 1)) throw new TfliteExportError(`${file}: the head's bias ${v} is beyond int32 at scale ${bs}`);
      return steps;
    });

    // The float logits' range on the calibration inputs, as the project computes them.
    let lo = 0, hi = 0, n = 0;
    for (const input of calibration) {
      const out = runForward(model, input)[node.outputs[0]] as Float32Array;
      for (const v of out) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      n++;
    }
    if (n === 0) throw new TfliteExportError(`${file}: the float32 head needs calibration images to choose the logits' int8 range`);
    const span = hi - lo;
    const lo2 = lo - HEAD_MARGIN * span, hi2 = hi + HEAD_MARGIN * span;
    const scale = Math.fround(span > 0 ? (hi2 - lo2) / 255 : 1);
    const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo2 / scale)));
    head = { weightScale: ws, logits: { scale, zeroPoint }, range: [lo, hi], calibrationImages: n, maxBiasSteps };

    const flat = b.tensor(`${x}/flat`, [1, features], 'int8', { scale: xq.scale, zeroPoint: xq.zeroPoint });
    b.op('RESHAPE', { newShape: [1, features] }, [activation(x), b.tensor(`${x}/flat_shape`, [2], 'int32', null, Int32Array.of(1, features))], [flat]);
    const wt = b.tensor(wName, [classes, features], 'int8', { scale: ws, zeroPoint: 0 }, w);
    const bt = b.tensor(bName, [classes], 'int32', { scale: bs, zeroPoint: 0 }, bias);
    const out = b.tensor(node.outputs[0], [1, classes], 'int8', { scale, zeroPoint });
    b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false }, [flat, wt, bt], [out]);
    return out;
  }
}

/** The IR's C x H x W int8 input as the file's NHWC input. */
export function toNhwc(input: Int8Array, g: Graph): Int8Array {
  const [c, h, w] = g.tensors[g.input].shape;
  const out = new Int8Array(input.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[i * c + ch] = input[ch * h * w + i];
  return out;
}

/** One line saying how a float32 head was quantized for the file (the CLI and the page show it). */
export function describeHead(h: HeadQuantization | null): string {
  if (!h) return 'the int8 head is written as trained';
  return `the float32 head was quantized for the file: weights int8 per tensor at scale ${h.weightScale.toPrecision(4)} (max |w| / 127), ` +
    `bias int32 at input scale x weight scale, logits int8 at scale ${h.logits.scale.toPrecision(4)} and zero point ${h.logits.zeroPoint} ` +
    `(the range ${h.range[0].toFixed(3)} to ${h.range[1].toFixed(3)} of the float logits on ${h.calibrationImages} training images, widened by 1/8 each side)`;
}

/** How many training images set a float32 head's logit range (the first of the training split). */
export const CALIBRATION_IMAGES = 128;

export interface TfliteFile {
  bytes: Uint8Array;
  export: GraphExport;
  /** One line for the user: what was written and how the head was quantized. */
  note: string;
}

/**
 * The model with its current parameters as `.tflite` bytes, read back through the project's own
 * reader (which checks every offset and the coverage of every op) before they are handed out.
 */
export function exportTflite(model: Model, calibration: { length: number; get(i: number): { input: Int8Array } }, file = `${model.graph.name}.tflite`): TfliteFile {
  const inputs = function* () {
    for (let i = 0; i < Math.min(CALIBRATION_IMAGES, calibration.length); i++) yield calibration.get(i).input;
  };
  const ex = graphToTflite(model, inputs(), file);
  const bytes = writeTflite(ex.model);
  readTflite(bytes, file);
  const pads = ex.explicitPads.length ? `; ${ex.explicitPads.length} stride-2 convs padded by an explicit PAD (${ex.explicitPads.join(', ')})` : '';
  return { bytes, export: ex, note: `${file}: ${ex.model.ops.length} int8 operators, ${bytes.length.toLocaleString('en-US')} bytes${pads}; ${describeHead(ex.head)}` };
}
