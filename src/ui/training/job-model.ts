/** The training worker's model for a project's model origin: its file's bytes, or the zoo architecture (synthetic weights). */
import type { JobModel } from '../../engine/train/train-job.ts';
import type { ModelOrigin } from '../store/project-model.ts';

export function jobModelOf(origin: ModelOrigin): JobModel {
  if (origin.kind === 'zoo') return { kind: 'zoo', name: origin.arch, spec: origin.spec };
  return { kind: 'file', bytes: origin.bytes, fileName: origin.fileName };
}
