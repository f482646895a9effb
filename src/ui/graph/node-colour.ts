/**
 * Colouring the forward graph's nodes by a figure of each node, from what the engine computed: the
 * SRAM the node costs under the scheme now (engine/memory/node-memory.ts), its MACs, or what it
 * trains. The figure of a node over the largest is the node's heat, 0 to 1.
 */
import { nodeMemory, type NodeMemory } from '../../engine/memory/node-memory.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';
import type { GraphSummary } from '../../engine/ir/summary.ts';
import { formatBytes, formatCount } from '../format.ts';
import type { StudioState } from '../store/index.ts';

export type ColourBy = 'role' | 'memory' | 'macs' | 'trains';

export const COLOUR_BY: { id: ColourBy; label: string; legend: string }[] = [
  { id: 'role', label: 'role', legend: '' },
  { id: 'memory', label: 'SRAM now', legend: 'trained parameters + the arena buffers its kernels write' },
  { id: 'macs', label: 'MACs', legend: 'multiply-accumulates of its forward' },
  { id: 'trains', label: 'what trains', legend: 'weight (full), bias only (half), frozen (none)' },
];

const memoryOf = new WeakMap<TrainingProgram, { byNode: Record<string, NodeMemory>; max: number }>();
function memory(program: TrainingProgram) {
  let m = memoryOf.get(program);
  if (!m) {
    const byNode = nodeMemory(program);
    memoryOf.set(program, (m = { byNode, max: Math.max(1, ...Object.values(byNode).map((x) => x.total)) }));
  }
  return m;
}

const macsOf = new WeakMap<GraphSummary, number>();
function maxMacs(summary: GraphSummary): number {
  let m = macsOf.get(summary);
  if (m === undefined) macsOf.set(summary, (m = Math.max(1, ...summary.layers.map((l) => l.macs))));
  return m;
}

/** The value a node shows under a colouring, and the largest over the graph (for the legend). */
export function nodeFigure(s: Pick<StudioState, 'program' | 'project'>, by: ColourBy, name: string): { value: number; max: number; text: string } | null {
  if (by === 'memory') {
    const m = memory(s.program);
    const v = m.byNode[name]?.total ?? 0;
    return { value: v, max: m.max, text: formatBytes(v) };
  }
  if (by === 'macs') {
    const v = s.project.summary.layers.find((l) => l.name === name)?.macs ?? 0;
    return { value: v, max: maxMacs(s.project.summary), text: `${formatCount(v)} MACs` };
  }
  if (by === 'trains') {
    const row = s.project.summary.layers.find((l) => l.name === name);
    const u = row?.convIndex != null ? s.program.scheme.convs[row.convIndex] : undefined;
    const v = row?.role === 'classifier' ? 1 : u ? (u.channels > 0 ? 1 : u.bias ? 0.5 : 0) : 0;
    return { value: v, max: 1, text: v === 1 ? 'weight trains' : v ? 'bias trains' : 'frozen' };
  }
  return null;
}

/** A node's heat in [0, 1] under the current colouring, or null when colouring by role. */
export function nodeHeat(s: StudioState, name: string): number | null {
  const f = nodeFigure(s, s.colourBy, name);
  return f ? f.value / f.max : null;
}

/** The legend's scale: the largest figure, as text. */
export function colourScale(s: StudioState): string {
  if (s.colourBy === 'memory') return formatBytes(memory(s.program).max);
  if (s.colourBy === 'macs') return `${formatCount(maxMacs(s.project.summary))} MACs`;
  return '';
}
