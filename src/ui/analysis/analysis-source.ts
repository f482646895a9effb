/**
 * Which model and images the analysis measures. An opened model file is measured as it is, on the
 * demo images; a zoo architecture has only synthetic weights (fine-tuning them measures nothing), so
 * the shipped demo model stands in for it, as in the Train tab. The digests key the cache.
 */
import { digestBytes } from '../../engine/analysis/contribution.ts';
import type { JobData, JobModel } from '../../engine/train/train-job.ts';
import type { ModelOrigin } from '../store/project-model.ts';
import { weightsKind, type WeightsKind } from '../store/selectors.ts';
import { demoJobParts } from '../training/browser-images.ts';

export interface AnalysisSource {
  model: Extract<JobModel, { bytes: Uint8Array }>;
  data: JobData;
  /** Shown above the form and stored with the results. */
  label: string;
  /** True when the demo model stands in for a zoo architecture. */
  demo: boolean;
  /** Where the measured model's weights come from (its starting learning rate is the Train tab's for it). */
  weights: WeightsKind;
  modelDigest: string;
  dataDigest: string;
}

export const DEMO_FILE_NAME = 'tinytrain-demo.ttw';

export async function loadAnalysisSource(origin: ModelOrigin): Promise<AnalysisSource> {
  const parts = await demoJobParts();
  const data: JobData = { kind: 'demo', bytes: parts.data };
  const dataDigest = digestBytes(parts.data);
  if (origin.kind === 'file') {
    return {
      model: { kind: 'file', bytes: origin.bytes, fileName: origin.fileName },
      data, label: origin.fileName, demo: false, weights: weightsKind(origin), modelDigest: digestBytes(origin.bytes), dataDigest,
    };
  }
  return {
    model: { kind: 'file', bytes: parts.model, fileName: DEMO_FILE_NAME },
    data, label: 'tinytrain-demo (the shipped demo model)', demo: true, weights: 'demo', modelDigest: digestBytes(parts.model), dataDigest,
  };
}
