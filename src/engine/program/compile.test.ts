/**
 * What the compiler generates for a scheme: the paper's mcunet-5fps 99kb scheme at 128x128 checked op by
 * op (which convs update weights and biases, what is pruned, which activations are saved and masked), the
 * program's well-formedness (every kernel reads only what exists by then), the memory report's
 * arithmetic and budget messages, the head-only and int8-head cases, and that compiling is pure.
 */
import { describe, expect, it } from 'vitest';
import { backboneConvs, type Graph, type Node } from '../ir/graph.ts';
import { effScalesOf } from '../kernels/conv-binding.ts';
import { convEffectiveScales, convGeom } from '../ops/conv2d.ts';
import { chainLayout } from '../schedule/fuse-rows.ts';
import { analyticMemory } from '../memory/analytic.ts';
import { buildGraph } from '../models/build.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { ArenaExecutor } from '../runtime/executor.ts';
import { builtinScheme, builtinSchemeNames } from '../train/builtin-schemes.ts';
import { SchemeError, type Scheme } from '../train/scheme.ts';
import { compileTraining, type CompileOptions, type TrainingProgram } from './compile.ts';
import { isOp, type Kernel, type ProgramKernelOf, type KernelOp } from './types.ts';

const KB = 1024;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const convName = (i: number) => `conv${i}`;
const mcunet = () => buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
const scheme99 = () => builtinScheme('mcunet-5fps@99kb', 42)!;

/**
 * What one training step really changes: every parameter element that differs after a step with huge
 * learning rates (so any non-zero gradient moves its element). Kernel names cannot say it alone, since
 * fused backward kernels update the weights and biases of several convs.
 */
function changedByStep(p: TrainingProgram): Map<string, Set<number>> {
  const params = syntheticParams(p.graph, 3);
  const before = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()]));
  const huge = { weight: { lr: 1e3, momentum: 0, qas: true }, bias: { lr: 1e3, momentum: 0, qas: true }, head: { lr: 1, momentum: 0, qas: false } };
  const [, h, w] = p.graph.tensors[p.graph.input].shape;
  const input = Int8Array.from({ length: 3 * h * w }, (_, i) => ((i * 7919) % 256) - 128);
  new ArenaExecutor(p, params, huge).step(input, 3);
  const changed = new Map<string, Set<number>>();
  for (const [name, v] of Object.entries(params)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== before[name][i]) changed.set(name, (changed.get(name) ?? new Set()).add(i));
    }
  }
  return changed;
}

const nodeIndex = (g: Graph) => new Map(g.nodes.map((n, i) => [n.name, i]));

/** Every tensor a kernel reads was written by an earlier kernel, or is the image or the label. */
function expectWellFormed(p: TrainingProgram, what: string): void {
  const g = p.graph;
  const written = new Set<string>([g.input, g.label!]);
  const names = new Set<string>();
  p.kernels.forEach((k: Kernel, i) => {
    expect(names.has(k.name), `${what}: kernel name ${k.name} is unique`).toBe(false);
    names.add(k.name);
    for (const t of k.inputs) {
      if (!written.has(t)) expect.fail(`${what}: kernel ${i} ${k.name} reads ${t} before any kernel writes it`);
      expect(p.tensors[t], `${what}: ${k.name} reads ${t}, which is no program tensor`).toBeDefined();
    }
    for (const t of k.outputs) {
      expect(p.tensors[t], `${what}: ${k.name} writes ${t}, which is no program tensor`).toBeDefined();
      written.add(t);
    }
    for (const prm of k.params) expect(p.tensors[prm], `${what}: ${k.name} param ${prm} is no arena tensor`).toBeUndefined();
  });
}

const OPTION_VARIANTS: CompileOptions[] = [{}, { fuseRows: false }, { inPlace: false }, { reorder: false }, { fuseBackward: false }, { streamInput: false }];

