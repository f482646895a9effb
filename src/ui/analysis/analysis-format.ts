/** How the Analysis tab writes ratios, durations and gains. */

/** 0.125 -> "1/8", 1 -> "1". */
export function ratioLabel(r: number): string {
  return r >= 1 ? '1' : `1/${Math.round(1 / r)}`;
}

/** 42 -> "42 s", 150 -> "2 min 30 s", 4000 -> "1 h 7 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** +1.25 -> "+1.3", -0.4 -> "−0.4" (accuracy points). */
export function formatGain(g: number): string {
  // Rounded first, so that -0.04 reads +0.0 rather than −0.0.
  const r = Math.round(g * 10) / 10;
  return `${r >= 0 ? '+' : '−'}${Math.abs(r).toFixed(1)}`;
}

/** A scheme in one line: "biases of the last 12 convs; weights: 20 (1/2), 22 (1)". */
export function schemeSummary(s: { nBias: number; weights: Record<string, unknown> }): string {
  const w = Object.entries(s.weights).filter(([, r]) => typeof r === 'number' && r > 0)
    .sort((a, b) => Number(a[0]) - Number(b[0])).map(([c, r]) => `${c} (${ratioLabel(r as number)})`);
  const bias = s.nBias ? `biases of the last ${s.nBias} convs` : 'no biases';
  return `${bias}; ${w.length ? `weights: ${w.join(', ')}` : 'no weights'}`;
}
