import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { builtinScheme, builtinSchemeNames, PAPER_SCHEMES } from './builtin-schemes.ts';
import { parseScheme, resolveScheme, SchemeError } from './scheme.ts';

const g = buildGraph(zooArch('mcunet-5fps'));
const resolve = (json: unknown) => resolveScheme(parseScheme(json), g);

describe('schemes', () => {
  it('resolves the 99kb scheme to the paper channel counts', () => {
    const rs = resolveScheme(builtinScheme('mcunet-5fps@99kb', 42)!, g);
    expect(rs.firstTrained).toBe(20);
    const trained = rs.convs.filter((u) => u.channels > 0).map((u) => [u.convIndex, u.channels]);
    // conv 36 (pw1, 96 inputs) at 1/8 -> 12 channels; conv 39 (pw1, 96 inputs) at 1/4 -> 24.
    expect(trained).toEqual([[21, 40], [24, 48], [27, 48], [30, 48], [36, 12], [39, 24]]);
    expect(rs.convs.filter((u) => u.bias).length).toBe(22);
  });

  it('counts depthwise channels as its groups', () => {
    const rs = resolve({ nBias: 2, weights: { 40: '1/2' } });
    expect(rs.convs[40]).toMatchObject({ channels: 288, totalChannels: 576, bias: true });
  });

  it('accepts ratios as numbers, fractions and channel counts', () => {
    const rs = resolve({ nBias: 5, weights: { 37: 0.125, 38: '1/4', 39: 7, 40: { channels: 1 } } });
    expect(rs.convs.slice(37, 41).map((u) => u.channels)).toEqual([48, 96, 7, 1]);
  });

  it('every paper scheme and baseline is valid for its model', () => {
    for (const model of Object.keys(PAPER_SCHEMES)) {
      const mg = buildGraph(zooArch(model));
      const n = backboneConvs(mg).length;
      for (const name of builtinSchemeNames(model)) expect(() => resolveScheme(builtinScheme(name, n)!, mg)).not.toThrow();
    }
    expect(builtinScheme('last-43', 42)).toBeNull();
    expect(builtinScheme('mcunet-5fps@1kb', 42)).toBeNull();
  });

  const bad: [unknown, RegExp][] = [
    [{ nBias: 22, weights: { 10: 1 } }, /weights\["10"\]: conv 10 is outside the last 22 convs \(20 to 41\)/],
    [{ nBias: 22, weights: { 21: 0.3 } }, /weights\["21"\]: ratio 0.3 is not one of/],
    [{ nBias: 42, weights: { 45: 1 } }, /weights\["45"\]: conv 45 does not exist \(mcunet-5fps has convs 0 to 41\)/],
    [{ nBias: 50 }, /nBias: 50 is more than the 42 convs/],
    [{ nBias: -1 }, /nBias: must be a whole number/],
    [{ nBias: 2, weights: { 41: { channels: 1000 } } }, /weights\["41"\]: 1000 channels is more than the 576/],
    [{ nBias: 2, weights: { x: 1 } }, /weights\["x"\]: the key must be a conv index/],
    [{ nBias: 2, head: 'int4' }, /head: must be "float32" or "int8"/],
    [{ nBias: 2, speed: 1 }, /speed: unknown field/],
    ['{"nBias": ', /not valid JSON/],
    [[1, 2], /must be a JSON object/],
    // Values that Number() would read as something else, and aliases of one conv.
    [{ nBias: 2, weights: { 41: '' } }, /weights\["41"\]: "" is not a ratio \(0, 1\/8, 1\/4, 1\/2, 1 or "a\/b"\) or a channel count/],
    [{ nBias: 2, weights: { 41: '0x1' } }, /weights\["41"\]: "0x1" is not a ratio/],
    [{ nBias: 2, weights: { 41: ' 1e0' } }, /weights\["41"\]: " 1e0" is not a ratio/],
    [{ nBias: 2, weights: { 41: '1/0' } }, /weights\["41"\]: "1\/0" is not a ratio/],
    ['{"nBias": 2, "weights": {"21": 1, "021": 1}}', /weights\["021"\]: the key must be a conv index written plainly \(21\)/],
    [{ nBias: 2, weights: { '41.0': 1 } }, /weights\["41.0"\]: the key must be a conv index/],
    [{ nBias: 2, weights: { 41: { channels: 3, extra: 1 } } }, /weights\["41"\]: a channel count is written \{ "channels": n \}/],
    [{ nBias: 2, weights: { 41: 1e300 } }, /weights\["41"\]: 1e\+300 channels is more than/],
    [{ nBias: 1e300 }, /nBias: must be a whole number of convs from 0 to 10,000/],
    [{ nBias: 2, name: 'x'.repeat(1000) }, /name: must be a text of at most 128 characters/],
    [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, /^the scheme nests arrays or objects more than 32 levels deep$/],
    ['{"nBias": 2, "weights": {"__proto__": 1}}', /weights\["__proto__"\]: the key must be a conv index/],
  ];
  it('accepts a UTF-8 byte-order mark before the JSON', () => {
    expect(parseScheme('\ufeff{"nBias": 3}').nBias).toBe(3);
  });

  for (const [json, msg] of bad) {
    it(`rejects ${JSON.stringify(json).slice(0, 80)}`, () => {
      expect(() => resolve(json)).toThrow(SchemeError);
      expect(() => resolve(json)).toThrow(msg);
    });
  }
});
