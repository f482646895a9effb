/**
 * What the scheme-search worker computes (pure, so it is tested in Node): the engine's evolutionary
 * search over the measured gains under the budget, and the schemes it is compared with, each with its
 * summed gain and its memory from the same real planner: the paper's schemes (when the model is one
 * of the paper's), bias-only and last-k.
 */
import { evolutionarySearch, plannerMemory, schemeGain, type GainTable, type SearchResult } from '../../engine/analysis/search.ts';
import { backboneConvs, type Graph } from '../../engine/ir/graph.ts';
import { builtinScheme, PAPER_SCHEMES } from '../../engine/train/builtin-schemes.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import { jobModel, type JobModel } from '../../engine/train/train-job.ts';

export interface SearchRequest {
  seq: number;
  model: JobModel;
  resolution: number;
  classes: number;
  head: 'float32' | 'int8';
  table: GainTable;
  budgetBytes: number;
  /** Bias k values to draw last-k at. */
  ks: number[];
  /** Schemes the search scores (the engine's default when absent). */
  evaluations?: number;
}

export interface ReferencePoint {
  name: string;
  kind: 'paper' | 'baseline';
  scheme: Scheme;
  gain: number;
  memory: number;
  feasible: boolean;
}

export type SearchReply =
  | { seq: number; ok: true; result: SearchResult; references: ReferencePoint[]; ms: number }
  | { seq: number; ok: false; error: string };

export function referencePoints(graph: Graph, req: Pick<SearchRequest, 'table' | 'budgetBytes' | 'ks' | 'head'>): ReferencePoint[] {
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

export function searchSchemes(req: SearchRequest): SearchReply {
  const t0 = performance.now();
  try {
    const { graph } = jobModel(req.model, req.resolution, req.classes, req.head);
    const result = evolutionarySearch(graph, req.table, { budgetBytes: req.budgetBytes, seed: 1, head: req.head, evaluations: req.evaluations });
    return { seq: req.seq, ok: true, result, references: referencePoints(graph, req), ms: performance.now() - t0 };
  } catch (err) {
    return { seq: req.seq, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
