/**
 * The `.tflite` reader: bytes -> a validated ImportedModel (subgraph 0). Every offset, length and
 * count is checked against the file and the limits before it is used; a file that lies is refused
 * with one ModelFileError sentence naming the file and what is wrong. `readTflite` also runs the
 * coverage check, so a model it returns is one the project can run.
 */
import { ModelFileError } from '../io/errors.ts';
import { FlatFile, type Table } from './flatbuffer.ts';
import { TFLITE_LIMITS as L } from '../limits.ts';
import {
  DTYPE_BYTES, numElements, shownName, type ImportedModel, type ImportedOp, type ImportedTensor, type QuantParams, type TensorDType,
  type FusedActivation, type Padding as PaddingName, type OpOptions,
} from './model.ts';
import {
  ACTIVATION_NAMES, BUILTIN_OP_NAMES, F, FILE_IDENTIFIER, OPTIONS_OF, Op, Options, Padding, SCHEMA_VERSION,
  TENSOR_TYPE_NAMES, type SupportedOpName,
} from './schema.ts';
import { coverageProblem } from './coverage.ts';

const OP_NAME_BY_CODE = new Map<number, SupportedOpName>(Object.entries(Op).map(([k, v]) => [v, k as SupportedOpName]));

/** Read a `.tflite` file and refuse it unless every op, dtype and shape in it is supported. */
export function readTflite(bytes: Uint8Array, file: string): ImportedModel {
  const model = parseTflite(bytes, file);
  const problem = coverageProblem(model);
  if (problem) throw new ModelFileError(problem);
  return model;
}

/** Read the structure of a `.tflite` file, validated but without the coverage check. */
export function parseTflite(bytes: Uint8Array, file: string): ImportedModel {
  const fail = (what: string): never => {
    throw new ModelFileError(`${file} is not a valid .tflite file: ${what}.`);
  };
  // Every read is bounds-checked: any exception other than the refusal above is a defect of this
  // reader and escapes as one (the fuzz suite, tests/fuzz, holds the reader to that).
  return parse(bytes, file, fail);
}

function parse(bytes: Uint8Array, file: string, fail: (what: string) => never): ImportedModel {
  if (bytes.length > L.maxFileBytes) fail(`it has ${bytes.length} bytes, more than the ${L.maxFileBytes}-byte limit`);
  if (bytes.length < 8) fail(`it has only ${bytes.length} bytes`);
  const ident = String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]);
  if (ident !== FILE_IDENTIFIER) fail(`bytes 4-8 are not the "${FILE_IDENTIFIER}" identifier of a TensorFlow Lite model`);
  const f = new FlatFile(bytes, fail);
  const root = f.root('the model table');

  const version = root.uint32(F.model.version, 'version');
  if (version !== SCHEMA_VERSION) fail(`the schema version is ${version}, not ${SCHEMA_VERSION}`);
  const description = root.string(F.model.description, 'description', L.maxStringBytes) ?? '';

  // Operator codes: the effective code is the larger of the byte-sized deprecated field and the int field.
  const opcodes = (root.tables(F.model.operatorCodes, 'operator_codes', L.maxOperatorCodes, (i) => `operator code ${i}`) ?? []).map((t, i) => {
    const deprecated = t.int8(F.operatorCode.deprecatedBuiltinCode, 'deprecated_builtin_code');
    const code = Math.max(deprecated, t.int32(F.operatorCode.builtinCode, 'builtin_code'));
    if (code < 0) fail(`operator code ${i} has the negative builtin code ${code}`);
    const custom = t.string(F.operatorCode.customCode, 'custom_code', L.maxStringBytes);
    const name = BUILTIN_OP_NAMES[code] === 'CUSTOM' && custom ? `CUSTOM "${shownName(custom)}"` : (BUILTIN_OP_NAMES[code] ?? `builtin op ${code}`);
    return { code, name };
  });

  const buffers = (root.tables(F.model.buffers, 'buffers', L.maxBuffers, (i) => `buffer ${i}`) ?? []).map((t, i) => readBuffer(f, t, i));

  const subgraphs = root.tables(F.model.subgraphs, 'subgraphs', L.maxSubgraphs, (i) => `subgraph ${i}`);
  if (!subgraphs || subgraphs.length === 0) fail('it has no subgraph');
  const sg = subgraphs[0];

  const tensorTables = sg.tables(F.subgraph.tensors, 'tensors', L.maxTensors, (i) => `tensor ${i}`) ?? [];
  const tensors = tensorTables.map((t, i) => readTensor(t, i, buffers, fail));
  const nT = tensors.length;

  const indexList = (t: Table, field: number, name: string, what: string, allowOmitted: boolean): number[] => {
    const list = t.int32s(field, name, L.maxOperands) ?? [];
    for (const k of list) {
      if (!(k < nT && (k >= 0 || (allowOmitted && k === -1)))) fail(`${what} names tensor ${k}, but the subgraph has ${nT} tensors`);
    }
    return list;
  };

  const inputs = indexList(sg, F.subgraph.inputs, 'inputs', 'the subgraph input list', false);
  const outputs = indexList(sg, F.subgraph.outputs, 'outputs', 'the subgraph output list', false);

  const opTables = sg.tables(F.subgraph.operators, 'operators', L.maxOperators, (i) => `operator ${i}`) ?? [];
  const ops: ImportedOp[] = opTables.map((t, i) => {
    const opcodeIndex = t.uint32(F.operator.opcodeIndex, 'opcode_index');
    if (opcodeIndex >= opcodes.length) fail(`operator ${i} uses operator code ${opcodeIndex}, but the model has ${opcodes.length}`);
    const opInputs = indexList(t, F.operator.inputs, 'inputs', `operator ${i}'s input list`, true);
    const opOutputs = indexList(t, F.operator.outputs, 'outputs', `operator ${i}'s output list`, false);
    const { code, name } = opcodes[opcodeIndex];
    const kind = OP_NAME_BY_CODE.get(code);
    const options: OpOptions = kind ? readOptions(t, i, kind, fail) : { kind: 'UNSUPPORTED', options: { opName: name } };
    return { ...options, index: i, inputs: opInputs, outputs: opOutputs } as ImportedOp;
  });

  return { file, description, tensors, ops: topologicalOrder(ops, tensors, inputs, outputs, fail), inputs, outputs };
}

