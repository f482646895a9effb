// The step-through's drawing: every element has one square, the pointer finds it again, and the colour
// scales read as their captions say (mask bits, diverging around zero, int8 grey).
import { describe, expect, it } from 'vitest';
import { coordsOf, gridLayout, indexAt, paint } from './tensor-draw.ts';

describe('tensor drawing', () => {
  for (const shape of [[8, 16, 16], [160, 2, 2], [64, 1, 1], [1024], [10, 64]]) {
    it(`${shape.join('x')}: indexAt finds every drawn element at its square`, () => {
      const g = gridLayout(shape, 300);
      const n = g.shown * g.h * g.w;
      expect(g.width).toBeLessThanOrEqual(1024);
      for (let i = 0; i < n; i++) {
        const [c, y, x] = coordsOf(g.h, g.w, i);
        const px = (c % g.cols) * (g.w * g.cell + g.gap) + x * g.cell + g.cell / 2;
        const py = Math.floor(c / g.cols) * (g.h * g.cell + g.gap) + y * g.cell + g.cell / 2;
        if (px >= g.width) continue;
        expect(indexAt(g, px, py)).toBe(i);
      }
      expect(indexAt(g, -1, 0)).toBeNull();
    });
  }
  it('masks are white where the bit is set, gradients blue below zero and red above, int8 grey by value', () => {
    const px = (p: ReturnType<typeof paint>, i: number) => {
      const [c, y, x] = coordsOf(p.grid.h, p.grid.w, i);
      const o = ((Math.floor(c / p.grid.cols) * (p.grid.h * p.grid.cell + p.grid.gap) + y * p.grid.cell) * p.grid.width
        + (c % p.grid.cols) * (p.grid.w * p.grid.cell + p.grid.gap) + x * p.grid.cell) * 4;
      return [...p.rgba.slice(o, o + 3)];
    };
    const mask = paint(Uint8Array.of(0b101), 'bit', [1, 1, 3], 'mask');
    expect([px(mask, 0), px(mask, 1), px(mask, 2)]).toEqual([[255, 255, 255], [0, 0, 0], [255, 255, 255]]);
    const grad = paint(Float32Array.of(-2, 0, 1), 'float32', [1, 1, 3], 'diverging');
    expect(px(grad, 0)).toEqual([0, 0, 255]);
    expect(px(grad, 1)).toEqual([255, 255, 255]);
    expect(px(grad, 2)).toEqual([255, 128, 128]);
    expect(grad.range).toEqual([-2, 2]);
    const act = paint(Int8Array.of(-128, 127), 'int8', [1, 1, 2], 'int8');
    expect([px(act, 0), px(act, 1)]).toEqual([[0, 0, 0], [255, 255, 255]]);
  });
});
