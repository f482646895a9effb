/**
 * Training speed, in one run on one machine: mcunet-5fps at 128x128 with the 99kb scheme, batch 1.
 *  - TinyTrain: the device program (int8, reordered in-place updates) on one arena; forward-only
 *    throughput with the same kernels. Twice: with the WebAssembly SIMD kernels (the C library csrc/
 *    the chip runs, the default wherever WebAssembly runs) and with the plain TypeScript kernels they
 *    are checked against.
 *  - TensorFlow.js (cpu and wasm backends): the same architecture in float32 (NHWC), training the
 *    same parameters: the biases of the last 22 convs, the weights of convs 21, 24, 27, 30 and the
 *    first 1/8 and 1/4 input channels of convs 36 and 39 (as a trainable slice concatenated with a
 *    frozen one), and the head; SGD, tf.variableGrads. The wasm binaries load from node_modules; wasm
 *    lacks the depthwise and conv-filter backprop kernels, so there the convs use the gradients of
 *    bench/tfjs-conv-grads.ts (checked against the cpu kernels in tests/tfjs-conv-grads.test.ts).
 * Reproduce: npx tsx bench/train-speed.ts [--seconds 20] [--rounds 5] [--backends cpu,wasm]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { backboneConvs, type Graph, type Node } from '../src/engine/ir/graph.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { GradRunner, gradProgram } from '../src/engine/train/grad-step.ts';
import { resolveScheme } from '../src/engine/train/scheme.ts';
import { setWasmKernels, wasmKernels } from '../src/engine/wasm/instance.ts';
import { table } from '../src/cli/format.ts';
import { conv2dSame, depthwiseSame } from './tfjs-conv-grads.ts';

const { values: a } = parseArgs({ options: {
  seconds: { type: 'string', default: '20' }, rounds: { type: 'string', default: '5' }, backends: { type: 'string', default: 'cpu,wasm' },
} });
/** Seconds each engine runs per measurement, in ROUNDS slices. */
const SECONDS = Number(a.seconds);
const ROUNDS = Number(a.rounds);
const RES = 128;
const PKL = new URL('../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url);

/**
 * Calls per wall-clock second and per second of this process's CPU time. Every engine here runs on
 * this one thread; the CPU figure leaves out whatever else the cores were doing.
 */
interface Rate { wall: number; cpu: number }
/** fn run repeatedly for `seconds` (at least 3 calls). */
async function slice(fn: () => unknown, seconds: number): Promise<Rate> {
  let n = 0;
  const t0 = performance.now(), c0 = process.cpuUsage();
  while (performance.now() - t0 < seconds * 1000 || n < 3) {
    await fn();
    n++;
  }
  const c = process.cpuUsage(c0);
  return { wall: (n * 1000) / (performance.now() - t0), cpu: (n * 1e6) / (c.user + c.system) };
}
const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1];
const medianRate = (r: Rate[]): Rate => ({ wall: median(r.map((x) => x.wall)), cpu: median(r.map((x) => x.cpu)) });

/** Every slice TinyTrain's wasm kernels ran, train and forward: the first row of the table. */
const ours = { train: [] as Rate[], fwd: [] as Rate[] };
interface HeadToHead { ours: Rate; theirs: Rate; speedup: number }
/**
 * TinyTrain and another engine in alternating slices, ROUNDS each of SECONDS / ROUNDS (after two
 * warmup calls each), so a slow spell of this shared machine slows both alike. The speedup is the
 * median over rounds of the two CPU rates' ratio within a round.
 */
async function headToHead(kind: 'train' | 'fwd', mine: () => unknown, theirs: () => unknown): Promise<HeadToHead> {
  for (let i = 0; i < 2; i++) {
    await mine();
    await theirs();
  }
  const a: Rate[] = [], b: Rate[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(await slice(mine, SECONDS / ROUNDS));
    b.push(await slice(theirs, SECONDS / ROUNDS));
  }
  ours[kind].push(...a);
  return { ours: medianRate(a), theirs: medianRate(b), speedup: median(a.map((x, i) => x.cpu / b[i].cpu)) };
}

const model = modelFromPkl(new Uint8Array(readFileSync(PKL)), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: RES });
const g = model.graph;
const scheme = builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!;
const input = Int8Array.from({ length: 3 * RES * RES }, (_, i) => ((i * 37) % 256) - 128);

