/**
 * The measured weight gains as a heatmap: one column per conv, one row per update ratio, the colour
 * the mean gain over the training seeds in accuracy points over the bias-only run it builds on (blue
 * helps, red hurts), its standard deviation under it. A gain no larger than its spread is drawn faint
 * with a dashed edge: the seeds do not tell it from zero. A cell whose job has not finished is
 * hatched. Renders the engine's Measurements only.
 */
import { stat, type Measurements, type Stat } from '../../engine/analysis/gains.ts';
import { ratioLabel } from './analysis-format.ts';

export interface GainHeatmapProps {
  measurements: Measurements;
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

/** Within noise: a spread is known and the mean is no larger. */
const noisy = (g: Stat) => g.sd !== null && Math.abs(g.mean) <= g.sd;

export function GainHeatmap({ measurements, convs, ratios, running }: GainHeatmapProps) {
  const at = (c: number, r: number) => stat(measurements.weight[c]?.[r] ?? []);
  const values = convs.flatMap((c) => ratios.map((r) => at(c, r)?.mean)).filter((v): v is number => v !== undefined);
  const scale = Math.max(0.5, ...values.map(Math.abs));
  const seeds = measurements.seeds.length;
  const rows = [...ratios].sort((a, b) => b - a);
  if (!convs.length || !ratios.length) return <p className="muted analysis-empty">No weight jobs in this analysis (no convs or no ratios chosen).</p>;
  return (
    <figure className="gain-heatmap" aria-label="Weight gains by conv and ratio">
      <div className="heatmap-grid" style={{ gridTemplateColumns: `44px repeat(${convs.length}, minmax(22px, 60px))` }} role="table">
        {rows.map((r) => (
          <div className="heatmap-row" role="row" key={r}>
            <span className="heatmap-rowhead" role="rowheader">{ratioLabel(r)}</span>
            {convs.map((c) => {
              const g = at(c, r);
              const id = `${c}:${r}`;
              const state = g ? 'done' : running.has(id) ? 'running' : 'pending';
              const spread = g?.sd !== null && g?.sd !== undefined ? ` ± ${g.sd.toFixed(2)}` : '';
              return (
                <span
                  key={c}
                  role="cell"
                  className={`heatmap-cell heatmap-${state}${g && noisy(g) ? ' heatmap-noise' : ''}`}
                  data-conv={c}
                  data-ratio={r}
                  data-gain={g?.mean}
                  data-sd={g?.sd ?? undefined}
                  style={g ? { background: cellColor(g.mean, scale) } : undefined}
                  title={`conv ${c}, weight ${ratioLabel(r)}: ${g
                    ? `${g.mean >= 0 ? '+' : ''}${g.mean.toFixed(2)}${spread} points (${g.n} of ${seeds} seed${seeds > 1 ? 's' : ''})${noisy(g) ? '; within its spread' : ''}`
                    : state === 'running' ? 'measuring…' : 'not measured yet'}`}
                >
                  {g && <span className="heatmap-mean">{Math.abs(g.mean) >= 10 ? g.mean.toFixed(0) : g.mean.toFixed(1)}</span>}
                  {g && g.sd !== null && <span className="heatmap-sd">±{g.sd >= 10 ? g.sd.toFixed(0) : g.sd.toFixed(1)}</span>}
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
        (mean of {seeds} seed{seeds > 1 ? 's' : ''}, ± one standard deviation)
        <span className="heatmap-swatch heatmap-noise-swatch" /> within its spread
        <span className="heatmap-swatch heatmap-pending" /> not measured yet
      </figcaption>
    </figure>
  );
}
