/**
 * How the step-through draws a tensor the runtime's arena held: a grid of channels (C x H x W), each
 * value one square. Int8 activations in grey by their stored value, float gradients on a diverging
 * blue-white-red scale symmetric around zero, clamp masks as black/white bits, other values grey from
 * their minimum to their maximum. Pure: the canvas component only paints the pixels made here.
 */
import type { TypedArray } from '../../engine/ir/tensor.ts';
import type { BufDType } from '../../engine/program/types.ts';

export type DrawKind = 'int8' | 'diverging' | 'mask' | 'range';

export interface Grid {
  channels: number;
  /** Channels drawn (a very large tensor shows its first ones). */
  shown: number;
  h: number;
  w: number;
  cols: number;
  rows: number;
  /** Pixels per value and between channels. */
  cell: number;
  gap: number;
  width: number;
  height: number;
}

/** At most this many pixels across or down (the canvas is scaled down by CSS beyond its box). */
const MAX_SIDE = 1024;
/** Pixels per value at most: a tiny tensor stays small rather than fill the panel with a few squares. */
const MAX_CELL = 10;

/** C x H x W; a flat tensor wraps at 64 values a row. */
export function gridShape(shape: number[]): { c: number; h: number; w: number } {
  if (shape.length === 3) return { c: shape[0], h: shape[1], w: shape[2] };
  const n = shape.reduce((a, b) => a * b, 1);
  const w = Math.min(n, 64);
  return { c: 1, h: Math.ceil(n / w), w };
}

/** Lays out the channels in a near-square grid about `target` pixels wide. */
export function gridLayout(shape: number[], target = 320): Grid {
  const { c, h, w } = gridShape(shape);
  const gap = c > 1 ? 1 : 0;
  let cols = Math.max(1, Math.round(Math.sqrt((c * h) / w)));
  cols = Math.min(c, cols);
  const cell = Math.max(1, Math.min(MAX_CELL, Math.floor((target - (cols - 1) * gap) / (cols * w))));
  let shown = c;
  // Cap the canvas: channels past the cap are left out (the caption says how many are drawn).
  while (shown > 1 && Math.ceil(shown / cols) * (h * cell + gap) > MAX_SIDE) shown = Math.max(1, Math.floor(shown / 2));
  const rows = Math.ceil(shown / cols);
  return { channels: c, shown, h, w, cols, rows, cell, gap, width: Math.min(MAX_SIDE, cols * w * cell + (cols - 1) * gap), height: rows * h * cell + (rows - 1) * gap };
}

/** The element index under pixel (px, py) of the grid, or null between channels or outside. */
export function indexAt(g: Grid, px: number, py: number): number | null {
  const cw = g.w * g.cell + g.gap, ch = g.h * g.cell + g.gap;
  const col = Math.floor(px / cw), row = Math.floor(py / ch);
  const x = Math.floor((px - col * cw) / g.cell), y = Math.floor((py - row * ch) / g.cell);
  const c = row * g.cols + col;
  if (px < 0 || py < 0 || col >= g.cols || c >= g.shown || x >= g.w || y >= g.h) return null;
  return (c * g.h + y) * g.w + x;
}

/** The element's [channel, row, column]. */
export function coordsOf(h: number, w: number, index: number): [number, number, number] {
  const plane = h * w;
  return [Math.floor(index / plane), Math.floor((index % plane) / w), index % w];
}

export function drawKind(dtype: BufDType, category: string): DrawKind {
  if (dtype === 'bit') return 'mask';
  if (dtype === 'int8') return 'int8';
  if (dtype === 'float32' && category === 'gradient') return 'diverging';
  return 'range';
}

/** The number of values a tensor of this shape holds (a mask's bytes hold 8 each). */
export function valueCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The value at `i` (a mask's bit as 0 or 1). */
export function valueAt(values: TypedArray, dtype: BufDType, i: number): number {
  return dtype === 'bit' ? (values[i >> 3] >> (i & 7)) & 1 : values[i];
}

/** Blue (negative) - white (0) - red (positive), t in [-1, 1]. */
export function diverging(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t));
  const far = Math.round(255 * (1 - a));
  return t < 0 ? [far, far, 255] : [255, far, far];
}

export interface Painted {
  grid: Grid;
  rgba: Uint8ClampedArray;
  /** The scale's ends for the caption: [min, max] of what was drawn. */
  range: [number, number];
}

/** Paints a tensor's values: RGBA pixels of its grid. */
export function paint(values: TypedArray, dtype: BufDType, shape: number[], kind: DrawKind, target = 320): Painted {
  const grid = gridLayout(shape, target);
  const n = Math.min(valueCount(shape), grid.shown * grid.h * grid.w);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = valueAt(values, dtype, i);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n === 0) lo = hi = 0;
  const absMax = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const rgba = new Uint8ClampedArray(grid.width * grid.height * 4);
  // Gaps between channels: the panel's dark grey.
  for (let p = 0; p < rgba.length; p += 4) {
    rgba[p] = 42; rgba[p + 1] = 44; rgba[p + 2] = 50; rgba[p + 3] = 255;
  }
  const colour = (v: number): [number, number, number] => {
    if (kind === 'mask') return v ? [255, 255, 255] : [0, 0, 0];
    if (kind === 'diverging') return diverging(v / absMax);
    const t = kind === 'int8' ? (v + 128) / 255 : hi > lo ? (v - lo) / (hi - lo) : 0.5;
    const g = Math.round(255 * t);
    return [g, g, g];
  };
  const cw = grid.w * grid.cell + grid.gap, ch = grid.h * grid.cell + grid.gap;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / (grid.h * grid.w)), y = Math.floor((i % (grid.h * grid.w)) / grid.w), x = i % grid.w;
    const ox = (c % grid.cols) * cw + x * grid.cell, oy = Math.floor(c / grid.cols) * ch + y * grid.cell;
    if (ox >= grid.width) continue;
    const [r, g, b] = colour(valueAt(values, dtype, i));
    for (let dy = 0; dy < grid.cell; dy++) {
      for (let dx = 0; dx < grid.cell && ox + dx < grid.width; dx++) {
        const p = ((oy + dy) * grid.width + ox + dx) * 4;
        rgba[p] = r; rgba[p + 1] = g; rgba[p + 2] = b;
      }
    }
  }
  return { grid, rgba, range: kind === 'diverging' ? [-absMax, absMax] : [lo, hi] };
}
