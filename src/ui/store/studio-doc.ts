/**
 * The document of a project: everything an edit can change and undo can restore. The model comes
 * from its origin (a zoo architecture, possibly edited, or a file), the scheme says what trains,
 * the target gives the budgets. What the engine computes from it lives beside it in the store.
 */
import type { Scheme } from '../../engine/train/scheme.ts';
import { DEFAULT_TARGET, type Target } from '../targets.ts';
import { DEMO_SHAPE, demoOrigin, demoScheme } from '../demo/demo-model.ts';
import { buildProjectModel, type ModelOrigin, type ModelShape } from './project-model.ts';

export interface StudioDoc {
  origin: ModelOrigin;
  shape: ModelShape;
  scheme: Scheme;
  target: Target;
}

/**
 * A new project: the shipped demo model (real weights this project pretrained) at its resolution,
 * with the demo images' ten classes and the demo run's scheme, so that what opens is what the Train
 * tab trains, the Analysis tab measures and the export builds.
 */
export function defaultDoc(): StudioDoc {
  const origin = demoOrigin();
  const convs = buildProjectModel(origin, DEMO_SHAPE).summary.convs;
  return { origin, shape: DEMO_SHAPE, scheme: demoScheme(convs), target: { ...DEFAULT_TARGET } };
}
