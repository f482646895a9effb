/**
 * Summed gain against memory: the Pareto front of the search (each scheme's peak SRAM from the
 * compiler's report), its best scheme under the budget, and the paper's schemes and the baselines
 * (head-only, bias-only, last-k), which are candidates of the same search, scored the same way: a
 * reference on the front is part of its line. Every point has an error bar of ± one standard
 * deviation of its summed gain over the training seeds. A click selects a point.
 */
import { CartesianGrid, ErrorBar, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { Scheme } from '../../engine/train/scheme.ts';
import { partialNote } from '../../engine/analysis/gains.ts';
import { formatGain } from './analysis-format.ts';
import { AXIS, GRID, TOOLTIP } from './chart-theme.ts';

export interface ParetoPoint {
  id: string;
  name: string;
  group: 'front' | 'best' | 'paper' | 'baseline';
  scheme: Scheme;
  gain: number;
  /** Standard deviation of the summed gain over seeds; null with fewer than two. */
  spread: number | null;
  memory: number;
  feasible: boolean;
  /** On the Pareto front under the budget (the line runs through it). */
  onFront: boolean;
  /** What a reference trains that was not measured (it carries no gain). */
  unmeasured: string[];
}

const GROUPS: { group: ParetoPoint['group']; label: string; color: string }[] = [
  { group: 'front', label: 'searched: Pareto front', color: '#4c9bff' },
  { group: 'best', label: 'searched: best under the budget', color: '#ffd43b' },
  { group: 'paper', label: "the paper's schemes", color: '#b18cf2' },
  { group: 'baseline', label: 'baselines (head-only, bias-only, last-k)', color: '#f0a35e' },
];

interface Datum extends ParetoPoint { kb: number; err: number }

function Dot(props: { cx?: number; cy?: number; payload?: Datum; fill?: string; selected: string | null; onSelect(p: ParetoPoint): void }) {
  const { cx = 0, cy = 0, payload, fill, selected, onSelect } = props;
  if (!payload) return null;
  const on = payload.id === selected;
  const r = payload.group === 'best' ? 7 : 5;
  const shape = payload.group === 'paper' ? <rect x={cx - r} y={cy - r} width={2 * r} height={2 * r} transform={`rotate(45 ${cx} ${cy})`} />
    : payload.group === 'baseline' ? <path d={`M${cx},${cy - r - 1} L${cx + r + 1},${cy + r} L${cx - r - 1},${cy + r} Z`} />
      : <circle cx={cx} cy={cy} r={r} />;
  return (
    <g
      className="pareto-point"
      data-point={payload.id}
      data-group={payload.group}
      data-spread={payload.err}
      role="button"
      aria-label={`${payload.name}: ${formatGain(payload.gain)}${payload.spread !== null ? ` ± ${payload.spread.toFixed(1)}` : ''} points, ${payload.kb.toFixed(1)} KB`}
      fill={fill}
      fillOpacity={payload.feasible ? 0.95 : 0.35}
      stroke={on ? '#fff' : '#16171a'}
      strokeWidth={on ? 2.5 : 1}
      style={{ cursor: 'pointer' }}
      // Keyboard too: a point under another (the same memory and gain) is still reachable.
      tabIndex={0}
      onClick={() => onSelect(payload)}
      onKeyDown={(e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        onSelect(payload);
      }}
    >
      {shape}
    </g>
  );
}

export function ParetoChart({ points, budgetBytes, selected, onSelect }: {
  points: ParetoPoint[]; budgetBytes: number; selected: string | null; onSelect(p: ParetoPoint): void;
}) {
  const data: Datum[] = points.map((p) => ({ ...p, kb: +(p.memory / 1024).toFixed(2), err: +(p.spread ?? 0).toFixed(2) }));
  // The front's line through every point on it, searched or reference, by memory (drawn under the markers).
  const frontLine = data.filter((d) => d.onFront && d.group !== 'best').sort((a, b) => a.kb - b.kb);
  const budgetKb = budgetBytes / 1024;
  // The budget line is drawn when it is near the points; far to the right it would squeeze them into a corner.
  const pointsKb = Math.max(1, ...data.map((d) => d.kb));
  const showBudget = budgetKb <= pointsKb * 2;
  const maxKb = showBudget ? Math.max(budgetKb * 1.08, pointsKb * 1.1) : pointsKb * 1.15;
  const step = maxKb > 160 ? 32 : maxKb > 40 ? 8 : 2;
  return (
    <figure className="pareto-chart" aria-label="Gain against memory">
      <ResponsiveContainer width="100%" height={260}>
        <ScatterChart margin={{ top: 12, right: 20, bottom: 16, left: 0 }}>
          <CartesianGrid {...GRID} />
          <XAxis dataKey="kb" type="number" domain={[0, Math.ceil(maxKb / step) * step]} {...AXIS} unit=" KB"
            label={{ value: "peak SRAM of the training step (the compiler's memory report)", position: 'insideBottom', offset: -10, fill: AXIS.tick.fill, fontSize: 11 }} />
          {/* Whole points: the gains are sums of accuracy differences, finer ticks say nothing. */}
          <YAxis dataKey="gain" type="number" width={40} {...AXIS} allowDecimals={false}
            domain={['auto', 'auto']} />
          <ReferenceLine y={0} stroke="#5a5f69" ifOverflow="extendDomain" />
          <ZAxis range={[60, 60]} />
          {showBudget && (
            <ReferenceLine x={budgetKb} stroke="#ff7b72" strokeDasharray="4 3"
              label={{ value: `budget ${budgetKb.toFixed(0)} KB`, position: 'insideTopRight', fill: '#ff7b72', fontSize: 11 }} />
          )}
          <Tooltip {...TOOLTIP} cursor={false}
            content={({ payload }) => {
              const d = payload?.[0]?.payload as Datum | undefined;
              if (!d) return null;
              return (
                <div className="pareto-tooltip">
                  <strong>{d.name}</strong>
                  <span>summed gain {formatGain(d.gain)}{d.spread !== null ? ` ± ${d.spread.toFixed(1)}` : ''} points · {d.kb.toFixed(1)} KB{d.feasible ? '' : ' (over the budget)'}</span>
                  {d.unmeasured.length > 0 && <span className="muted">{partialNote(d.unmeasured)}</span>}
                </div>
              );
            }} />
          <Scatter name="front-line" data={frontLine} isAnimationActive={false} line={{ stroke: GROUPS[0].color, strokeOpacity: 0.6 }}
            shape={() => <g />} legendType="none" tooltipType="none" />
          {GROUPS.map(({ group, color }) => (
            <Scatter key={group} name={group} data={data.filter((d) => d.group === group)} fill={color} isAnimationActive={false}
              shape={(p: unknown) => <Dot {...(p as object)} fill={color} selected={selected} onSelect={onSelect} />}>
              <ErrorBar dataKey="err" direction="y" width={3} stroke={color} strokeOpacity={0.55} isAnimationActive={false} />
            </Scatter>
          ))}
        </ScatterChart>
      </ResponsiveContainer>
      <figcaption className="pareto-legend">
        {GROUPS.filter((g) => data.some((d) => d.group === g.group)).map((g) => (
          <span key={g.group}><span className={`pareto-swatch pareto-swatch-${g.group}`} style={{ background: g.color }} />{g.label}</span>
        ))}
        <span className="muted">
          {showBudget ? 'faded: over the budget' : `the ${budgetKb.toFixed(0)} KB budget is far right of every point`} · bars: ± one standard deviation over seeds · click a point to select it
        </span>
      </figcaption>
    </figure>
  );
}
