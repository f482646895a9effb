/**
 * A whole small graph through the reference executor, checked against a naive re-implementation of
 * the paper's int8 semantics written here (seven nested loops, no shortcuts), and the validator's
 * refusals of malformed graphs.
 */
import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../ir/graph.ts';
import { validateGraph } from '../ir/validate.ts';
import { archFromRows } from '../models/arch.ts';
import { buildGraph } from '../models/build.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { runForward } from '../runtime/reference.ts';
import { mulberry32 } from '../util/random.ts';

const f32 = Math.fround;

/** Round half to even, written independently of quant/arith.ts. */
function roundHalfEven(v: number): number {
  const fl = Math.floor(v), d = v - fl;
  if (d < 0.5) return fl;
  if (d > 0.5) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}
const sat = (v: number) => Math.min(127, Math.max(-128, v));

/** REFERENCE.md's conv: acc = sum((x - zx) W) + b; y = clamp(round(acc * (sx * sw / sy)) + zy), float32 scale. */
function naiveConv(g: Graph, node: Node<'conv2d'>, v: Record<string, ArrayLike<number>>): Int8Array {
  const [xn, wn, bn, sn] = node.inputs;
  const X = v[xn], W = v[wn], B = v[bn], S = v[sn];
  const xt = g.tensors[xn], yt = g.tensors[node.outputs[0]];
  const [cin, h, w] = xt.shape, [cout, ho, wo] = yt.shape;
  const { kernel: k, stride, padding, groups } = node.attrs;
  const cpg = cin / groups, opg = cout / groups;
  const y = new Int8Array(cout * ho * wo);
  for (let oc = 0; oc < cout; oc++) {
    const eff = f32(f32(f32(xt.q!.scale) * f32(S[oc])) / f32(yt.q!.scale));
    const grp = Math.floor(oc / opg);
    for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) {
      let acc = B[oc];
      for (let j = 0; j < cpg; j++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
        const iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        acc += (X[((grp * cpg + j) * h + iy) * w + ix] - xt.q!.zeroPoint) * W[((oc * cpg + j) * k + ky) * k + kx];
      }
      y[(oc * ho + oy) * wo + ox] = sat(roundHalfEven(f32(acc * eff)) + yt.q!.zeroPoint);
    }
  }
  return y;
}

function naiveForward(g: Graph, params: Record<string, ArrayLike<number>>, input: Int8Array): Record<string, ArrayLike<number>> {
  const v: Record<string, ArrayLike<number>> = { ...params, [g.input]: input };
  for (const node of g.nodes) {
    const out = node.outputs[0];
    if (node.op === 'conv2d') v[out] = naiveConv(g, node as Node<'conv2d'>, v);
    else if (node.op === 'add') {
      const [a, b] = node.inputs.map((n) => g.tensors[n].q!);
      const qy = g.tensors[out].q!;
      const A = v[node.inputs[0]], B = v[node.inputs[1]];
      v[out] = Int8Array.from({ length: A.length }, (_, i) => {
        const real = f32(f32((A[i] - a.zeroPoint) * f32(a.scale)) + f32((B[i] - b.zeroPoint) * f32(b.scale)));
        return sat(roundHalfEven(f32(real / f32(qy.scale))) + qy.zeroPoint);
      });
    } else if (node.op === 'avgpool') {
      const [c, h, w] = g.tensors[node.inputs[0]].shape;
      const X = v[node.inputs[0]];
      v[out] = Int8Array.from({ length: c }, (_, ch) => {
        let s = 0;
        for (let i = 0; i < h * w; i++) s += X[ch * h * w + i];
        return roundHalfEven(f32(s / (h * w)));
      });
    } else if (node.op === 'linear') {
      const q = g.tensors[node.inputs[0]].q!;
      const [n, c] = g.tensors[node.inputs[1]].shape;
      const X = v[node.inputs[0]], W = v[node.inputs[1]], B = v[node.inputs[2]];
      v[out] = Float32Array.from({ length: n }, (_, o) => {
        let acc = B[o];
        for (let i = 0; i < c; i++) acc = f32(acc + f32(W[o * c + i] * f32((X[i] - q.zeroPoint) * f32(q.scale))));
        return acc;
      });
    }
  }
  return v;
}

