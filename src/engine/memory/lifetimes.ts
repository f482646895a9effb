/**
 * Buffer lifetimes over the whole training step. Tensors that overwrite another in place share its
 * buffer; a buffer lives from the first kernel that writes it (step 0 for inputs, written before the
 * step) to the last kernel that reads or writes it, and `keep` buffers live to the end (the loss and
 * the logits the host reads back).
 */
import type { Category, Kernel, ProgramTensor } from '../program/types.ts';
import type { Lifetime } from './planner.ts';

export interface Buffer extends Lifetime {
  category: Category;
  members: string[];
}

export function rootOf(tensors: Record<string, ProgramTensor>, name: string): string {
  let n = name;
  for (let guard = 0; tensors[n]?.aliasOf; guard++) {
    if (guard > 1000) throw new Error(`alias cycle at "${name}"`);
    n = tensors[n].aliasOf!;
  }
  return n;
}

/** The category a shared buffer counts under: what it is kept for, the longest-lived reason first. */
const PRIORITY: Category[] = ['input', 'saved', 'mask', 'scratch', 'gradient', 'activation'];

export function bufferLifetimes(tensors: Record<string, ProgramTensor>, kernels: Kernel[], keep: string[] = []): Buffer[] {
  const buffers = new Map<string, Buffer>();
  const touch = (name: string, step: number) => {
    const t = tensors[name];
    if (!t || t.external) return; // a parameter, or an image streamed from outside the arena
    const root = rootOf(tensors, name);
    let b = buffers.get(root);
    if (!b) {
      b = { id: root, bytes: 0, start: step, end: step, category: t.category, members: [] };
      buffers.set(root, b);
    }
    if (!b.members.includes(name)) b.members.push(name);
    b.bytes = Math.max(b.bytes, t.bytes);
    b.start = Math.min(b.start, t.category === 'input' ? 0 : step);
    b.end = Math.max(b.end, step);
    if (PRIORITY.indexOf(t.category) < PRIORITY.indexOf(b.category)) b.category = t.category;
  };
  kernels.forEach((k, i) => {
    for (const n of k.inputs) touch(n, i);
    for (const n of k.outputs) touch(n, i);
  });
  const last = kernels.length - 1;
  for (const n of keep) {
    const b = buffers.get(rootOf(tensors, n));
    if (b) b.end = last;
  }
  return [...buffers.values()];
}