interface BufferData {
  data: Uint8Array | null;
}

function readBuffer(f: FlatFile, t: Table, i: number): BufferData {
  const inline = t.bytes(F.buffer.data, 'data', L.maxFileBytes);
  // Files over 2 GB keep buffer contents after the flatbuffer, at an offset from the file start (valid if > 1).
  const offset = t.uint64(F.buffer.offset, 'offset');
  const size = t.uint64(F.buffer.size, 'size');
  if (offset > 1) {
    if (inline && inline.length > 0) f.fail(`buffer ${i} has both inline data and an external offset`);
    f.need(offset, size, `the data of buffer ${i}`);
    return { data: f.bytes.subarray(offset, offset + size) };
  }
  return { data: inline && inline.length > 0 ? inline : null };
}

function readTensor(t: Table, i: number, buffers: BufferData[], fail: (what: string) => never): ImportedTensor {
  const name = t.string(F.tensor.name, 'name', L.maxStringBytes) ?? '';
  const label = name ? `tensor ${i} ("${shownName(name)}")` : `tensor ${i}`;
  const shape = t.int32s(F.tensor.shape, 'shape', L.maxRank) ?? [];
  for (const d of shape) if (d < 0) fail(`${label} has the negative dimension ${d} in its shape [${shape.join(', ')}]`);
  const n = numElements(shape);
  if (n > L.maxTensorElements) fail(`${label} has ${n} elements, more than the limit of ${L.maxTensorElements}`);
  const typeCode = t.int8(F.tensor.type, 'type');
  const dtype = TENSOR_TYPE_NAMES[typeCode] as TensorDType | undefined;
  if (dtype === undefined) fail(`${label} has the unknown element type ${typeCode}`);

  const bufferIndex = t.uint32(F.tensor.buffer, 'buffer');
  if (bufferIndex !== 0 && bufferIndex >= buffers.length) fail(`${label} uses buffer ${bufferIndex}, but the model has ${buffers.length}`);
  const data = bufferIndex === 0 ? null : (buffers[bufferIndex]?.data ?? null);
  if (data) {
    const bytes = DTYPE_BYTES[dtype];
    if (bytes === 0) fail(`${label} of type ${dtype} has constant data, which this reader cannot size`);
    if (data.length !== n * bytes) fail(`${label} has ${data.length} bytes of data, but its shape [${shape.join(', ')}] of ${dtype} needs ${n * bytes}`);
  }

  let quant: QuantParams | null = null;
  const q = t.table(F.tensor.quantization, 'quantization');
  if (q) {
    if (q.uint8(F.quantization.detailsType, 'details_type') !== 0) fail(`${label} uses custom quantization details`);
    const scales = q.float32s(F.quantization.scale, 'scale', L.maxQuantChannels);
    const zeroPoints = q.int64sAsInt32(F.quantization.zeroPoint, 'zero_point', L.maxQuantChannels);
    const axis = q.int32(F.quantization.quantizedDimension, 'quantized_dimension');
    if (scales && scales.length > 0) {
      const zps = zeroPoints && zeroPoints.length > 0 ? zeroPoints : scales.map(() => 0);
      if (zps.length !== scales.length) fail(`${label} has ${scales.length} quantization scales but ${zps.length} zero points`);
      for (const s of scales) if (!(Number.isFinite(s) && s > 0)) fail(`${label} has the quantization scale ${s}; scales must be positive and finite`);
      if (scales.length > 1) {
        if (!(axis >= 0 && axis < shape.length)) fail(`${label} is quantized along dimension ${axis}, but it has ${shape.length}`);
        if (shape[axis] !== scales.length) fail(`${label} has ${scales.length} quantization scales for the ${shape[axis]} entries of dimension ${axis}`);
      }
      quant = { scales, zeroPoints: zps, axis: scales.length > 1 ? axis : 0 };
    }
  }
  if (t.has(F.tensor.sparsity)) fail(`${label} is sparse, which this reader does not support`);
  const signature = t.int32s(F.tensor.shapeSignature, 'shape_signature', L.maxRank);
  if (signature && signature.some((d) => d < 0)) fail(`${label} has a dynamic shape [${signature.join(', ')}]; export the model with fixed shapes`);
  return { index: i, name, shape, dtype, quant, data };
}

