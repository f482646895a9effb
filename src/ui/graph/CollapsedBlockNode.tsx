/** A collapsed block: its ops in one line, its shapes, what its convs train; click ▸ to expand. */
import { memo } from 'react';
import type { NodeProps, Node } from '@xyflow/react';
import { formatShape } from '../format.ts';
import { useStudio } from '../store/index.ts';
import type { CollapsedData } from './forward-layout.ts';
import { FlowHandles } from './OpNode.tsx';

export const CollapsedBlockNode = memo(function CollapsedBlockNode({ data }: NodeProps<Node<CollapsedData, 'collapsed'>>) {
  const toggleBlock = useStudio((s) => s.toggleBlock);
  const convs = useStudio((s) => s.program.scheme.convs);
  const selected = useStudio((s) => data.rows.some((r) => r.name === s.selectedLayer));
  const first = data.rows[0];
  const last = data.rows[data.rows.length - 1];
  const trained = data.rows.filter((r) => r.convIndex !== null && convs[r.convIndex] && (convs[r.convIndex].bias || convs[r.convIndex].channels > 0));
  const weights = data.rows.filter((r) => r.convIndex !== null && convs[r.convIndex]?.channels > 0);
  return (
    <div className={`op-node collapsed-node${selected ? ' is-selected' : ''}`} data-testid={`fwd-block-${data.block}`}>
      <FlowHandles />
      <div className="op-node-head">
        <button type="button" className="frame-toggle nodrag" aria-label={`Expand block ${data.block}`} title="Expand"
          onClick={(e) => {
            e.stopPropagation();
            toggleBlock(data.block);
          }}>▸</button>
        <span className="op-node-name">block {data.block}</span>
        <span className="muted">{data.rows.length} ops</span>
      </div>
      <div className="op-node-shape mono">{formatShape(first.inputShape)} → {formatShape(last.outputShape)}</div>
      <div className="op-node-cost">{data.rows.map((r) => r.role === 'residual' ? '+ add' : r.role === 'dw' && r.kernel ? `dw ${r.kernel[0]}×${r.kernel[1]}` : r.role).join(' · ')}</div>
      <div className="op-node-note">
        {trained.length === 0 ? 'frozen' : weights.length ? `weights: ${weights.map((r) => `#${r.convIndex}`).join(', ')}` : 'biases train'}
      </div>
    </div>
  );
});
