/**
 * Built-in schemes: the paper's fifteen found by contribution analysis (REFERENCE.md), and the
 * baselines bias-only, head-only, last-<k> (weights and biases of the last k convs) and full.
 */
import type { Scheme } from './scheme.ts';

type Row = [nBias: number, weights: Record<number, number>];

const all = (idx: number[], r = 1) => Object.fromEntries(idx.map((i) => [i, r]));
const step = (from: number, to: number, by: number) => Array.from({ length: Math.floor((to - from) / by) + 1 }, (_, i) => from + i * by);

export const PAPER_SCHEMES: Record<string, Record<string, Row>> = {
  'mcunet-5fps': {
    '49kb': [20, { 23: 0, 24: 1 / 4, 27: 1 / 2, 30: 1 / 2, 33: 0, 39: 0 }],
    '74kb': [21, { 21: 1, 23: 0, 24: 1, 26: 0, 27: 1 / 2, 30: 1 }],
    '99kb': [22, { 21: 1, 24: 1, 27: 1, 30: 1, 36: 1 / 8, 39: 1 / 4 }],
    '124kb': [24, { 21: 1 / 4, 24: 1, 27: 1, 30: 1, 33: 1 / 2, 39: 1 / 2 }],
    '148kb': [23, { 21: 1, 24: 1, 27: 1, 30: 1, 36: 1, 39: 1 / 2 }],
  },
  'mbv2-w0.35': {
    '49kb': [16, { 36: 1, 39: 1, 40: 0, 41: 1 / 4, 42: 1 / 8, 45: 1 / 8, 48: 1 / 8, 49: 1 / 8 }],
    '73kb': [20, { 32: 1 / 8, 33: 1 / 2, 36: 1 / 2, 39: 1, 41: 1 / 4, 42: 1 / 8, 45: 1 / 8, 48: 1 }],
    '99kb': [25, { 27: 1, 30: 1, 33: 1, 36: 1, 39: 1, 42: 1 / 8, 45: 1 / 2, 48: 1 }],
    '123kb': [31, { 27: 1, 30: 1, 33: 1, 36: 1, 39: 1, 42: 1 / 2, 45: 1, 48: 1 }],
    '138kb': [34, all([27, 30, 33, 36, 39, 42, 45, 48])],
  },
  'proxyless-w0.3': {
    '49kb': [21, { 39: 1 / 4, 42: 1, 44: 0, 45: 1, 50: 0, 51: 1 / 8, 54: 1 / 4, 57: 1 / 4 }],
    '74kb': [28, { 33: 1 / 2, 36: 1 / 4, 39: 1, 42: 1, 45: 1, 51: 1 / 2, 54: 1 / 4, 57: 1 / 2 }],
    '98kb': [25, { 36: 1, 39: 1 / 2, 42: 1, 45: 1, 48: 1 / 4, 51: 1 / 2, 54: 1, 57: 1 }],
    '120kb': [32, { ...all([36, 39, 42, 45, 51, 54, 57]), 48: 1 / 2 }],
    '148kb': [45, all(step(36, 57, 3))],
  },
};

/** Names of the built-in schemes offered for a model (last-<k> takes any k; last-12 stands for it). */
export function builtinSchemeNames(model: string): string[] {
  const labels = Object.hasOwn(PAPER_SCHEMES, model) ? Object.keys(PAPER_SCHEMES[model]) : [];
  return [...labels.map((l) => `${model}@${l}`), 'bias-only', 'head-only', 'last-12', 'full'];
}

/**
 * A built-in scheme by name, or null when the name is not one. `convCount` (the model's backbone
 * convs) resolves the model-relative names: bias-only and full train all convs.
 */
export function builtinScheme(name: string, convCount: number): Scheme | null {
  const base = { head: 'float32' as const, momentum: false };
  const paper = /^(.+)@(\d+kb)$/.exec(name);
  if (paper) {
    const byModel = Object.hasOwn(PAPER_SCHEMES, paper[1]) ? PAPER_SCHEMES[paper[1]] : undefined;
    const row = byModel && Object.hasOwn(byModel, paper[2]) ? byModel[paper[2]] : undefined;
    if (!row) return null;
    return { ...base, nBias: row[0], weights: Object.fromEntries(Object.entries(row[1]).map(([k, v]) => [k, v])) };
  }
  if (name === 'bias-only') return { ...base, nBias: convCount, weights: {} };
  if (name === 'head-only') return { ...base, nBias: 0, weights: {} };
  if (name === 'full') return { ...base, nBias: convCount, weights: all(step(0, convCount - 1, 1)) };
  const last = /^last-(\d+)$/.exec(name);
  if (last) {
    const k = Number(last[1]);
    if (k < 1 || k > convCount) return null;
    return { ...base, nBias: k, weights: all(step(convCount - k, convCount - 1, 1)) };
  }
  return null;
}
