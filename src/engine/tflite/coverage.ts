/**
 * Coverage: can the project run this imported model? Checks every op's kind, fused activation,
 * operand dtypes, quantization and shapes against what the int8 kernels implement, and gathers all
 * problems into one sentence that lists each kind of problem, how many times it occurs and the first
 * place it does — so a user learns at open time everything that stands in the way, not one thing.
 */
import { TFLITE_LIMITS as L } from '../limits.ts';
import { windowOutSize } from './geometry.ts';
import { int32Data, numElements, opLabel, tensorLabel, type ImportedModel, type ImportedOp, type ImportedTensor } from './model.ts';

interface Problem {
  /** What is wrong, the same text for every occurrence of the same problem. */
  what: string;
  /** Where it occurs first. */
  where: string;
}

const ACTIVATIONS = new Set(['NONE', 'RELU', 'RELU6']);
/** The output quantization TFLite's int8 softmax and log-softmax require. */
export const SOFTMAX_OUTPUT = { scale: 1 / 256, zeroPoint: -128 } as const;
export const LOG_SOFTMAX_OUTPUT = { scale: 16 / 256, zeroPoint: 127 } as const;

/** All problems of a model, in the order they occur (empty when the project can run it). */
export function coverageProblems(model: ImportedModel): Problem[] {
  const problems: Problem[] = [];
  const T = model.tensors;
  const add = (what: string, where: string) => problems.push({ what, where });

  // Dtypes first: int8 activations, float32 only at the boundaries (graph input into QUANTIZE, DEQUANTIZE into a graph output).
  const producer = new Map<number, ImportedOp>();
  const consumers = new Map<number, ImportedOp[]>();
  for (const op of model.ops) {
    op.outputs.forEach((t) => producer.set(t, op));
    op.inputs.forEach((t) => t >= 0 && consumers.set(t, [...(consumers.get(t) ?? []), op]));
  }
  const isGraphInput = new Set(model.inputs);
  const isGraphOutput = new Set(model.outputs);
  for (const t of T) {
    const used = producer.has(t.index) || consumers.has(t.index) || isGraphInput.has(t.index) || isGraphOutput.has(t.index);
    if (!used) continue;
    const where = tensorLabel(t);
    if (t.dtype === 'float32') {
      // Float is allowed at the two ends only: a graph input that only QUANTIZE reads, and the head's
      // tail after the last DEQUANTIZE (optionally through a float SOFTMAX / LOG_SOFTMAX) into graph outputs.
      const readers = consumers.get(t.index) ?? [];
      const made = producer.get(t.index)?.kind;
      const input = isGraphInput.has(t.index) && readers.every((op) => op.kind === 'QUANTIZE');
      const tail = (made === 'DEQUANTIZE' || made === 'SOFTMAX' || made === 'LOG_SOFTMAX') &&
        readers.every((op) => op.kind === 'SOFTMAX' || op.kind === 'LOG_SOFTMAX') && (readers.length > 0 || isGraphOutput.has(t.index));
      if (!input && !tail) add('float32 tensors inside the graph (only a float input into QUANTIZE and a float tail after the last DEQUANTIZE are supported)', where);
    } else if (t.dtype !== 'int8' && t.dtype !== 'int32') {
      add(`${t.dtype} tensors`, where);
    } else if (t.dtype === 'int32' && !t.data) {
      add('int32 activations', where);
    } else if (t.dtype === 'int8' && !t.data) {
      if (!t.quant) add('int8 activations without quantization parameters', where);
      else if (t.quant.scales.length !== 1) add('per-channel quantized activations', where);
    }
    if (t.shape.length > 4 && !t.data) add('tensors of rank above 4', where);
  }

  for (const op of model.ops) {
    const where = opLabel(model, op);
    if (op.kind === 'UNSUPPORTED') {
      add(`op ${op.options.opName}`, where);
      continue;
    }
    if ('activation' in op.options && !ACTIVATIONS.has(op.options.activation)) add(`fused ${op.options.activation} activation`, where);
    for (const w of checkOp(model, op)) add(w, where);
  }
  return problems;
}

