/** A horizontal bar of stacked segments against a maximum (a budget or a total). */
export interface MeterSegment {
  label: string;
  value: number;
  /** A CSS class giving the segment its color (see styles.css: .seg-*). */
  tone: string;
}

interface Props {
  segments: MeterSegment[];
  max: number;
  /** What the bar says, for screen readers. */
  label: string;
}

export function MeterBar({ segments, max, label }: Props) {
  return (
    <div className="meter" role="img" aria-label={label}>
      {segments.map((s) => (
        <span
          key={s.label}
          className={`meter-seg ${s.tone}`}
          style={{ width: `${Math.min(100, (100 * s.value) / Math.max(1, max))}%` }}
        />
      ))}
    </div>
  );
}

/** The colored keys under a bar. */
export function MeterLegend({ items }: { items: { label: string; value: string; tone: string }[] }) {
  return (
    <ul className="meter-legend">
      {items.map((i) => (
        <li key={i.label}>
          <span className={`swatch ${i.tone}`} aria-hidden="true" />
          {i.label} <span className="num">{i.value}</span>
        </li>
      ))}
    </ul>
  );
}
