/**
 * A fit that keeps text readable: the whole graph when it fits at a zoom where the nodes' 11 px
 * text is still legible, else that zoom showing the start of the graph (its top-left) or the node
 * in focus. A plain fit of a 4,000 px strip into a laptop's canvas would shrink it to a smudge.
 */
import type { Node, Viewport } from '@xyflow/react';

/** Below this zoom the nodes' smallest text (10.5-11 px) drops under about 7 px on screen. */
export const READABLE_ZOOM = 0.65;
const PAD = 16;

export function readableFit(nodes: readonly Node[], width: number, height: number, focus?: Node): Viewport {
  if (!nodes.length || width <= 0 || height <= 0) return { x: 0, y: 0, zoom: 1 };
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of nodes) {
    const w = n.width ?? 0, h = n.height ?? 0;
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + w);
    y1 = Math.max(y1, n.position.y + h);
  }
  const whole = Math.min((width - 2 * PAD) / (x1 - x0), (height - 2 * PAD) / (y1 - y0), 1);
  if (whole >= READABLE_ZOOM) {
    // Everything fits: centre it.
    return { x: (width - (x1 - x0) * whole) / 2 - x0 * whole, y: (height - (y1 - y0) * whole) / 2 - y0 * whole, zoom: whole };
  }
  // Fit the width when that is readable (the vertical arrangement), else the readable zoom.
  const zoom = Math.max(READABLE_ZOOM, Math.min(1, (width - 2 * PAD) / (x1 - x0)));
  if (focus) {
    const cx = focus.position.x + (focus.width ?? 0) / 2, cy = focus.position.y + (focus.height ?? 0) / 2;
    return { x: width / 2 - cx * zoom, y: height / 2 - cy * zoom, zoom };
  }
  return { x: PAD - x0 * zoom, y: PAD - y0 * zoom, zoom };
}