function activation(code: number): FusedActivation {
  return (ACTIVATION_NAMES[code] as FusedActivation | undefined) ?? `unknown ${code}`;
}

function readOptions(op: Table, i: number, kind: SupportedOpName, fail: (what: string) => never): OpOptions {
  const type = op.uint8(F.operator.builtinOptionsType, 'builtin_options_type');
  const expected = OPTIONS_OF[kind];
  if (type !== Options.NONE && type !== expected) fail(`operator ${i} (${kind}) carries options of type ${type}, not ${expected}`);
  const t = type === Options.NONE ? null : op.table(F.operator.builtinOptions, 'builtin_options');
  const what = `operator ${i} (${kind})`;
  const padding = (field: number): PaddingName => {
    const p = t?.int8(field, 'padding') ?? 0;
    if (p !== Padding.SAME && p !== Padding.VALID) fail(`${what} has the unknown padding ${p}`);
    return p === Padding.SAME ? 'SAME' : 'VALID';
  };
  const positive = (v: number, name: string): number => {
    if (!(v >= 1 && v <= 65_535)) fail(`${what} has ${name} ${v}; it must be between 1 and 65535`);
    return v;
  };
  switch (kind) {
    case 'CONV_2D': {
      const o = F.conv2d;
      return { kind, options: {
        padding: padding(o.padding), strideW: positive(t?.int32(o.strideW, 'stride_w') ?? 0, 'stride_w'),
        strideH: positive(t?.int32(o.strideH, 'stride_h') ?? 0, 'stride_h'), activation: activation(t?.int8(o.activation, 'fused_activation_function') ?? 0),
        dilationW: positive(t?.int32(o.dilationW, 'dilation_w_factor', 1) ?? 1, 'dilation_w_factor'),
        dilationH: positive(t?.int32(o.dilationH, 'dilation_h_factor', 1) ?? 1, 'dilation_h_factor'),
      } };
    }
    case 'DEPTHWISE_CONV_2D': {
      const o = F.depthwise;
      const dm = t?.int32(o.depthMultiplier, 'depth_multiplier') ?? 0;
      if (dm < 0) fail(`${what} has the negative depth multiplier ${dm}`);
      return { kind, options: {
        padding: padding(o.padding), strideW: positive(t?.int32(o.strideW, 'stride_w') ?? 0, 'stride_w'),
        strideH: positive(t?.int32(o.strideH, 'stride_h') ?? 0, 'stride_h'), depthMultiplier: dm,
        activation: activation(t?.int8(o.activation, 'fused_activation_function') ?? 0),
        dilationW: positive(t?.int32(o.dilationW, 'dilation_w_factor', 1) ?? 1, 'dilation_w_factor'),
        dilationH: positive(t?.int32(o.dilationH, 'dilation_h_factor', 1) ?? 1, 'dilation_h_factor'),
      } };
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const o = F.pool2d;
      return { kind, options: {
        padding: padding(o.padding), strideW: positive(t?.int32(o.strideW, 'stride_w') ?? 0, 'stride_w'),
        strideH: positive(t?.int32(o.strideH, 'stride_h') ?? 0, 'stride_h'),
        filterW: positive(t?.int32(o.filterW, 'filter_width') ?? 0, 'filter_width'),
        filterH: positive(t?.int32(o.filterH, 'filter_height') ?? 0, 'filter_height'),
        activation: activation(t?.int8(o.activation, 'fused_activation_function') ?? 0),
      } };
    }
    case 'FULLY_CONNECTED': {
      const o = F.fullyConnected;
      return { kind, options: {
        activation: activation(t?.int8(o.activation, 'fused_activation_function') ?? 0),
        shuffledWeights: (t?.int8(o.weightsFormat, 'weights_format') ?? 0) !== 0,
        keepNumDims: t?.bool(o.keepNumDims, 'keep_num_dims') ?? false,
      } };
    }
    case 'ADD':
      return { kind, options: { activation: activation(t?.int8(F.add.activation, 'fused_activation_function') ?? 0) } };
    case 'CONCATENATION':
      return { kind, options: {
        axis: t?.int32(F.concatenation.axis, 'axis') ?? 0,
        activation: activation(t?.int8(F.concatenation.activation, 'fused_activation_function') ?? 0),
      } };
    case 'MEAN':
      return { kind, options: { keepDims: t?.bool(F.reducer.keepDims, 'keep_dims') ?? false } };
    case 'RESHAPE':
      return { kind, options: { newShape: t?.int32s(F.reshape.newShape, 'new_shape', L.maxRank) ?? null } };
    case 'SQUEEZE':
      return { kind, options: { squeezeDims: t?.int32s(F.squeeze.squeezeDims, 'squeeze_dims', L.maxRank) ?? [] } };
    case 'SOFTMAX': {
      const beta = t?.float32(F.softmax.beta, 'beta') ?? 0;
      if (!Number.isFinite(beta)) fail(`${what} has the softmax beta ${beta}`);
      return { kind, options: { beta } };
    }
    case 'PAD':
    case 'TRANSPOSE':
    case 'LOG_SOFTMAX':
    case 'QUANTIZE':
    case 'DEQUANTIZE':
      return { kind, options: {} };
  }
}

