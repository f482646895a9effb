/**
 * The document of a project: everything an edit can change and undo can restore. The model comes
 * from its origin (a zoo architecture, possibly edited, or a file), the scheme says what trains,
 * the target gives the budgets. What the engine computes from it lives beside it in the store.
 */
import type { Scheme } from '../../engine/train/scheme.ts';
import { DEFAULT_TARGET, type Target } from '../targets.ts';
import { DEFAULT_ORIGIN, DEFAULT_SHAPE, type ModelOrigin, type ModelShape } from './project-model.ts';
import { defaultScheme } from './scheme-edits.ts';

export interface StudioDoc {
  origin: ModelOrigin;
  shape: ModelShape;
  scheme: Scheme;
  target: Target;
}

export function defaultDoc(): StudioDoc {
  return { origin: DEFAULT_ORIGIN, shape: DEFAULT_SHAPE, scheme: defaultScheme('mcunet-5fps', 42), target: { ...DEFAULT_TARGET } };
}
