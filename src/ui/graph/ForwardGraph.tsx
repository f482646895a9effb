/**
 * The forward graph (React Flow): one node per op with its shapes, MACs and parameter bytes, blocks
 * as frames that collapse, residual skips dashed, a minimap; click a conv to select it, its update
 * controls are on the node. Ctrl+F finds a node; SVG and PNG export the whole graph.
 */
import { Background, ControlButton, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow, type Node as FlowNode } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { LayerRow } from '../../engine/ir/summary.ts';
import { formatBytes, formatCount, formatShape } from '../format.ts';
import { layerBadge } from '../roles.ts';
import { useStudio } from '../store/index.ts';
import { CollapsedBlockNode } from './CollapsedBlockNode.tsx';
import { FindBox, type FindItem } from './FindBox.tsx';
import { FORWARD_LAYOUT, forwardLayout, type ForwardFlowNode } from './forward-layout.ts';
import { FrameNode } from './FrameNode.tsx';
import { downloadBlob, graphToSvg, svgToPng, type ExportBox } from './graph-export.ts';
import { GraphToolbar } from './GraphToolbar.tsx';
import { InputNode } from './InputNode.tsx';
import { COLOUR_BY, colourScale, nodeHeat, type ColourBy } from './node-colour.ts';
import { readableFit, READABLE_ZOOM } from './readable-fit.ts';
import { OpNode } from './OpNode.tsx';
import { RoutedEdge } from './RoutedEdge.tsx';
import { useColumnPlacement, useDagPlacement } from './useLayoutWorker.ts';

const NODE_TYPES = { op: OpNode, frame: FrameNode, collapsed: CollapsedBlockNode, input: InputNode };
const EDGE_TYPES = { routed: RoutedEdge };
/** The badge colours of styles.css (--role-*), by roles.ts's layerBadge key. */
const ROLE_COLOR: Record<string, string> = {
  stem: '#c792ea', pw1: '#6ab0ff', dw: '#4fc6b3', pw2: '#8f9cf7', residual: '#e6bd5c', pool: '#7ccf8a', classifier: '#f0a35e',
  conv: '#6ab0ff', fc: '#f0a35e', add: '#e6bd5c', maxpool: '#7ccf8a', concat: '#d98ad6', reshape: '#9aa0aa', pad: '#9aa0aa', other: '#9aa0aa',
};

