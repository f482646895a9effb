/** What a scheme trains, conv by conv: one cell per backbone conv, its weight share, bias only, or frozen (the engine's resolved scheme). */
import type { ResolvedScheme } from '../../engine/train/scheme.ts';

export function SchemeStrip({ scheme }: { scheme: ResolvedScheme }) {
  const weights = scheme.convs.filter((c) => c.channels > 0).length;
  const biases = scheme.convs.filter((c) => c.bias).length;
  return (
    <div className="scheme-strip" role="img" aria-label={`${weights} convs train weights, ${biases} train biases, of ${scheme.convs.length}`}>
      <div className="scheme-strip-cells">
        {scheme.convs.map((c) => {
          const share = c.totalChannels ? c.channels / c.totalChannels : 0;
          const kind = c.channels > 0 ? 'weight' : c.bias ? 'bias' : 'frozen';
          return (
            <span key={c.convIndex} className={`strip-cell strip-${kind}`} title={`conv ${c.convIndex}: ${c.channels > 0 ? `weight ${c.channels}/${c.totalChannels} channels + bias` : c.bias ? 'bias' : 'frozen'}`}>
              {c.channels > 0 && <span className="strip-share" style={{ height: `${Math.max(15, share * 100)}%` }} />}
            </span>
          );
        })}
      </div>
      <div className="scheme-strip-text muted">{weights} weight{weights === 1 ? '' : 's'} · {biases} bias{biases === 1 ? '' : 'es'} · conv 0 → {scheme.convs.length - 1}</div>
    </div>
  );
}
