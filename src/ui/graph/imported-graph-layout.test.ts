// The graph views on the general graphs .tflite import makes (max-pool, reshape, FC as a 1x1 conv,
// concatenation, a keyword-spotting DS-CNN): node-by-node layouts without overlaps, every layer shown,
// readable badges; the backward graph of the default scheme in short columns.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../../engine/ir/graph.ts';
import { summarize } from '../../engine/ir/summary.ts';
import { modelFromFile } from '../../engine/models/model-file.ts';
import { compileTraining } from '../../engine/program/compile.ts';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { layerBadge } from '../roles.ts';
import { backwardLayout, COLUMN_KERNELS } from './backward-layout.ts';
import { layoutDag } from './dag-layout.ts';
import { forwardLayout } from './forward-layout.ts';
import { isBlockFamily } from './graph-family.ts';

const FILES = [
  new URL('../../../public/models/cnn-maxpool-fc.tflite', import.meta.url),
  new URL('../../../public/models/concat-net.tflite', import.meta.url),
  new URL('../../../public/models/ds-cnn-kws.tflite', import.meta.url),
  new URL('../../../../shared/models/tflite/lenet-300-100-int8.tflite', import.meta.url),
];

type Placed = { id: string; type?: string; position: { x: number; y: number }; width?: number; height?: number };
function overlaps(nodes: Placed[]): string[] {
  const bs = nodes.filter((n) => n.type !== 'frame' && n.type !== 'bframe');
  const out: string[] = [];
  for (let i = 0; i < bs.length; i++) {
    for (let j = i + 1; j < bs.length; j++) {
      const a = bs[i], b = bs[j];
      const w = Math.min(a.position.x + a.width!, b.position.x + b.width!) - Math.max(a.position.x, b.position.x);
      const h = Math.min(a.position.y + a.height!, b.position.y + b.height!) - Math.max(a.position.y, b.position.y);
      if (w > 1 && h > 1) out.push(`${a.id} and ${b.id}`);
    }
  }
  return out;
}

describe('imported general graphs in the graph views', () => {
  for (const url of FILES) {
    const name = url.pathname.split('/').pop()!;
    it(name, () => {
      const { graph } = modelFromFile(name, new Uint8Array(readFileSync(url)));
      expect(isBlockFamily(graph)).toBe(false);
      const summary = summarize(graph);
      for (const arrangement of ['columns', 'vertical'] as const) {
        const now = forwardLayout(graph, summary, [], null, arrangement);
        const l = now.dag ? forwardLayout(graph, summary, [], layoutDag(now.dag.items, now.dag.edges, now.dag.options), arrangement) : now;
        expect(l.family).toBe(false);
        expect(l.nodes.filter((n) => n.type === 'op').map((n) => n.id).sort()).toEqual(summary.layers.map((r) => r.name).sort());
        expect(overlaps(l.nodes)).toEqual([]);
        const ids = new Set(l.nodes.map((n) => n.id));
        for (const e of l.edges) expect(ids.has(e.source) && ids.has(e.target), e.id).toBe(true);
        // Every layer is reached from the input.
        const reached = new Set(['input']);
        for (let grew = true; grew;) {
          grew = false;
          for (const e of l.edges) if (reached.has(e.source) && !reached.has(e.target)) grew = !!reached.add(e.target);
        }
        expect([...ids].filter((id) => !reached.has(id))).toEqual([]);
      }
      for (const r of summary.layers) {
        const b = layerBadge(r);
        expect(b.text.length, r.name).toBeGreaterThan(0);
        expect(b.key, `${r.name}: ${r.op} ${r.role}`).not.toBe('other');
      }
      const program = compileTraining(graph, builtinScheme('full', backboneConvs(graph).length)!);
      const bl = backwardLayout(graph, program, true, null);
      expect(overlaps(bl.nodes)).toEqual([]);
      for (const f of bl.nodes.filter((n) => n.type === 'bframe')) expect(f.data.title.length).toBeGreaterThan(0);
      const kernels = bl.nodes.filter((n) => n.type === 'kernel');
      expect(kernels.length).toBe(program.kernels.filter((k) => k.phase !== 'forward').length);
      const cols = new Map<number, Set<string>>();
      for (const k of kernels) {
        if (!cols.has(k.position.x)) cols.set(k.position.x, new Set());
        cols.get(k.position.x)!.add(k.id);
      }
      for (const c of cols.values()) {
        const layers = new Set(kernels.filter((k) => c.has(k.id)).map((k) => k.data.kernel.node));
        expect(c.size <= COLUMN_KERNELS || layers.size === 1).toBe(true);
      }
    });
  }
});
