/**
 * A stacked bar against a budget: segments by category, a marker where the budget ends; the bar's
 * scale stretches past the budget when the total exceeds it. Values and total come from the engine.
 */
import { formatBytes } from '../format.ts';

export interface Segment {
  key: string;
  label: string;
  bytes: number;
  color: string;
}

interface Props {
  label: string;
  segments: Segment[];
  total: number;
  budget: number;
  testId: string;
}

export function StackedBudgetBar({ label, segments, total, budget, testId }: Props) {
  const scale = Math.max(total, budget, 1);
  const over = total > budget;
  return (
    <div className="budget-bar-wrap">
      <div className={`budget-bar${over ? ' over' : ''}`} role="img" data-testid={testId} data-bytes={total} data-budget={budget}
        aria-label={`${label}: ${formatBytes(total)} of ${formatBytes(budget)}`}>
        {segments.filter((s) => s.bytes > 0).map((s) => (
          <span key={s.key} className="budget-seg" style={{ width: `${(100 * s.bytes) / scale}%`, background: s.color }}
            title={`${s.label}: ${formatBytes(s.bytes)} (${s.bytes.toLocaleString('en-US')} bytes)`} />
        ))}
        <span className="budget-marker" style={{ left: `${(100 * budget) / scale}%` }} title={`budget ${formatBytes(budget)}`} />
      </div>
      <ul className="budget-legend">
        {segments.filter((s) => s.bytes > 0).map((s) => (
          <li key={s.key} title={`${s.bytes.toLocaleString('en-US')} bytes`}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label} <span className="num muted">{formatBytes(s.bytes)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
