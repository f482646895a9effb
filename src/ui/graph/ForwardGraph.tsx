/**
 * The forward graph (React Flow): one node per op with its shapes, MACs and parameter bytes, blocks
 * as frames that collapse, residual skips dashed, a minimap; click a conv to select it, its update
 * controls are on the node. Ctrl+F finds a node; SVG and PNG export the whole graph.
 */
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow, type Node as FlowNode } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { formatBytes, formatCount, formatShape } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { CollapsedBlockNode } from './CollapsedBlockNode.tsx';
import { FindBox, type FindItem } from './FindBox.tsx';
import { FORWARD_LAYOUT, forwardLayout, type ForwardFlowNode } from './forward-layout.ts';
import { FrameNode } from './FrameNode.tsx';
import { downloadBlob, graphToSvg, svgToPng, type ExportBox } from './graph-export.ts';
import { GraphToolbar } from './GraphToolbar.tsx';
import { InputNode } from './InputNode.tsx';
import { OpNode } from './OpNode.tsx';
import { useColumnPlacement } from './useColumnPlacement.ts';

const NODE_TYPES = { op: OpNode, frame: FrameNode, collapsed: CollapsedBlockNode, input: InputNode };
const ROLE_COLOR: Record<string, string> = {
  stem: '#c792ea', pw1: '#6ab0ff', dw: '#4fc6b3', pw2: '#8f9cf7', residual: '#e6bd5c', pool: '#7ccf8a', classifier: '#f0a35e',
};

function minimapColor(n: FlowNode): string {
  if (n.type === 'frame') return 'transparent';
  const d = n.data as { row?: { role: string } };
  return d.row ? ROLE_COLOR[d.row.role] ?? '#888' : '#666';
}

export function ForwardGraph() {
  return (
    <ReactFlowProvider>
      <ForwardCanvas />
    </ReactFlowProvider>
  );
}

function ForwardCanvas() {
  const graph = useStudio((s) => s.project.model.graph);
  const summary = useStudio((s) => s.project.summary);
  const collapsed = useStudio((s) => s.collapsedBlocks);
  const selected = useStudio((s) => s.selectedLayer);
  const findOpen = useStudio((s) => s.findOpen);
  const { selectLayer, setFindOpen, toggleBlock, setCollapsedBlocks } = useStudio.getState();
  const base = useMemo(() => forwardLayout(graph, summary, collapsed, null), [graph, summary, collapsed]);
  const xs = useColumnPlacement(base.sizes, FORWARD_LAYOUT.columnGap);
  const layout = useMemo(() => (xs ? forwardLayout(graph, summary, collapsed, xs) : base), [base, xs, graph, summary, collapsed]);
  const rf = useReactFlow();
  const clickedHere = useRef(false);

  // A selection made elsewhere (timeline, arena, find, keys) brings its node into view.
  useEffect(() => {
    if (!selected) return;
    if (clickedHere.current) {
      clickedHere.current = false;
      return;
    }
    const id = layout.shownAs[selected];
    const n = layout.nodes.find((x) => x.id === id);
    if (n) void rf.setCenter(n.position.x + (n.width ?? 0) / 2, n.position.y + (n.height ?? 0) / 2, { zoom: Math.max(rf.getZoom(), 0.75), duration: 250 });
  }, [selected, layout, rf]);

  const findItems = useMemo<FindItem[]>(() => summary.layers.map((r) => ({
    id: r.name, label: r.name, keywords: [r.op, r.role, r.convIndex !== null ? `#${r.convIndex}` : '', r.block !== null && r.block >= 0 ? `block ${r.block}` : ''].join(' '),
  })), [summary]);

  const onPick = useCallback((name: string) => {
    const block = layout.blockOf[name];
    if (collapsed.includes(block)) toggleBlock(block);
    selectLayer(name);
  }, [layout, collapsed, toggleBlock, selectLayer]);

  const onExport = async (kind: 'svg' | 'png') => {
    const describe = (n: FlowNode): ExportBox | null => {
      const fn = n as ForwardFlowNode;
      if (fn.type === 'frame') return { frame: true, lines: [fn.data.title, fn.data.subtitle] };
      if (fn.type === 'input') return { lines: ['input', formatShape(fn.data.shape)] };
      if (fn.type === 'collapsed') return { lines: [`block ${fn.data.block} (collapsed)`, fn.data.rows.map((r) => r.role).join(' · ')] };
      const r = fn.data.row;
      const u = r.convIndex !== null ? useStudio.getState().program.scheme.convs[r.convIndex] : undefined;
      const train = u ? (u.channels > 0 ? `trains weight ${u.channels}/${u.totalChannels} ch + bias` : u.bias ? 'trains bias' : 'frozen') : '';
      return {
        lines: [`${r.name}  ${r.role}${r.convIndex !== null ? `  #${r.convIndex}` : ''}`, `${formatShape(r.inputShape)} → ${formatShape(r.outputShape)}`,
          `${formatCount(r.macs)} MACs  ${fn.data.paramBytes ? formatBytes(fn.data.paramBytes) : ''}`, train],
        stroke: ROLE_COLOR[r.role],
      };
    };
    const svg = graphToSvg(layout.nodes, layout.edges, describe, `${graph.name} forward graph`);
    const base = `${graph.name}-forward`;
    if (kind === 'svg') downloadBlob(new Blob([svg], { type: 'image/svg+xml' }), `${base}.svg`);
    else downloadBlob(await svgToPng(svg), `${base}.png`);
  };

  const blockCount = summary.layers.reduce((m, r) => Math.max(m, r.role !== 'classifier' && r.block !== null ? r.block + 1 : m), 0);

  return (
    <div className="graph-view" data-testid="forward-graph">
      <GraphToolbar
        caption={<><strong>{summary.layers.length}</strong> ops · <strong>{summary.convs}</strong> convs · {blockCount} blocks · click a conv to inspect it; <span className="chip-demo">b</span> bias, <span className="chip-demo">0 ⅛ ¼ ½ 1</span> weight share</>}
        onFind={() => setFindOpen(true)}
        onExport={(k) => void onExport(k)}
      >
        <button type="button" className="button button-small" onClick={() => setCollapsedBlocks(collapsed.length ? [] : Array.from({ length: blockCount }, (_, i) => i))}>
          {collapsed.length ? 'Expand all' : 'Collapse all'}
        </button>
      </GraphToolbar>
      <div className="graph-canvas">
        <ReactFlow
          nodes={layout.nodes}
          edges={layout.edges}
          nodeTypes={NODE_TYPES}
          onNodeClick={(_, n) => {
            if (n.type === 'op') {
              clickedHere.current = true;
              selectLayer(n.id);
            }
          }}
          onPaneClick={() => selectLayer(null)}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          minZoom={0.1}
          maxZoom={2}
          fitView
          fitViewOptions={{ nodes: [{ id: 'frame:-1' }, { id: 'frame:0' }, { id: 'frame:1' }, { id: 'frame:2' }], maxZoom: 1, padding: 0.05 }}
          proOptions={{ hideAttribution: true }}
          colorMode="dark"
        >
          <Background gap={24} size={1} />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor="rgba(10,10,12,0.6)" />
        </ReactFlow>
        {findOpen && <FindBox items={findItems} onPick={onPick} onClose={() => setFindOpen(false)} />}
      </div>
    </div>
  );
}