// Stem 4, then: a block without pw1, a stride-2 expanding block, a 5x5 block with a residual.
const TINY = archFromRows('tiny', 4, [[0, 4, 3, 1], [8, 6, 3, 2], [12, 6, 5, 1, '+']]);

function tinyModel(seed = 3) {
  const graph = buildGraph(TINY, { resolution: 16, classes: 5 });
  return { graph, params: syntheticParams(graph, seed), source: 'test' };
}

function randomInput(n: number, seed: number): Int8Array {
  const r = mulberry32(seed);
  return Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128);
}

describe('runForward on a small built graph', () => {
  it('matches a naive implementation of the int8 semantics, layer by layer', () => {
    const model = tinyModel();
    const g = model.graph;
    expect(g.nodes.map((n) => n.op)).toEqual([...Array(9).fill('conv2d'), 'add', 'avgpool', 'linear', 'softmax_ce']);
    for (const seed of [1, 2, 3]) {
      const input = randomInput(3 * 16 * 16, seed);
      const got = runForward(model, input, 2);
      const want = naiveForward(g, model.params, input);
      for (const node of g.nodes) {
        if (node.op === 'softmax_ce') continue;
        const name = node.outputs[0];
        expect([name, Array.from(got[name])]).toEqual([name, Array.from(want[name])]);
      }
      // The loss is the cross-entropy of the logits at the label.
      const z = Array.from(got[g.logits]);
      const lse = Math.max(...z) + Math.log(z.reduce((s, v) => s + Math.exp(v - Math.max(...z)), 0));
      expect(got[g.loss!][0]).toBeCloseTo(lse - z[2], 5);
    }
  });

  it('is deterministic, and activations are not degenerate', () => {
    const input = randomInput(3 * 16 * 16, 9);
    const a = runForward(tinyModel(), input, 1);
    const b = runForward(tinyModel(), input.slice(), 1);
    for (const k of Object.keys(a)) expect([k, Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer))]).toEqual([k, true]);
    for (const node of tinyModel().graph.nodes.filter((n) => n.op === 'conv2d')) {
      const y = a[node.outputs[0]];
      expect([node.name, new Set(y).size > 1]).toEqual([node.name, true]);
    }
    // A different input changes the logits; a different seed of weights too.
    const c = runForward(tinyModel(), randomInput(3 * 16 * 16, 10), 1);
    expect(Array.from(c['classifier.out'])).not.toEqual(Array.from(a['classifier.out']));
    const d = runForward(tinyModel(4), input, 1);
    expect(Array.from(d['classifier.out'])).not.toEqual(Array.from(a['classifier.out']));
  });

  it('refuses an input of the wrong size', () => {
    expect(() => runForward(tinyModel(), new Int8Array(10))).toThrow(/input has 10 values, the model expects 3x16x16/);
  });
});

