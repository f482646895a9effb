/**
 * What the engine makes of a document: the model (rebuilt only when its origin, shape or head
 * changed) and the training program with its memory report. Throws the engine's error unchanged.
 */
import { compileTraining, type TrainingProgram } from '../../engine/program/compile.ts';
import { buildProjectModel, type ProjectModel } from './project-model.ts';
import type { StudioDoc } from './studio-doc.ts';

export interface Compiled {
  project: ProjectModel;
  program: TrainingProgram;
  /** Milliseconds the compile took (shown in the status bar). */
  compileMs: number;
}

function sameModel(a: StudioDoc, b: StudioDoc, project: ProjectModel): boolean {
  return a.origin === b.origin && a.shape.resolution === b.shape.resolution && a.shape.classes === b.shape.classes
    && project.head === b.scheme.head;
}

export function compileDoc(doc: StudioDoc, prev?: { doc: StudioDoc; project: ProjectModel }): Compiled {
  const project = prev && sameModel(prev.doc, doc, prev.project)
    ? prev.project
    : buildProjectModel(doc.origin, doc.shape, doc.scheme.head);
  const t0 = performance.now();
  const program = compileTraining(project.model.graph, doc.scheme, {
    sramBudget: doc.target.trainBudget,
    flashBudget: doc.target.flashBytes,
  });
  return { project, program, compileMs: performance.now() - t0 };
}
