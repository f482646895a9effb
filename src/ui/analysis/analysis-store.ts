/**
 * What the Analysis tab keeps in IndexedDB (the app's one database, its `meta` store, so no schema
 * change): the last settings, and one record per analysis keyed by the engine's analysisCacheKey
 * (model digest, image digest, settings) holding the job queue and every finished result. Each
 * result is written as soon as its job ends, so closing the tab loses only the jobs still running;
 * the same model, images and settings find their record again and nothing is measured twice.
 */
import type { AnalysisJobResult, AnalysisJobSpec, AnalysisSettings } from '../../engine/analysis/contribution.ts';
import { idb } from '../persist/idb.ts';

export interface AnalysisRecord {
  key: string;
  /** The model the jobs trained ("tinytrain-demo (shipped demo model)", "mcunet-5fps.pkl"). */
  modelLabel: string;
  settings: AnalysisSettings;
  jobs: AnalysisJobSpec[];
  /** Finished jobs only (completed or failed); a cancelled or interrupted job runs again on resume. */
  results: AnalysisJobResult[];
  updatedAt: number;
}

/** The form as the user left it: the engine's settings and the pool size. */
export interface SavedForm {
  settings: AnalysisSettings;
  workers: number;
}

/** The form is kept apart for the demo model and for opened model files, which want other rates. */
const formKey = (kind: 'demo' | 'file') => `analysis-settings:${kind}`;
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
