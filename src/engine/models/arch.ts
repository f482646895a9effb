/**
 * Architectures of inverted-bottleneck CNNs (MCUNet, MobileNetV2, ProxylessNAS) as plain data:
 * a stem conv, then blocks of pw1 (1x1 expand, ReLU6, absent in the first block) -> dw (k x k
 * depthwise, ReLU6) -> pw2 (1x1 project, linear), with an identity residual where marked.
 */
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
