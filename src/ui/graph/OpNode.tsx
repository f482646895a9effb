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

/** What a node reads: its input's shape, or its inputs' (a concatenation's: "2 × 8x14x14", "8x14x14 + 4x14x14"); a residual add shows one. */
function inputsText(op: string, shapes: number[][], first: number[]): string {
  if (shapes.length < 2 || op === 'add') return formatShape(first);
  const texts = shapes.map(formatShape);
  return texts.every((t) => t === texts[0]) ? `${texts.length} × ${texts[0]}` : texts.join(' + ');
}

export const OpNode = memo(function OpNode({ data }: NodeProps<Node<OpData, 'op'>>) {
  const { row, paramBytes, compact, window } = data;
  const selected = useStudio((s) => s.selectedLayer === row.name);
  const state = useStudio((s) => {
    const u = row.convIndex === null ? undefined : s.program.scheme.convs[row.convIndex];
    return u ? trainState(u.bias, u.channels) : row.role === 'classifier' ? 'weight' : 'none';
  });
  const heat = useStudio((s) => nodeHeat(s, row.name));
  const kernel = row.kernel ?? (window ? [window.kernel, window.kernel] : null);
  const stride = row.stride ?? window?.stride ?? null;
  const geometry = kernel !== null ? `${kernel[0]}×${kernel[1]}${stride && stride > 1 ? ` /${stride}` : ''}${row.groups && row.groups > 1 ? ' dw' : ''}` : null;
  const shapes = `${inputsText(row.op, data.inputShapes, row.inputShape)} → ${formatShape(row.outputShape)}`;
  const opClass = `op-${row.op.replace(/[^\w-]/g, '')}`;
  const heatStyle = heat === null ? undefined : ({ '--heat': heat } as CSSProperties);
  if (compact) {
    return (
      <div className={`op-node op-row ${opClass} train-${state}${selected ? ' is-selected' : ''}${heat !== null ? ' has-heat' : ''}`} style={heatStyle}
        data-testid={`fwd-node-${row.name}`} data-train={state} title={`${row.name}: ${shapes}`}>
        <FlowHandles />
        <span className="op-node-name mono">{row.name}</span>
        <RoleBadge row={row} />
        <span className="op-node-idx num" title="The paper's conv index">{row.convIndex !== null ? `#${row.convIndex}` : ''}</span>
        <span className="op-row-shape mono">{shapes}</span>
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
      title={`${row.name}: ${shapes}`}
    >
      <FlowHandles />
      <div className="op-node-head">
        <span className="op-node-name mono">{row.name}</span>
        <RoleBadge row={row} />
        {row.convIndex !== null && <span className="op-node-idx num" title="The paper's conv index">#{row.convIndex}</span>}
      </div>
      <div className="op-node-shape mono">{shapes}</div>
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
