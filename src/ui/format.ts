/** How figures read in the app: compact counts, KB with one decimal, tabular-friendly strings. */

/** 22453504 -> "22.45 M", 469224 -> "469.2 K", 640 -> "640". */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

/** 22453504 -> "22,453,504". */
export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}

const KB = 1024;
const MB = 1024 * 1024;

/** 517720 -> "505.6 KB", 1048576 -> "1 MB", 1572864 -> "1.50 MB", 512 -> "512 B". */
export function formatBytes(n: number): string {
  if (n >= MB) return n % MB === 0 ? `${n / MB} MB` : `${(n / MB).toFixed(2)} MB`;
  if (n >= KB) return n % KB === 0 ? `${n / KB} KB` : `${(n / KB).toFixed(1)} KB`;
  return `${n} B`;
}

/** A fraction as a percentage with one decimal: 0.4937 -> "49.4 %". */
export function formatPercent(fraction: number): string {
  if (fraction > 0 && fraction < 0.001) return '< 0.1 %';
  return `${(fraction * 100).toFixed(1)} %`;
}

/** A quantization scale with five significant digits: 0.0235294 -> "0.023529". */
export function formatScale(scale: number): string {
  if (scale === 0) return '0';
  const a = Math.abs(scale);
  return a < 1e-4 || a >= 1e5 ? scale.toExponential(4) : String(Number(scale.toPrecision(5)));
}

/** "16x64x64": the same notation as `tinytrain info`. */
export { formatShape } from '../engine/ir/tensor.ts';

/** An input of shape [C, H, W] as "H×W" (a keyword-spotting model's 49×10, not its height twice). */
export function formatInputSize(shape: readonly number[]): string {
  return `${shape[shape.length - 2]}×${shape[shape.length - 1]}`;
}