/** The one-sentence refusal for a model with problems, or null when it can run. */
export function coverageProblem(model: ImportedModel): string | null {
  const problems = coverageProblems(model);
  if (problems.length === 0) return null;
  const groups = new Map<string, { count: number; where: string }>();
  for (const p of problems) {
    const g = groups.get(p.what);
    if (g) g.count++;
    else groups.set(p.what, { count: 1, where: p.where });
  }
  const parts = [...groups].map(([what, g]) => `${what} (${g.count} time${g.count === 1 ? '' : 's'}, first at ${g.where})`);
  return `${model.file} uses what the project cannot run: ${parts.join('; ')}.`;
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const sameQuant = (a: ImportedTensor, b: ImportedTensor) =>
  !!a.quant && !!b.quant && a.quant.scales.length === 1 && b.quant.scales.length === 1 &&
  Math.fround(a.quant.scales[0]) === Math.fround(b.quant.scales[0]) && a.quant.zeroPoints[0] === b.quant.zeroPoints[0];

/** Problems with one supported op's operands (dtypes, quantization, shapes). */
function checkOp(model: ImportedModel, op: Exclude<ImportedOp, { kind: 'UNSUPPORTED' }>): string[] {
  const T = model.tensors;
  const out: string[] = [];
  const nIn = op.inputs.length;
  const tensorAt = (k: number): ImportedTensor | null => (k >= 0 && k < nIn && op.inputs[k] >= 0 ? T[op.inputs[k]] : null);
  const operands = (min: number, max: number): boolean => {
    if (nIn < min || nIn > max || op.outputs.length !== 1) {
      out.push(`${op.kind} with ${nIn} inputs and ${op.outputs.length} outputs (the op takes ${min === max ? min : `${min} to ${max}`} inputs and 1 output)`);
      return false;
    }
    for (let k = 0; k < min; k++) if (!tensorAt(k)) { out.push(`${op.kind} with its required input ${k} omitted`); return false; }
    return true;
  };
  const y = T[op.outputs[0]];
  const int8Act = (t: ImportedTensor, role: string) => {
    if (t.dtype !== 'int8' || t.data) { out.push(`${op.kind} whose ${role} is not an int8 activation`); return false; }
    return true;
  };
  const batch1 = (t: ImportedTensor, role: string) => {
    if (t.shape.length !== 4) { out.push(`${op.kind} whose ${role} is not 4-D (NHWC)`); return false; }
    if (t.shape[0] !== 1) { out.push(`batch size ${t.shape[0]} (only batch 1 is supported)`); return false; }
    return true;
  };
  const constInt32 = (t: ImportedTensor | null, role: string): Int32Array | null => {
    if (!t || t.dtype !== 'int32' || !t.data) { out.push(`${op.kind} whose ${role} is not a constant int32 tensor`); return null; }
    return int32Data(t);
  };
  const weights = (w: ImportedTensor, role: string, channels: number, axis: number) => {
    if (w.dtype !== 'int8' || !w.data || !w.quant) { out.push(`${op.kind} whose ${role} is not a constant quantized int8 tensor`); return false; }
    if (w.quant.zeroPoints.some((z) => z !== 0)) out.push(`${op.kind} ${role} with non-zero zero points (TFLite's int8 weights are symmetric)`);
    if (w.quant.scales.length !== 1 && (w.quant.axis !== axis || w.quant.scales.length !== channels)) {
      out.push(`${op.kind} ${role} quantized per channel along dimension ${w.quant.axis} (expected ${axis})`);
    }
    return true;
  };
  const bias = (k: number, channels: number) => {
    const b = tensorAt(k);
    if (!b) return;
    if (b.dtype !== 'int32' || !b.data) out.push(`${op.kind} whose bias is not a constant int32 tensor`);
    else if (numElements(b.shape) !== channels) out.push(`${op.kind} bias of shape ${shapeText(b.shape)} for ${channels} output channels`);
  };
  const expectShape = (want: number[]) => {
    if (shapeText(want) !== shapeText(y.shape)) out.push(`${op.kind} whose output shape ${shapeText(y.shape)} is not the ${shapeText(want)} its inputs give`);
  };
  const expectSameQuant = (x: ImportedTensor) => {
    if (!sameQuant(x, y)) out.push(`${op.kind} whose output quantization differs from its input's (TFLite requires them equal)`);
  };

  switch (op.kind) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      if (!operands(2, 3)) break;
      const x = tensorAt(0)!, w = tensorAt(1)!;
      if (!int8Act(x, 'input') || !int8Act(y, 'output') || !batch1(x, 'input')) break;
      const o = op.options;
      if (o.dilationH !== 1 || o.dilationW !== 1) out.push(`dilated ${op.kind} (dilation ${o.dilationH}x${o.dilationW})`);
      if (w.shape.length !== 4) { out.push(`${op.kind} whose filter is not 4-D`); break; }
      const cin = x.shape[3];
      const dw = op.kind === 'DEPTHWISE_CONV_2D';
      const cout = dw ? w.shape[3] : w.shape[0];
      if (!weights(w, 'filter', cout, dw ? 3 : 0)) break;
      if (dw) {
        if (w.shape[0] !== 1) out.push(`${op.kind} filter of shape ${shapeText(w.shape)} (the first dimension must be 1)`);
        if (cout !== cin) out.push(`${op.kind} with a depth multiplier other than 1 (${cin} to ${cout} channels)`);
      } else if (w.shape[3] !== cin) {
        out.push(`grouped ${op.kind} (filter ${shapeText(w.shape)} on ${cin} input channels)`);
      }
      bias(2, cout);
      const [kh, kw] = [w.shape[1], w.shape[2]];
      expectShape([1, windowOutSize(x.shape[1], kh, o.strideH, o.dilationH, o.padding), windowOutSize(x.shape[2], kw, o.strideW, o.dilationW, o.padding), cout]);
      break;
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      if (!operands(1, 1)) break;
      const x = tensorAt(0)!;
      if (!int8Act(x, 'input') || !int8Act(y, 'output') || !batch1(x, 'input')) break;
      const o = op.options;
      expectSameQuant(x);
      expectShape([1, windowOutSize(x.shape[1], o.filterH, o.strideH, 1, o.padding), windowOutSize(x.shape[2], o.filterW, o.strideW, 1, o.padding), x.shape[3]]);
      break;
    }
    case 'FULLY_CONNECTED': {
      if (!operands(2, 3)) break;
      const x = tensorAt(0)!, w = tensorAt(1)!;
      if (!int8Act(x, 'input') || !int8Act(y, 'output')) break;
      if (op.options.shuffledWeights) out.push('FULLY_CONNECTED with shuffled weights');
      if (w.shape.length !== 2) { out.push('FULLY_CONNECTED whose weights are not 2-D'); break; }
      const [units, depth] = w.shape;
      if (!weights(w, 'weights', units, 0)) break;
      bias(2, units);
      const n = numElements(x.shape);
      if (depth === 0 || n % depth !== 0) { out.push(`FULLY_CONNECTED input of shape ${shapeText(x.shape)} for weights ${shapeText(w.shape)}`); break; }
      if (n / depth !== 1) out.push(`batch size ${n / depth} (only batch 1 is supported)`);
      if (numElements(y.shape) !== n / depth * units) expectShape([n / depth, units]);
      break;
    }
    case 'ADD': {
      if (!operands(2, 2)) break;
      const a = tensorAt(0)!, b = tensorAt(1)!;
      if (!int8Act(a, 'first input') || !int8Act(b, 'second input') || !int8Act(y, 'output')) break;
      if (shapeText(a.shape) !== shapeText(b.shape)) out.push(`ADD with broadcasting (${shapeText(a.shape)} + ${shapeText(b.shape)})`);
      else expectShape(a.shape);
      break;
    }
    case 'CONCATENATION': {
      if (nIn < 1 || nIn > L.maxOperands || op.outputs.length !== 1 || op.inputs.some((k) => k < 0)) { out.push('CONCATENATION with omitted inputs'); break; }
      const xs = op.inputs.map((k) => T[k]);
      if (!xs.every((x, i) => int8Act(x, `input ${i}`)) || !int8Act(y, 'output')) break;
      const rank = xs[0].shape.length;
      const axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
      if (!(axis >= 0 && axis < rank)) { out.push(`CONCATENATION along axis ${op.options.axis} of rank-${rank} inputs`); break; }
      if (xs.some((x) => x.shape.length !== rank || x.shape.some((d, i) => i !== axis && d !== xs[0].shape[i]))) {
        out.push(`CONCATENATION of inputs whose shapes differ off the axis (${xs.map((x) => shapeText(x.shape)).join(', ')})`);
        break;
      }
      if (xs.some((x) => !sameQuant(x, y))) out.push('CONCATENATION whose inputs and output do not share one quantization (TFLite requires it for int8)');
      expectShape(xs[0].shape.map((d, i) => (i === axis ? xs.reduce((s, x) => s + x.shape[i], 0) : d)));
      break;
    }
    case 'MEAN': {
      if (!operands(2, 2)) break;
      const x = tensorAt(0)!;
      if (!int8Act(x, 'input') || !int8Act(y, 'output')) break;
      const axes = constInt32(tensorAt(1), 'axis list');
      if (!axes) break;
      const rank = x.shape.length;
      const norm = new Set([...axes].map((a) => (a < 0 ? a + rank : a)));
      if ([...norm].some((a) => !(a >= 0 && a < rank)) || norm.size !== axes.length || axes.length === 0) {
        out.push(`MEAN over axes [${[...axes].join(', ')}] of a rank-${rank} input`);
        break;
      }
      expectShape(x.shape.flatMap((d, i) => (!norm.has(i) ? [d] : op.options.keepDims ? [1] : [])));
      break;
    }
    case 'RESHAPE':
    case 'SQUEEZE': {
      if (!operands(1, 2)) break;
      const x = tensorAt(0)!;
      if (!int8Act(x, 'input') || !int8Act(y, 'output')) break;
      if (numElements(x.shape) !== numElements(y.shape)) out.push(`${op.kind} from ${shapeText(x.shape)} to ${shapeText(y.shape)}, which has another number of elements`);
      expectSameQuant(x);
      break;
    }
    case 'PAD': {
      if (!operands(2, 2)) break;
      const x = tensorAt(0)!;
      if (!int8Act(x, 'input') || !int8Act(y, 'output')) break;
      const pads = constInt32(tensorAt(1), 'padding list');
      if (!pads) break;
      const rank = x.shape.length;
      if (pads.length !== 2 * rank || [...pads].some((p) => p < 0 || p > 65_535)) { out.push(`PAD with paddings [${[...pads].join(', ')}] for a rank-${rank} input`); break; }
      expectSameQuant(x);
      expectShape(x.shape.map((d, i) => d + pads[2 * i] + pads[2 * i + 1]));
      break;
    }
    case 'SOFTMAX':
    case 'LOG_SOFTMAX': {
      if (!operands(1, 1)) break;
      const x = tensorAt(0)!;
      if (x.dtype === 'float32' && y.dtype === 'float32') {
        expectShape(x.shape); // the float tail of the head (its place is checked with the dtypes above)
        break;
      }
      if (!int8Act(x, 'input') || !int8Act(y, 'output')) break;
      expectShape(x.shape);
      const want = op.kind === 'SOFTMAX' ? SOFTMAX_OUTPUT : LOG_SOFTMAX_OUTPUT;
      const q = y.quant!;
      if (Math.fround(q.scales[0]) !== Math.fround(want.scale) || q.zeroPoints[0] !== want.zeroPoint) {
        out.push(`${op.kind} whose output is not quantized with scale ${want.scale} and zero point ${want.zeroPoint}`);
      }
      break;
    }
    case 'TRANSPOSE': {
      if (!operands(2, 2)) break;
      const x = tensorAt(0)!;
      if (!int8Act(x, 'input') || !int8Act(y, 'output')) break;
      const perm = constInt32(tensorAt(1), 'permutation');
      if (!perm) break;
      const rank = x.shape.length;
      if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i)) { out.push(`TRANSPOSE with the permutation [${[...perm].join(', ')}] of a rank-${rank} input`); break; }
      expectSameQuant(x);
      expectShape([...perm].map((p) => x.shape[p]));
      break;
    }
    case 'QUANTIZE': {
      if (!operands(1, 1)) break;
      const x = tensorAt(0)!;
      if (x.dtype !== 'float32' && x.dtype !== 'int8') out.push(`QUANTIZE from ${x.dtype}`);
      else if (int8Act(y, 'output')) expectShape(x.shape);
      break;
    }
    case 'DEQUANTIZE': {
      if (!operands(1, 1)) break;
      const x = tensorAt(0)!;
      if (int8Act(x, 'input') && y.dtype === 'float32') expectShape(x.shape);
      else if (y.dtype !== 'float32') out.push(`DEQUANTIZE to ${y.dtype}`);
      break;
    }
  }
  return out;
}
