// The backward graph's columns: a block each in the family; in a general graph the head, then a few
// layers each (at most COLUMN_KERNELS kernels, a layer's together; graph-layout.test.ts has more).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../../engine/ir/graph.ts';
import { buildGraph } from '../../engine/models/build.ts';
import { modelFromFile } from '../../engine/models/model-file.ts';
import { zooArch } from '../../engine/models/zoo.ts';
import { compileTraining } from '../../engine/program/compile.ts';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { backwardLayout } from './backward-layout.ts';

const titles = (g: ReturnType<typeof buildGraph>, scheme: string) => {
  const p = compileTraining(g, builtinScheme(scheme, backboneConvs(g).length)!);
  return [...new Set(backwardLayout(g, p, false, null).nodes.filter((n) => n.type === 'bframe').map((n) => (n.data as { title: string }).title))];
};

describe('backward graph columns', () => {
  it('the family: the head, then blocks', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 48, classes: 10 });
    expect(titles(g, 'last-3')).toEqual(['head', 'block 13']);
  });
  it('a general graph (concat-net.tflite): the head, then the nodes the backward pass crosses, by their names', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../../../public/models/concat-net.tflite', import.meta.url)));
    const g = modelFromFile('concat-net.tflite', bytes).graph;
    expect(titles(g, 'full')).toEqual(['head', 'conv3', 'concat4', 'conv2', 'conv1', 'conv0']);
  });
});
