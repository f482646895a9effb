/**
 * The copies of ops/concat.ts and ops/reshape.ts. `concat` copies each int8 input into its run of the
 * output (NCHW: a channel concatenation is a concatenation of contiguous runs; one scale and zero
 * point, so no rescaling), in C one tt_concat per input; `concat_bwd` copies one input's run of the
 * output gradient out (tt_split). `view` is a reshape: its output shares its input's arena buffer,
 * so it emits no C; the TypeScript reference copies, which is nothing in the arena (the same bytes)
 * and the value itself where every tensor has a buffer of its own (runtime/executor.ts runReference).
 */
import type { KernelDef, KernelTypes } from './def.ts';
import { NO_BINDING, type Empty } from './def.ts';

/** inputs [x0, x1, ...], outputs [y]: bound, each input's element count. */
export type ConcatTypes = KernelTypes<Empty, { sizes: number[] }>;
/** inputs [gy], outputs [gx]: gx = gy[offset .. offset + n). */
export type ConcatBwdTypes = KernelTypes<{ offset: number }, { n: number }>;
export type ViewTypes = KernelTypes<Empty, Empty>;

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export const concat: KernelDef<'concat'> = {
  bind: (k, b) => {
    const sizes = k.inputs.map((x) => count(b.shape(x)));
    if (sizes.reduce((a, s) => a + s, 0) !== count(b.shape(k.outputs[0]))) throw new Error(`internal: ${k.name}'s inputs do not fill its output`);
    return { sizes };
  },
  reference(k, env) {
    const y = env.buf(k.outputs[0]);
    let off = 0;
    k.inputs.forEach((x, i) => {
      y.set(env.buf(x).subarray(0, k.bound.sizes[i]), off);
      off += k.bound.sizes[i];
    });
  },
  c: {
    functions: ['tt_concat'],
    emit: (k, e) => {
      let off = 0;
      return k.inputs.map((x, i) => {
        const line = `tt_concat(${e.ptr(x)}, ${k.bound.sizes[i]}, ${e.ptr(k.outputs[0])} + ${off});`;
        off += k.bound.sizes[i];
        return line;
      });
    },
    codeBytes: 14,
  },
  kind: 'forward',
  label: 'concat',
};

export const concat_bwd: KernelDef<'concat_bwd'> = {
  bind: (k, b) => ({ n: count(b.shape(k.outputs[0])) }),
  reference(k, env) {
    env.buf(k.outputs[0]).set(env.buf(k.inputs[0]).subarray(k.attrs.offset, k.attrs.offset + k.bound.n));
  },
  c: {
    functions: ['tt_split'],
    emit: (k, e) => [`tt_split(${e.ptr(k.inputs[0])} + ${k.attrs.offset}, ${k.bound.n}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 16,
  },
  kind: 'input-grad',
  label: 'concat gradient (split)',
};

export const view: KernelDef<'view'> = {
  bind: NO_BINDING,
  reference(k, env) {
    const y = env.buf(k.outputs[0]), x = env.buf(k.inputs[0]);
    if (y !== x) y.set(x);
  },
  c: {
    functions: [],
    emit: (k, e) => {
      if (!e.sameBuffer(k.inputs[0], k.outputs[0])) throw new Error(`internal: ${k.name}: a view must share its input's buffer`);
      return [`/* ${k.name}: a view of the same bytes */`];
    },
    codeBytes: 0,
  },
  kind: 'forward',
  label: 'reshape (view)',
};
