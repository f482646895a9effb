/** Tensors of the graph IR: a name, a shape, a dtype and, for quantized values, scale and zero point. */

export type DType = 'int8' | 'int32' | 'float32';

/**
 * What a tensor is, which decides where it lives on the device:
 * activations in the SRAM arena, frozen parameters in Flash, trained parameters in SRAM.
 */
export type TensorKind = 'input' | 'label' | 'activation' | 'weight' | 'bias' | 'scales' | 'output';

/** Per-tensor affine quantization: real = scale * (q - zeroPoint). */
export interface QParams {
  scale: number;
  zeroPoint: number;
}

export interface Tensor {
  name: string;
  kind: TensorKind;
  /** Activations are [C, H, W] (batch 1, as on the device); weights OIHW; biases and scales [C]. */
  shape: number[];
  dtype: DType;
  /** Activation quantization (int8 activations only). Weights use per-channel scales held in a `scales` tensor. */
  q?: QParams;
}

/** Tensor storage; Uint8Array holds packed 1-bit masks. */
export type TypedArray = Int8Array | Uint8Array | Int32Array | Float32Array;

export function bytesPerElement(dtype: DType): number {
  return dtype === 'int8' ? 1 : 4;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensorBytes(t: Pick<Tensor, 'shape' | 'dtype'>): number {
  return numel(t.shape) * bytesPerElement(t.dtype);
}

export function allocate(dtype: DType, n: number): TypedArray {
  if (dtype === 'int8') return new Int8Array(n);
  if (dtype === 'int32') return new Int32Array(n);
  return new Float32Array(n);
}

export function dtypeOf(a: TypedArray): DType | 'bit' {
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bit';
  return 'float32';
}

export function formatShape(shape: readonly number[]): string {
  return shape.join('x');
}
