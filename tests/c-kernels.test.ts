/**
 * The C kernel library (csrc/) as C: the embedded copy is current, it compiles warning-free, and each
 * kernel, run by csrc/test/harness.c on random operands, equals its TypeScript twin bit for bit, so a
 * wrong kernel is named here rather than found as a wrong hash in the whole-step trace of
 * tests/codegen.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInt8 } from '../src/engine/ops/add.ts';
import { effScalesOf, multipliersOf, type ChainBinding } from '../src/engine/kernels/conv-binding.ts';
import { addMultipliers, addMultiplierWords, convMultipliers, multiplierPairs } from '../src/engine/quant/tflite-int.ts';
import { avgpoolBackward, avgpoolInt8 } from '../src/engine/ops/avgpool.ts';
import { convBackwardInput, convBiasGrad, convInt8, convWeightGradRow, isDepthwise, taps, type ConvGeom } from '../src/engine/ops/conv2d.ts';
import { accumulate, applyMask, channelScale, scaleInto } from '../src/engine/ops/grad-kernels.ts';
import { linearBackward } from '../src/engine/ops/linear.ts';
import { softmaxCeBackward } from '../src/engine/ops/softmax-ce.ts';
import { mulberry32 } from '../src/engine/util/random.ts';
import { splitWeight } from '../src/engine/codegen/c-params.ts';
import type { TypedArray } from '../src/engine/ir/tensor.ts';
import type { ConvBinding, ExecEnv, Hyper } from '../src/engine/kernels/def.ts';
import { KERNEL_DEFS } from '../src/engine/kernels/index.ts';
import type { PoolShape, PoolWindow } from '../src/engine/kernels/maxpool.ts';
import type { PoolStages } from '../src/engine/ir/graph.ts';
import type { MeanShape } from '../src/engine/ops/avgpool.ts';
import type { SgdConfig } from '../src/engine/ops/sgd.ts';
import type { KernelOp, ProgramKernelOf } from '../src/engine/program/types.ts';
import { paramKey, updateKey } from '../src/engine/quant/stochastic-round.ts';
import { runBoundChain } from '../src/engine/runtime/conv-chain.ts';
import { chainInPlace, chainLayoutOf, type ChainAdd } from '../src/engine/schedule/fuse-rows.ts';
import { requireTool } from './require-tool.ts';

const hasGcc = requireTool('gcc') && requireTool('libc6-dev');
/** Runs an op's TypeScript reference (its definition in src/engine/kernels/) on named buffers and parameters. */
function reference<O extends KernelOp>(k: ProgramKernelOf<O>, bufs: Record<string, TypedArray>, hyper: Partial<Hyper> = {},
  key?: number | ((param: string) => number)): void {
  const cfg = { lr: 0, momentum: 0, qas: false };
  const env: ExecEnv = {
    buf: (n) => bufs[n], param: (n) => bufs[n], hyper: { weight: cfg, bias: cfg, head: cfg, ...hyper }, round: true,
    roundKey: key === undefined ? undefined : typeof key === 'number' ? () => key : key,
  };
  KERNEL_DEFS[k.op].reference(k, env);
}
const base = { name: 'k', node: 'n', phase: 'update' as const, inputs: [] as string[], outputs: [] as string[], params: [] as string[] };

const CFLAGS = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off'];

it('the embedded C library (src/engine/codegen/c-kernels.ts) is csrc/ as committed', () => {
  execFileSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { stdio: 'pipe' });
});

/** Little-endian operand stream: int32 sizes and settings, then arrays. */
class Operands {
  private parts: Uint8Array[] = [];
  ints(...v: number[]) { this.parts.push(new Uint8Array(Int32Array.from(v).buffer)); return this; }
  floats(...v: number[]) { this.parts.push(new Uint8Array(Float32Array.from(v).buffer)); return this; }
  /** A copy: the TypeScript twin may update its operands in place before the harness runs. */
  array(a: Int8Array | Uint8Array | Int32Array | Float32Array) { this.parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice()); return this; }
  geom(c: ConvGeom) { return this.ints(c.cin, c.h, c.w, c.cout, c.ho, c.wo, c.cpg, c.kh, c.kw, c.stride, c.ph, c.pw, c.groups); }
  /** tt_sgd: lr, momentum, qas, stochastic, key. */
  sgd(c: SgdConfig, key: number | undefined) { return this.floats(c.lr, c.momentum).ints(c.qas ? 1 : 0, key === undefined ? 0 : 1, key ?? 0); }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}

