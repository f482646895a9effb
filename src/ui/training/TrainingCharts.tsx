/**
 * The curves of a run, from the worker's progress events: the training loss and the training
 * accuracy (each point the mean over the images since the previous event) against images seen, and
 * the validation accuracy as points only where it was measured (at the end of each epoch). Renders only.
 */
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { Progress } from '../../engine/train/trainer.ts';
import { AXIS, GRID, TOOLTIP } from '../analysis/chart-theme.ts';

const LOSS = '#ff9b72';
const TRAIN = '#6ab0ff';
const VAL = '#5fd18a';
const axisLabel = (value: string, angle = 0) => ({ value, angle, fill: AXIS.tick.fill, fontSize: 11, ...(angle ? { position: 'insideLeft' as const, offset: 14 } : { position: 'insideBottom' as const, offset: -4 }) });

export function TrainingCharts({ history, totalSteps }: { history: Progress[]; totalSteps: number }) {
  const train = history.filter((p) => p.phase === 'train' && Number.isFinite(p.loss))
    .map((p) => ({ step: p.step, loss: +p.loss.toFixed(4), train: +(p.trainAccuracy * 100).toFixed(1) }));
  const val = history.filter((p) => p.phase === 'eval' && p.valAccuracy !== undefined)
    .map((p) => ({ step: p.step, val: +((p.valAccuracy ?? 0) * 100).toFixed(1) }));
  const domain: [number, number] = [0, Math.max(1, totalSteps)];
  return (
    <div className="training-charts">
      <figure className="training-chart" aria-label="Training loss against images seen" data-points={train.length}>
        <figcaption>Training loss <span className="muted">(cross-entropy, mean since the previous point)</span></figcaption>
        <ResponsiveContainer width="100%" height={200}>
          <ComposedChart data={train} margin={{ top: 8, right: 16, bottom: 16, left: 6 }}>
            <CartesianGrid {...GRID} />
            <XAxis dataKey="step" type="number" domain={domain} {...AXIS} label={axisLabel('images seen')} />
            <YAxis width={48} {...AXIS} label={axisLabel('loss', -90)} />
            <Tooltip {...TOOLTIP} labelFormatter={(v) => `after ${v} images`} />
            <Line dataKey="loss" name="training loss" dot={false} isAnimationActive={false} stroke={LOSS} strokeWidth={1.5} />
          </ComposedChart>
        </ResponsiveContainer>
      </figure>
      <figure className="training-chart" aria-label="Accuracy against images seen" data-val-points={val.length}>
        <figcaption>Accuracy <span className="muted">(training: mean since the previous point · validation: measured at each epoch&apos;s end)</span></figcaption>
        <ResponsiveContainer width="100%" height={200}>
          <ComposedChart margin={{ top: 8, right: 16, bottom: 16, left: 6 }}>
            <CartesianGrid {...GRID} />
            <XAxis dataKey="step" type="number" domain={domain} {...AXIS} label={axisLabel('images seen')} allowDuplicatedCategory={false} />
            <YAxis width={48} domain={[0, 100]} unit="%" {...AXIS} label={axisLabel('accuracy', -90)} />
            <Tooltip {...TOOLTIP} labelFormatter={(v) => `after ${v} images`} />
            <Legend verticalAlign="top" height={22} wrapperStyle={{ fontSize: 12, color: AXIS.tick.fill }} />
            <Line data={train} dataKey="train" name="training" dot={false} isAnimationActive={false} stroke={TRAIN} strokeWidth={1.5} />
            <Scatter data={val} dataKey="val" name="validation" fill={VAL} isAnimationActive={false} className="val-points" />
          </ComposedChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}