/**
 * The operators in an order where each reads only constants, subgraph inputs and tensors already
 * written (the file's order when it already is one, which TFLite requires). Refuses a tensor written
 * twice, a subgraph input that an op writes, a read of a tensor nothing writes, and a cycle.
 */
function topologicalOrder(ops: ImportedOp[], tensors: ImportedTensor[], inputs: number[], outputs: number[], fail: (what: string) => never): ImportedOp[] {
  const writer = new Int32Array(tensors.length).fill(-1);
  for (const op of ops) {
    for (const t of op.outputs) {
      if (writer[t] >= 0) fail(`tensor ${t} is written by both operator ${writer[t]} and operator ${op.index}`);
      if (tensors[t].data) fail(`operator ${op.index} writes tensor ${t}, which is a constant`);
      writer[t] = op.index;
    }
  }
  const isInput = new Uint8Array(tensors.length);
  for (const t of inputs) {
    if (writer[t] >= 0) fail(`subgraph input tensor ${t} is also written by operator ${writer[t]}`);
    isInput[t] = 1;
  }
  for (const op of ops) {
    for (const t of op.inputs) {
      if (t >= 0 && writer[t] < 0 && !isInput[t] && !tensors[t].data) {
        fail(`operator ${op.index} reads tensor ${t}, which is neither a constant, a subgraph input, nor written by any operator`);
      }
    }
  }
  for (const t of outputs) {
    if (writer[t] < 0 && !isInput[t]) fail(`subgraph output tensor ${t} is not written by any operator`);
  }
  // A valid file lists its operators in execution order already: keep that order.
  const done = new Uint8Array(ops.length);
  const readyAt = (op: ImportedOp) => op.inputs.every((t) => t < 0 || writer[t] < 0 || done[writer[t]]);
  if (ops.every((op) => (readyAt(op) ? (done[op.index] = 1) : 0))) return ops;
  // Otherwise Kahn's algorithm (an op waits for each distinct op it reads from).
  done.fill(0);
  const sources = ops.map((op) => [...new Set(op.inputs.filter((t) => t >= 0 && writer[t] >= 0).map((t) => writer[t]))]);
  const pending = sources.map((s) => s.length);
  const readers = ops.map(() => [] as number[]);
  sources.forEach((s, i) => s.forEach((w) => readers[w].push(i)));
  const queue = ops.filter((op) => pending[op.index] === 0).map((op) => op.index);
  for (let head = 0; head < queue.length; head++) for (const r of readers[queue[head]]) if (--pending[r] === 0) queue.push(r);
  if (queue.length !== ops.length) {
    const stuck = ops.find((op) => pending[op.index] > 0)!;
    fail(`operator ${stuck.index} is part of a cycle (it reads, through other operators, its own output)`);
  }
  return queue.map((i) => ops[i]);
}
