/**
 * What an edit changed besides what it was asked to change, in words, so that no edit has a silent
 * side effect: a weight update that extends the bias range, a bias turned off that turns off the
 * weight updates before it, a model that brings its own resolution and scheme, a budget that makes
 * the target custom. Computed from the documents and the engine's resolved schemes before and
 * after, so every action is covered by one rule instead of each saying its own.
 */
import type { ResolvedScheme } from '../../engine/train/scheme.ts';
import { formatBytes } from '../format.ts';
import { targetLabel } from '../targets.ts';
import type { ProjectModel } from './project-model.ts';
import { schemePresetName } from './scheme-edits.ts';
import type { StudioDoc } from './studio-doc.ts';

/** What the user asked to change: everything else that changed is a side effect. */
export type EditSubject =
  | { kind: 'model' }
  | { kind: 'resolution' }
  | { kind: 'classes' }
  | { kind: 'scheme' }
  /** The bias toggle or the weight ratio of one conv. */
  | { kind: 'conv'; index: number; part: 'bias' | 'weight' }
  | { kind: 'arch' }
  | { kind: 'target' }
  | { kind: 'budget'; field: keyof StudioDoc['target'] };

export interface Compiled {
  doc: StudioDoc;
  project: ProjectModel;
  scheme: ResolvedScheme;
}

/** "conv 3", "convs 3, 7", "convs 14–17", "convs 2, 14–17". */
export function convList(indices: number[]): string {
  const xs = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j - i >= 2 ? `${xs[i]}–${xs[j]}` : j > i ? `${xs[i]}, ${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return `${xs.length === 1 ? 'conv' : 'convs'} ${parts.join(', ')}`;
}

function modelName(c: Compiled): string {
  const o = c.doc.origin;
  return o.kind === 'zoo' ? `${o.arch}${o.spec ? ' (edited)' : ''}` : o.fileName;
}

/** A scheme in a few words: its preset name, or what trains. */
export function schemeSummary(c: Compiled): string {
  const preset = schemePresetName(c.doc.scheme, c.project.model.graph.name, c.project.summary.convs);
  if (preset) return preset;
  const weights = c.scheme.convs.filter((u) => u.channels > 0).map((u) => u.convIndex);
  const biases = c.scheme.scheme.nBias;
  return `custom: biases of the last ${biases} convs${weights.length ? `, weights of ${convList(weights)}` : ''}`;
}

/** Per-conv differences of two resolved schemes, leaving out the part of the conv that was edited. */
function convChanges(a: ResolvedScheme, b: ResolvedScheme, edited: { index: number; part: 'bias' | 'weight' }): string[] {
  const biasOn: number[] = [], biasOff: number[] = [], weightOff: number[] = [], weightOn: number[] = [], weightChanged: number[] = [];
  const n = Math.min(a.convs.length, b.convs.length);
  for (let i = 0; i < n; i++) {
    const x = a.convs[i], y = b.convs[i];
    if (x.bias !== y.bias && !(i === edited.index && edited.part === 'bias')) (y.bias ? biasOn : biasOff).push(i);
    if (x.channels !== y.channels && !(i === edited.index && edited.part === 'weight')) {
      if (y.channels === 0) weightOff.push(i);
      else if (x.channels === 0) weightOn.push(i);
      else weightChanged.push(i);
    }
  }
  const out: string[] = [];
  if (biasOn.length) out.push(`biases of ${convList(biasOn)} now train`);
  if (biasOff.length) out.push(`biases of ${convList(biasOff)} are frozen`);
  if (weightOff.length) out.push(`weight updates of ${convList(weightOff)} are turned off`);
  if (weightOn.length) out.push(`weights of ${convList(weightOn)} now train`);
  if (weightChanged.length) out.push(`trained channels of ${convList(weightChanged)} changed`);
  return out;
}

/** The side effects of going from `before` to `after` when the user edited `subject`; empty when there were none. */
export function sideEffects(before: Compiled, after: Compiled, subject: EditSubject): string[] {
  const a = before.doc, b = after.doc;
  const out: string[] = [];
  const sameModel = a.origin === b.origin;
  if (!sameModel && subject.kind !== 'model' && subject.kind !== 'arch') out.push(`model: ${modelName(before)} → ${modelName(after)}`);
  if (a.shape.resolution !== b.shape.resolution && subject.kind !== 'resolution') {
    out.push(`resolution: ${a.shape.resolution} → ${b.shape.resolution} px`);
  }
  if (a.shape.classes !== b.shape.classes && subject.kind !== 'classes') out.push(`classes: ${a.shape.classes} → ${b.shape.classes}`);
  if (a.scheme !== b.scheme && subject.kind !== 'scheme') {
    if (subject.kind === 'conv') out.push(...convChanges(before.scheme, after.scheme, subject));
    else if (JSON.stringify(a.scheme) !== JSON.stringify(b.scheme)) out.push(`scheme: ${schemeSummary(before)} → ${schemeSummary(after)}`);
  }
  if (a.target !== b.target && subject.kind !== 'target') {
    if (a.target.id !== b.target.id) out.push(`target: ${targetLabel(a.target)} → ${targetLabel(b.target)}`);
    const fields: [keyof StudioDoc['target'], string][] = [['sramBytes', 'SRAM'], ['trainBudget', 'training budget'], ['flashBytes', 'Flash']];
    for (const [f, label] of fields) {
      if (subject.kind === 'budget' && subject.field === f) continue;
      if (a.target[f] !== b.target[f]) out.push(`${label}: ${formatBytes(a.target[f] as number)} → ${formatBytes(b.target[f] as number)}`);
    }
  }
  return out;
}
