/**
 * The forward graph as a dense table: one row per layer in execution order (convs, residual adds,
 * the pool and the classifier), with the engine's shapes, MACs and parameter counts.
 * Click a row to select it; Up/Down move the selection.
 */
import { useEffect, useRef } from 'react';
import type { LayerRow } from '../../engine/ir/summary.ts';
import { formatCount, formatInt, formatShape } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { layerBadge } from '../roles.ts';
import { RoleBadge } from './RoleBadge.tsx';

const rowId = (name: string) => `layer-${name}`;

function kernelText(row: LayerRow): string {
  return row.kernel === null ? '' : `${row.kernel[0]}×${row.kernel[1]}`;
}

function blockText(row: LayerRow): string {
  if (row.block == null) return '';
  return row.block < 0 ? '–' : String(row.block);
}

export function LayerTable() {
  const summary = useStudio((s) => s.project.summary);
  const selected = useStudio((s) => s.selectedLayer);
  const selectLayer = useStudio((s) => s.selectLayer);
  const table = useRef<HTMLTableElement>(null);
  const rows = useRef(new Map<string, HTMLTableRowElement>());

  useEffect(() => {
    if (selected !== null) rows.current.get(selected)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  // The largest layer sets the scale of the MACs bars.
  const maxMacs = Math.max(1, ...summary.layers.map((l) => l.macs));
  const lastConv = summary.convs - 1;

  return (
    <div className="layer-view">
      <div className="layer-view-caption">
        <span>
          <strong>{summary.layers.length}</strong> layers in execution order · <strong>{summary.convs}</strong> backbone
          convs (conv 0–{lastConv}) · residual adds, pool and classifier included
        </span>
        <span className="muted">Click a row or use ↑ ↓ to inspect a layer</span>
      </div>
      <div className="table-scroll">
        <table
          ref={table}
          className="layer-table"
          role="grid"
          aria-label="Layers of the forward graph"
          aria-readonly="true"
          aria-rowcount={summary.layers.length + 1}
          tabIndex={0}
          aria-activedescendant={selected !== null ? rowId(selected) : undefined}
        >
          <colgroup>
            <col className="col-idx" />
            <col className="col-name" />
            <col className="col-block" />
            <col className="col-role" />
            <col className="col-kernel" />
            <col className="col-stride" />
            <col className="col-shapes" />
            <col className="col-macs" />
            <col className="col-params" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col" className="num" title="The paper's conv index (stem = 0)">Conv</th>
              <th scope="col">Layer</th>
              <th scope="col" className="num">Block</th>
              <th scope="col">Role</th>
              <th scope="col" className="num">Kernel</th>
              <th scope="col" className="num">Stride</th>
              <th scope="col">Input → output (C×H×W)</th>
              <th scope="col" className="num">MACs</th>
              <th scope="col" className="num">Params</th>
            </tr>
          </thead>
          <tbody>
            {summary.layers.map((row, i) => {
              const prev = summary.layers[i - 1];
              const blockStart = i > 0 && row.block != null && row.block !== prev.block;
              const isSelected = row.name === selected;
              const classes = [`row-${layerBadge(row).key}`, blockStart && 'block-start', isSelected && 'selected']
                .filter(Boolean).join(' ');
              return (
                <tr
                  key={row.name}
                  id={rowId(row.name)}
                  ref={(el) => {
                    if (el) rows.current.set(row.name, el);
                    else rows.current.delete(row.name);
                  }}
                  className={classes}
                  aria-selected={isSelected}
                  data-op={row.op}
                  data-role={row.role}
                  onClick={() => {
                    selectLayer(row.name);
                    table.current?.focus({ preventScroll: true });
                  }}
                >
                  <td className="num idx">{row.convIndex ?? ''}</td>
                  <td className="name">
                    <span className="mono">{row.name}</span>
                    {row.residual && (
                      <span className="res-mark" title="This output is added to the block input (residual)">
                        → add
                      </span>
                    )}
                  </td>
                  <td className="num">{blockText(row)}</td>
                  <td><RoleBadge row={row} /></td>
                  <td className="num">{kernelText(row)}</td>
                  <td className="num">{row.stride ?? ''}</td>
                  <td className="shapes mono">
                    {formatShape(row.inputShape)}
                    <span className="arrow"> → </span>
                    {formatShape(row.outputShape)}
                  </td>
                  <td className="num macs" title={`${formatInt(row.macs)} MACs`}>
                    <span className="macs-cell">
                      {row.macs > 0 && (
                        <span className="macs-bar" aria-hidden="true">
                          <span style={{ width: `${(100 * row.macs) / maxMacs}%` }} />
                        </span>
                      )}
                      <span className="macs-value">{row.macs > 0 ? formatCount(row.macs) : '–'}</span>
                    </span>
                  </td>
                  <td className="num" title={`${formatInt(row.params)} parameters`}>
                    {row.params > 0 ? formatCount(row.params) : '–'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
