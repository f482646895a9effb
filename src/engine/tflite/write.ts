/**
 * The `.tflite` writer: an ImportedModel -> a version-3 TFLite flatbuffer, with the `flatbuffers`
 * runtime's Builder. It writes what the reader reads: one subgraph, the empty sentinel buffer 0 and
 * one buffer per constant tensor (16-byte aligned, as the schema asks), per-tensor and per-channel
 * quantization, and the typed options of the supported ops. Used to export trained models and to
 * make the project's own test models; the Arm NN tests read its files independently.
 */
import { Builder } from 'flatbuffers';
import { F, FILE_IDENTIFIER, OPTIONS_OF, Op, Padding, PLACEHOLDER_FOR_GREATER_OP_CODES, SCHEMA_VERSION, TensorType, ACTIVATION_NAMES } from './schema.ts';
import type { FusedActivation, ImportedModel, ImportedOp, ImportedTensor, TensorDType } from './model.ts';

/** The operator version each op needs for int8 tensors (TFLite's op versioning; TFLite Micro ignores it). */
const INT8_OP_VERSION: Record<Exclude<ImportedOp['kind'], 'UNSUPPORTED'>, number> = {
  ADD: 2, AVERAGE_POOL_2D: 2, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 3, DEQUANTIZE: 2, FULLY_CONNECTED: 4,
  MAX_POOL_2D: 2, RESHAPE: 1, SOFTMAX: 2, PAD: 2, TRANSPOSE: 2, MEAN: 2, SQUEEZE: 1, LOG_SOFTMAX: 2, QUANTIZE: 2,
};

const TYPE_CODE: Partial<Record<TensorDType, number>> = { float32: TensorType.FLOAT32, int32: TensorType.INT32, int8: TensorType.INT8, uint8: TensorType.UINT8, int16: TensorType.INT16 };

export interface WriteOptions {
  /**
   * Keep constant data after the flatbuffer, each buffer naming its offset and size, as files over
   * 2 GB must (the flatbuffer itself cannot pass 2 GB). Off by default: small models keep it inline.
   */
  externalData?: boolean;
}

export function writeTflite(model: ImportedModel, options: WriteOptions = {}): Uint8Array {
  if (!options.externalData) return build(model, null);
  // Two passes: the flatbuffer's size does not depend on the offsets' values (fixed-width fields),
  // so the first pass measures where the data will start and the second writes the real offsets.
  const sizes = model.tensors.filter((t) => t.data).map((t) => t.data!.length);
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const place = (base: number) => {
    const at: number[] = [];
    let pos = base;
    for (const n of sizes) { at.push(pos); pos = align(pos + n); }
    return { at, end: pos };
  };
  const head = build(model, place(16).at);
  const { at, end } = place(align(head.length));
  const fb = build(model, at);
  if (fb.length !== head.length) throw new Error('the flatbuffer changed size between passes');
  const out = new Uint8Array(end);
  out.set(fb, 0);
  let k = 0;
  for (const t of model.tensors) if (t.data) out.set(t.data, at[k++]);
  return out;
}

