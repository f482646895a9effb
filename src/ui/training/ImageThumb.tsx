/** Draws an 8-bit image (gray or RGB, planar or interleaved) on a canvas, pixelated, at a given size. */
import { useEffect, useRef } from 'react';
import type { RawImage } from '../../engine/data/preprocess.ts';

export function ImageThumb({ image, size, label }: { image: RawImage; size: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const { width: w, height: h, channels, data } = image;
    const planar = image.layout === 'chw';
    const px = ctx.createImageData(w, h);
    for (let i = 0; i < w * h; i++) {
      for (let ch = 0; ch < 3; ch++) {
        const src = channels === 1 ? 0 : ch;
        px.data[i * 4 + ch] = planar ? data[src * w * h + i] : data[i * channels + src];
      }
      px.data[i * 4 + 3] = 255;
    }
    c.width = w;
    c.height = h;
    ctx.putImageData(px, 0, 0);
  }, [image]);
  return <canvas ref={ref} className="image-thumb" style={{ width: size, height: size }} role="img" aria-label={label} />;
}
