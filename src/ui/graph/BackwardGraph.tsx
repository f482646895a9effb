/**
 * The backward graph the compiler generated for the current scheme: its backward and update kernels,
 * coloured by kind, in schedule order; fused kernels list what they contain; a toggle shows the ops
 * the scheme prunes, greyed. It follows every edit of the scheme.
 */
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow, type Node as FlowNode } from '@xyflow/react';
import { useEffect, useMemo, useRef } from 'react';
import { formatBytes } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { KIND_TERM } from '../explain/glossary.ts';
import { Term } from '../explain/Term.tsx';
import { BACKWARD_LAYOUT, backwardLayout, KERNEL_W, type BackwardFlowNode } from './backward-layout.ts';
import { FindBox, type FindItem } from './FindBox.tsx';
import { downloadBlob, graphToSvg, svgToPng, type ExportBox } from './graph-export.ts';
import { GraphToolbar } from './GraphToolbar.tsx';
import { KIND_LABEL, KIND_ORDER, KIND_SHORT, kernelKind, opLabel } from './kernel-kinds.ts';
import { KernelNode } from './KernelNode.tsx';
import { BackwardFrameNode, PrunedNode } from './PrunedNode.tsx';
import { useColumnPlacement } from './useLayoutWorker.ts';

const NODE_TYPES = { kernel: KernelNode, pruned: PrunedNode, bframe: BackwardFrameNode };
const KIND_COLOR: Record<string, string> = {
  loss: '#ff7b72', 'input-grad': '#6ab0ff', weight: '#5fd18a', bias: '#e6bd5c', mask: '#b18cf2', scale: '#4fc6b3', fused: '#f0a35e', forward: '#888',
};

function minimapColor(n: FlowNode): string {
  const b = n as BackwardFlowNode;
  if (b.type === 'bframe') return 'transparent';
  if (b.type === 'pruned') return '#3a3c42';
  return KIND_COLOR[b.data.parts.length > 1 ? 'fused' : kernelKind(b.data.kernel.op, b.data.kernel.phase)];
}

export function BackwardGraph() {
  return (
    <ReactFlowProvider>
      <BackwardCanvas />
    </ReactFlowProvider>
  );
}