function minimapColor(n: FlowNode): string {
  if (n.type === 'frame') return 'transparent';
  const d = n.data as { row?: LayerRow };
  const s = useStudio.getState();
  const heat = d.row ? nodeHeat(s, d.row.name) : null;
  if (heat !== null) return `color-mix(in srgb, #f0a35e ${Math.round(heat * 100)}%, #3a3c42)`;
  return d.row ? ROLE_COLOR[layerBadge(d.row).key] ?? '#888' : '#666';
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
  const arrangement = useStudio((s) => s.arrangement);
  const colourBy = useStudio((s) => s.colourBy);
  const scale = useStudio(colourScale);
  const { selectLayer, setFindOpen, toggleBlock, setCollapsedBlocks, setArrangement, setColourBy } = useStudio.getState();
  const vertical = arrangement === 'vertical';
  const base = useMemo(() => forwardLayout(graph, summary, collapsed, null, arrangement), [graph, summary, collapsed, arrangement]);
  const xs = useColumnPlacement(vertical ? [] : base.sizes, FORWARD_LAYOUT.columnGap);
  const positions = useDagPlacement(base.dag);
  const layout = useMemo(() => {
    if (positions) return forwardLayout(graph, summary, collapsed, positions, arrangement);
    return xs && !vertical ? forwardLayout(graph, summary, collapsed, xs) : base;
  }, [base, xs, positions, vertical, graph, summary, collapsed, arrangement]);
  const rf = useReactFlow();
  const clickedHere = useRef(false);
  const canvas = useRef<HTMLDivElement>(null);

  // Fit, but never below a zoom where the nodes' text stays readable: the start of the graph (or the
  // selection) at that zoom, the rest a pan or a scroll away.
  const fit = useCallback(() => {
    const box = canvas.current?.getBoundingClientRect();
    if (!box) return;
    const sel = useStudio.getState().selectedLayer;
    const focus = sel ? layout.nodes.find((n) => n.id === layout.shownAs[sel]) : undefined;
    void rf.setViewport(readableFit(layout.nodes, box.width, box.height, focus), { duration: 200 });
  }, [layout, rf]);
  // A new arrangement or model starts fitted, and a large general graph again when dagre's layout
  // replaces the stand-in (its nodes move).
  const fittedFor = useRef<unknown>(null);
  const fitFor = positions ?? base;
  useEffect(() => {
    if (fittedFor.current === fitFor) return;
    fittedFor.current = fitFor;
    requestAnimationFrame(fit);
  }, [fitFor, fit]);

  // Enter or Space on a focused node selects it, as a click does.
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const el = (e.target as HTMLElement).closest<HTMLElement>('.react-flow__node');
    const id = el?.dataset.id;
    if (!id || !summary.layers.some((l) => l.name === id)) return;
    e.preventDefault();
    clickedHere.current = true;
    selectLayer(id);
  };

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
    id: r.name, label: r.name, keywords: [r.op, r.role, layerBadge(r).text, r.convIndex !== null ? `#${r.convIndex}` : '', r.block !== null && r.block >= 0 ? `block ${r.block}` : ''].join(' '),
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
        lines: [`${r.name}  ${layerBadge(r).text}${r.convIndex !== null ? `  #${r.convIndex}` : ''}`, `${formatShape(r.inputShape)} → ${formatShape(r.outputShape)}`,
          `${formatCount(r.macs)} MACs  ${fn.data.paramBytes ? formatBytes(fn.data.paramBytes) : ''}`, train],
        stroke: ROLE_COLOR[layerBadge(r).key],
      };
    };
    const svg = graphToSvg(layout.nodes, layout.edges, describe, `${graph.name} forward graph`);
    const base = `${graph.name}-forward`;
    if (kind === 'svg') downloadBlob(new Blob([svg], { type: 'image/svg+xml' }), `${base}.svg`);
    else downloadBlob(await svgToPng(svg), `${base}.png`);
  };

  const family = layout.family;
  const blockCount = family ? summary.layers.reduce((m, r) => Math.max(m, r.role !== 'classifier' && r.block != null ? r.block + 1 : m), 0) : 0;
  const structure = family
    ? <>{blockCount} blocks</>
    : <span title="Not of the inverted-bottleneck family (branches, joins or layers without blocks): laid out op by op, the data flowing along the edges">general graph</span>;

  return (
    <div className={`graph-view${vertical ? ' graph-vertical' : ''}`} data-testid="forward-graph">
      <GraphToolbar
        caption={<><strong>{summary.layers.length}</strong> ops · <strong>{summary.convs}</strong> convs · {structure} · click a conv to inspect it; <span className="chip-demo">b</span> bias, <span className="chip-demo">0 ⅛ ¼ ½ 1</span> weight share</>}
        onFind={() => setFindOpen(true)}
        onExport={(k) => void onExport(k)}
      >
        <label className="field field-compact">
          <span className="field-label">Colour</span>
          <select className="select select-small select-colour" value={colourBy} aria-label="Colour the nodes by" onChange={(e) => setColourBy(e.target.value as ColourBy)}>
            {COLOUR_BY.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
          </select>
        </label>
        {colourBy !== 'role' && (
          <span className="heat-legend" title={COLOUR_BY.find((c) => c.id === colourBy)!.legend}>
            <span className="heat-ramp" aria-hidden="true" /> <span className="num">{scale || 'most'}</span>
          </span>
        )}
        <span className="segmented" role="group" aria-label="Arrangement">
          <button type="button" className={`button button-small${vertical ? '' : ' is-on'}`} aria-pressed={!vertical} onClick={() => setArrangement('columns')}
            title={family ? 'A block per column, left to right' : 'Left to right, branches one above the other'}>Columns</button>
          <button type="button" className={`button button-small${vertical ? ' is-on' : ''}`} aria-pressed={vertical} onClick={() => setArrangement('vertical')}
            title={family ? 'Compact: blocks stacked, one row per op; scroll down' : 'Compact: top to bottom, one row per op, branches side by side; scroll down'}>Vertical</button>
        </span>
        {family && (
          <button type="button" className="button button-small" onClick={() => setCollapsedBlocks(collapsed.length ? [] : Array.from({ length: blockCount }, (_, i) => i))}>
            {collapsed.length ? 'Expand all' : 'Collapse all'}
          </button>
        )}
      </GraphToolbar>
      <div className="graph-canvas" ref={canvas} onKeyDown={onKeyDown}>
        <ReactFlow
          nodes={layout.nodes}
          edges={layout.edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
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
          edgesFocusable={false}
          nodesFocusable
          panOnScroll={vertical}
          minZoom={0.1}
          maxZoom={2}
          proOptions={{ hideAttribution: true }}
          colorMode="dark"
        >
          <Background gap={24} size={1} />
          <Controls showInteractive={false} showFitView={false}>
            <ControlButton onClick={fit} title={`Fit, keeping the text readable (zoom ${READABLE_ZOOM} or more)`} aria-label="Fit the graph, keeping the text readable">
              <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><path d="M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4" fill="none" stroke="currentColor" strokeWidth="1.6" /></svg>
            </ControlButton>
          </Controls>
          <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor="rgba(10,10,12,0.6)" />
        </ReactFlow>
        {findOpen && <FindBox items={findItems} onPick={onPick} onClose={() => setFindOpen(false)} />}
      </div>
    </div>
  );
}
