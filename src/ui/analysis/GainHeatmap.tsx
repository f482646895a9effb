/**
 * The measured weight gains as a heatmap: one column per conv, one row per update ratio, the colour
 * the gain in accuracy points over the bias-only run it builds on (blue helps, red hurts). A cell
 * whose job has not finished is hatched. Renders the engine's GainTable only.
 */
import type { GainTable } from '../../engine/analysis/search.ts';
import { ratioLabel } from './analysis-format.ts';

export interface GainHeatmapProps {
  table: GainTable;
  /** The convs and ratios the analysis measures (planned), so unfinished cells show as pending. */
  convs: number[];
  ratios: number[];
  /** `${conv}:${ratio}` of the jobs running now. */
  running: Set<string>;
}

/** Blue for a gain, red for a loss, the stronger the larger against the largest |gain| measured. */
function cellColor(gain: number, scale: number): string {
  const t = Math.min(1, Math.abs(gain) / scale);
  const hue = gain >= 0 ? '76, 155, 255' : '255, 123, 114';
  return `rgba(${hue}, ${(0.08 + 0.82 * t).toFixed(3)})`;
}

export function GainHeatmap({ table, convs, ratios, running }: GainHeatmapProps) {
  const values = convs.flatMap((c) => ratios.map((r) => table.weightGain[c]?.[r])).filter((v): v is number => v !== undefined);
  const scale = Math.max(0.5, ...values.map(Math.abs));
  const rows = [...ratios].sort((a, b) => b - a);
  if (!convs.length || !ratios.length) return <p className="muted analysis-empty">No weight jobs in this analysis (no convs or no ratios chosen).</p>;
  return (
    <figure className="gain-heatmap" aria-label="Weight gains by conv and ratio">
      <div className="heatmap-grid" style={{ gridTemplateColumns: `44px repeat(${convs.length}, minmax(22px, 60px))` }} role="table">
        {rows.map((r) => (
          <div className="heatmap-row" role="row" key={r}>
            <span className="heatmap-rowhead" role="rowheader">{ratioLabel(r)}</span>
            {convs.map((c) => {
              const g = table.weightGain[c]?.[r];
              const id = `${c}:${r}`;
              const state = g !== undefined ? 'done' : running.has(id) ? 'running' : 'pending';
              return (
                <span
                  key={c}
                  role="cell"
                  className={`heatmap-cell heatmap-${state}`}
                  data-conv={c}
                  data-ratio={r}
                  data-gain={g}
                  style={g !== undefined ? { background: cellColor(g, scale) } : undefined}
                  title={`conv ${c}, weight ${ratioLabel(r)}: ${g !== undefined ? `${g >= 0 ? '+' : ''}${g.toFixed(2)} points` : state === 'running' ? 'measuring…' : 'not measured yet'}`}
                >
                  {g !== undefined ? (Math.abs(g) >= 10 ? g.toFixed(0) : g.toFixed(1)) : ''}
                </span>
              );
            })}
          </div>
        ))}
        <div className="heatmap-row heatmap-axis" role="row">
          <span className="heatmap-rowhead" role="rowheader">conv</span>
          {convs.map((c) => <span key={c} role="columnheader" className="heatmap-colhead">{c}</span>)}
        </div>
      </div>
      <figcaption className="heatmap-legend">
        <span className="heatmap-swatch" style={{ background: cellColor(-scale, scale) }} /> −{scale.toFixed(1)}
        <span className="heatmap-swatch" style={{ background: cellColor(0, scale) }} /> 0
        <span className="heatmap-swatch" style={{ background: cellColor(scale, scale) }} /> +{scale.toFixed(1)} accuracy points over the biases alone
        <span className="heatmap-swatch heatmap-pending" /> not measured yet
      </figcaption>
    </figure>
  );
}
