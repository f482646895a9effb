/** The model's identity and totals, shown while no layer is selected. */
import { formatShape } from '../format.ts';
import { Term } from '../explain/Term.tsx';
import { originLabel, weightsKind, WEIGHTS_TEXT } from '../store/selectors.ts';
import { useStudio } from '../store/index.ts';
import { CountValue } from './CountValue.tsx';
import { Prop, PropertySection } from './PropertySection.tsx';

export function ModelOverview() {
  const { model, summary } = useStudio((s) => s.project);
  const origin = useStudio((s) => s.doc.origin);
  const scheme = useStudio((s) => s.program.scheme);
  const report = useStudio((s) => s.program.report);
  const weights = scheme.convs.filter((c) => c.channels > 0);
  return (
    <div className="layer-props">
      <div className="props-title">
        <span className="props-name mono">{originLabel(origin)}</span>
      </div>
      <p className="props-subtitle">
        {WEIGHTS_TEXT[weightsKind(origin)]}
      </p>

      <PropertySection title="Model">
        <Prop label="Architecture"><span className="mono">{summary.name}</span></Prop>
        <Prop label="Weights">{model.source}</Prop>
        <Prop label="Input"><span className="mono">{formatShape(summary.inputShape)}</span></Prop>
        <Prop label="Classes">{summary.classes}</Prop>
        <Prop label="Layers">{summary.layers.length}</Prop>
        <Prop label="Backbone convs">{summary.convs}</Prop>
      </PropertySection>

      <PropertySection title={<Term id="sparse-update">Training scheme</Term>}>
        <Prop label="Biases">{scheme.scheme.nBias === 0 ? 'none (head only)' : `last ${scheme.scheme.nBias} convs (${summary.convs - scheme.scheme.nBias}–${summary.convs - 1})`}</Prop>
        <Prop label="Weights">{weights.length === 0 ? 'none' : weights.map((c) => `#${c.convIndex} ${c.channels}/${c.totalChannels}`).join(', ')}</Prop>
        <Prop label="Head">{scheme.scheme.head}{scheme.scheme.momentum ? ', momentum' : ''}</Prop>
        <Prop label="Peak at">step {report.peak.step} <span className="mono">{report.peak.kernel}</span></Prop>
      </PropertySection>

      <PropertySection title="Cost">
        <Prop label="Backbone MACs"><CountValue n={summary.backboneMacs} /></Prop>
        <Prop label="Backbone params"><CountValue n={summary.backboneParams} /></Prop>
        <Prop label="Classifier MACs"><CountValue n={summary.classifierMacs} /></Prop>
        <Prop label="Classifier params"><CountValue n={summary.classifierParams} /></Prop>
        <Prop label="Total MACs"><CountValue n={summary.totalMacs} /></Prop>
        <Prop label="Total params"><CountValue n={summary.totalParams} /></Prop>
      </PropertySection>

      <div className="hint">
        Click a conv in the graph (or press ↓) to see its shapes, cost, quantization and the memory it costs now, and to
        change what it trains.
        <ul className="shortcut-list">
          <li><kbd>B</kbd> bias on/off · <kbd>0</kbd>–<kbd>4</kbd> weight share of the selected conv</li>
          <li><kbd>Ctrl Z</kbd> undo · <kbd>Ctrl Shift Z</kbd> redo</li>
          <li><kbd>Ctrl F</kbd> find a node · <kbd>Alt 1</kbd>–<kbd>8</kbd> tabs</li>
          <li><kbd>Ctrl S</kbd> export the project · <kbd>Ctrl O</kbd> open a model file</li>
          <li><kbd>Ctrl E</kbd> export the training firmware (C project, .zip)</li>
        </ul>
      </div>
    </div>
  );
}