// TinyTrain: the device program and a forward-only runner, with the wasm kernels or the TypeScript ones.
if (!wasmKernels()) throw new Error('the WebAssembly kernels do not run here');
const device = new ArenaExecutor(compileTraining(g, scheme), Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.slice()])));
const runner = new GradRunner(gradProgram(g, scheme), model.params);
let label = 0;
const ttStep = () => device.step(input, label++ % 10);
const ttForward = () => runner.forward(input);
const withTsKernels = (fn: () => unknown) => () => {
  setWasmKernels(false);
  try {
    return fn();
  } finally {
    setWasmKernels(true);
  }
};
const tsTrain = await headToHead('train', ttStep, withTsKernels(ttStep));
const tsFwd = await headToHead('fwd', ttForward, withTsKernels(ttForward));
console.error(`TypeScript kernels: ${tsTrain.theirs.cpu.toFixed(2)} train steps/CPU s, ${tsFwd.theirs.cpu.toFixed(2)} forward/CPU s`);

// TensorFlow.js: the same architecture, float32.
/** `ownGrads`: the convs' gradients from bench/tfjs-conv-grads.ts (for a backend without backprop kernels). */
function buildTf(graph: Graph, ownGrads: boolean) {
  const rs = resolveScheme(scheme, graph);
  const upd = new Map(rs.convs.map((u) => [u.node, u]));
  const vars: tf.Variable[] = [];
  const layers: ((x: tf.Tensor4D) => tf.Tensor4D)[] = [];
  const weightOf = (n: Node<'conv2d'>) => {
    const [cout, cpg, k] = graph.tensors[n.inputs[1]].shape;
    const dw = n.attrs.groups > 1;
    const w = tf.randomNormal(dw ? [k, k, cout, 1] : [k, k, cpg, cout], 0, 0.1) as tf.Tensor4D;
    const u = upd.get(n.name);
    const ch = u?.channels ?? 0;
    if (ch === 0) return { w: () => w, trained: false };
    if (dw || ch >= cpg) {
      const v = tf.variable(w);
      vars.push(v);
      return { w: () => v as unknown as tf.Tensor4D, trained: true };
    }
    const [tr, fr] = tf.split(w, [ch, cpg - ch], 2);
    const v = tf.variable(tr);
    vars.push(v);
    return { w: () => tf.concat([v as unknown as tf.Tensor4D, fr as tf.Tensor4D], 2), trained: true };
  };
  for (const n of graph.nodes) {
    if (n.op === 'conv2d' && n.name !== 'classifier') {
      const c = n as Node<'conv2d'>;
      const { w, trained } = weightOf(c);
      const cout = graph.tensors[c.outputs[0]].shape[0];
      const bias = upd.get(c.name)?.bias ? tf.variable(tf.zeros([cout])) : tf.zeros([cout]);
      if (bias instanceof tf.Variable) vars.push(bias);
      const { stride, groups, role } = c.attrs;
      const conv = ownGrads ? (groups > 1 ? depthwiseSame : conv2dSame)(stride, trained)
        : groups > 1 ? (x: tf.Tensor4D, f: tf.Tensor4D) => tf.depthwiseConv2d(x, f, stride, 'same') : (x: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(x, f, stride, 'same');
      layers.push((x) => {
        const y = conv(x, w());
        const yb = tf.add(y, bias) as tf.Tensor4D;
        return role === 'pw2' ? yb : (tf.relu6(yb) as tf.Tensor4D);
      });
    }
  }
  const feats = graph.tensors['pool.out'].shape[0];
  const hw = tf.variable(tf.zeros([feats, 10])), hb = tf.variable(tf.zeros([10]));
  vars.push(hw, hb);
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    const outs = new Map<string, tf.Tensor4D>([[graph.input, x]]);
    let li = 0;
    for (const n of graph.nodes) {
      if (n.op === 'conv2d' && n.name !== 'classifier') outs.set(n.outputs[0], layers[li++](outs.get(n.inputs[0])!));
      else if (n.op === 'add') outs.set(n.outputs[0], tf.add(outs.get(n.inputs[0])!, outs.get(n.inputs[1])!) as tf.Tensor4D);
      else if (n.op === 'avgpool') outs.set(n.outputs[0], tf.mean(outs.get(n.inputs[0])!, [1, 2], true) as tf.Tensor4D);
    }
    return tf.add(tf.matMul(tf.reshape(outs.get('pool.out')!, [1, feats]), hw), hb) as tf.Tensor2D;
  };
  return { vars, forward };
}

