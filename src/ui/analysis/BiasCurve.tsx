/**
 * The bias sweep: accuracy gain over the head alone against k, the number of last convs whose biases
 * train, as the mean over the training seeds with an error bar of ± one standard deviation.
 */
import { CartesianGrid, ErrorBar, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { stat, type Measurements } from '../../engine/analysis/gains.ts';
import { formatGain } from './analysis-format.ts';
import { AXIS, GRID, TOOLTIP } from './chart-theme.ts';

interface Datum { k: number; gain: number; sd: number; n: number }

export function BiasCurve({ measurements, ks }: { measurements: Measurements; ks: number[] }) {
  const points: Datum[] = Object.entries(measurements.bias).flatMap(([k, v]) => {
    const s = stat(v);
    return s ? [{ k: Number(k), gain: +s.mean.toFixed(2), sd: +(s.sd ?? 0).toFixed(2), n: s.n }] : [];
  }).sort((a, b) => a.k - b.k);
  const maxK = Math.max(1, ...ks);
  return (
    <figure className="bias-curve" aria-label="Bias gains by k" data-points={points.length} data-spreads={points.map((p) => p.sd).join(',')}>
      {points.length === 0 && <p className="muted chart-placeholder">The bias jobs have not finished yet.</p>}
      <ResponsiveContainer width="100%" height={190}>
        <LineChart data={points} margin={{ top: 10, right: 16, bottom: 14, left: 0 }}>
          <CartesianGrid {...GRID} />
          <XAxis dataKey="k" type="number" domain={[0, maxK]} ticks={ks} {...AXIS}
            label={{ value: 'k: biases of the last k convs', position: 'insideBottom', offset: -8, fill: AXIS.tick.fill, fontSize: 11 }} />
          <YAxis width={44} {...AXIS} label={{ value: 'points', angle: -90, position: 'insideLeft', offset: 12, fill: AXIS.tick.fill, fontSize: 11 }} />
          <ReferenceLine y={0} stroke="#5a5f69" />
          <Tooltip {...TOOLTIP} formatter={(_v, _n, item) => {
            const d = item.payload as Datum;
            return [`${formatGain(d.gain)} ± ${d.sd.toFixed(1)} points (${d.n} seed${d.n > 1 ? 's' : ''})`, 'gain'];
          }} labelFormatter={(k) => `k = ${k}`} />
          <Line dataKey="gain" stroke="#4fc6b3" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false}>
            <ErrorBar dataKey="sd" width={4} stroke="#4fc6b3" strokeOpacity={0.7} isAnimationActive={false} />
          </Line>
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