/** The flatbuffer; with `external`, constant data is not inlined and buffer i+1 points at external[i]. */
function build(model: ImportedModel, external: number[] | null): Uint8Array {
  const b = new Builder(1024 + model.tensors.reduce((s, t) => s + (external ? 0 : (t.data?.length ?? 0)) + 64, 0));
  const int32Vector = (values: readonly number[]) => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
    return b.endVector();
  };
  const offsetVector = (offsets: readonly number[]) => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
    return b.endVector();
  };

  // Buffers: 0 is the empty sentinel; each constant tensor gets the next one.
  const bufferOf = new Map<number, number>();
  const bufferOffsets: number[] = [];
  b.startObject(3);
  bufferOffsets.push(b.endObject());
  for (const t of model.tensors) {
    if (!t.data) continue;
    if (external) {
      b.startObject(3);
      b.addFieldInt64(F.buffer.offset, BigInt(external[bufferOffsets.length - 1]), 0n);
      b.addFieldInt64(F.buffer.size, BigInt(t.data.length), 0n);
    } else {
      b.startVector(1, t.data.length, 16);
      for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]);
      const data = b.endVector();
      b.startObject(3);
      b.addFieldOffset(F.buffer.data, data, 0);
    }
    bufferOf.set(t.index, bufferOffsets.length);
    bufferOffsets.push(b.endObject());
  }

  const tensorOffsets = model.tensors.map((t) => writeTensor(b, t, bufferOf.get(t.index) ?? 0, int32Vector));

  // Operator codes, one per kind in first-use order.
  const kinds: Exclude<ImportedOp['kind'], 'UNSUPPORTED'>[] = [];
  for (const op of model.ops) {
    if (op.kind === 'UNSUPPORTED') throw new Error(`cannot write ${op.options.opName}: the writer writes supported ops only`);
    if (!kinds.includes(op.kind)) kinds.push(op.kind);
  }
  const codeOffsets = kinds.map((k) => {
    b.startObject(4);
    b.addFieldInt8(F.operatorCode.deprecatedBuiltinCode, Math.min(Op[k], PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldInt32(F.operatorCode.version, INT8_OP_VERSION[k], 1);
    b.addFieldInt32(F.operatorCode.builtinCode, Op[k], 0);
    return b.endObject();
  });

  const opOffsets = model.ops.map((op) => {
    if (op.kind === 'UNSUPPORTED') throw new Error('unreachable');
    const inputs = int32Vector(op.inputs);
    const outputs = int32Vector(op.outputs);
    const options = writeOptions(b, op, int32Vector);
    b.startObject(13);
    b.addFieldInt32(F.operator.opcodeIndex, kinds.indexOf(op.kind), 0);
    b.addFieldOffset(F.operator.inputs, inputs, 0);
    b.addFieldOffset(F.operator.outputs, outputs, 0);
    if (options !== null) {
      b.addFieldInt8(F.operator.builtinOptionsType, OPTIONS_OF[op.kind], 0);
      b.addFieldOffset(F.operator.builtinOptions, options, 0);
    }
    return b.endObject();
  });

  const tensors = offsetVector(tensorOffsets);
  const sgInputs = int32Vector(model.inputs);
  const sgOutputs = int32Vector(model.outputs);
  const operators = offsetVector(opOffsets);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(F.subgraph.tensors, tensors, 0);
  b.addFieldOffset(F.subgraph.inputs, sgInputs, 0);
  b.addFieldOffset(F.subgraph.outputs, sgOutputs, 0);
  b.addFieldOffset(F.subgraph.operators, operators, 0);
  b.addFieldOffset(F.subgraph.name, sgName, 0);
  const subgraph = b.endObject();

  const codes = offsetVector(codeOffsets);
  const subgraphs = offsetVector([subgraph]);
  const description = b.createString(model.description);
  const buffers = offsetVector(bufferOffsets);
  b.startObject(8);
  b.addFieldInt32(F.model.version, SCHEMA_VERSION, -1); // always written (a default would be omitted)
  b.addFieldOffset(F.model.operatorCodes, codes, 0);
  b.addFieldOffset(F.model.subgraphs, subgraphs, 0);
  b.addFieldOffset(F.model.description, description, 0);
  b.addFieldOffset(F.model.buffers, buffers, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

function writeTensor(b: Builder, t: ImportedTensor, buffer: number, int32Vector: (v: readonly number[]) => number): number {
  const code = TYPE_CODE[t.dtype];
  if (code === undefined) throw new Error(`cannot write tensor ${t.index} of type ${t.dtype}`);
  const shape = int32Vector(t.shape);
  const name = b.createString(t.name);
  let quant = 0;
  if (t.quant) {
    const { scales, zeroPoints, axis } = t.quant;
    b.startVector(4, scales.length, 4);
    for (let i = scales.length - 1; i >= 0; i--) b.addFloat32(scales[i]);
    const scaleVec = b.endVector();
    b.startVector(8, zeroPoints.length, 8);
    for (let i = zeroPoints.length - 1; i >= 0; i--) b.addInt64(BigInt(zeroPoints[i]));
    const zpVec = b.endVector();
    b.startObject(7);
    b.addFieldOffset(F.quantization.scale, scaleVec, 0);
    b.addFieldOffset(F.quantization.zeroPoint, zpVec, 0);
    b.addFieldInt32(F.quantization.quantizedDimension, axis, 0);
    quant = b.endObject();
  }
  b.startObject(9);
  b.addFieldOffset(F.tensor.shape, shape, 0);
  b.addFieldInt8(F.tensor.type, code, 0);
  b.addFieldInt32(F.tensor.buffer, buffer, 0);
  b.addFieldOffset(F.tensor.name, name, 0);
  if (quant) b.addFieldOffset(F.tensor.quantization, quant, 0);
  return b.endObject();
}

const act = (a: FusedActivation): number => {
  const code = ACTIVATION_NAMES.indexOf(a);
  if (code < 0) throw new Error(`cannot write the fused activation ${a}`);
  return code;
};
const pad = (p: 'SAME' | 'VALID') => (p === 'SAME' ? Padding.SAME : Padding.VALID);

/** The options table of an op, or null when its options are empty. */
function writeOptions(b: Builder, op: Exclude<ImportedOp, { kind: 'UNSUPPORTED' }>, int32Vector: (v: readonly number[]) => number): number | null {
  switch (op.kind) {
    case 'CONV_2D': {
      const o = op.options;
      b.startObject(7);
      b.addFieldInt8(F.conv2d.padding, pad(o.padding), -1);
      b.addFieldInt32(F.conv2d.strideW, o.strideW, 0);
      b.addFieldInt32(F.conv2d.strideH, o.strideH, 0);
      b.addFieldInt8(F.conv2d.activation, act(o.activation), 0);
      b.addFieldInt32(F.conv2d.dilationW, o.dilationW, 1);
      b.addFieldInt32(F.conv2d.dilationH, o.dilationH, 1);
      return b.endObject();
    }
    case 'DEPTHWISE_CONV_2D': {
      const o = op.options;
      b.startObject(7);
      b.addFieldInt8(F.depthwise.padding, pad(o.padding), -1);
      b.addFieldInt32(F.depthwise.strideW, o.strideW, 0);
      b.addFieldInt32(F.depthwise.strideH, o.strideH, 0);
      b.addFieldInt32(F.depthwise.depthMultiplier, o.depthMultiplier, 0);
      b.addFieldInt8(F.depthwise.activation, act(o.activation), 0);
      b.addFieldInt32(F.depthwise.dilationW, o.dilationW, 1);
      b.addFieldInt32(F.depthwise.dilationH, o.dilationH, 1);
      return b.endObject();
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const o = op.options;
      b.startObject(6);
      b.addFieldInt8(F.pool2d.padding, pad(o.padding), -1);
      b.addFieldInt32(F.pool2d.strideW, o.strideW, 0);
      b.addFieldInt32(F.pool2d.strideH, o.strideH, 0);
      b.addFieldInt32(F.pool2d.filterW, o.filterW, 0);
      b.addFieldInt32(F.pool2d.filterH, o.filterH, 0);
      b.addFieldInt8(F.pool2d.activation, act(o.activation), 0);
      return b.endObject();
    }
    case 'FULLY_CONNECTED': {
      if (op.options.shuffledWeights) throw new Error('cannot write shuffled FULLY_CONNECTED weights');
      b.startObject(5);
      b.addFieldInt8(F.fullyConnected.activation, act(op.options.activation), 0);
      b.addFieldInt8(F.fullyConnected.keepNumDims, op.options.keepNumDims ? 1 : 0, 0);
      return b.endObject();
    }
    case 'ADD':
      b.startObject(2);
      b.addFieldInt8(F.add.activation, act(op.options.activation), 0);
      return b.endObject();
    case 'CONCATENATION':
      b.startObject(2);
      b.addFieldInt32(F.concatenation.axis, op.options.axis, 0);
      b.addFieldInt8(F.concatenation.activation, act(op.options.activation), 0);
      return b.endObject();
    case 'MEAN':
      b.startObject(1);
      b.addFieldInt8(F.reducer.keepDims, op.options.keepDims ? 1 : 0, 0);
      return b.endObject();
    case 'RESHAPE': {
      const shape = op.options.newShape ? int32Vector(op.options.newShape) : 0;
      b.startObject(1);
      if (shape) b.addFieldOffset(F.reshape.newShape, shape, 0);
      return b.endObject();
    }
    case 'SQUEEZE': {
      const dims = int32Vector(op.options.squeezeDims);
      b.startObject(1);
      b.addFieldOffset(F.squeeze.squeezeDims, dims, 0);
      return b.endObject();
    }
    case 'SOFTMAX':
      b.startObject(1);
      b.addFieldFloat32(F.softmax.beta, op.options.beta, Number.NaN);
      return b.endObject();
    case 'PAD':
    case 'TRANSPOSE':
    case 'LOG_SOFTMAX':
    case 'QUANTIZE':
    case 'DEQUANTIZE':
      b.startObject(0);
      return b.endObject();
  }
}