describe('mcunet-5fps@99kb at 128x128, 10 classes', () => {
  const g = mcunet();
  const p = compileTraining(g, scheme99(), { sramBudget: 100 * KB });
  const idx = nodeIndex(g);
  const first = idx.get('conv20')!;

  const WEIGHTS: [number, number][] = [[21, 40], [24, 48], [27, 48], [30, 48], [36, 12], [39, 24]];
  const BIASES = range(20, 41);

  it('without reordering: gradients and deferred updates for exactly the weights of convs 21, 24, 27, 30, 36, 39 and the biases of 20 to 41', () => {
    const q = compileTraining(mcunet(), scheme99(), { reorder: false });
    const of = <O extends KernelOp>(op: O) => q.kernels.filter((k): k is ProgramKernelOf<O> => isOp(k, op));
    const expected = WEIGHTS.map(([c, n]) => [convName(c), n]).sort();
    expect(of('conv_grad_w').map((k) => [k.node, k.attrs.channels]).sort()).toEqual(expected);
    expect(of('apply_update_w').map((k) => [k.node, k.attrs.channels]).sort()).toEqual(expected);
    expect(of('conv_grad_b').map((k) => k.node).sort()).toEqual(BIASES.map(convName).sort());
    expect(of('apply_update_b').map((k) => k.node).sort()).toEqual(BIASES.map(convName).sort());
    // The materialised gradient holds the trained input channels only (these are all pointwise pw1 convs).
    for (const [c, n] of WEIGHTS) {
      expect(q.tensors[`wgrad:conv${c}.weight`].shape, `conv${c}`).toEqual([g.tensors[`conv${c}.weight`].shape[0], n, 1, 1]);
    }
  });

  it('with reordering (default): conv_update_w only for those convs, and a step changes exactly the trained slices', () => {
    const weightUpdated = new Set(WEIGHTS.map(([c]) => convName(c)));
    for (const k of p.kernels.filter((x) => isOp(x, 'conv_update_w') || isOp(x, 'conv_grad_w') || isOp(x, 'apply_update_w'))) {
      expect(weightUpdated.has(k.node), `${k.name} updates a frozen weight`).toBe(true);
      expect(k.attrs.channels).toBe(WEIGHTS.find(([c]) => convName(c) === k.node)![1]);
    }
    const changed = changedByStep(p);
    const expected = [...WEIGHTS.map(([c]) => `conv${c}.weight`), ...BIASES.map((c) => `conv${c}.bias`), 'classifier.weight', 'classifier.bias'];
    expect([...changed.keys()].sort()).toEqual(expected.sort());
    // Only the first n input channels of a weight move.
    for (const [c, n] of WEIGHTS) {
      const cpg = g.tensors[`conv${c}.weight`].shape[1];
      const outside = [...changed.get(`conv${c}.weight`)!].filter((i) => i % cpg >= n);
      expect(outside, `conv${c}.weight elements outside its ${n} trained channels`).toEqual([]);
    }
  });

  it('emits no backward or update kernel for any node in front of conv 20', () => {
    const early = p.kernels.filter((k) => k.phase !== 'forward' && idx.get(k.node)! < first);
    expect(early.map((k) => k.name)).toEqual([]);
    // And the pruned list says why.
    const c10 = p.pruned.filter((x) => x.node === 'conv10');
    expect(c10.length).toBeGreaterThan(0);
    for (const x of c10) expect(x.reason).toMatch(/in front of the first trained conv \(20\)/);
  });

  it('computes no input gradient for conv 20: nothing upstream trains', () => {
    expect(p.kernels.filter((k) => k.op === 'conv_bwd_x' && k.node === 'conv20')).toEqual([]);
    // conv 20's input is conv 19's output: nothing may compute or hold its gradient.
    expect(Object.keys(p.tensors).filter((t) => t.startsWith('grad:conv19.out') || t.startsWith('grad:conv17.out'))).toEqual([]);
    expect(p.pruned).toContainEqual({ node: 'conv20', op: 'conv_bwd_x', reason: 'first trained conv: nothing upstream trains' });
    // conv 20 is pw2 of block 6: the residual add passes no gradient to the frozen skip either.
    const addBwd = p.kernels.find((k) => k.name === 'add_bwd:block6.add')!;
    expect(addBwd.attrs).toMatchObject({ ga: null, gb: addBwd.outputs[0] });
  });

  it('keeps clamp masks only in the trained region, and one for every conv output there', () => {
    const masks = Object.values(p.tensors).filter((t) => t.category === 'mask').map((t) => t.name);
    const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n.name] as const)));
    for (const m of masks) {
      const of = m.replace(/^mask:/, '');
      expect(idx.get(producer.get(of)!)!, `${m} belongs to the trained region`).toBeGreaterThanOrEqual(first);
    }
    for (const c of range(20, 41)) expect(masks).toContain(`mask:conv${c}.out`);
    expect(masks).not.toContain('mask:conv19.out');
  });

  it('saves input slices for conv 36 (12 channels) and 39 (24 channels) only; ratio 1 keeps the whole input', () => {
    const saves = p.kernels.filter((k) => k.op === 'save_slice').map((k) => [k.node, k.attrs.channels, k.inputs[0], p.tensors[k.outputs[0]].shape]);
    expect(saves).toEqual([
      ['conv36', 12, 'block11.out', [12, 4, 4]],
      ['conv39', 24, 'block12.out', [24, 4, 4]],
    ]);
    for (const c of [21, 24, 27, 30]) {
      const x = g.nodes.find((n) => n.name === convName(c))!.inputs[0];
      expect(p.tensors[x].category, `conv${c}'s input ${x}`).toBe('saved');
    }
  });

  it('saves exactly the activation bytes the analytic model counts', () => {
    const saved = Object.values(p.tensors).filter((t) => t.category === 'saved').reduce((s, t) => s + t.bytes, 0);
    expect(saved).toBe(analyticMemory(g, p.scheme).savedActivations);
  });

  it('is well formed: every kernel reads only tensors written before it', () => {
    expectWellFormed(p, '99kb');
  });

  it('writes a pointwise conv over its input only where its output dies at the next step (schedule/inplace.ts)', () => {
    const over = (conv: string) => p.tensors[`${conv}.out`].aliasOf;
    // The last one reads the depthwise conv40's output, itself over conv39's: the one buffer of conv39.out.
    expect(over('conv41')).toBe('conv40.out');
    expect(p.buffers.find((b) => b.id === 'conv39.out')!.members).toEqual(expect.arrayContaining(['conv40.out', 'conv41.out']));
    // The block projections' outputs live on (skips, saved inputs): each its own buffer.
    for (const conv of ['conv20', 'conv23', 'conv26', 'conv29', 'conv32', 'conv35', 'conv38']) expect(over(conv), conv).toBeUndefined();
  });

  it('reports a breakdown that sums to the peak, and a clear message when it does not fit 100 KB', () => {
    const r = p.report;
    const sum = Object.values(r.breakdown).reduce((a, b) => a + b, 0);
    expect(sum).toBe(r.peakSramBytes);
    expect(r.breakdown.fragmentation).toBeGreaterThanOrEqual(0);
    expect(r.peakSramBytes).toBeGreaterThan(100 * KB);
    expect(r.sramFits).toBe(false);
    expect(r.fits).toBe(false);
    const fmt = (n: number) => n.toLocaleString('en-US');
    const sram = r.messages.find((m) => m.startsWith('SRAM'));
    expect(sram).toBeDefined();
    expect(sram).toContain(`requested ${fmt(r.peakSramBytes)} bytes`);
    expect(sram).toContain(`available ${fmt(100 * KB)}`);
    expect(sram).toContain(`missing ${fmt(r.peakSramBytes - 100 * KB)}`);
    expect(sram).toContain(r.peak.kernel);
    expect(p.kernels[r.peak.step].name).toBe(r.peak.kernel);
  });

  it('keeps Flash under 1 MB', () => {
    expect(p.report.flashBytes).toBeLessThan(1024 * KB);
    expect(p.report.flashFits).toBe(true);
    const f = p.report.flashBreakdown;
    expect(Object.values(f).reduce((a, b) => a + b, 0)).toBe(p.report.flashBytes);
    // The embedded samples are their own category: 4 images of 3x128x128 and their labels.
    expect(f.samples).toBe(4 * (3 * 128 * 128 + 4));
  });
});

