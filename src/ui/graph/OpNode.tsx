/** A forward op in the graph: name, role, shapes, kernel, MACs, parameter bytes, and a conv's update controls. */
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import { memo, type CSSProperties } from 'react';
import { formatBytes, formatCount, formatShape } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { ConvUpdateControls } from '../components/ConvUpdateControls.tsx';
import { RoleBadge } from '../components/RoleBadge.tsx';
import type { OpData } from './forward-layout.ts';
import { nodeHeat } from './node-colour.ts';

export const FlowHandles = memo(function FlowHandles() {
  return (
    <>
      <Handle type="target" position={Position.Top} id="in" isConnectable={false} />
      <Handle type="source" position={Position.Bottom} id="out" isConnectable={false} />
      <Handle type="target" position={Position.Left} id="prev" isConnectable={false} />
      <Handle type="source" position={Position.Right} id="next" isConnectable={false} />
      <Handle type="target" position={Position.Right} id="skip" isConnectable={false} />
    </>
  );
});

function trainState(bias: boolean, channels: number): string {
  return channels > 0 ? 'weight' : bias ? 'bias' : 'frozen';
}

export const OpNode = memo(function OpNode({ data }: NodeProps<Node<OpData, 'op'>>) {
  const { row, paramBytes, compact } = data;
  const selected = useStudio((s) => s.selectedLayer === row.name);
  const state = useStudio((s) => {
    const u = row.convIndex === null ? undefined : s.program.scheme.convs[row.convIndex];
    return u ? trainState(u.bias, u.channels) : row.role === 'classifier' ? 'weight' : 'none';
  });
  const heat = useStudio((s) => nodeHeat(s, row.name));
  const geometry = row.kernel !== null ? `${row.kernel}×${row.kernel}${row.stride && row.stride > 1 ? ` /${row.stride}` : ''}${row.groups && row.groups > 1 ? ' dw' : ''}` : null;
  const opClass = `op-${row.op.replace(/[^\w-]/g, '')}`;
  const heatStyle = heat === null ? undefined : ({ '--heat': heat } as CSSProperties);
  if (compact) {
    return (
      <div className={`op-node op-row ${opClass} train-${state}${selected ? ' is-selected' : ''}${heat !== null ? ' has-heat' : ''}`} style={heatStyle}
        data-testid={`fwd-node-${row.name}`} data-train={state} title={`${row.name}: ${formatShape(row.inputShape)} → ${formatShape(row.outputShape)}`}>
        <FlowHandles />
        <span className="op-node-name mono">{row.name}</span>
        <RoleBadge row={row} />
        <span className="op-node-idx num" title="The paper's conv index">{row.convIndex !== null ? `#${row.convIndex}` : ''}</span>
        <span className="op-row-shape mono">{formatShape(row.inputShape)} → {formatShape(row.outputShape)}</span>
        <span className="op-row-cost num">{geometry ?? ''}</span>
        <span className="op-row-cost num">{row.macs > 0 ? `${formatCount(row.macs)} MACs` : ''}</span>
        {row.convIndex !== null ? <ConvUpdateControls convIndex={row.convIndex} variant="node" /> : <span className="op-node-note">{row.role === 'classifier' ? 'always trained' : ''}</span>}
      </div>
    );
  }
  return (
    <div
      className={`op-node ${opClass} train-${state}${selected ? ' is-selected' : ''}${heat !== null ? ' has-heat' : ''}`}
      style={heatStyle}
      data-testid={`fwd-node-${row.name}`}
      data-train={state}
      title={`${row.name}: ${formatShape(row.inputShape)} → ${formatShape(row.outputShape)}`}
    >
      <FlowHandles />
      <div className="op-node-head">
        <span className="op-node-name mono">{row.name}</span>
        <RoleBadge row={row} />
        {row.convIndex !== null && <span className="op-node-idx num" title="The paper's conv index">#{row.convIndex}</span>}
      </div>
      <div className="op-node-shape mono">{formatShape(row.inputShape)} → {formatShape(row.outputShape)}</div>
      {(row.macs > 0 || paramBytes > 0) && (
        <div className="op-node-cost num">
          {geometry && <span>{geometry}</span>}
          <span>{formatCount(row.macs)} MACs</span>
          {paramBytes > 0 && <span>{formatBytes(paramBytes)}</span>}
        </div>
      )}
      {row.convIndex !== null && <ConvUpdateControls convIndex={row.convIndex} variant="node" />}
      {row.role === 'classifier' && <div className="op-node-note">always trained (float32 head)</div>}
    </div>
  );
});
