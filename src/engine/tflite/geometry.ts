/**
 * TFLite's spatial geometry, defined once: output size and the leading padding of a window op
 * (conv, depthwise conv, pooling) under SAME or VALID padding. SAME puts the odd extra row/column
 * of padding at the bottom/right, and the kernels only need the leading side.
 */
import type { Padding } from './model.ts';

/** Output length of one spatial dimension (0 when the window does not fit). */
export function windowOutSize(input: number, filter: number, stride: number, dilation: number, padding: Padding): number {
  const effective = (filter - 1) * dilation + 1;
  if (padding === 'SAME') return Math.floor((input + stride - 1) / stride);
  return input >= effective ? Math.floor((input - effective) / stride) + 1 : 0;
}

/** Padding before the first element of one spatial dimension. */
export function windowPadBefore(input: number, filter: number, stride: number, dilation: number, padding: Padding): number {
  const out = windowOutSize(input, filter, stride, dilation, padding);
  const effective = (filter - 1) * dilation + 1;
  return Math.max(0, Math.floor(((out - 1) * stride + effective - input) / 2));
}
