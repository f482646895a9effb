/**
 * Architectures of inverted-bottleneck CNNs (MCUNet, MobileNetV2, ProxylessNAS) as plain data:
 * a stem conv, then blocks of pw1 (1x1 expand, ReLU6, absent in the first block) -> dw (k x k
 * depthwise, ReLU6) -> pw2 (1x1 project, linear), with an identity residual where marked.
 */
import { InputError } from '../input-error.ts';
import type { PoolStages } from '../ir/graph.ts';
import { ARCH_LIMITS, show } from '../limits.ts';

export interface BlockSpec {
  /** Channels after the expansion (the depthwise conv's width). */
  mid: number;
  /** false for a block with no pw1 (its depthwise conv reads the block input directly). */
  expand: boolean;
  out: number;
  kernel: number;
  stride: number;
  residual: boolean;
}

export interface ArchSpec {
  name: string;
  inChannels: number;
  stem: { out: number; kernel: number; stride: number };
  blocks: BlockSpec[];
  /** How the global pool averages, for an imported .tflite (ir/graph.ts PoolStages); absent: the paper's pool. */
  pool?: PoolStages;
}

/** Compact block notation: [mid, out, kernel, stride, residual?]; mid 0 means "no pw1". */
export type BlockRow = [mid: number, out: number, kernel: number, stride: number, residual?: '+'];

export function archFromRows(name: string, stemOut: number, rows: BlockRow[]): ArchSpec {
  let cin = stemOut;
  const blocks = rows.map(([mid, out, kernel, stride, res]) => {
    const b: BlockSpec = { mid: mid || cin, expand: mid !== 0, out, kernel, stride, residual: res === '+' };
    cin = out;
    return b;
  });
  return { name, inChannels: 3, stem: { out: stemOut, kernel: 3, stride: 2 }, blocks };
}

/** The number of convs in the backbone (stem included, classifier excluded). */
export function convCount(a: ArchSpec): number {
  return 1 + a.blocks.reduce((n, b) => n + (b.expand ? 3 : 2), 0);
}

/**
 * An architecture from untrusted JSON (a .ttw header, a project file): only the known fields are
 * copied, objects and lists are checked to be what they should, and a refusal names the field.
 * The numbers' ranges and the architecture's costs are checked by buildGraph (limits.ts).
 */
export function readArchSpec(v: unknown): ArchSpec {
  const obj = (x: unknown, field: string): Record<string, unknown> => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new InputError(`${field} must be an object, got ${show(x)}`);
    return x as Record<string, unknown>;
  };
  const o = obj(v, 'the architecture');
  if (typeof o.name !== 'string') throw new InputError(`name must be a text, got ${show(o.name)}`);
  const stem = obj(o.stem, 'stem');
  if (!Array.isArray(o.blocks)) throw new InputError(`blocks must be a list, got ${show(o.blocks)}`);
  if (o.blocks.length > ARCH_LIMITS.blocks) throw new InputError(`blocks has ${o.blocks.length} blocks, more than the ${ARCH_LIMITS.blocks} allowed`);
  const POOLS: PoolStages[] = ['hw', 'w,h', 'h,w'];
  if (o.pool !== undefined && !POOLS.includes(o.pool as PoolStages)) throw new InputError(`pool must be one of ${POOLS.join(', ')}, got ${show(o.pool)}`);
  return {
    ...(o.pool === undefined ? {} : { pool: o.pool as PoolStages }),
    name: o.name,
    inChannels: o.inChannels as number,
    stem: { out: stem.out as number, kernel: stem.kernel as number, stride: stem.stride as number },
    blocks: o.blocks.map((b, i) => {
      const x = obj(b, `blocks[${i}]`);
      return { mid: x.mid, expand: x.expand, out: x.out, kernel: x.kernel, stride: x.stride, residual: x.residual } as BlockSpec;
    }),
  };
}
