/**
 * One tensor as the arena held it, drawn by tensor-draw.ts, with the value under the pointer (or under
 * the keyboard cursor: arrow keys move it) read out below: its index and real value.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { TypedArray } from '../../engine/ir/tensor.ts';
import type { BufDType } from '../../engine/program/types.ts';
import { indexAt, paint, valueCount, type DrawKind } from './tensor-draw.ts';

export interface TensorCanvasProps {
  values: TypedArray;
  dtype: BufDType;
  shape: number[];
  kind: DrawKind;
  /** What the picture shows, for screen readers. */
  label: string;
  /** The readout for element i. */
  describe: (i: number) => string;
  target?: number;
  testId?: string;
  /** What the readout says while nothing is pointed at. */
  hint?: string;
  /** Stretch to the box's width (pixelated) instead of the grid's own size. */
  fill?: boolean;
}

export function TensorCanvas({ values, dtype, shape, kind, label, describe, target = 300, testId, hint = 'point at a value (or focus it and use the arrow keys)', fill = false }: TensorCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const painted = useMemo(() => paint(values, dtype, shape, kind, target), [values, dtype, shape, kind, target]);
  // The element pointed at, for these values (new values clear it).
  const [pointed, setPointed] = useState<{ values: TypedArray; i: number | null }>({ values, i: null });
  const at = pointed.values === values ? pointed.i : null;
  const setAt = (f: number | null | ((i: number | null) => number | null)) =>
    setPointed({ values, i: typeof f === 'function' ? f(at) : f });
  const n = valueCount(shape);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    c.width = painted.grid.width;
    c.height = painted.grid.height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(painted.rgba), painted.grid.width, painted.grid.height), 0, 0);
  }, [painted]);

  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * painted.grid.width;
    const py = ((e.clientY - r.top) / r.height) * painted.grid.height;
    setAt(indexAt(painted.grid, px, py));
  };
  const onKey = (e: KeyboardEvent) => {
    const d = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: painted.grid.w, ArrowUp: -painted.grid.w }[e.key];
    if (d === undefined) return;
    e.preventDefault();
    setAt((i) => Math.max(0, Math.min(n - 1, (i ?? -d) + d)));
  };
  const { grid } = painted;
  return (
    <figure className="tensor-figure" data-testid={testId}>
      <canvas ref={ref} className="tensor-canvas" role="img" aria-label={label} tabIndex={0}
        style={{ width: fill ? '100%' : grid.width, maxWidth: '100%', aspectRatio: `${grid.width} / ${grid.height}` }}
        onMouseMove={onMove} onMouseLeave={() => setAt(null)} onKeyDown={onKey} />
      <figcaption className="tensor-readout mono" aria-live="polite">
        {at !== null ? describe(at) : `${grid.shown < grid.channels ? `first ${grid.shown} of ${grid.channels} channels drawn · ` : ''}${hint}`}
      </figcaption>
    </figure>
  );
}
