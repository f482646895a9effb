/**
 * Streamed input: the fused first chain (schedule/fuse-rows.ts) reads the image row by row from a
 * source outside the arena into a ring of as many rows as its first conv is tall, so the whole frame
 * never sits in SRAM. On the device the rows come from the camera's line DMA or a const image in
 * Flash; in the TypeScript runtime from the caller's array. The image tensor becomes `external` (no
 * arena buffer); the ring, counted as input, lives only while the chain runs.
 *
 * Only when nothing else needs the whole image: the chain is the image's only reader (no trained stem
 * saving it for its weight gradient) and no residual add in it reads the image as its skip.
 */
import type { Graph } from '../ir/graph.ts';
import type { Scheduled } from '../program/types.ts';

export interface InputStream {
  /** The chain kernel that reads the image. */
  kernel: string;
  /** Rows of the ring (the first conv's kernel height). */
  rows: number;
  ring: string;
  ringBytes: number;
  imageBytes: number;
}

/** The ring's tensor name. */
export const INPUT_RING = 'input:rows';

export function streamInput(graph: Graph, s: Scheduled): Scheduled & { stream: InputStream | null } {
  const input = graph.input;
  const readers = s.kernels.filter((k) => k.inputs.includes(input));
  const k = readers[0];
  const none = { ...s, stream: null };
  if (readers.length !== 1 || k.op !== 'conv_chain' || k.attrs.adds.some((a) => graph.nodes.find((n) => n.name === a)!.inputs[0] === input) || k.inputs[0] !== input) return none;
  const first = graph.nodes.find((n) => n.name === k.attrs.convs[0])!;
  const rows = graph.tensors[first.inputs[1]].shape[2];
  const [c, h, w] = graph.tensors[input].shape;
  if (rows >= h) return none;
  const bytes = c * rows * w;
  const tensors = { ...s.tensors };
  tensors[INPUT_RING] = { name: INPUT_RING, dtype: 'int8', shape: [c, rows, w], bytes, category: 'input' };
  tensors[input] = { ...tensors[input], external: true };
  const streamed = { ...k, outputs: [...k.outputs, INPUT_RING], attrs: { ...k.attrs, inputRows: rows, ring: INPUT_RING } };
  return {
    kernels: s.kernels.map((x) => (x === k ? streamed : x)), tensors,
    stream: { kernel: k.name, rows, ring: INPUT_RING, ringBytes: bytes, imageBytes: tensors[input].bytes },
  };
}
