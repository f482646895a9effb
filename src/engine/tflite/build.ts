/**
 * Assembling an ImportedModel in code (tensor by tensor, op by op), for the writer: the project's
 * own test models, trained models exported as .tflite, and crafted models in tests.
 */
import type { ImportedModel, ImportedOp, ImportedTensor, OpOptions, QuantParams, TensorDType } from './model.ts';

type Options<K extends OpOptions['kind']> = Extract<OpOptions, { kind: K }>['options'];

export class TfliteModelBuilder {
  readonly tensors: ImportedTensor[] = [];
  readonly ops: ImportedOp[] = [];
  inputs: number[] = [];
  outputs: number[] = [];

  /**
   * Add a tensor; `data` makes it a constant (stored little-endian). Scales are kept as the float32
   * values the file stores, so the built model equals what the writer's file reads back as.
   */
  tensor(name: string, shape: number[], dtype: TensorDType, quant: QuantParams | { scale: number; zeroPoint: number } | null = null, data?: Int8Array | Int32Array | Float32Array): number {
    const q: QuantParams | null = quant === null ? null : 'scales' in quant
      ? { ...quant, scales: quant.scales.map(Math.fround) }
      : { scales: [Math.fround(quant.scale)], zeroPoints: [quant.zeroPoint], axis: 0 };
    const bytes = data ? new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) : null;
    this.tensors.push({ index: this.tensors.length, name, shape, dtype, quant: q, data: bytes });
    return this.tensors.length - 1;
  }

  op<K extends Exclude<OpOptions['kind'], 'UNSUPPORTED'>>(kind: K, options: Options<K>, inputs: number[], outputs: number[]): void {
    this.ops.push({ kind, options, index: this.ops.length, inputs, outputs } as ImportedOp);
  }

  model(file: string, description = ''): ImportedModel {
    return { file, description, tensors: this.tensors, ops: this.ops, inputs: this.inputs, outputs: this.outputs };
  }
}
