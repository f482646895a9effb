/**
 * A backward or update kernel: coloured by kind, its op and forward node, what it writes (bytes from
 * the engine), the forward tensors it reads as links; a fused kernel lists the steps it contains.
 */
import { memo } from 'react';
import type { NodeProps, Node } from '@xyflow/react';
import { formatBytes } from '../format.ts';
import { useStudio } from '../store/index.ts';
import type { KernelData } from './backward-layout.ts';
import { KIND_LABEL, kernelKind, opLabel } from './kernel-kinds.ts';
import { FlowHandles } from './OpNode.tsx';

export const KernelNode = memo(function KernelNode({ data }: NodeProps<Node<KernelData, 'kernel'>>) {
  const { kernel, parts, reads, writes, step } = data;
  const selected = useStudio((s) => s.selectedKernel === kernel.name);
  const related = useStudio((s) => s.selectedLayer !== null && parts.some((p) => p.node === s.selectedLayer));
  const fused = parts.length > 1;
  const kind = fused ? 'fused' : kernelKind(kernel.op, kernel.phase);
  const weightUpdates = parts.filter((p) => p.weightUpdate).map((p) => p.weightUpdate!);
  const openForward = (node: string) => {
    const s = useStudio.getState();
    s.selectLayer(node);
    s.setGraphTab('forward');
  };
  return (
    <div
      className={`kernel-node kind-${kind}${selected ? ' is-selected' : ''}${related ? ' is-related' : ''}`}
      data-testid={`kernel-${kernel.name}`}
      data-op={kernel.op}
      data-kind={kind}
      data-node={kernel.node}
      data-weight-update={weightUpdates.length && !fused ? weightUpdates.join(' ') : undefined}
      title={`step ${step}: ${kernel.name}${fused ? '' : ` (${KIND_LABEL[kernelKind(kernel.op, kernel.phase)]})`}`}
    >
      <FlowHandles />
      <div className="kernel-head">
        <span className="kind-dot" aria-hidden="true" />
        <span className="kernel-title">{opLabel(kernel.op)}</span>
        <span className="kernel-step num muted">#{step}</span>
      </div>
      <div className="kernel-sub mono">{kernel.op} · {kernel.node}</div>
      {fused && (
        <ul className="kernel-parts">
          {parts.map((p, i) => (
            <li key={i} className={`part kind-${p.kind}`} data-weight-update={p.weightUpdate}>
              <span className="kind-dot" aria-hidden="true" />{p.label}
            </li>
          ))}
        </ul>
      )}
      {writes.length > 0 && (
        <div className="kernel-writes mono" title={writes.map((w) => `${w.name}: ${w.bytes} bytes`).join('\n')}>
          → {writes[0].name} <span className="muted num">{formatBytes(writes[0].bytes)}</span>
          {writes.length > 1 && <span className="muted"> +{writes.length - 1}</span>}
        </div>
      )}
      {reads.length > 0 && (
        <div className="kernel-reads nodrag">
          <span className="muted">reads</span>
          {reads.slice(0, 2).map((r) => (
            <button key={r.tensor} type="button" className="fwd-link mono" title={`Forward tensor ${r.tensor}, written by ${r.node}: show it in the forward graph`}
              onClick={(e) => {
                e.stopPropagation();
                openForward(r.node);
              }}>
              ↗ {r.tensor}
            </button>
          ))}
          {reads.length > 2 && <span className="muted">+{reads.length - 2}</span>}
        </div>
      )}
    </div>
  );
});
