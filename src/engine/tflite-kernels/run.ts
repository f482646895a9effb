/**
 * Runs an imported model's int8 kernels on one input, a buffer per tensor (no arena: this is the
 * reference the planned executor will be checked against). Returns every tensor's values, so tests
 * can compare intermediate tensors with an independent interpreter.
 */
import { int32Data, int8Data, numElements, type ImportedModel } from '../tflite/model.ts';
import { lowerModel } from './lower.ts';
import { REFERENCE_KERNELS, type KernelIO } from './reference.ts';
import type { TensorValues, TfliteKernel } from './types.ts';

export function runImportedModel(model: ImportedModel, input: Float32Array | Int8Array, kernels: TfliteKernel[] = lowerModel(model)): Map<number, TensorValues> {
  if (model.inputs.length !== 1) throw new Error(`${model.file} has ${model.inputs.length} inputs; the forward feeds exactly one`);
  const inT = model.tensors[model.inputs[0]];
  const want = inT.dtype === 'float32' ? Float32Array : Int8Array;
  if (!(input instanceof want) || input.length !== numElements(inT.shape)) {
    throw new Error(`${model.file} takes ${numElements(inT.shape)} ${inT.dtype} values [${inT.shape.join(', ')}], not ${input.length} ${input.constructor.name} values`);
  }
  const values = new Map<number, TensorValues>([[inT.index, input]]);
  const io: KernelIO = {
    get(t) {
      const v = values.get(t);
      if (v) return v;
      const c = model.tensors[t];
      const data = c.dtype === 'int8' ? int8Data(c) : int32Data(c);
      values.set(t, data);
      return data;
    },
    set(t, v) {
      values.set(t, v);
    },
  };
  for (const k of kernels) (REFERENCE_KERNELS[k.op] as (k: TfliteKernel, io: KernelIO) => void)(k, io);
  return values;
}


