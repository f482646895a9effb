/**
 * What the scheme-search worker computes (pure, so it is tested in Node): the engine's evolutionary
 * search over the measured gains under the budget, and the engine's reference points it is drawn
 * beside (analysis/references.ts).
 */
import { referencePoints, type ReferencePoint } from '../../engine/analysis/references.ts';
import { evolutionarySearch, type GainTable, type SearchResult } from '../../engine/analysis/search.ts';
import { jobModel, type JobModel } from '../../engine/train/train-job.ts';

export type { ReferencePoint };

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

export type SearchReply =
  | { seq: number; ok: true; result: SearchResult; references: ReferencePoint[]; ms: number }
  | { seq: number; ok: false; error: string };

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