describe('every built-in scheme', () => {
  for (const model of ZOO_NAMES) {
    it(`${model}: well formed in every option variant, report sums, saved bytes match the analytic model`, () => {
      for (const name of builtinSchemeNames(model)) {
        for (const opts of OPTION_VARIANTS) {
          const g = buildGraph(zooArch(model), { resolution: 64, classes: 10 });
          const p = compileTraining(g, builtinScheme(name, backboneConvs(g).length)!, opts);
          const what = `${model} ${name} ${JSON.stringify(opts)}`;
          expectWellFormed(p, what);
          expect(Object.values(p.report.breakdown).reduce((a, b) => a + b, 0), what).toBe(p.report.peakSramBytes);
          const saved = Object.values(p.tensors).filter((t) => t.category === 'saved').reduce((s, t) => s + t.bytes, 0);
          expect(saved, what).toBe(analyticMemory(g, p.scheme).savedActivations);
        }
      }
    });
  }
});

describe('head-only and the int8 head', () => {
  it('head-only has no backward kernel in the backbone at all', () => {
    const g = mcunet();
    const p = compileTraining(g, builtinScheme('head-only', 42)!);
    const back = p.kernels.filter((k) => k.phase !== 'forward');
    expect(back.map((k) => k.op).sort()).toEqual(['linear_update', 'softmax_ce_bwd']);
    expect(Object.values(p.tensors).some((t) => t.category === 'mask' || t.category === 'saved')).toBe(false);
    expectWellFormed(p, 'head-only');
  });

  it('an int8-head scheme compiles against a graph built with an int8 head, and trains the conv classifier', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10, head: 'int8' });
    const scheme: Scheme = { ...scheme99(), head: 'int8' };
    const p = compileTraining(g, scheme);
    expectWellFormed(p, 'int8 head');
    expect(p.kernels.some((k) => k.op === 'linear' || k.op === 'linear_update')).toBe(false);
    expect(p.kernels.filter((k) => isOp(k, 'conv_update_w')).find((k) => k.node === 'classifier')?.attrs.channels).toBe(160);
    expect(p.kernels.some((k) => k.op === 'conv_update_b' && k.node === 'classifier')).toBe(true);
    const changed = changedByStep(p);
    expect(changed.get('classifier.weight')?.size).toBeGreaterThan(0);
    expect(changed.get('classifier.bias')?.size).toBeGreaterThan(0);
    expect(p.tensors['mask:classifier.out']?.category).toBe('mask');
    expect(p.trainable.map((t) => t.param)).toEqual(expect.arrayContaining(['classifier.weight', 'classifier.bias']));
  });

  it('refuses a scheme whose head does not match the graph', () => {
    const g = mcunet();
    expect(() => compileTraining(g, { ...scheme99(), head: 'int8' })).toThrow(SchemeError);
    expect(() => compileTraining(g, { ...scheme99(), head: 'int8' })).toThrow(/int8 head but the model was built with a float32 head/);
  });
});

