/**
 * Gain against memory: the Pareto front the search found (each scheme's peak SRAM from the real
 * planner), its best scheme under the budget, and beside them the paper's schemes and the baselines
 * (bias-only, last-k) at their own planned memory and summed measured gains. A click selects a point.
 */
import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { Scheme } from '../../engine/train/scheme.ts';
import { formatGain } from './analysis-format.ts';
import { AXIS, GRID, TOOLTIP } from './chart-theme.ts';

export interface ParetoPoint {
  id: string;
  name: string;
  group: 'front' | 'best' | 'paper' | 'baseline';
  scheme: Scheme;
  gain: number;
  memory: number;
  feasible: boolean;
}

const GROUPS: { group: ParetoPoint['group']; label: string; color: string }[] = [
  { group: 'front', label: 'searched: Pareto front', color: '#4c9bff' },
  { group: 'best', label: 'searched: best under the budget', color: '#ffd43b' },
  { group: 'paper', label: "the paper's schemes", color: '#b18cf2' },
  { group: 'baseline', label: 'baselines (bias-only, last-k)', color: '#f0a35e' },
];

interface Datum extends ParetoPoint { kb: number }

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
      role="button"
      aria-label={`${payload.name}: ${formatGain(payload.gain)} points, ${payload.kb.toFixed(1)} KB`}
      fill={fill}
      fillOpacity={payload.feasible ? 0.95 : 0.35}
      stroke={on ? '#fff' : '#16171a'}
      strokeWidth={on ? 2.5 : 1}
      style={{ cursor: 'pointer' }}
      onClick={() => onSelect(payload)}
    >
      {shape}
    </g>
  );
}

export function ParetoChart({ points, budgetBytes, selected, onSelect }: {
  points: ParetoPoint[]; budgetBytes: number; selected: string | null; onSelect(p: ParetoPoint): void;
}) {
  const data: Datum[] = points.map((p) => ({ ...p, kb: +(p.memory / 1024).toFixed(2) }));
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
            label={{ value: 'peak SRAM of the training step (real planner)', position: 'insideBottom', offset: -10, fill: AXIS.tick.fill, fontSize: 11 }} />
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
                  <span>{formatGain(d.gain)} points · {d.kb.toFixed(1)} KB{d.feasible ? '' : ' (over the budget)'}</span>
                </div>
              );
            }} />
          {GROUPS.map(({ group, color }) => (
            <Scatter key={group} name={group} data={data.filter((d) => d.group === group)} fill={color} isAnimationActive={false}
              line={group === 'front' ? { stroke: color, strokeOpacity: 0.6 } : false}
              shape={(p: unknown) => <Dot {...(p as object)} fill={color} selected={selected} onSelect={onSelect} />} />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
      <figcaption className="pareto-legend">
        {GROUPS.filter((g) => data.some((d) => d.group === g.group)).map((g) => (
          <span key={g.group}><span className={`pareto-swatch pareto-swatch-${g.group}`} style={{ background: g.color }} />{g.label}</span>
        ))}
        <span className="muted">
          {showBudget ? 'faded: over the budget' : `the ${budgetKb.toFixed(0)} KB budget is far right of every point`} · click a point to select it
        </span>
      </figcaption>
    </figure>
  );
}