interface TfResult { train: HeadToHead | string; fwd: HeadToHead; trainable: number; convGrads: string; threads: number }

async function tfBench(backend: string): Promise<TfResult> {
  if (backend === 'wasm') {
    const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(join(dir, '/'));
  }
  await tf.setBackend(backend);
  await tf.ready();
  // A backend without the backprop kernels (wasm) trains with bench/tfjs-conv-grads.ts's gradients.
  const own = !tf.getKernel('DepthwiseConv2dNativeBackpropInput', backend) || !tf.getKernel('Conv2DBackpropFilter', backend);
  const { vars, forward } = buildTf(g, own);
  const x = tf.tensor4d(Float32Array.from(input, (v) => v / 128), [1, RES, RES, 3]);
  const opt = tf.train.sgd(0.001);
  let lbl = 0;
  const step = () => tf.tidy(() => {
    const y = tf.oneHot(tf.tensor1d([lbl++ % 10], 'int32'), 10);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, forward(x)) as tf.Scalar, vars);
    // cpu and wasm run every op eagerly and synchronously: the step returns with the weights updated.
    opt.applyGradients(grads);
  });
  let train: HeadToHead | string;
  try {
    train = await headToHead('train', ttStep, step);
  } catch (e) {
    train = `cannot train: ${(e as Error).message.split('\n')[0]}`;
  }
  const fwdRate = await headToHead('fwd', ttForward, () => tf.tidy(() => forward(x).dataSync()));
  const trainable = vars.reduce((s, v) => s + v.size, 0);
  const threads = backend === 'wasm' ? getThreadsCount() : 1;
  return { train, fwd: fwdRate, trainable, convGrads: own ? 'bench/tfjs-conv-grads.ts' : 'its own kernels', threads };
}

const notes: string[] = [];
const f2 = (r: Rate) => [r.wall.toFixed(2), r.cpu.toFixed(2)];
const x2 = (h: HeadToHead | string) => (typeof h === 'string' ? '-' : `${h.speedup.toFixed(2)}x`);
const rows: (string | number)[][] = [['TinyTrain (TypeScript kernels)', ...f2(tsTrain.theirs), ...f2(tsFwd.theirs), x2(tsTrain), x2(tsFwd)]];
for (const b of a.backends!.split(',').filter(Boolean)) {
  const r = await tfBench(b);
  if (typeof r.train === 'string') notes.push(`tfjs ${b} ${r.train}`);
  console.error(`tfjs ${b}: ${typeof r.train === 'string' ? 'n/a' : r.train.theirs.cpu.toFixed(2)} train steps/CPU s, ${r.fwd.theirs.cpu.toFixed(2)} forward/CPU s, ${r.trainable} trainable, ${r.threads} thread(s)`);
  notes.push(`tfjs ${b}: ${r.threads} thread(s); conv gradients by ${r.convGrads}`);
  rows.push([`TensorFlow.js ${b} (float32, ${r.trainable} trainable)`, ...(typeof r.train === 'string' ? ['n/a', 'n/a'] : f2(r.train.theirs)), ...f2(r.fwd.theirs),
    x2(r.train), x2(r.fwd)]);
}
rows.unshift(['TinyTrain (int8, 99kb device program, wasm SIMD kernels)', ...f2(medianRate(ours.train)), ...f2(medianRate(ours.fwd)), '-', '-']);
console.log(`\nmcunet-5fps, 128x128, batch 1, 99kb scheme; each engine ${SECONDS} s per measurement in ${ROUNDS} slices alternating with TinyTrain's,`);
console.log(`Node ${process.version}; rates are medians over slices, speedups the median of TinyTrain's CPU rate over the other's, slice by slice`);
console.log(table(['engine', 'train steps/s', 'train steps/CPU s', 'forward/s', 'forward/CPU s', 'TinyTrain (wasm) speedup, train', 'TinyTrain (wasm) speedup, forward'],
  rows, [false, true, true, true, true, true, true]));
for (const n of notes) console.log(n);
