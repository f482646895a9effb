/** Everything the engine knows about one layer: role, tensors, conv geometry, cost and quantization. */
import { convWindow, FAMILY_ROLES, type Node } from '../../engine/ir/graph.ts';
import { formatPercent } from '../format.ts';
import { Term } from '../explain/Term.tsx';
import { layerBadge } from '../roles.ts';
import type { SelectedLayer } from '../store/selectors.ts';
import { useStudio } from '../store/index.ts';
import { ArchEditor } from './ArchEditor.tsx';
import { ConvUpdateControls } from './ConvUpdateControls.tsx';
import { CountValue } from './CountValue.tsx';
import { LayerMemory } from './LayerMemory.tsx';
import { Prop, PropertySection } from './PropertySection.tsx';
import { QuantValue } from './QuantValue.tsx';
import { RoleBadge } from './RoleBadge.tsx';
import { TensorValue } from './TensorValue.tsx';

const PARAM_KINDS = new Set(['weight', 'bias', 'scales']);

/** Labels of a node's activation inputs: a residual add reads the block input and the projection. */
function inputLabels(node: Node, count: number): string[] {
  if (node.op === 'add' && count === 2 && (node.attrs as { block?: number }).block !== undefined) return ['Block input', 'Projection'];
  return count === 1 ? ['Input'] : Array.from({ length: count }, (_, i) => `Input ${i + 1}`);
}

export function LayerProperties({ layer }: { layer: SelectedLayer }) {
  const { row, node, graph } = layer;
  const totalMacs = useStudio((s) => s.project.summary.totalMacs);
  const conv = node.op === 'conv2d' ? (node as Node<'conv2d'>).attrs : null;
  const win = conv && convWindow(conv);
  const inputs = node.inputs.map((n) => graph.tensors[n]).filter((t) => !PARAM_KINDS.has(t.kind));
  const params = node.inputs.map((n) => graph.tensors[n]).filter((t) => PARAM_KINDS.has(t.kind));
  const outputs = node.outputs.map((n) => graph.tensors[n]);
  const labels = inputLabels(node, inputs.length);
  // The residual add that reads this layer's output, when there is one.
  const addedBy = row.residual ? graph.nodes.find((n) => n.op === 'add' && n.inputs.includes(node.outputs[0])) : undefined;

  return (
    <div className="layer-props">
      <div className="props-title">
        <span className="props-name mono">{row.name}</span>
        <RoleBadge row={row} />
      </div>
      <p className="props-subtitle">{layerBadge(row).description}</p>

      {row.convIndex !== null && (
        <section className="prop-section">
          <h3><Term id="update-ratio">Training</Term></h3>
          <ConvUpdateControls convIndex={row.convIndex} variant="panel" />
          <p className="hint-small muted">Keys: <kbd>B</kbd> bias, <kbd>0</kbd>–<kbd>4</kbd> weight share 0, ⅛, ¼, ½, 1.</p>
        </section>
      )}
      {row.role === 'classifier' && (
        <section className="prop-section">
          <h3>Training</h3>
          <p className="muted">The classifier head always trains.</p>
        </section>
      )}

      <LayerMemory name={row.name} />

      <PropertySection title="Layer">
        <Prop label="Op"><span className="mono">{row.op}</span></Prop>
        <Prop label="Role">{row.role}</Prop>
        <Prop label="Conv index" title="The paper's conv index (stem = 0)">{row.convIndex ?? '–'}</Prop>
        <Prop label="Block">{row.block == null ? '–' : row.block < 0 ? '– (stem)' : row.block}</Prop>
        {addedBy && <Prop label={(addedBy.attrs as { block?: number }).block === undefined ? 'Joined' : 'Residual'}>output feeds <span className="mono">{addedBy.name}</span></Prop>}
      </PropertySection>

      <PropertySection title="Tensors">
        {inputs.map((t, i) => (
          <Prop key={t.name} label={labels[i]}><TensorValue tensor={t} /></Prop>
        ))}
        {outputs.map((t) => <Prop key={t.name} label="Output"><TensorValue tensor={t} /></Prop>)}
        {params.map((t) => (
          <Prop key={t.name} label={t.kind === 'scales' ? 'Weight scales' : t.kind === 'weight' ? 'Weight' : 'Bias'}>
            <TensorValue tensor={t} />
          </Prop>
        ))}
      </PropertySection>

      {conv && (
        <PropertySection title="Convolution">
          <Prop label="Kernel">{win!.kh}×{win!.kw}</Prop>
          <Prop label="Stride">{conv.stride}</Prop>
          <Prop label="Padding">{win!.ph === win!.pw ? win!.ph : `${win!.ph} rows, ${win!.pw} columns`}</Prop>
          <Prop label="Groups">{conv.groups}{conv.groups > 1 && <span className="muted"> (depthwise)</span>}</Prop>
        </PropertySection>
      )}

      <PropertySection title="Cost">
        <Prop label="MACs"><CountValue n={row.macs} /></Prop>
        <Prop label="Share of MACs">{formatPercent(totalMacs > 0 ? row.macs / totalMacs : 0)}</Prop>
        <Prop label="Params"><CountValue n={row.params} /></Prop>
      </PropertySection>

      {conv && conv.block !== undefined && FAMILY_ROLES.includes(conv.role) && <ArchEditor name={row.name} role={conv.role} block={conv.block} />}

      <PropertySection title="Quantization">
        {inputs.map((t, i) => (
          <Prop key={t.name} label={labels[i]}><QuantValue tensor={t} /></Prop>
        ))}
        {outputs.map((t) => <Prop key={t.name} label="Output"><QuantValue tensor={t} /></Prop>)}
        {params.filter((t) => t.kind === 'weight').map((t) => (
          <Prop key={t.name} label="Weights">
            {t.dtype === 'int8'
              ? <>int8, per output channel <span className="muted">({t.shape[0]} scales)</span></>
              : <span className="muted">{t.dtype}, not quantized</span>}
          </Prop>
        ))}
      </PropertySection>
    </div>
  );
}
