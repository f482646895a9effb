/** The image the network reads. */
import { memo } from 'react';
import type { NodeProps, Node } from '@xyflow/react';
import { formatShape } from '../format.ts';
import type { InputData } from './forward-layout.ts';
import { FlowHandles } from './OpNode.tsx';

export const InputNode = memo(function InputNode({ data }: NodeProps<Node<InputData, 'input'>>) {
  return (
    data.compact ? (
      <div className="op-node input-node op-row" data-testid="fwd-node-input">
        <FlowHandles />
        <span className="op-node-name">input</span><span className="muted">int8 image</span><span className="op-row-shape mono">{formatShape(data.shape)}</span>
      </div>
    ) : (
      <div className="op-node input-node" data-testid="fwd-node-input">
        <FlowHandles />
        <div className="op-node-head"><span className="op-node-name">input</span><span className="muted">int8 image</span></div>
        <div className="op-node-shape mono">{formatShape(data.shape)}</div>
      </div>
    )
  );
});
