/**
 * The schemes the charts draw beside the searched ones, which the search takes as candidates
 * (search.ts): the paper's schemes (when the model is one of the paper's), and the baselines
 * head-only, bias-only and last-k for every k the bias sweep plots.
 */
import { backboneConvs, type Graph } from '../ir/graph.ts';
import { builtinScheme, PAPER_SCHEMES } from '../train/builtin-schemes.ts';
import type { ReferenceScheme } from './search.ts';

export function referenceSchemes(graph: Graph, ks: number[], head: 'float32' | 'int8'): ReferenceScheme[] {
  const n = backboneConvs(graph).length;
  const named: { name: string; kind: ReferenceScheme['kind'] }[] = [
    ...Object.keys(PAPER_SCHEMES[graph.name] ?? {}).map((label) => ({ name: `${graph.name}@${label}`, kind: 'paper' as const })),
    { name: 'head-only', kind: 'baseline' },
    { name: 'bias-only', kind: 'baseline' },
    ...[...new Set(ks)].filter((k) => k > 0 && k <= n).sort((a, b) => a - b).map((k) => ({ name: `last-${k}`, kind: 'baseline' as const })),
  ];
  return named.map(({ name, kind }) => ({ name, kind, scheme: { ...builtinScheme(name, n)!, head } }));
}
