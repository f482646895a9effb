/** The C emitter: a training program as a Cortex-M7 firmware project (see c-project.ts). */
export { exportCProject, type CProject, type ExportOptions, type Sample } from './c-project.ts';
export { TARGETS, type Target } from './c-target.ts';
export { datasetSamples, syntheticSamples } from './samples.ts';
export { zipCProject } from './zip.ts';
