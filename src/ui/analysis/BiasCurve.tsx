/** The bias sweep: accuracy gain over the frozen model against k, the number of last convs whose biases train. */
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { GainTable } from '../../engine/analysis/search.ts';
import { formatGain } from './analysis-format.ts';
import { AXIS, GRID, TOOLTIP } from './chart-theme.ts';

export function BiasCurve({ table, ks }: { table: GainTable; ks: number[] }) {
  const points = Object.entries(table.biasGain).map(([k, g]) => ({ k: Number(k), gain: +g.toFixed(2) })).sort((a, b) => a.k - b.k);
  const maxK = Math.max(1, ...ks);
  return (
    <figure className="bias-curve" aria-label="Bias gains by k" data-points={points.length}>
      {points.length === 0 && <p className="muted chart-placeholder">The bias jobs have not finished yet.</p>}
      <ResponsiveContainer width="100%" height={190}>
        <LineChart data={points} margin={{ top: 10, right: 16, bottom: 14, left: 0 }}>
          <CartesianGrid {...GRID} />
          <XAxis dataKey="k" type="number" domain={[0, maxK]} ticks={ks} {...AXIS}
            label={{ value: 'k: biases of the last k convs', position: 'insideBottom', offset: -8, fill: AXIS.tick.fill, fontSize: 11 }} />
          <YAxis width={44} {...AXIS} label={{ value: 'points', angle: -90, position: 'insideLeft', offset: 12, fill: AXIS.tick.fill, fontSize: 11 }} />
          <ReferenceLine y={0} stroke="#5a5f69" />
          <Tooltip {...TOOLTIP} formatter={(v) => [`${formatGain(Number(v))} points`, 'gain']} labelFormatter={(k) => `k = ${k}`} />
          <Line dataKey="gain" stroke="#4fc6b3" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
