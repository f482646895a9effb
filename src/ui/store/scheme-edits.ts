/**
 * Edits of a scheme as pure functions (what a toggle or a ratio button does), and how a scheme is
 * named (a built-in preset or "custom"). Biases train for the last nBias convs, so turning a bias on
 * extends that range and turning it off shortens it; a weight update needs its bias range. What such
 * an edit changes besides the conv clicked is said to the user by side-effects.ts.
 */
import { builtinScheme, builtinSchemeNames } from '../../engine/train/builtin-schemes.ts';
import { schemeToJson, type Scheme, type WeightUpdate } from '../../engine/train/scheme.ts';

/** The ratios a weight update offers, with how they read. */
export const RATIO_CHOICES: { value: number; label: string }[] = [
  { value: 0, label: '0' },
  { value: 1 / 8, label: '⅛' },
  { value: 1 / 4, label: '¼' },
  { value: 1 / 2, label: '½' },
  { value: 1, label: '1' },
];

/** A weight entry as a ratio, or null when it names a channel count instead. */
export function ratioOfEntry(w: WeightUpdate | undefined): number | null {
  if (w === undefined) return 0;
  if (typeof w === 'number') return w <= 1 ? w : null;
  if (typeof w === 'string') {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(w);
    const r = m ? Number(m[1]) / Number(m[2]) : Number(w);
    return Number.isFinite(r) && r <= 1 ? r : null;
  }
  return null;
}

/** Sets the weight-update ratio of conv `i` of a model with `n` convs (0: bias only). */
export function withRatio(s: Scheme, i: number, ratio: number, n: number): Scheme {
  const weights = { ...s.weights };
  if (ratio === 0) delete weights[String(i)];
  else weights[String(i)] = ratio;
  const nBias = ratio > 0 && i < n - s.nBias ? n - i : s.nBias;
  return { ...s, nBias, weights };
}

/** Turns the bias update of conv `i` on (extending the range to it) or off (ending the range after it, with the weight updates in front). */
export function withBias(s: Scheme, i: number, on: boolean, n: number): Scheme {
  if (on) return { ...s, nBias: Math.max(s.nBias, n - i) };
  const weights: Scheme['weights'] = {};
  for (const [k, w] of Object.entries(s.weights)) if (Number(k) > i) weights[k] = w;
  return { ...s, nBias: n - i - 1, weights };
}

/** The last-k schemes the picker offers for a model with `n` convs (the engine takes any k). */
export function lastKNames(n: number): string[] {
  return [2, 4, 6, 8, 12, 16].filter((k) => k <= n).map((k) => `last-${k}`);
}

/** The built-in names a model's scheme can have: the paper's, the baselines, and last-k for every k. */
export function presetNames(model: string, n: number): string[] {
  const base = builtinSchemeNames(model).filter((x) => !/^last-\d+$/.test(x));
  return [...base, ...Array.from({ length: n }, (_, i) => `last-${i + 1}`)];
}

/** The built-in name of a scheme for a model, or null for a custom scheme. */
export function schemePresetName(s: Scheme, model: string, n: number): string | null {
  const json = schemeToJson(s);
  for (const name of presetNames(model, n)) {
    const b = builtinScheme(name, n);
    if (b && schemeToJson(b) === json) return name;
  }
  return null;
}

/** The scheme a new project of a model starts with: the paper's smallest, or bias-only. */
export function defaultScheme(model: string, n: number): Scheme {
  return builtinScheme(`${model}@49kb`, n) ?? builtinScheme('bias-only', n)!;
}
