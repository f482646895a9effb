/** A block's frame behind its ops, with its name and a button that collapses it into one node. */
import { memo } from 'react';
import type { NodeProps, Node } from '@xyflow/react';
import { useStudio } from '../store/index.ts';
import type { FrameData } from './forward-layout.ts';

export const FrameNode = memo(function FrameNode({ data }: NodeProps<Node<FrameData, 'frame'>>) {
  const toggleBlock = useStudio((s) => s.toggleBlock);
  return (
    <div className="frame-node">
      <div className="frame-node-head">
        {data.collapsible && (
          <button type="button" className="frame-toggle nodrag" aria-label={`Collapse ${data.title}`} title="Collapse into one node"
            onClick={(e) => {
              e.stopPropagation();
              toggleBlock(data.block);
            }}>▾</button>
        )}
        <span className="frame-title">{data.title}</span>
        <span className="frame-sub">{data.subtitle}</span>
      </div>
    </div>
  );
});