describe('validateGraph refuses malformed graphs', () => {
  const base = () => structuredClone(buildGraph(TINY, { resolution: 16, classes: 5 }));
  const node = (g: Graph, name: string) => g.nodes.find((n) => n.name === name)! as Node<'conv2d'>;
  const refuse = (mutate: (g: Graph) => void, message: RegExp) => {
    const g = base();
    mutate(g);
    expect(() => validateGraph(g)).toThrow(message);
  };

  it('accepts the built graph', () => {
    expect(() => validateGraph(base())).not.toThrow();
  });

  it('a conv whose weight shape does not fit its input', () => {
    // conv2 is block 0's pw2, 4 -> 4 channels: its weight must be 4x4x1x1.
    refuse((g) => { g.tensors['conv2.weight'].shape = [4, 2, 1, 1]; },
      /conv2d "conv2" \(conv 2\): weight shape 4x2x1x1 does not fit 4 input channels, groups 1, kernel 1/);
    refuse((g) => { g.tensors['conv0.weight'].shape = [4, 3, 5, 5]; }, /conv2d "conv0" \(conv 0\): weight shape 4x3x5x5 does not fit .*kernel 3/);
    refuse((g) => { g.tensors['conv2.weight'].dtype = 'int32'; }, /conv2d "conv2" \(conv 2\): weight "conv2.weight" must be int8 OIHW/);
    refuse((g) => { g.tensors['conv2.bias'].shape = [5]; }, /conv2d "conv2" \(conv 2\): bias must be int32 \[4\]/);
  });

  it('an input used before it is computed', () => {
    refuse((g) => { [g.nodes[1], g.nodes[2]] = [g.nodes[2], g.nodes[1]]; },
      /conv2d "conv2" \(conv 2\): input "conv1.out" is used before it is computed/);
    refuse((g) => { node(g, 'conv3').inputs[0] = 'nowhere'; }, /conv2d "conv3" \(conv 3\): input "nowhere" does not exist/);
  });

  it('an unknown op', () => {
    refuse((g) => { (g.nodes[3] as { op: string }).op = 'lstm'; }, /node "conv3": unknown op "lstm"/);
  });

  it('a wrongly declared output shape', () => {
    refuse((g) => { g.tensors['conv4.out'].shape = [8, 8, 8]; },
      /conv2d "conv4" \(conv 4\): output "conv4.out" is declared 8x8x8 but the op produces 8x4x4/);
    refuse((g) => { g.tensors['classifier.out'].shape = [6, 1, 1]; }, /linear "classifier": output "classifier.out" is declared 6x1x1 but the op produces 5x1x1/);
    refuse((g) => { g.tensors['block2.out'].shape = [6, 8, 9]; }, /add "block2.add": output "block2.out" is declared 6x8x9/);
  });

  it('bad groups, strides and kernels', () => {
    refuse((g) => { node(g, 'conv1').attrs.groups = 3; }, /conv2d "conv1" \(conv 1\): input channels 4 are not divisible by groups 3/);
    refuse((g) => { node(g, 'conv1').attrs.groups = 2; }, /conv2d "conv1" \(conv 1\): weight shape 4x1x3x3 does not fit 4 input channels, groups 2/);
    refuse((g) => { node(g, 'conv1').attrs.stride = 0; }, /conv2d "conv1" \(conv 1\): kernel 3, stride 0, padding 1, groups 4 are not all positive/);
    refuse((g) => { node(g, 'conv0').inputs.pop(); }, /conv2d "conv0" \(conv 0\): expects 4 inputs/);
  });

  it('other structural faults', () => {
    refuse((g) => { g.nodes[4].name = 'conv3'; }, /conv2d "conv3" \(conv 4\): the name is used twice/);
    refuse((g) => { node(g, 'conv4').outputs = ['conv3.out']; }, /conv2d "conv4" \(conv 4\): output "conv3.out" is written twice/);
    refuse((g) => { g.tensors['conv3.out'].shape = [0, 16, 16]; }, /tensor "conv3.out": shape 0x16x16 must be positive integers/);
    refuse((g) => { g.nodes.pop(); g.logits = 'loss'; }, /the logits tensor "loss" is never computed/);
    // A missing quantization is caught where the tensor is produced.
    refuse((g) => { delete g.tensors['conv1.out'].q; }, /conv2d "conv1" \(conv 1\): int8 output "conv1.out" needs a positive scale and an integer zero point/);
    refuse((g) => { g.tensors['conv1.out'].dtype = 'float32'; }, /conv2d "conv1" \(conv 1\): output "conv1.out" is declared float32 but the op produces int8/);
    refuse((g) => { g.nodes[1].outputs.push('conv2.out'); }, /lists 2 outputs but the op produces 1/);
    refuse((g) => { g.tensors['pool.out'].dtype = 'float32'; }, /avgpool "pool": output "pool.out" is declared float32 but the op produces int8/);
    refuse((g) => { g.tensors['pool.out'].shape = [g.tensors['pool.out'].shape[0], 2, 1]; }, /avgpool "pool": output "pool.out" is declared/);
  });
});
