/**
 * The schemes a searched one is compared with, each with its summed measured gain and its peak SRAM
 * from the real planner: the paper's schemes (when the model is one of the paper's), bias-only and
 * last-k for the given k.
 */
import { backboneConvs, type Graph } from '../ir/graph.ts';
import { builtinScheme, PAPER_SCHEMES } from '../train/builtin-schemes.ts';
import type { Scheme } from '../train/scheme.ts';
import { plannerMemory, schemeGain, type GainTable } from './search.ts';

export interface ReferencePoint {
  name: string;
  kind: 'paper' | 'baseline';
  scheme: Scheme;
  gain: number;
  memory: number;
  feasible: boolean;
}

export function referencePoints(graph: Graph, req: { table: GainTable; budgetBytes: number; ks: number[]; head: 'float32' | 'int8' }): ReferencePoint[] {
  const n = backboneConvs(graph).length;
  const mem = plannerMemory(graph);
  const named: { name: string; kind: ReferencePoint['kind'] }[] = [
    ...Object.keys(PAPER_SCHEMES[graph.name] ?? {}).map((label) => ({ name: `${graph.name}@${label}`, kind: 'paper' as const })),
    { name: 'bias-only', kind: 'baseline' },
    ...req.ks.filter((k) => k > 0 && k <= n).map((k) => ({ name: `last-${k}`, kind: 'baseline' as const })),
  ];
  const out: ReferencePoint[] = [];
  for (const { name, kind } of named) {
    const builtin = builtinScheme(name, n);
    if (!builtin) continue;
    const scheme: Scheme = { ...builtin, head: req.head };
    try {
      const memory = mem.exact(scheme);
      out.push({ name, kind, scheme, gain: schemeGain(req.table, scheme), memory, feasible: memory <= req.budgetBytes });
    } catch {
      // A paper scheme that does not compile on this model (another shape): not drawn.
    }
  }
  return out;
}