describe('compiling is pure', () => {
  // The UI and the scheme search compile one graph under many schemes: the graph must not change.
  it('leaves the forward graph untouched', () => {
    const g = mcunet();
    const before = JSON.stringify(g);
    for (const name of ['mcunet-5fps@99kb', 'bias-only', 'head-only', 'last-12']) {
      for (const opts of OPTION_VARIANTS) compileTraining(g, builtinScheme(name, 42)!, opts);
    }
    const changed = g.nodes.filter((n) => n.outputs.length !== 1).map((n) => `${n.name}: outputs ${JSON.stringify(n.outputs)}`);
    expect(changed).toEqual([]);
    expect(JSON.stringify(g)).toBe(before);
  });

  it('gives the same program when compiled twice', () => {
    const g = mcunet();
    // Serialised at once: kernels may share arrays with the graph, and a later compile must not change them.
    const a = JSON.stringify(compileTraining(g, scheme99()).kernels);
    const b = JSON.stringify(compileTraining(g, scheme99()).kernels);
    const ka = JSON.parse(a) as Kernel[], kb = JSON.parse(b) as Kernel[];
    const i = ka.findIndex((k, j) => JSON.stringify(k) !== JSON.stringify(kb[j]));
    if (i >= 0) expect.fail(`kernel ${i} differs the second time: ${JSON.stringify(ka[i])} vs ${JSON.stringify(kb[i])}`);
    expect(kb.length).toBe(ka.length);
  });
});

