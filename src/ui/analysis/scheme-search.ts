/**
 * What the scheme-search worker computes (pure, so it is tested in Node): the engine's evolutionary
 * search over the measured space under the budget, with the reference schemes (baselines and the
 * paper's) as candidates, and the finalists the held-out comparison trains (with the baselines left out of it).
 */
import { chooseFinalists, type FinalPlan } from '../../engine/analysis/final.ts';
import type { Measurements } from '../../engine/analysis/gains.ts';
import { referenceSchemes } from '../../engine/analysis/references.ts';
import { evolutionarySearch, type SearchResult } from '../../engine/analysis/search.ts';
import { jobModel, type JobModel } from '../../engine/train/train-job.ts';
import { userMessage } from '../../engine/input-error.ts';

export interface SearchRequest {
  seq: number;
  model: JobModel;
  resolution: number;
  classes: number;
  head: 'float32' | 'int8';
  measurements: Measurements;
  budgetBytes: number;
  /** Bias k values to draw last-k at. */
  ks: number[];
  /** How many of the search's best schemes go to the held-out comparison. */
  finalists: number;
  /** At most this many baselines go with them (final.ts). */
  baselines: number;
  /** Schemes the search scores (the engine's default when absent). */
  evaluations?: number;
}

export type SearchReply =
  | { seq: number; ok: true; result: SearchResult; final: FinalPlan; ms: number }
  | { seq: number; ok: false; error: string };

export function searchSchemes(req: SearchRequest): SearchReply {
  const t0 = performance.now();
  try {
    const { graph } = jobModel(req.model, req.resolution, req.classes, req.head);
    const references = referenceSchemes(graph, req.ks, req.head);
    const result = evolutionarySearch(graph, req.measurements, { budgetBytes: req.budgetBytes, seed: 1, head: req.head, evaluations: req.evaluations, references });
    return { seq: req.seq, ok: true, result, final: chooseFinalists(result, { top: req.finalists, baselines: req.baselines }), ms: performance.now() - t0 };
  } catch (err) {
    return { seq: req.seq, ok: false, error: userMessage(err) };
  }
}
