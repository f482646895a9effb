/**
 * What the Analysis tab keeps in IndexedDB (the app's one database, its `meta` store, so no schema
 * change): the last settings, and one record per analysis keyed by the engine's analysisCacheKey
 * (model digest, image digest, the settings that change a measurement) holding every finished result,
 * the measurements (one per training seed) and the held-out comparison's runs (one per scheme and
 * seed). Each result is written as soon as its job ends, so closing the tab loses only the jobs still
 * running; the same model, images and settings find their record again and nothing is measured twice.
 * The key's version keeps the first format's single-seed results, measured without a held-out split,
 * out of these.
 */
import type { AnalysisJobResult, AnalysisJobSpec, AnalysisSettings } from '../../engine/analysis/contribution.ts';
import { idb } from '../persist/idb.ts';

export interface AnalysisRecord {
  key: string;
  /** The model the jobs trained ("tinytrain-demo (shipped demo model)", "mcunet-5fps.pkl"). */
  modelLabel: string;
  settings: AnalysisSettings;
  /** The measurement jobs of the last run's settings (the held-out runs follow from the search). */
  jobs: AnalysisJobSpec[];
  /** Finished jobs only (completed or failed), measurements and held-out runs; a cancelled or interrupted job runs again on resume. */
  results: AnalysisJobResult[];
  updatedAt: number;
}

/** The form as the user left it: the engine's settings and the pool size. */
export interface SavedForm {
  settings: AnalysisSettings;
  workers: number;
}

/**
 * The form is kept apart for the demo model and for opened model files, which want other rates. v2:
 * the settings gained a test split, seeds and finalists (a v1 form's 600 + 400 images leave no test images).
 */
const formKey = (kind: 'demo' | 'file') => `analysis-settings:v2:${kind}`;
const recordKey = (key: string) => `analysis:${key}`;

/** Results worth keeping: a cancelled job measured nothing. */
export function keptResults(results: AnalysisJobResult[]): AnalysisJobResult[] {
  const byId = new Map<string, AnalysisJobResult>();
  for (const r of results) if (r.status !== 'cancelled') byId.set(r.id, r);
  return [...byId.values()];
}

export const analysisStore = {
  loadForm: (kind: 'demo' | 'file') => idb.getMeta<SavedForm>(formKey(kind)),
  saveForm: (kind: 'demo' | 'file', form: SavedForm) => idb.putMeta(formKey(kind), form),
  load: (key: string) => idb.getMeta<AnalysisRecord>(recordKey(key)),
  save: (record: AnalysisRecord) => idb.putMeta(recordKey(record.key), { ...record, results: keptResults(record.results), updatedAt: Date.now() }),
};

/**
 * Writes a record's updates one after the other (each job's result as it arrives), so a slow write
 * never lands after a newer one; `flush` waits for the last.
 */
export function recordWriter(onError: (e: unknown) => void) {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    write(record: AnalysisRecord) {
      chain = chain.then(() => analysisStore.save(record)).catch(onError);
      return chain;
    },
    flush: () => chain,
  };
}
