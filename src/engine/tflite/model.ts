/**
 * The imported model: what a `.tflite` file says, validated and typed, in TFLite's own terms (NHWC
 * shapes, operators with their options, constant buffers). The reader produces it, the coverage
 * check judges it, the writer prints it, the int8 reference kernels run it. It mirrors the file:
 * operand lists keep the file's order (named operands are given by the kernels that bind them).
 */
import type { SupportedOpName } from './schema.ts';

export type TensorDType =
  | 'float32' | 'float16' | 'int32' | 'uint8' | 'int64' | 'string' | 'bool' | 'int16' | 'complex64' | 'int8'
  | 'float64' | 'complex128' | 'uint64' | 'resource' | 'variant' | 'uint32' | 'uint16' | 'int4';

/** Affine quantization: real = scale * (q - zeroPoint), one entry per channel along `axis` or one for all. */
export interface QuantParams {
  scales: number[];
  zeroPoints: number[];
  /** The dimension the per-channel entries run along (0 when per-tensor). */
  axis: number;
}

export interface ImportedTensor {
  index: number;
  name: string;
  shape: number[];
  dtype: TensorDType;
  quant: QuantParams | null;
  /** Constant contents (little-endian, exactly size x element bytes), or null for a computed tensor. */
  data: Uint8Array | null;
}

export type Padding = 'SAME' | 'VALID';
/** Fused activation. Only NONE, RELU and RELU6 are supported; others are kept by name for the coverage message. */
export type FusedActivation = 'NONE' | 'RELU' | 'RELU6' | 'RELU_N1_TO_1' | 'TANH' | 'SIGN_BIT' | `unknown ${number}`;

export interface ConvOptions { padding: Padding; strideH: number; strideW: number; dilationH: number; dilationW: number; activation: FusedActivation }
export interface DepthwiseOptions extends ConvOptions { depthMultiplier: number }
export interface PoolOptions { padding: Padding; strideH: number; strideW: number; filterH: number; filterW: number; activation: FusedActivation }
export interface FullyConnectedOptions { activation: FusedActivation; keepNumDims: boolean; shuffledWeights: boolean }

export type OpOptions =
  | { kind: 'CONV_2D'; options: ConvOptions }
  | { kind: 'DEPTHWISE_CONV_2D'; options: DepthwiseOptions }
  | { kind: 'AVERAGE_POOL_2D'; options: PoolOptions }
  | { kind: 'MAX_POOL_2D'; options: PoolOptions }
  | { kind: 'FULLY_CONNECTED'; options: FullyConnectedOptions }
  | { kind: 'ADD'; options: { activation: FusedActivation } }
  | { kind: 'CONCATENATION'; options: { axis: number; activation: FusedActivation } }
  | { kind: 'MEAN'; options: { keepDims: boolean } }
  | { kind: 'RESHAPE'; options: { newShape: number[] | null } }
  | { kind: 'SQUEEZE'; options: { squeezeDims: number[] } }
  | { kind: 'PAD'; options: Record<string, never> }
  | { kind: 'TRANSPOSE'; options: Record<string, never> }
  | { kind: 'SOFTMAX'; options: { beta: number } }
  | { kind: 'LOG_SOFTMAX'; options: Record<string, never> }
  | { kind: 'QUANTIZE'; options: Record<string, never> }
  | { kind: 'DEQUANTIZE'; options: Record<string, never> }
  /** An op the project does not run, kept so the coverage check can name it. */
  | { kind: 'UNSUPPORTED'; options: { opName: string } };

export type ImportedOp = OpOptions & {
  /** Position in the file's operator list (messages cite it). */
  index: number;
  /** Tensor indices in the file's order; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
};

export type OpKind = OpOptions['kind'];
export type OpOf<K extends OpKind> = Extract<ImportedOp, { kind: K }>;

// The supported op names and the model's kinds are the same list: a new op is added in both or neither.
const _sameNames: Exclude<OpKind, 'UNSUPPORTED'> extends SupportedOpName ? (SupportedOpName extends OpKind ? true : never) : never = true;
void _sameNames;

export interface ImportedModel {
  /** File name, for messages. */
  file: string;
  description: string;
  tensors: ImportedTensor[];
  /** Subgraph 0's operators in an order where every tensor is produced before it is read. */
  ops: ImportedOp[];
  inputs: number[];
  outputs: number[];
}

/** Bytes per element of the fixed-size dtypes (0 for those without a fixed size). */
export const DTYPE_BYTES: Record<TensorDType, number> = {
  float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, string: 0, bool: 1, int16: 2, complex64: 8, int8: 1,
  float64: 8, complex128: 16, uint64: 8, resource: 0, variant: 0, uint32: 4, uint16: 2, int4: 0,
};

export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A constant tensor's contents as int8 (a copy-free view). */
export function int8Data(t: ImportedTensor): Int8Array {
  if (!t.data || t.dtype !== 'int8') throw new Error(`tensor ${t.index} ("${t.name}") is not a constant int8 tensor`);
  return new Int8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** A constant tensor's contents as int32 (copied: file data need not be 4-byte aligned in memory). */
export function int32Data(t: ImportedTensor): Int32Array {
  if (!t.data || t.dtype !== 'int32') throw new Error(`tensor ${t.index} ("${t.name}") is not a constant int32 tensor`);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Int32Array(t.data.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, true);
  return out;
}

/**
 * A name from the file as messages show it: control characters (a line break among them) as '?',
 * at most 80 characters, so that a hostile name cannot stretch one sentence or break it into lines.
 */
export function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
}

/** How messages name a tensor: its index and name. */
export function tensorLabel(t: ImportedTensor): string {
  return t.name ? `tensor ${t.index} ("${shownName(t.name)}")` : `tensor ${t.index}`;
}

/** How messages name an op: its position, kind and first output's name. */
export function opLabel(model: ImportedModel, op: ImportedOp): string {
  const kind = op.kind === 'UNSUPPORTED' ? op.options.opName : op.kind;
  const out = op.outputs[0] !== undefined ? model.tensors[op.outputs[0]] : undefined;
  return out?.name ? `operator ${op.index} (${shownName(kind)}, output "${shownName(out.name)}")` : `operator ${op.index} (${shownName(kind)})`;
}
