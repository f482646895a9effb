/**
 * Exports a laid-out graph as a standalone SVG (boxes, text, edges) and as a PNG drawn from that SVG.
 * Works from positions and labels, not from the DOM, so the file is the whole graph whatever the zoom.
 */
import type { Edge, Node as FlowNode } from '@xyflow/react';
import { smoothPath, type Point } from './dag-layout.ts';

export interface ExportBox {
  lines: string[];
  /** Frames are drawn behind, with their title only. */
  frame?: boolean;
  stroke?: string;
  fill?: string;
  dim?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function handlePoint(n: FlowNode, handle: string | null | undefined, w: number, h: number): [number, number] {
  const { x, y } = n.position;
  if (handle === 'out') return [x + w / 2, y + h];
  if (handle === 'next') return [x + w, y + h / 2];
  if (handle === 'prev') return [x, y + h / 2];
  return [x + w / 2, y];
}

export function graphToSvg(nodes: FlowNode[], edges: Edge[], describe: (n: FlowNode) => ExportBox | null, title: string): string {
  const size = (n: FlowNode) => [n.width ?? 200, n.height ?? 60] as const;
  let maxX = 0, maxY = 0;
  for (const n of nodes) {
    const [w, h] = size(n);
    maxX = Math.max(maxX, n.position.x + w);
    maxY = Math.max(maxY, n.position.y + h);
  }
  const pad = 24;
  const out: string[] = [];
  const W = Math.ceil(maxX + 2 * pad);
  const H = Math.ceil(maxY + 2 * pad + 24);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="${-pad} ${-pad - 24} ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`);
  out.push(`<rect x="${-pad}" y="${-pad - 24}" width="${W}" height="${H}" fill="#16171a"/>`);
  out.push(`<text x="0" y="-14" fill="#e4e6ea" font-size="14" font-weight="600">${esc(title)}</text>`);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const boxes = nodes.map((n) => [n, describe(n)] as const).filter((x): x is [FlowNode, ExportBox] => x[1] !== null);
  for (const [n, b] of boxes.filter(([, b]) => b.frame)) {
    const [w, h] = size(n);
    out.push(`<rect x="${n.position.x}" y="${n.position.y}" width="${w}" height="${h}" rx="6" fill="#1b1c20" stroke="#32353c"/>`);
    out.push(`<text x="${n.position.x + 10}" y="${n.position.y + 17}" fill="#9aa0aa" font-size="11">${esc(b.lines.join('  '))}</text>`);
  }
  for (const e of edges) {
    const s = byId.get(e.source), t = byId.get(e.target);
    if (!s || !t) continue;
    const [sx, sy] = handlePoint(s, e.sourceHandle ?? 'out', ...size(s));
    const [tx, ty] = handlePoint(t, e.targetHandle ?? 'in', ...size(t));
    const horizontal = e.sourceHandle === 'next';
    const dx = Math.max(30, Math.abs(tx - sx) / 2);
    const route = (e.data as { points?: Point[] } | undefined)?.points;
    const d = route ? smoothPath([{ x: sx, y: sy }, ...route, { x: tx, y: ty }], horizontal)
      : horizontal ? `M${sx},${sy} C${sx + dx},${sy} ${tx - dx},${ty} ${tx},${ty}` : `M${sx},${sy} L${tx},${ty}`;
    const residual = e.className?.includes('residual');
    out.push(`<path d="${d}" fill="none" stroke="${residual ? '#e6bd5c' : '#5b606b'}" stroke-width="1.5"${residual ? ' stroke-dasharray="5 4"' : ''}/>`);
  }
  for (const [n, b] of boxes.filter(([, b]) => !b.frame)) {
    const [w, h] = size(n);
    out.push(`<g opacity="${b.dim ? 0.45 : 1}">`);
    out.push(`<rect x="${n.position.x}" y="${n.position.y}" width="${w}" height="${h}" rx="4" fill="${b.fill ?? '#23252a'}" stroke="${b.stroke ?? '#41454e'}" stroke-width="1.5"/>`);
    b.lines.forEach((line, i) => {
      out.push(`<text x="${n.position.x + 8}" y="${n.position.y + 17 + i * 15}" fill="${i === 0 ? '#e4e6ea' : '#c3c7ce'}" font-size="${i === 0 ? 12 : 10.5}"${i === 0 ? ' font-weight="600"' : ''}>${esc(line)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Draws the SVG on a canvas (at `scale`) and returns it as a PNG. */
export async function svgToPng(svg: string, scale = 1.5): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    // Browsers cap canvas sizes; keep within 16k pixels a side.
    const s = Math.min(scale, 16000 / img.width, 16000 / img.height);
    canvas.width = Math.ceil(img.width * s);
    canvas.height = Math.ceil(img.height * s);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(s, s);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode the PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
