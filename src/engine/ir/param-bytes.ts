/**
 * Bytes of a graph's parameters by kind (int8 weights, int32 biases, float32 per-channel scales,
 * the float32 head), as they would sit in Flash if every parameter stayed frozen. What the app's
 * Flash bar shows until the memory planner reports a full plan (code and frozen buffers included).
 */
import type { Graph } from './graph.ts';
import { tensorBytes } from './tensor.ts';

export interface ParamBytes {
  weights: number;
  biases: number;
  /** Per-channel weight scales. */
  scales: number;
  total: number;
}

export function paramBytes(g: Graph): ParamBytes {
  const b: ParamBytes = { weights: 0, biases: 0, scales: 0, total: 0 };
  for (const t of Object.values(g.tensors)) {
    const n = tensorBytes(t);
    if (t.kind === 'weight') b.weights += n;
    else if (t.kind === 'bias') b.biases += n;
    else if (t.kind === 'scales') b.scales += n;
    else continue;
    b.total += n;
  }
  return b;
}
