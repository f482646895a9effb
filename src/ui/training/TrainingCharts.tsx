/** Live loss and accuracy curves (Recharts) from the progress history. Renders only. */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Progress } from '../../engine/train/trainer.ts';

export function TrainingCharts({ history }: { history: Progress[] }) {
  const train = history.filter((p) => p.phase === 'train' && Number.isFinite(p.loss))
    .map((p) => ({ step: p.step, loss: +p.loss.toFixed(4), train: +(p.trainAccuracy * 100).toFixed(1) }));
  const val = history.filter((p) => p.valAccuracy !== undefined).map((p) => ({ step: p.step, val: +((p.valAccuracy ?? 0) * 100).toFixed(1) }));
  const acc = [...train.map((t) => ({ step: t.step, train: t.train })), ...val].sort((a, b) => a.step - b.step);
  return (
    <div className="training-charts">
      <ResponsiveContainer width="100%" height={160}>
        <LineChart data={train} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} />
          <YAxis width={40} />
          <Tooltip />
          <Line dataKey="loss" name="training loss" dot={false} isAnimationActive={false} stroke="#d9480f" />
        </LineChart>
      </ResponsiveContainer>
      <ResponsiveContainer width="100%" height={160}>
        <LineChart data={acc} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} />
          <YAxis width={52} domain={[0, 100]} unit="%" />
          <Tooltip />
          <Legend />
          <Line dataKey="train" name="training accuracy" dot={false} connectNulls isAnimationActive={false} stroke="#1971c2" />
          <Line dataKey="val" name="validation accuracy" connectNulls isAnimationActive={false} stroke="#2f9e44" />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
