/**
 * The Train tab: trains the project's model (the graph in the editor, the program in the memory
 * panel) with the project's scheme and resolution. A zoo architecture has only synthetic weights:
 * the tab says so and offers, rather than silently doing, the two honest things — train those
 * synthetic weights anyway (real arithmetic, meaningless accuracy), or open the demo model.
 */
import { useState } from 'react';
import { TrainingPanel } from '../training/index.ts';
import { jobModelOf } from '../training/job-model.ts';
import { START_LR } from '../training/learning-rates.ts';
import { useStudio } from '../store/index.ts';
import { originLabel, useSchemeName, weightsKind } from '../store/selectors.ts';
import type { ModelOrigin } from '../store/project-model.ts';

export function TrainTab() {
  const origin = useStudio((s) => s.doc.origin);
  const scheme = useStudio((s) => s.doc.scheme);
  const project = useStudio((s) => s.project);
  const projectId = useStudio((s) => s.projectId);
  const schemeName = useSchemeName();
  const [syntheticOk, setSyntheticOk] = useState<ModelOrigin | null>(null);
  const kind = weightsKind(origin);
  const label = originLabel(origin);
  const graph = project.model.graph;

  if (kind === 'synthetic' && syntheticOk !== origin) {
    return (
      <div className="train-tab">
        <section className="choice-card" aria-label="Training a zoo architecture">
          <h2><span className="mono">{label}</span> has synthetic weights</h2>
          <p>
            A zoo architecture comes without trained weights: its layers hold deterministic random int8 values, which are right for
            its shapes, its memory plan and its firmware, but there is nothing in them to fine-tune. Training them runs the real
            int8 step, and the accuracy it reaches says nothing about transfer learning.
          </p>
          <div className="choice-actions">
            <button type="button" className="button button-primary" onClick={() => useStudio.getState().chooseDemoModel()}>
              Open the demo model (real weights, trains in about a minute)
            </button>
            <button type="button" className="button" onClick={() => setSyntheticOk(origin)}>
              Train {label} from its synthetic weights anyway
            </button>
          </div>
          <p className="muted">Or open one of the paper&apos;s int8 models (a .pkl file) or your own int8 .tflite model with Open model… (Ctrl+O): it trains with this project&apos;s scheme.</p>
        </section>
      </div>
    );
  }
  return (
    <div className="train-tab">
      <TrainingPanel
        key={`${projectId}:${label}`}
        projectId={projectId}
        model={jobModelOf(origin)}
        modelLabel={label}
        scheme={scheme}
        schemeLabel={schemeName ?? 'custom'}
        resolution={project.shape.resolution}
        classes={project.shape.classes}
        input={graph.tensors[graph.input]}
        lr={START_LR[kind]}
        onSetClasses={(n) => useStudio.getState().setShape('classes', n)}
      />
    </div>
  );
}