describe('bind once: the program carries what its readers need', () => {
  it('each kernel\'s binding is its graph\'s geometry, quantization and ring layout, bound at compile time', () => {
    const g = mcunet();
    const p = compileTraining(g, scheme99());
    const node = (name: string) => g.nodes.find((n) => n.name === name) as Node<'conv2d'>;
    for (const n of g.nodes) {
      if (n.op !== 'conv2d') continue;
      const c = p.convs[n.name];
      expect(c.geom, n.name).toEqual(convGeom(n as Node<'conv2d'>, g));
      expect([c.xZero, c.yZero, c.xScale, c.yScale]).toEqual([g.tensors[n.inputs[0]].q!.zeroPoint, g.tensors[n.outputs[0]].q!.zeroPoint,
        g.tensors[n.inputs[0]].q!.scale, g.tensors[n.outputs[0]].q!.scale]);
      expect([c.weight, c.bias, c.wScales]).toEqual(n.inputs.slice(1));
      const s = syntheticParams(g, 1)[n.inputs[3]] as Float32Array;
      expect(effScalesOf(c, s)).toEqual(convEffectiveScales(n as Node<'conv2d'>, g, s));
    }
    const chains = p.kernels.filter((k) => isOp(k, 'conv_chain'));
    expect(chains.length).toBeGreaterThan(0);
    for (const k of chains) {
      expect(k.bound.layout).toEqual(chainLayout(g, k.attrs.convs.map(node), k.bound.adds, k.attrs.split));
      expect(k.bound.adds.length).toBe(k.attrs.adds.length);
      expect(k.bound.stages.map((s) => s.node)).toEqual(k.attrs.convs);
    }
    for (const k of p.kernels) {
      if (k.op === 'conv2d' || k.op === 'channel_scale' || k.op === 'conv_update_w' || k.op === 'conv_update_b') expect(k.bound.conv).toBe(p.convs[k.node]);
      if (k.op === 'block_bwd') expect([k.bound.dw, k.bound.pw2, k.bound.pw1]).toEqual([p.convs[k.node], p.convs[k.attrs.pw2], k.attrs.pw1 ? p.convs[k.attrs.pw1] : null]);
    }
  });
});

describe('split rings (schedule/fuse-rows.ts: splitRing)', () => {
  const proxyless = () => buildGraph(zooArch('proxyless-w0.3'), { resolution: 128, classes: 10 });
  const chainsOf = (p: TrainingProgram) => new Map(p.kernels.filter((k) => isOp(k, 'conv_chain')).map((k) => [k.name, k]));
  it('are taken only where a chain would hold more than every other step (mcunet-5fps@99kb: none)', () => {
    const p = compileTraining(mcunet(), scheme99());
    expect([...chainsOf(p).values()].some((k) => k.attrs.split)).toBe(false);
  });
  it('above splitRingsAbove: proxyless-w0.3@98kb\'s block 2 and 3 chains keep kh - stride rows of the expanded maps, same values', () => {
    const g = proxyless();
    const scheme = builtinScheme('proxyless-w0.3@98kb', backboneConvs(g).length)!;
    const plain = compileTraining(g, scheme, { splitRingsAbove: Infinity }), split = compileTraining(g, scheme, { splitRingsAbove: 31500 });
    const [a, b] = [chainsOf(plain), chainsOf(split)];
    // conv_chain:conv9: 7x7 stride 2 over 48 channels of 32: 7 rows -> 5 and a spare of 2 rows of one channel.
    expect(a.get('conv_chain:conv9')!.bound.layout.bytes).toBe(11520);
    expect(b.get('conv_chain:conv9')!.bound.layout.bytes).toBe(8512);
    expect(b.get('conv_chain:conv9')!.attrs.split).toEqual([true, false]);
    // conv_chain:conv0: block 2's 5x5 stride 2 over 24 channels of 64: 5 rows -> 3 (its pw1's input ring 1 row -> 2).
    expect(a.get('conv_chain:conv0')!.bound.layout.bytes).toBe(13056);
    expect(b.get('conv_chain:conv0')!.bound.layout.bytes).toBe(10624);
    const hyper = { weight: { lr: 0.05, momentum: 0, qas: true }, bias: { lr: 0.05, momentum: 0, qas: true }, head: { lr: 0.05, momentum: 0, qas: false } };
    const input = Int8Array.from({ length: 3 * 128 * 128 }, (_, i) => ((i * 7919) % 256) - 128);
    const [pa, pb] = [syntheticParams(g, 5), syntheticParams(g, 5)];
    expect(new ArenaExecutor(split, pb, hyper).step(input, 4)).toEqual(new ArenaExecutor(plain, pa, hyper).step(input, 4));
    expect(pb).toEqual(pa);
  });
});
