/**
 * What a conv trains: its bias on or off, and the share of its weight's input channels that train
 * (0, 1/8, 1/4, 1/2, 1). One click each, on the graph node and in the properties panel alike.
 */
import { ratioOfEntry, RATIO_CHOICES } from '../store/scheme-edits.ts';
import { useStudio } from '../store/index.ts';

interface Props {
  convIndex: number;
  /** 'node': compact, inside a graph node; 'panel': with labels, in the properties panel. */
  variant: 'node' | 'panel';
}

export function ConvUpdateControls({ convIndex, variant }: Props) {
  // Primitive selectors: a toggle re-renders only the convs whose state changed.
  const bias = useStudio((s) => s.program.scheme.convs[convIndex]?.bias);
  const channels = useStudio((s) => s.program.scheme.convs[convIndex]?.channels);
  const totalChannels = useStudio((s) => s.program.scheme.convs[convIndex]?.totalChannels);
  const entry = useStudio((s) => s.doc.scheme.weights[String(convIndex)]);
  const setConvBias = useStudio((s) => s.setConvBias);
  const setConvRatio = useStudio((s) => s.setConvRatio);
  if (bias === undefined || channels === undefined) return null;
  const update = { bias, channels, totalChannels };
  const ratio = update.channels === 0 ? 0 : ratioOfEntry(entry);
  return (
    <div className={`update-controls update-controls-${variant} nodrag`} role="group" aria-label={`Updates of conv ${convIndex}`}>
      <button
        type="button"
        className={`chip chip-bias${update.bias ? ' on' : ''}`}
        aria-pressed={update.bias}
        aria-label={`Bias update of conv ${convIndex}`}
        title={update.bias ? 'Bias trains (click to freeze it and every conv before it)' : 'Bias frozen (click to train it, and every conv after it)'}
        onClick={(e) => {
          e.stopPropagation();
          setConvBias(convIndex, !update.bias);
        }}
      >
        {variant === 'panel' ? (update.bias ? 'Bias trains' : 'Bias frozen') : 'b'}
      </button>
      <span className="ratio-group" role="radiogroup" aria-label={`Weight update ratio of conv ${convIndex}`}>
        {variant === 'node' && <span className="ratio-label" aria-hidden="true">w</span>}
        {RATIO_CHOICES.map((c) => {
          const on = ratio !== null && Math.abs(ratio - c.value) < 1e-9;
          return (
            <button
              key={c.label}
              type="button"
              role="radio"
              aria-checked={on}
              className={`chip chip-ratio${on ? ' on' : ''}${on && c.value > 0 ? ' on-weight' : ''}`}
              aria-label={`Weight ratio ${c.value === 0 ? '0' : c.value === 1 ? '1' : `1/${Math.round(1 / c.value)}`} for conv ${convIndex}`}
              title={c.value === 0 ? 'Weight frozen' : `Train the first ${c.label} of the weight's input channels`}
              onClick={(e) => {
                e.stopPropagation();
                if (!on) setConvRatio(convIndex, c.value);
              }}
            >
              {c.label}
            </button>
          );
        })}
      </span>
      {ratio === null && <span className="muted">{update.channels} ch</span>}
      {variant === 'panel' && update.channels > 0 && (
        <span className="muted update-channels">{update.channels} of {update.totalChannels} channels train</span>
      )}
    </div>
  );
}
