/** Ops a full update would have at a forward node that this scheme prunes, greyed, with the reason. */
import { memo } from 'react';
import type { NodeProps, Node } from '@xyflow/react';
import type { PrunedData } from './backward-layout.ts';
import { opLabel } from './kernel-kinds.ts';
import { FlowHandles } from './OpNode.tsx';

export const PrunedNode = memo(function PrunedNode({ data }: NodeProps<Node<PrunedData, 'pruned'>>) {
  return (
    <div className="kernel-node pruned-node" data-testid={`pruned-${data.node}`} title={`Pruned: ${data.reason}`}>
      <FlowHandles />
      <div className="kernel-head">
        <span className="kernel-title">{data.node}</span>
        <span className="muted">pruned</span>
      </div>
      <div className="pruned-ops">{data.ops.map(opLabel).join(' · ')}</div>
      <div className="pruned-reason muted">{data.reason}</div>
    </div>
  );
});

export const BackwardFrameNode = memo(function BackwardFrameNode({ data }: NodeProps<Node<{ title: string; pruned: boolean }, 'bframe'>>) {
  return (
    <div className={`frame-node${data.pruned ? ' frame-pruned' : ''}`}>
      <div className="frame-node-head"><span className="frame-title" title={data.title}>{data.title}</span></div>
    </div>
  );
});