function BackwardCanvas() {
  const graph = useStudio((s) => s.project.model.graph);
  const program = useStudio((s) => s.program);
  const showPruned = useStudio((s) => s.showPruned);
  const findOpen = useStudio((s) => s.findOpen);
  const selectedKernel = useStudio((s) => s.selectedKernel);
  const { selectKernel, setShowPruned, setFindOpen } = useStudio.getState();
  const base = useMemo(() => backwardLayout(graph, program, showPruned, null), [graph, program, showPruned]);
  const xs = useColumnPlacement(base.sizes, BACKWARD_LAYOUT.columnGap);
  const layout = useMemo(() => (xs ? backwardLayout(graph, program, showPruned, xs) : base), [base, xs, graph, program, showPruned]);
  const rf = useReactFlow();

  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const n of layout.nodes) if (n.type === 'kernel') for (const p of n.data.parts) c[p.kind] = (c[p.kind] ?? 0) + 1;
    return c;
  }, [layout]);
  const kernelCount = layout.nodes.filter((n) => n.type === 'kernel').length;

  // A node to bring into view once it is laid out: a kernel found or selected, or a pruned op
  // (turning "Show pruned" on shows the first of them, which sit past the kernels, off screen).
  const pending = useRef<string | null>(null);
  const FIRST_PRUNED = '(first pruned)';
  const centre = (id: string | null) => {
    const n = id === FIRST_PRUNED ? layout.nodes.find((x) => x.type === 'pruned') : id ? layout.nodes.find((x) => x.id === id) : undefined;
    if (n) void rf.setCenter(n.position.x + KERNEL_W / 2, n.position.y + (n.height ?? 0) / 2, { zoom: Math.max(rf.getZoom(), 0.75), duration: 250 });
    return !!n;
  };
  useEffect(() => {
    if (selectedKernel) centre(selectedKernel);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedKernel, layout, rf]);
  useEffect(() => {
    if (pending.current && centre(pending.current)) pending.current = null;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);

  // Find answers for every kernel and every pruned op (showing the pruned ones when one is picked).
  const findItems = useMemo<FindItem[]>(() => [
    ...program.kernels.filter((k) => k.phase !== 'forward').map((k) => ({ id: k.name, label: k.name, keywords: `${opLabel(k.op)} ${k.node}` })),
    ...program.pruned.filter((p, i, all) => all.findIndex((q) => q.node === p.node) === i)
      .map((p) => ({ id: `pruned:${p.node}`, label: `${p.node} (pruned)`, keywords: `pruned ${program.pruned.filter((q) => q.node === p.node).map((q) => opLabel(q.op)).join(' ')}` })),
  ], [program]);
  const onPick = (id: string) => {
    if (id.startsWith('pruned:')) {
      if (showPruned) centre(id);
      else {
        pending.current = id;
        setShowPruned(true);
      }
    } else selectKernel(id);
  };

  const onExport = async (kind: 'svg' | 'png') => {
    const describe = (n: FlowNode): ExportBox | null => {
      const b = n as BackwardFlowNode;
      if (b.type === 'bframe') return { frame: true, lines: [b.data.title] };
      if (b.type === 'pruned') return { lines: [`${b.data.node} (pruned)`, b.data.ops.map(opLabel).join(', '), b.data.reason], dim: true };
      const d = b.data;
      const lines = [opLabel(d.kernel.op), `${d.kernel.op} · ${d.kernel.node}`, ...(d.parts.length > 1 ? d.parts.map((p) => `· ${p.label}`) : [])];
      if (d.writes[0]) lines.push(`→ ${d.writes[0].name} ${formatBytes(d.writes[0].bytes)}`);
      return { lines, stroke: KIND_COLOR[d.parts.length > 1 ? 'fused' : kernelKind(d.kernel.op, d.kernel.phase)] };
    };
    const svg = graphToSvg(layout.nodes, layout.edges, describe, `${graph.name} backward graph`);
    const base = `${graph.name}-backward`;
    if (kind === 'svg') downloadBlob(new Blob([svg], { type: 'image/svg+xml' }), `${base}.svg`);
    else downloadBlob(await svgToPng(svg), `${base}.png`);
  };

  return (
    <div className="graph-view" data-testid="backward-graph">
      <GraphToolbar
        caption={
          <span className="kind-legend">
            <strong>{kernelCount}</strong> kernels · <strong>{program.pruned.length}</strong> pruned ·
            {KIND_ORDER.map((k) => (
              <span key={k} className={`legend-item kind-${k}`} title={KIND_LABEL[k]}>
                <span className="kind-dot" aria-hidden="true" /><Term id={KIND_TERM[k]}>{KIND_SHORT[k]} <span className="num muted">{counts[k] ?? 0}</span></Term>
              </span>
            ))}
            <span className="legend-item kind-fused"><span className="kind-dot" aria-hidden="true" /><Term id="fused-backward">fused</Term></span>
          </span>
        }
        onFind={() => setFindOpen(true)}
        onExport={(k) => void onExport(k)}
      >
        <label className="toggle">
          <input type="checkbox" checked={showPruned} onChange={(e) => {
            setShowPruned(e.target.checked);
            if (e.target.checked) pending.current = FIRST_PRUNED;
          }} /> Show pruned
        </label>
      </GraphToolbar>
      <div className="graph-canvas">
        {kernelCount === 0 ? (
          <EmptyState title="Nothing to train">
            <p>This scheme trains no parameter, so there is no backward pass. Pick a preset in the top bar or turn on a bias on a conv.</p>
          </EmptyState>
        ) : (
          <ReactFlow
            nodes={layout.nodes}
            edges={layout.edges}
            nodeTypes={NODE_TYPES}
            onNodeClick={(_, n) => n.type === 'kernel' && selectKernel(n.id)}
            onPaneClick={() => selectKernel(null)}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            minZoom={0.08}
            maxZoom={2}
            defaultViewport={{ x: 12, y: 8, zoom: 0.8 }}
            proOptions={{ hideAttribution: true }}
            colorMode="dark"
          >
            <Background gap={24} size={1} />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor="rgba(10,10,12,0.6)" />
          </ReactFlow>
        )}
        {findOpen && <FindBox items={findItems} onPick={onPick} onClose={() => setFindOpen(false)} />}
      </div>
    </div>
  );
}

