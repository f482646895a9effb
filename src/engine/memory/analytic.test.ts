import { describe, expect, it } from 'vitest';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { resolveScheme } from '../train/scheme.ts';
import { analyticMemory } from './analytic.ts';

// REFERENCE.md: the paper's analytic figures for mcunet-5fps (KB = 1024 bytes), to 0.1 KB.
const EXPECTED: [string, number][] = [
  ['mcunet-5fps@49kb', 49.8], ['mcunet-5fps@74kb', 74.8], ['mcunet-5fps@99kb', 99.8],
  ['mcunet-5fps@124kb', 125.0], ['mcunet-5fps@148kb', 148.4],
  ['last-12', 448.0], ['bias-only', 121.3], ['full', 1400.4],
];

describe('analytic memory model', () => {
  const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
  for (const [name, kb] of EXPECTED) {
    it(`${name} gives ${kb} KB`, () => {
      const rs = resolveScheme(builtinScheme(name, 42)!, g);
      expect(Math.round(analyticMemory(g, rs).total / 1024 * 10) / 10).toBe(kb);
    });
  }
});
