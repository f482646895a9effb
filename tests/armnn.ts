// Runs a .tflite model with Arm NN's TFLite parser on the CpuRef backend (scripts/armnn-run.py,
// Debian's python3-pyarmnn): the independent interpreter the project's int8 forward is checked
// against. Tests guard with requireTool('pyarmnn') first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/armnn-run.py', import.meta.url));

export interface ArmnnTensorInfo {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int8' | 'uint8' | 'int32';
  scale: number;
  zeroPoint: number;
}

export type ArmnnValues = Float32Array | Int8Array | Uint8Array | Int32Array;

export interface ArmnnRun {
  input: ArmnnTensorInfo;
  outputs: ArmnnTensorInfo[];
  /** values[sample][output], in the subgraph's output order. */
  values: ArmnnValues[][];
}

const ARRAY = { float32: Float32Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array } as const;

/** Run `model` on each input sample (each in the model input's dtype, NHWC). Throws Arm NN's one-line error. */
export function runArmnn(model: Uint8Array, samples: readonly ArmnnValues[]): ArmnnRun {
  const dir = mkdtempSync(join(tmpdir(), 'armnn-'));
  try {
    const paths = { model: join(dir, 'model.tflite'), input: join(dir, 'in.bin'), output: join(dir, 'out.bin') };
    writeFileSync(paths.model, model);
    const total = samples.reduce((s, x) => s + x.byteLength, 0);
    const input = new Uint8Array(total);
    let at = 0;
    for (const x of samples) {
      input.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), at);
      at += x.byteLength;
    }
    writeFileSync(paths.input, input);
    writeFileSync(join(dir, 'req.json'), JSON.stringify({ ...paths, count: samples.length }));
    const r = spawnSync('/usr/bin/python3', [SCRIPT, join(dir, 'req.json')], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error((r.stderr || r.error?.message || 'Arm NN failed').trim().split('\n').pop());
    const line = r.stdout.split('\n').filter((l) => l.startsWith('{')).pop();
    if (!line) throw new Error(`scripts/armnn-run.py printed no description: ${r.stdout}`);
    const desc = JSON.parse(line) as { input: ArmnnTensorInfo; outputs: ArmnnTensorInfo[] };
    const bytes = readFileSync(paths.output);
    const values: ArmnnValues[][] = [];
    let off = 0;
    for (let i = 0; i < samples.length; i++) {
      const row: ArmnnValues[] = [];
      for (const o of desc.outputs) {
        const A = ARRAY[o.dtype];
        const n = o.shape.reduce((a, b) => a * b, 1);
        const copy = Uint8Array.prototype.slice.call(bytes, off, off + n * A.BYTES_PER_ELEMENT); // a real copy (Buffer.slice is a view)
        row.push(new A(copy.buffer, 0, n));
        off += n * A.BYTES_PER_ELEMENT;
      }
      values.push(row);
    }
    return { ...desc, values };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import type { ImportedModel, ImportedOp, ImportedTensor } from '../src/engine/tflite/model.ts';

/**
 * The model as Arm NN 20.08 (Debian's build) must be given it to compute TFLite's semantics: its
 * TFLite parser pads an int8 tensor with 0 instead of the tensor's zero point (the quantized 0.0;
 * later Arm NN releases fixed this), so each int8 PAD is expressed as DEQUANTIZE -> float PAD (pads
 * with 0.0) -> QUANTIZE at the same scale and zero point, which is exact. `outputs` makes chosen
 * tensors the subgraph outputs (Arm NN returns subgraph outputs only); ops they do not need are
 * dropped (so a LOG_SOFTMAX after them, which Arm NN refuses, goes).
 */
export function forArmnn(model: ImportedModel, outputs: number[] = model.outputs): ImportedModel {
  const tensors: ImportedTensor[] = [...model.tensors];
  const ops: ImportedOp[] = [];
  const needed = new Set(outputs);
  const kept = new Set<ImportedOp>();
  for (const op of [...model.ops].reverse()) {
    if (op.outputs.some((t) => needed.has(t))) {
      kept.add(op);
      op.inputs.forEach((t) => needed.add(t));
    }
  }
  const addTensor = (like: ImportedTensor, name: string): number => {
    tensors.push({ index: tensors.length, name, shape: like.shape, dtype: 'float32', quant: null, data: null });
    return tensors.length - 1;
  };
  for (const op of model.ops.filter((o) => kept.has(o))) {
    if (op.kind === 'PAD' && model.tensors[op.inputs[0]].dtype === 'int8') {
      const x = model.tensors[op.inputs[0]], y = model.tensors[op.outputs[0]];
      const xf = addTensor(x, `${x.name}/armnn_float`), yf = addTensor(y, `${y.name}/armnn_float`);
      ops.push({ kind: 'DEQUANTIZE', options: {}, index: ops.length, inputs: [x.index], outputs: [xf] });
      ops.push({ kind: 'PAD', options: {}, index: ops.length, inputs: [xf, op.inputs[1]], outputs: [yf] });
      ops.push({ kind: 'QUANTIZE', options: {}, index: ops.length, inputs: [yf], outputs: [y.index] });
    } else {
      ops.push({ ...op, index: ops.length });
    }
  }
  return { ...model, tensors, ops, outputs };
}
