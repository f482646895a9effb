/**
 * What each forward node costs in SRAM under a training program: the bytes of the parameters it
 * trains (static SRAM) and of the arena buffers its kernels write (activations, saved inputs, masks,
 * gradients, scratch), by category. A buffer shared in place is counted once, at the kernel that
 * first writes it. Sizes, not a peak: buffers of different steps can share the same arena bytes.
 */
import type { TrainingProgram } from '../program/compile.ts';

export interface NodeMemory {
  /** Bytes of the parameters this node trains (weights, biases, optimizer state). */
  trained: number;
  /** Bytes of the arena buffers its kernels write, by category. */
  written: Record<string, number>;
  total: number;
}

export function nodeMemory(program: TrainingProgram): Record<string, NodeMemory> {
  const out: Record<string, NodeMemory> = {};
  const at = (node: string) => (out[node] ??= { trained: 0, written: {}, total: 0 });
  for (const t of program.trainable) {
    const m = at(t.node);
    const bytes = t.bytes + (t.optimizer ? t.elements * 4 : 0);
    m.trained += bytes;
    m.total += bytes;
  }
  const seen = new Set<string>();
  for (const k of program.kernels) {
    for (const name of k.outputs) {
      const t = program.tensors[name];
      if (!t || t.aliasOf || t.external || seen.has(name)) continue;
      seen.add(name);
      const m = at(k.node);
      m.written[t.category] = (m.written[t.category] ?? 0) + t.bytes;
      m.total += t.bytes;
    }
  }
  return out;
}
