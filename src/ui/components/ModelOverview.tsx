/** The model's identity and totals, shown while no layer is selected. */
import { formatShape } from '../format.ts';
import { originLabel } from '../store/selectors.ts';
import { useStudio } from '../store/index.ts';
import { CountValue } from './CountValue.tsx';
import { Prop, PropertySection } from './PropertySection.tsx';

export function ModelOverview() {
  const { origin, model, summary } = useStudio((s) => s.project);
  return (
    <div className="layer-props">
      <div className="props-title">
        <span className="props-name mono">{originLabel(origin)}</span>
      </div>
      <p className="props-subtitle">
        {origin.kind === 'zoo' ? 'Zoo architecture with synthetic int8 weights' : 'Opened from a model file'}
      </p>

      <PropertySection title="Model">
        <Prop label="Architecture"><span className="mono">{summary.name}</span></Prop>
        <Prop label="Weights">{model.source}</Prop>
        <Prop label="Input"><span className="mono">{formatShape(summary.inputShape)}</span></Prop>
        <Prop label="Classes">{summary.classes}</Prop>
        <Prop label="Layers">{summary.layers.length}</Prop>
        <Prop label="Backbone convs">{summary.convs}</Prop>
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
        Select a layer in the table (or press ↓) to see its tensors, convolution geometry, cost and quantization.
      </div>
    </div>
  );
}
