/**
 * The Train tab: the training panel on the open project. An opened model file trains with the
 * project's scheme and resolution; a zoo architecture has only synthetic weights, so the panel then
 * trains the shipped demo model (the project's own pretrained int8 weights) instead, and says so.
 */
import { TrainingPanel } from '../training/index.ts';
import { useStudio } from '../store/index.ts';

export function TrainTab() {
  const origin = useStudio((s) => s.doc.origin);
  const scheme = useStudio((s) => s.doc.scheme);
  const resolution = useStudio((s) => s.doc.shape.resolution);
  if (origin.kind === 'file') {
    return (
      <div className="train-tab">
        <TrainingPanel key={origin.fileName} model={{ kind: 'pkl', bytes: origin.bytes, fileName: origin.fileName }} scheme={scheme} resolution={resolution} />
      </div>
    );
  }
  return (
    <div className="train-tab">
      <p className="muted train-tab-note">
        {origin.arch} has synthetic weights here, so this trains the shipped demo model on the demo images. Open a .pkl model
        file (Ctrl+O) to train it with the scheme above.
      </p>
      <TrainingPanel />
    </div>
  );
}