describe.skipIf(!hasGcc)('each C kernel = its TypeScript twin (host gcc, random operands)', () => {
  let dir = '';
  let harness = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tt-ckernels-'));
    harness = join(dir, 'harness');
    execFileSync('gcc', [...CFLAGS, '-O1', '-o', harness, 'csrc/test/harness.c', 'csrc/tt_kernels.c', '-lm'], { stdio: 'pipe' });
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `kernel` on the operands; returns its output bytes. */
  function run(kernel: string, ops: Operands): Uint8Array {
    const r = spawnSync(harness, [kernel], { input: ops.bytes(), maxBuffer: 1 << 26 });
    expect(r.status, `${kernel}: ${r.stderr?.toString()}`).toBe(0);
    return new Uint8Array(r.stdout);
  }
  const bytes = (...arrays: (Int8Array | Uint8Array | Float32Array)[]) => {
    const out: number[] = [];
    for (const a of arrays) out.push(...new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return Uint8Array.from(out);
  };
  const rand = mulberry32(14);
  const int8s = (n: number) => Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128);
  const floats = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  /** A skip gradient an input gradient adds onto, with some -0 and +0 (no sum may start at -0: accumulateStart). */
  const skipGrad = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 9 === 0 ? -0 : i % 13 === 0 ? 0 : (rand() * 2 - 1) * 0.1));
  const maskBits = (n: number) => Uint8Array.from({ length: Math.ceil(n / 8) }, () => Math.floor(rand() * 256));
  /** k: [rows, columns] for a non-square kernel; the padding is each axis's (k - 1) / 2, rounded down. */
  const geometry = (cin: number, h: number, cout: number, k: number | [number, number], stride: number, groups: number): ConvGeom => {
    const [kh, kw] = typeof k === 'number' ? [k, k] : k;
    const ph = (kh - 1) >> 1, pw = (kw - 1) >> 1;
    const ho = Math.floor((h + 2 * ph - kh) / stride) + 1;
    return { cin, h, w: h + 1, cout, ho, wo: Math.floor((h + 1 + 2 * pw - kw) / stride) + 1, cpg: cin / groups, kh, kw, stride, ph, pw, groups };
  };
  const CONVS: [string, ConvGeom][] = [
    ['pointwise', geometry(24, 7, 40, 1, 1, 1)],
    ['3x3 stride 2', geometry(3, 11, 8, 3, 2, 1)],
    ['depthwise 3x3', geometry(16, 9, 16, 3, 1, 16)],
    ['depthwise 5x5 stride 2', geometry(12, 13, 12, 5, 2, 12)],
    ['depthwise 7x7', geometry(8, 10, 8, 7, 1, 8)],
    // Non-square: a keyword-spotting stem's 10x4 (stride 2), a depthwise 3x1 and 1x5, a grouped 2x3.
    ['10x4 stride 2', geometry(1, 16, 6, [10, 4], 2, 1)],
    ['depthwise 3x1', geometry(10, 9, 10, [3, 1], 1, 10)],
    ['depthwise 1x5 stride 2', geometry(6, 8, 6, [1, 5], 2, 6)],
    ['grouped 2x3', geometry(4, 7, 6, [2, 3], 1, 2)],
  ];

  for (const [name, c] of CONVS) {
    for (const wk of [0, 1 << 18]) {
      it(`tt_conv2d, ${name}, ${wk ? 'fast paths (workspace)' : 'plain loops'}`, () => {
        const x = int8s(c.cin * c.h * c.w), w = int8s(c.cout * c.cpg * taps(c));
        const bias = Int32Array.from({ length: c.cout }, () => Math.floor(rand() * 4000) - 2000);
        const eff = Float32Array.from({ length: c.cout }, () => 0.002 + rand() * 0.01);
        const ny = c.cout * c.ho * c.wo;
        const y = new Int8Array(ny), mask = new Uint8Array(Math.ceil(ny / 8));
        convInt8(x, 3, w, bias, eff, y, -7, c, mask);
        expect(run('conv2d', new Operands().geom(c).ints(3, -7, wk).array(x).array(w).array(bias).array(eff))).toEqual(bytes(y, mask));
      });
      it(`tt_conv2d in TFLite's arithmetic (tt_geom.rq), ${name}, ${wk ? 'fast paths (workspace)' : 'plain loops'}`, () => {
        const x = int8s(c.cin * c.h * c.w), w = int8s(c.cout * c.cpg * taps(c));
        const bias = Int32Array.from({ length: c.cout }, () => Math.floor(rand() * 4000) - 2000);
        const eff = Float32Array.from({ length: c.cout }, () => 0.002 + rand() * 0.01);
        // Multipliers of other scales than eff: a kernel that ignored them would not match.
        const rq = convMultipliers(0.05, Float32Array.from(eff, (e) => e * 1.7), 0.05);
        const ny = c.cout * c.ho * c.wo;
        const y = new Int8Array(ny), mask = new Uint8Array(Math.ceil(ny / 8)), yFloat = new Int8Array(ny);
        convInt8(x, 3, w, bias, eff, y, -7, c, mask, true, rq);
        convInt8(x, 3, w, bias, eff, yFloat, -7, c);
        expect(y).not.toEqual(yFloat);
        expect(run('conv2d_q', new Operands().geom(c).ints(3, -7, wk).array(x).array(w).array(bias).array(eff).array(multiplierPairs(rq))))
          .toEqual(bytes(y, mask));
      });
    }
    it(`tt_conv_bwd_x, ${name}`, () => {
      const w = int8s(c.cout * c.cpg * taps(c)), g = floats(c.cout * c.ho * c.wo);
      const gx = new Float32Array(c.cin * c.h * c.w);
      convBackwardInput(g, w, c, gx);
      expect(run('conv_bwd_x', new Operands().geom(c).ints(0).array(w).array(g))).toEqual(bytes(gx));
    });
    if (!isDepthwise(c)) {
      it(`tt_conv_bwd_x added onto a skip gradient (acc), ${name}`, () => {
        const w = int8s(c.cout * c.cpg * taps(c)), g = floats(c.cout * c.ho * c.wo);
        const onto = skipGrad(c.cin * c.h * c.w), gx = onto.slice();
        convBackwardInput(g, w, c, gx, true);
        expect(run('conv_bwd_x', new Operands().geom(c).ints(1).array(w).array(g).array(onto))).toEqual(bytes(gx));
      });
    }
    it(`tt_conv_grad_w, ${name}`, () => {
      const n = isDepthwise(c) ? c.cout >> 1 : Math.max(1, c.cpg >> 1);
      const x = int8s(c.cin * c.h * c.w), g = floats(c.cout * c.ho * c.wo);
      const rows = isDepthwise(c) ? n : c.cout, per = (isDepthwise(c) ? 1 : n) * taps(c);
      const out = new Float32Array(rows * per);
      for (let oc = 0; oc < rows; oc++) convWeightGradRow(x, 5, g, c, oc, n, out.subarray(oc * per, (oc + 1) * per));
      expect(run('conv_grad_w', new Operands().geom(c).ints(5, n).array(x).array(g))).toEqual(bytes(out));
    });
  }

  // A pointwise conv writing over its input (schedule/inplace.ts): the plain loops pixel by pixel, the
  // fast paths tile by tile (packed weights of four channels; every channel's; one or more pixels a tile).
  for (const [cin, cout] of [[24, 16], [40, 40], [27, 9]]) {
    const c = geometry(cin, 7, cout, 1, 1, 1);
    const cp2 = Math.ceil(cin / 2);
    for (const wk of [0, 4 * 7 * cp2, 4 * 12 * cp2, 1 << 18]) {
      it(`tt_conv2d in place, pointwise ${cin} -> ${cout}, workspace ${wk} bytes`, () => {
        const x = int8s(c.cin * c.h * c.w), w = int8s(c.cout * c.cpg);
        const bias = Int32Array.from({ length: c.cout }, () => Math.floor(rand() * 4000) - 2000);
        const eff = Float32Array.from({ length: c.cout }, () => 0.002 + rand() * 0.01);
        const ny = c.cout * c.ho * c.wo;
        const y = new Int8Array(ny), mask = new Uint8Array(Math.ceil(ny / 8));
        convInt8(x, 3, w, bias, eff, y, -7, c, mask);
        // The reference in place too (its spans read before written): what the arena runtime does.
        const buf = x.slice();
        convInt8(buf, 3, w, bias, eff, buf, -7, c);
        expect(buf.subarray(0, ny)).toEqual(y);
        expect(run('conv2d_inplace', new Operands().geom(c).ints(3, -7, wk).array(x).array(w).array(bias).array(eff))).toEqual(bytes(y, mask));
      });
    }
  }

  it('tt_add (with its clamp mask)', () => {
    const n = 1001, a = int8s(n), b = int8s(n), y = new Int8Array(n), mask = new Uint8Array(Math.ceil(n / 8));
    addInt8(a, 0.05, 3, b, 0.08, -4, y, 0.07, 2, mask);
    expect(run('add', new Operands().ints(n).floats(0.05).ints(3).floats(0.08).ints(-4).floats(0.07).ints(2).array(a).array(b))).toEqual(bytes(y, mask));
  });
  it('tt_add_q: TFLite\'s int8 ADD (with its clamp mask)', () => {
    const n = 1001, a = int8s(n), b = int8s(n), y = new Int8Array(n), mask = new Uint8Array(Math.ceil(n / 8));
    const rq = addMultipliers(0.05, 0.08, 0.07);
    addInt8(a, 0.05, 3, b, 0.08, -4, y, 0.07, 2, mask, true, rq);
    expect(run('add_q', new Operands().ints(n, 3, -4, 2).array(addMultiplierWords(rq)).array(a).array(b))).toEqual(bytes(y, mask));
  });
  it('tt_avgpool and tt_avgpool_bwd', () => {
    const c = 37, hw = 49, x = int8s(c * hw), y = new Int8Array(c);
    avgpoolInt8(x, c, hw, y);
    expect(run('avgpool', new Operands().ints(c, hw).array(x))).toEqual(bytes(y));
    const g = floats(c), gx = new Float32Array(c * hw);
    avgpoolBackward(g, hw, gx);
    expect(run('avgpool_bwd', new Operands().ints(c, hw).array(g))).toEqual(bytes(gx));
  });
  it('tt_mask, tt_channel_scale, tt_grad_acc, tt_scale_into', () => {
    const n = 999, g = floats(n), m = maskBits(n), out = new Float32Array(n);
    applyMask(g, m, out);
    expect(run('mask', new Operands().ints(n).array(g).array(m))).toEqual(bytes(out));
    const c = 27, per = 37, g2 = floats(c * per), s = floats(c, 0.01), out2 = new Float32Array(c * per);
    channelScale(g2, s, out2);
    expect(run('channel_scale', new Operands().ints(c, per).array(g2).array(s))).toEqual(bytes(out2));
    const a = floats(n), b = floats(n), sum = new Float32Array(n);
    accumulate(a, b, sum);
    expect(run('grad_acc', new Operands().ints(n).array(a).array(b))).toEqual(bytes(sum));
    const scaled = new Float32Array(n);
    scaleInto(g, 0.37, scaled);
    expect(run('scale_into', new Operands().ints(n).floats(0.37).array(g))).toEqual(bytes(scaled));
  });
  it('tt_conv_grad_b', () => {
    const cout = 19, howo = 53, g = floats(cout * howo), out = new Float32Array(cout);
    for (let oc = 0; oc < cout; oc++) out[oc] = convBiasGrad(g, oc, howo);
    expect(run('conv_grad_b', new Operands().ints(cout, howo).array(g))).toEqual(bytes(out));
  });
  it('tt_linear_bwd and tt_softmax_ce_bwd_f32', () => {
    const n = 10, c = 160, g = floats(n), w = floats(n * c, 0.1), gx = new Float32Array(c);
    linearBackward(g, w, n, c, 0.023, gx);
    expect(run('linear_bwd', new Operands().ints(n, c).floats(0.023).array(g).array(w))).toEqual(bytes(gx));
    const z = floats(n, 4), loss = new Float32Array(1), gz = new Float32Array(n);
    softmaxCeBackward(z, undefined, 3, loss, gz);
    expect(run('softmax_ce_bwd_f32', new Operands().ints(n, 3).array(z))).toEqual(bytes(loss, gz));
  });
  it('tt_linear and tt_save_slice', () => {
    const n = 10, c = 96, x = int8s(c), w = floats(n * c, 0.2), b = floats(n), y = new Float32Array(n);
    const k: ProgramKernelOf<'linear'> = {
      ...base, op: 'linear', inputs: ['x'], outputs: ['y'], attrs: {},
      bound: { x: { scale: 0.031, zeroPoint: -5 }, classes: n, c, weight: 'w', bias: 'b' },
    };
    reference(k, { x, w, b, y });
    expect(run('linear', new Operands().ints(n, c).floats(0.031).ints(-5).array(x).array(w).array(b))).toEqual(bytes(y));
    const src = int8s(300), kept = new Int8Array(120);
    reference({ ...base, op: 'save_slice', inputs: ['x'], outputs: ['y'], attrs: { channels: 2 }, bound: {} }, { x: src, y: kept });
    expect(run('save_slice', new Operands().ints(300, 120).array(src))).toEqual(bytes(kept));
  });
  it('tt_concat and tt_split', () => {
    const a = int8s(37), b = int8s(5), c = int8s(64), y = new Int8Array(106);
    reference({ ...base, op: 'concat', inputs: ['a', 'b', 'c'], outputs: ['y'], attrs: {}, bound: { sizes: [37, 5, 64] } }, { a, b, c, y });
    expect(run('concat', new Operands().ints(3, 37, 5, 64).array(a).array(b).array(c))).toEqual(bytes(y));
    const gy = floats(106), gx = new Float32Array(5);
    reference({ ...base, op: 'concat_bwd', inputs: ['gy'], outputs: ['gx'], attrs: { offset: 37 }, bound: { n: 5 } }, { gy, gx });
    expect(run('split', new Operands().ints(106, 37, 5).array(gy))).toEqual(bytes(gx));
  });
  it('tt_pad and tt_crop (padding that differs before and after, and none)', () => {
    for (const [c, h, w, top, left, bottom, right, zero] of [[3, 6, 5, 0, 0, 1, 1, -7], [2, 4, 7, 2, 1, 0, 3, 5], [1, 3, 3, 0, 0, 0, 0, -128]]) {
      const p = { top, left, bottom, right }, s = { channels: c, h, w, zero };
      const x = int8s(c * h * w), y = new Int8Array(c * (top + h + bottom) * (left + w + right));
      reference({ ...base, op: 'pad', inputs: ['x'], outputs: ['y'], attrs: p, bound: s }, { x, y });
      expect(run('pad', new Operands().ints(c, h, w, top, left, bottom, right, zero).array(x))).toEqual(bytes(y));
      const gy = floats(y.length), gx = new Float32Array(x.length);
      reference({ ...base, op: 'pad_bwd', inputs: ['gy'], outputs: ['gx'], attrs: p, bound: { ...s, zero: 0 } }, { gy, gx });
      expect(run('crop', new Operands().ints(c, h, w, top, left, bottom, right).array(gy))).toEqual(bytes(gx));
      if (top + left > 0) expect(y[0]).toBe(zero);
      if (bottom + right > 0) expect(y[y.length - 1]).toBe(zero);
    }
  });
  it('tt_softmax_ce_bwd_i8', () => {
    const n = 12, z = int8s(n), label = new Int32Array([7]), loss = new Float32Array(1), g = new Float32Array(n);
    const k: ProgramKernelOf<'softmax_ce_bwd'> = {
      ...base, op: 'softmax_ce_bwd', inputs: ['z', 'label'], outputs: ['loss', 'g'], attrs: {}, bound: { logits: { scale: 0.07, zeroPoint: 3 } },
    };
    reference(k, { z, label, loss, g });
    expect(run('softmax_ce_bwd_i8', new Operands().ints(n, 7).floats(0.07).ints(3).array(z))).toEqual(bytes(loss, g));
  });
  it('tt_linear_update (momentum)', () => {
    const n = 10, c = 48, x = int8s(c), g = floats(n), w = floats(n * c), b = floats(n), vw = floats(n * c, 0.01), vb = floats(n, 0.01);
    const head: SgdConfig = { lr: 0.01, momentum: 0.9, qas: false };
    const ops = new Operands().ints(n, c).floats(0.04).ints(2).sgd(head, undefined).array(x).array(g).array(w).array(b).array(vw).array(vb);
    const k: ProgramKernelOf<'linear_update'> = {
      ...base, op: 'linear_update', inputs: ['x', 'g'], params: ['w', 'b', 'vw', 'vb'], attrs: { xScale: 0.04, xZero: 2 }, bound: {},
    };
    reference(k, { x, g, w, b, vw, vb }, { head });
    expect(run('linear_update', ops)).toEqual(bytes(w, b, vw, vb));
  });
  it('tt_round_key', () => {
    for (const [seed, update] of [[1, 0], [7, 3], [0xdeadbeef, 123456]]) {
      expect(run('round_key', new Operands().ints(seed | 0, update))).toEqual(bytes(new Uint8Array(Uint32Array.of(updateKey(seed, update)).buffer)));
    }
  });

  /** A conv's binding for the definitions' references (geometry and parameter names; the scales do not matter here). */
  const binding = (geom: ConvGeom): ConvBinding => ({
    node: 'n', geom, xScale: 0.02, xZero: 0, yScale: 0.05, yZero: 0, weight: 'w', bias: 'b', wScales: 's',
  });
  const cfg: SgdConfig = { lr: 0.03, momentum: 0.9, qas: true };
  for (const [name, c] of CONVS) {
    for (const stochastic of [false, true]) {
      const key = stochastic ? paramKey(0x1234567, 0x2468ace) : undefined;
      const mode = stochastic ? 'stochastic rounding' : 'to nearest';
      const n = isDepthwise(c) ? c.cout >> 1 : Math.max(1, c.cpg >> 1);
      const nt = (isDepthwise(c) ? n : c.cout * n) * taps(c);
      const sw = Float32Array.from({ length: c.cout }, () => 0.002 + rand() * 0.01);
      it(`tt_conv_update_w and tt_apply_update_w, ${name}, ${mode}`, () => {
        const x = int8s(c.cin * c.h * c.w), g = floats(c.cout * c.ho * c.wo, 40), w = int8s(c.cout * c.cpg * taps(c)), vel = floats(nt, 0.5);
        const { trained, frozen } = splitWeight(w, c, n);
        const ops = new Operands().geom(c).ints(5, n, 0x2468ace).sgd(cfg, key && 0x1234567).array(x).array(g).array(trained).array(frozen).array(sw).array(vel);
        const k: ProgramKernelOf<'conv_update_w'> = {
          ...base, op: 'conv_update_w', inputs: ['x', 'g'], params: ['w', 's', 'vel'], attrs: { channels: n, xZero: 5 }, bound: { conv: binding(c) },
        };
        reference(k, { x, g, w, s: sw, vel }, { weight: cfg }, key);
        expect(run('conv_update_w', ops)).toEqual(bytes(splitWeight(w, c, n).trained, vel));

        const gw = floats(nt, 40), w2 = int8s(c.cout * c.cpg * taps(c)), vel2 = floats(nt, 0.5);
        const split = splitWeight(w2, c, n);
        const ops2 = new Operands().geom(c).ints(0, n, 0x2468ace).sgd(cfg, key && 0x1234567).array(gw).array(split.trained).array(split.frozen).array(sw).array(vel2);
        const k2: ProgramKernelOf<'apply_update_w'> = {
          ...base, op: 'apply_update_w', inputs: ['gw'], params: ['w', 's', 'vel'], attrs: { channels: n, xZero: 0 }, bound: { conv: binding(c) },
        };
        reference(k2, { gw, w: w2, s: sw, vel: vel2 }, { weight: cfg }, key);
        expect(run('apply_update_w', ops2)).toEqual(bytes(splitWeight(w2, c, n).trained, vel2));
      });
    }
  }
  for (const stochastic of [false, true]) {
    it(`tt_conv_update_b, tt_conv_update_b_masked and tt_apply_update_b, ${stochastic ? 'stochastic rounding' : 'to nearest'}`, () => {
      const cout = 24, howo = 49, key = stochastic ? paramKey(0x7654321, 0x13579b) : undefined;
      const sw = Float32Array.from({ length: cout }, () => 0.002 + rand() * 0.01);
      const c = { cin: cout, h: 7, w: 7, cout, ho: 7, wo: 7, cpg: 1, kh: 3, kw: 3, stride: 1, ph: 1, pw: 1, groups: cout };
      // masked: one value per channel under a clamp mask (schedule/pool-grad.ts), the C's own function.
      for (const [op, masked] of [['conv_update_b', false], ['conv_update_b', true], ['apply_update_b', false]] as const) {
        const g = floats(op === 'conv_update_b' && !masked ? cout * howo : cout, 3000);
        const mask = maskBits(cout * howo);
        const b = Int32Array.from({ length: cout }, () => Math.floor(rand() * 20000) - 10000), vel = floats(cout, 100);
        const ops = new Operands().ints(cout, howo, 0x13579b).floats(0.045).sgd(cfg, key && 0x7654321).array(g);
        if (masked) ops.array(mask);
        ops.array(b).array(sw).array(vel);
        const k: ProgramKernelOf<typeof op> = {
          ...base, op, inputs: masked ? ['g', 'mask'] : ['g'], params: ['b', 's', 'vel'], attrs: { xScale: 0.045, ...(masked ? { mask: 'mask' } : {}) },
          bound: { conv: binding(c) },
        };
        reference(k, { g, mask, b, s: sw, vel }, { bias: cfg }, key);
        expect(run(masked ? 'conv_update_b_masked' : op, ops), op).toEqual(bytes(new Uint8Array(b.buffer), vel));
      }
    });
  }

  const block = (c: number, h: number, e: number, k: number): ConvGeom[] =>
    [geometry(c, h, e, 1, 1, 1), geometry(e, h, e, k, 1, e), geometry(e, h, c, 1, 1, 1)];
  /** Chains: geometries, residual adds (stage, skip), streamed input, in place (schedule/fuse-rows.ts: chainInPlace). */
  const CHAINS: [string, ConvGeom[], ChainAdd[], boolean, boolean, boolean[]?][] = [
    // The stem maps 17x18 to 9x9: the block after it is 9 wide.
    ['stem 3x3 stride 2 + block, streamed input',
      [geometry(3, 17, 8, 3, 2, 1), { ...geometry(8, 9, 8, 3, 1, 8), w: 9, wo: 9 }, { ...geometry(8, 9, 16, 1, 1, 1), w: 9, wo: 9 }], [], true, false],
    ['inverted bottleneck with residual add', block(8, 9, 24, 5), [{ stage: 2, skip: 0 }], false, false],
    ['inverted bottleneck with residual add, in place', block(8, 9, 24, 5), [{ stage: 2, skip: 0 }], false, true],
    ['strided depthwise block', [geometry(8, 12, 16, 1, 1, 1), geometry(16, 12, 16, 3, 2, 16), geometry(16, 6, 12, 1, 1, 1)], [], false, false],
    // A strided block, then two residual blocks whose skips are rings inside the chain (3x3, then 7x7: four rows of skip).
    ['strided block, then residual blocks with their skips in rings',
      [geometry(4, 14, 12, 1, 1, 1), geometry(12, 14, 12, 3, 2, 12), geometry(12, 7, 8, 1, 1, 1), ...block(8, 7, 16, 3), ...block(8, 7, 24, 7)],
      [{ stage: 5, skip: 3 }, { stage: 8, skip: 6 }], false, false],
    ['three residual blocks, in place', [...block(6, 8, 12, 3), ...block(6, 8, 18, 5), ...block(6, 8, 12, 3)],
      [{ stage: 2, skip: 0 }, { stage: 5, skip: 3 }, { stage: 8, skip: 6 }], false, true],
    // Split rings (schedule/fuse-rows.ts: splitRing): the depthwise conv's new rows one channel at a time.
    ['strided 7x7 depthwise block, split ring', [geometry(8, 12, 24, 1, 1, 1), geometry(24, 12, 24, 7, 2, 24), geometry(24, 6, 8, 1, 1, 1)], [],
      false, false, [true, false]],
    ['stem, then a strided 3x3 block with a split ring, streamed input',
      [geometry(3, 17, 8, 3, 2, 1), { ...geometry(8, 9, 12, 1, 1, 1), w: 9, wo: 9 }, { ...geometry(12, 9, 12, 3, 2, 12), w: 9, wo: 5, ho: 5 },
        { ...geometry(12, 5, 8, 1, 1, 1), w: 5, wo: 5 }], [], true, false, [false, true, false]],
    ['inverted bottleneck with residual add, split ring, in place', block(8, 9, 24, 5), [{ stage: 2, skip: 0 }], false, true, [true, false]],
    ['strided block, then residual blocks with their skips in rings, split rings',
      [geometry(4, 14, 12, 1, 1, 1), geometry(12, 14, 12, 3, 2, 12), geometry(12, 7, 8, 1, 1, 1), ...block(8, 7, 16, 3), ...block(8, 7, 24, 7)],
      [{ stage: 5, skip: 3 }, { stage: 8, skip: 6 }], false, false, [true, false, false, true, false, false, true, false]],
  ];
  for (const [name, geoms, adds, streamed, inPlace, split = []] of CHAINS) {
    for (const [wk, tflite] of [[0, false], [1 << 16, false], [0, true], [1 << 16, true]] as const) {
      it(`tt_conv_chain, ${name}, ${wk ? 'fast paths (workspace)' : 'plain loops'}${tflite ? ', in TFLite\'s arithmetic' : ''}`, () => {
        if (inPlace) expect(chainInPlace(geoms, adds, split)).toBe(true);
        const bufs: Record<string, TypedArray> = {};
        const stages = geoms.map((c, i): ConvBinding => {
          bufs[`w${i}`] = int8s(c.cout * c.cpg * taps(c));
          bufs[`b${i}`] = Int32Array.from({ length: c.cout }, () => Math.floor(rand() * 4000) - 2000);
          bufs[`s${i}`] = Float32Array.from({ length: c.cout }, () => 0.002 + rand() * 0.01);
          return {
            node: `c${i}`, geom: c, xScale: 0.05 + 0.01 * i, xZero: i - 2, yScale: 0.06 + 0.01 * i, yZero: 3 - i, weight: `w${i}`, bias: `b${i}`, wScales: `s${i}`,
            ...(tflite ? { requant: 'tflite' as const } : {}),
          };
        });
        const bound = adds.map((a, i) => {
          const q = { a: { scale: 0.05 + 0.01 * i, zeroPoint: -2 + i }, b: { scale: 0.09, zeroPoint: 1 }, y: { scale: 0.07, zeroPoint: 4 - i } };
          return { ...a, q: { ...q, ...(tflite ? { rq: addMultipliers(q.a.scale, q.b.scale, q.y.scale) } : {}) } };
        });
        const chain: ChainBinding = { stages, adds: bound, layout: chainLayoutOf(geoms, adds, split) };
        const g0 = geoms[0], last = geoms[geoms.length - 1];
        const input = int8s(g0.cin * g0.h * g0.w);
        const out = inPlace ? input.slice() : new Int8Array(last.cout * last.ho * last.wo);
        const param = (n: string) => bufs[n];
        runBoundChain(chain, param, inPlace ? out : input, out, new Int8Array(chain.layout.bytes), streamed ? new Int8Array(g0.cin * g0.kh * g0.w) : undefined);
        if (split.some(Boolean)) {
          // The same values as with plain rings.
          const plain: ChainBinding = { ...chain, layout: chainLayoutOf(geoms, adds) };
          const ref = new Int8Array(out.length);
          runBoundChain(plain, param, input, ref, new Int8Array(plain.layout.bytes));
          expect(ref).toEqual(out);
        }
        if (inPlace) {
          // The same values as with the output apart from the input.
          const apart = new Int8Array(out.length);
          runBoundChain(chain, param, input, apart, new Int8Array(chain.layout.bytes));
          expect(apart).toEqual(out);
        }
        const ops = new Operands().ints(geoms.length);
        stages.forEach((s, i) => {
          ops.geom(s.geom).ints(s.xZero, s.yZero).array(bufs[`w${i}`]).array(bufs[`b${i}`]).array(effScalesOf(s, bufs[`s${i}`] as Float32Array));
          if (tflite) ops.array(multiplierPairs(multipliersOf(s, bufs[`s${i}`] as Float32Array)!));
        });
        for (const r of chain.layout.rings) ops.ints(r.offset, r.rows, r.spare);
        ops.ints(bound.length);
        for (const a of bound) {
          ops.ints(a.stage, a.skip).floats(a.q.a.scale).ints(a.q.a.zeroPoint).floats(a.q.b.scale).ints(a.q.b.zeroPoint).floats(a.q.y.scale).ints(a.q.y.zeroPoint);
          if (a.q.rq) ops.array(addMultiplierWords(a.q.rq));
        }
        ops.ints(chain.layout.addRow, streamed ? g0.kh : 0, chain.layout.bytes, wk, inPlace ? 1 : 0).array(input);
        expect(run(tflite ? 'conv_chain_q' : 'conv_chain', ops)).toEqual(bytes(out));
      });
    }
  }

  const POOLS: [string, PoolShape, PoolWindow, number][] = [
    ['3x3 stride 2 pad 1', { channels: 5, h: 13, w: 12, ho: 7, wo: 6 }, { kernel: 3, stride: 2, pad: 1 }, 256],
    ['2x2 stride 2', { channels: 6, h: 10, w: 9, ho: 5, wo: 4 }, { kernel: 2, stride: 2, pad: 0 }, 256],
    // Values from {-1, 0, 1}: most windows tie, so the first-maximum rule is what is compared.
    ['3x3 stride 1 pad 1, many ties', { channels: 4, h: 8, w: 8, ho: 8, wo: 8 }, { kernel: 3, stride: 1, pad: 1 }, 3],
  ];
  for (const [name, s, p, range] of POOLS) {
    it(`tt_maxpool and tt_maxpool_bwd, ${name}`, () => {
      const x = Int8Array.from({ length: s.channels * s.h * s.w }, () => Math.floor(rand() * range) - (range === 256 ? 128 : 1));
      const y = new Int8Array(s.channels * s.ho * s.wo);
      const args = [s.channels, s.h, s.w, p.kernel, p.stride, p.pad, s.ho, s.wo];
      reference({ ...base, op: 'maxpool', inputs: ['x'], outputs: ['y'], attrs: p, bound: s }, { x, y });
      expect(run('maxpool', new Operands().ints(...args).array(x))).toEqual(bytes(y));
      const gy = floats(y.length), gx = floats(x.length);
      reference({ ...base, op: 'maxpool_bwd', inputs: ['gy', 'x'], outputs: ['gx'], attrs: p, bound: s }, { gy, x, gx });
      expect(run('maxpool_bwd', new Operands().ints(...args).array(gy).array(x).array(floats(x.length)))).toEqual(bytes(gx));
    });
  }
  // An imported .tflite's pool: one or two stages, each rounded half away from zero (even counts: ties, both signs).
  const STAGES: [PoolStages, number, number, number][] = [['hw', 4, 4, -128], ['hw', 3, 5, 7], ['w,h', 3, 2, 0], ['w,h', 5, 4, -3], ['h,w', 2, 3, 11], ['h,w', 4, 6, -128]];
  for (const [stages, h, w, zero] of STAGES) {
    it(`tt_mean_stages, ${stages} over ${h}x${w}, zero point ${zero}`, () => {
      const s: MeanShape = { channels: 40, h, w, zero };
      const x = Int8Array.from({ length: s.channels * h * w }, (_, i) => (i % 7 === 0 ? 127 : i % 11 === 0 ? -128 : Math.floor(rand() * 9) - 4));
      const y = new Int8Array(s.channels);
      reference({ ...base, op: 'mean', inputs: ['x'], outputs: ['y'], attrs: { stages }, bound: s }, { x, y });
      expect(run('mean_stages', new Operands().ints(s.channels, h, w, zero, ['hw', 'w,h', 'h,w'].indexOf(stages)).array(x))).toEqual(bytes(y));
    });
  }

  // The channel-streamed backward kernels, with momentum and both roundings; `wk`: workspace for the batched paths.
  const STREAMED_KEY = 0x5a5a1234;
  const ids: Record<string, number> = { wD: 0x1111, bD: 0x2222, wP: 0x3333, bP: 0x4444 };
  const keyOf = (p: string) => paramKey(STREAMED_KEY, ids[p]);
  const bind = (geom: ConvGeom, name: string, xScale: number, yScale: number): ConvBinding => ({
    node: name, geom, xScale, xZero: 0, yScale, yZero: 0, weight: `w${name}`, bias: `b${name}`, wScales: `s${name}`,
  });
  const scales = (n: number) => Float32Array.from({ length: n }, () => 0.002 + rand() * 0.01);
  const biases = (n: number) => Int32Array.from({ length: n }, () => Math.floor(rand() * 20000) - 10000);
  const sgdW: SgdConfig = { lr: 0.02, momentum: 0.9, qas: true }, sgdB: SgdConfig = { lr: 0.01, momentum: 0.9, qas: true };
  const streamedWk = (wk: number) => (wk === 0 ? 'channel by channel' : [2600, 3224].includes(wk) ? 'four-channel block, saved input converted as read'
    : wk < 6000 ? 'eight-channel block filled a channel at a time' : wk < 1 << 18 ? 'eight-channel block, saved input converted as read' : 'batched (workspace)');

  for (const stochastic of [false, true]) {
    for (const [n, bias, inputGrad, acc] of [[4, true, true, false], [4, true, true, true], [0, false, false, false]] as const) {
      // 90 pixels a plane. 2,600 bytes: three channel planes and the four-channel block (2,520), not the eight (2,880);
      // 3,000: the eight-channel block alone, filled a channel at a time, not with seven planes (5,400);
      // 6,600: the eight-channel block and its planes, not the saved input's float copy (6,840).
      for (const wk of [0, 2600, 3000, 6600, 1 << 18]) {
        it(`tt_dw_pw_bwd, ${n} trained channels${acc ? ', added onto a skip gradient' : ''}, ${stochastic ? 'stochastic rounding' : 'to nearest'}, ${streamedWk(wk)}`, () => {
          const dg = geometry(16, 9, 16, 3, 2, 16), pg = { ...geometry(8, 9, 16, 1, 1, 1) };
          const hw = pg.ho * pg.wo;
          const b: Record<string, TypedArray> = {
            gD: floats(dg.cout * dg.ho * dg.wo), mask: maskBits(pg.cout * hw), saved: int8s(pg.cin * hw), wD: int8s(dg.cout * 9),
            wP: int8s(pg.cout * pg.cpg), bP: biases(pg.cout), sP: scales(pg.cout), velW: floats(pg.cout * n, 0.5), velB: floats(pg.cout, 50),
            gx: acc ? skipGrad(pg.cin * hw) : new Float32Array(pg.cin * hw), scratch: new Float32Array(hw + n),
          };
          const onto = (b.gx as Float32Array).slice();
          if (acc) b.onto = onto.slice();
          const pw = bind(pg, 'P', 0.04, 0.07);
          const eff = effScalesOf(pw, b.sP as Float32Array);
          const { trained, frozen } = splitWeight(b.wP as Int8Array, pg, n);
          const key = stochastic ? STREAMED_KEY : undefined;
          const ops = new Operands().geom(dg).geom(pg).ints(n, bias ? 1 : 0, inputGrad ? 1 : 0, -3).floats(0.04).ints(ids.wP, ids.bP)
            .sgd(sgdW, key).sgd(sgdB, key).ints(wk, acc ? 1 : 0).array(b.gD).array(b.mask).array(n > 0 ? b.saved : new Int8Array(0)).array(b.wD)
            .array(trained).array(frozen).array(b.bP).array(b.sP).array(eff).array(b.velW).array(b.velB);
          if (acc) ops.array(onto);
          const k: ProgramKernelOf<'dw_pw_bwd'> = {
            ...base, op: 'dw_pw_bwd', inputs: ['gD', 'mask', ...(n > 0 ? ['saved'] : [])], outputs: [...(inputGrad ? ['gx'] : []), 'scratch'],
            params: ['wD', 'wP', 'bP', 'sP', 'velW', 'velB'],
            attrs: { dw: 'D', channels: n, bias, inputGrad, xZero: -3, xScale: 0.04, weightMomentum: 'velW', biasMomentum: 'velB', scratch: 'scratch', ...(acc ? { onto: 'onto' } : {}) },
            bound: { dw: bind(dg, 'D', 0.03, 0.05), pw },
          };
          reference(k, b, { weight: sgdW, bias: sgdB }, stochastic ? keyOf : undefined);
          const out = [...(inputGrad ? [b.gx as Float32Array] : []), splitWeight(b.wP as Int8Array, pg, n).trained,
            new Uint8Array(b.bP.buffer), b.velW as Float32Array, b.velB as Float32Array];
          expect(run('dw_pw_bwd', ops)).toEqual(bytes(...out));
        });
      }
    }
  }

  const BLOCKS: [string, { pw1: boolean; nD: number; dBias: boolean; n: number; bias: boolean; inputGrad: boolean; acc?: boolean; perChannel?: boolean }][] = [
    ['whole block, everything trained', { pw1: true, nD: 8, dBias: true, n: 4, bias: true, inputGrad: true }],
    ['whole block, input gradient added onto a skip gradient', { pw1: true, nD: 8, dBias: true, n: 4, bias: true, inputGrad: true, acc: true }],
    ['whole block, biases only, no input gradient', { pw1: true, nD: 0, dBias: true, n: 0, bias: true, inputGrad: false }],
    ['first block (no pw1)', { pw1: false, nD: 16, dBias: true, n: 0, bias: false, inputGrad: false }],
    ['last block, pw2\'s output gradient per channel under its mask', { pw1: true, nD: 8, dBias: true, n: 4, bias: true, inputGrad: true, perChannel: true }],
  ];
  for (const [name, o] of BLOCKS) {
    for (const stochastic of [false, true]) {
      // 3,224, 3,624 and 7,224 bytes: the gathered plane (624), then as tt_dw_pw_bwd's 2,600, 3,000 and 6,600.
      for (const wk of [0, 3224, 3624, 7224, 1 << 18]) {
        it(`tt_block_bwd, ${name}, ${stochastic ? 'stochastic rounding' : 'to nearest'}, ${streamedWk(wk)}`, () => {
          const dg = geometry(16, 9, 16, 3, 1, 16);
          const g2g = { ...geometry(16, 9, 8, 1, 1, 1) }, pg = geometry(8, 9, 16, 1, 1, 1);
          const hwo = dg.ho * dg.wo, hwi = dg.h * dg.w, kk = taps(dg);
          const dInputGrad = o.pw1; // fused only with pw1 to stream the depthwise input gradient into
          const b: Record<string, TypedArray> = {
            g2: floats(o.perChannel ? g2g.cout : g2g.cout * hwo), g2Mask: maskBits(g2g.cout * hwo), w2: int8s(g2g.cout * g2g.cpg), dMask: maskBits(dg.cout * hwo), dSaved: int8s(dg.cin * hwi),
            wD: int8s(dg.cout * kk), bD: biases(dg.cout), sD: scales(dg.cout), dVelW: floats(o.nD * kk, 0.5), dVelB: floats(dg.cout, 50),
            pMask: maskBits(pg.cout * hwi), pSaved: int8s(pg.cin * hwi), wP: int8s(pg.cout * pg.cpg), bP: biases(pg.cout), sP: scales(pg.cout),
            velW: floats(pg.cout * o.n, 0.5), velB: floats(pg.cout, 50),
            gx: o.acc ? skipGrad(pg.cin * hwi) : new Float32Array(o.pw1 ? pg.cin * hwi : dg.cin * hwi), scratch: new Float32Array(hwo + hwi + Math.max(kk, o.n)),
          };
          const onto = (b.gx as Float32Array).slice();
          if (o.acc) b.onto = onto.slice();
          const dw = bind(dg, 'D', 0.03, 0.05), pw1 = o.pw1 ? bind(pg, 'P', 0.04, 0.07) : null;
          const effD = effScalesOf(dw, b.sD as Float32Array);
          const dSplit = splitWeight(b.wD as Int8Array, dg, o.nD);
          const key = stochastic ? STREAMED_KEY : undefined;
          const ops = new Operands().geom(dg).geom(g2g).ints(o.pw1 ? 1 : 0);
          if (o.pw1) ops.geom(pg);
          ops.ints(o.nD, o.dBias ? 1 : 0, dInputGrad ? 1 : 0, 2).floats(0.03).ints(ids.wD, ids.bD)
            .ints(o.n, o.bias ? 1 : 0, o.inputGrad ? 1 : 0, -3).floats(0.04).ints(ids.wP, ids.bP)
            .sgd(sgdW, key).sgd(sgdB, key).ints(wk, o.acc ? 1 : 0, o.perChannel ? 1 : 0).array(b.g2);
          if (o.perChannel) ops.array(b.g2Mask);
          ops.array(b.w2).array(b.dMask).array(o.nD > 0 ? b.dSaved : new Int8Array(0))
            .array(dSplit.trained).array(dSplit.frozen).array(b.bD).array(b.sD).array(effD).array(b.dVelW).array(b.dVelB);
          if (pw1) {
            const pSplit = splitWeight(b.wP as Int8Array, pg, o.n);
            ops.array(b.pMask).array(o.n > 0 ? b.pSaved : new Int8Array(0)).array(pSplit.trained).array(pSplit.frozen).array(b.bP).array(b.sP)
              .array(effScalesOf(pw1, b.sP as Float32Array)).array(b.velW).array(b.velB);
          }
          if (o.acc) ops.array(onto);
          const hasGx = o.pw1 ? o.inputGrad : dInputGrad;
          const k: ProgramKernelOf<'block_bwd'> = {
            ...base, op: 'block_bwd', inputs: ['g2'], outputs: [...(hasGx ? ['gx'] : []), 'scratch'],
            params: ['w2', 'wD', 'bD', 'sD'],
            attrs: {
              pw2: 'Q', dwMask: 'dMask', dwSaved: o.nD > 0 ? 'dSaved' : null, dwChannels: o.nD, dwBias: o.dBias, dwInputGrad: dInputGrad,
              dwXZero: 2, dwXScale: 0.03, dwWeightMomentum: 'dVelW', dwBiasMomentum: 'dVelB',
              pw1: o.pw1 ? 'P' : null, pwMask: o.pw1 ? 'pMask' : null, pwSaved: o.n > 0 ? 'pSaved' : null, channels: o.n, bias: o.bias,
              inputGrad: o.inputGrad, xZero: -3, xScale: 0.04, weightMomentum: 'velW', biasMomentum: 'velB', scratch: 'scratch', ...(o.acc ? { onto: 'onto' } : {}),
              ...(o.perChannel ? { g2Mask: 'g2Mask' } : {}),
            },
            bound: { dw, pw2: bind(g2g, 'Q', 0.05, 0.06), pw1 },
          };
          reference(k, b, { weight: sgdW, bias: sgdB }, stochastic ? keyOf : undefined);
          const out: (Int8Array | Uint8Array | Float32Array)[] = [...(hasGx ? [b.gx as Float32Array] : []),
            splitWeight(b.wD as Int8Array, dg, o.nD).trained, new Uint8Array(b.bD.buffer), b.dVelW as Float32Array, b.dVelB as Float32Array];
          if (pw1) out.push(splitWeight(b.wP as Int8Array, pg, o.n).trained, new Uint8Array(b.bP.buffer), b.velW as Float32Array, b.velB as Float32Array);
          expect(run('block_bwd', ops)).toEqual(bytes(...out));
        });
      }
    }
  }
});
