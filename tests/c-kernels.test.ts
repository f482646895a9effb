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
import { avgpoolBackward, avgpoolInt8 } from '../src/engine/ops/avgpool.ts';
import { convBackwardInput, convBiasGrad, convInt8, convWeightGradRow, isDepthwise, type ConvGeom } from '../src/engine/ops/conv2d.ts';
import { accumulate, applyMask, channelScale, scaleInto } from '../src/engine/ops/grad-kernels.ts';
import { linearBackward } from '../src/engine/ops/linear.ts';
import { softmaxCeBackward } from '../src/engine/ops/softmax-ce.ts';
import { mulberry32 } from '../src/engine/util/random.ts';
import { requireTool } from './require-tool.ts';

const hasGcc = requireTool('gcc') && requireTool('libc6-dev');
const CFLAGS = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off'];

it('the embedded C library (src/engine/codegen/c-kernels.ts) is csrc/ as committed', () => {
  execFileSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { stdio: 'pipe' });
});

/** Little-endian operand stream: int32 sizes and settings, then arrays. */
class Operands {
  private parts: Uint8Array[] = [];
  ints(...v: number[]) { this.parts.push(new Uint8Array(Int32Array.from(v).buffer)); return this; }
  floats(...v: number[]) { this.parts.push(new Uint8Array(Float32Array.from(v).buffer)); return this; }
  array(a: Int8Array | Uint8Array | Int32Array | Float32Array) { this.parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)); return this; }
  geom(c: ConvGeom) { return this.ints(c.cin, c.h, c.w, c.cout, c.ho, c.wo, c.cpg, c.k, c.stride, c.pad, c.groups); }
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
  const maskBits = (n: number) => Uint8Array.from({ length: Math.ceil(n / 8) }, () => Math.floor(rand() * 256));
  const geometry = (cin: number, h: number, cout: number, k: number, stride: number, groups: number): ConvGeom => {
    const pad = (k - 1) >> 1;
    const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
    return { cin, h, w: h + 1, cout, ho, wo: Math.floor((h + 1 + 2 * pad - k) / stride) + 1, cpg: cin / groups, k, stride, pad, groups };
  };
  const CONVS: [string, ConvGeom][] = [
    ['pointwise', geometry(24, 7, 40, 1, 1, 1)],
    ['3x3 stride 2', geometry(3, 11, 8, 3, 2, 1)],
    ['depthwise 3x3', geometry(16, 9, 16, 3, 1, 16)],
    ['depthwise 5x5 stride 2', geometry(12, 13, 12, 5, 2, 12)],
    ['depthwise 7x7', geometry(8, 10, 8, 7, 1, 8)],
  ];

  for (const [name, c] of CONVS) {
    for (const wk of [0, 1 << 18]) {
      it(`tt_conv2d, ${name}, ${wk ? 'fast paths (workspace)' : 'plain loops'}`, () => {
        const x = int8s(c.cin * c.h * c.w), w = int8s(c.cout * c.cpg * c.k * c.k);
        const bias = Int32Array.from({ length: c.cout }, () => Math.floor(rand() * 4000) - 2000);
        const eff = Float32Array.from({ length: c.cout }, () => 0.002 + rand() * 0.01);
        const ny = c.cout * c.ho * c.wo;
        const y = new Int8Array(ny), mask = new Uint8Array(Math.ceil(ny / 8));
        convInt8(x, 3, w, bias, eff, y, -7, c, mask);
        expect(run('conv2d', new Operands().geom(c).ints(3, -7, wk).array(x).array(w).array(bias).array(eff))).toEqual(bytes(y, mask));
      });
    }
    it(`tt_conv_bwd_x, ${name}`, () => {
      const w = int8s(c.cout * c.cpg * c.k * c.k), g = floats(c.cout * c.ho * c.wo);
      const gx = new Float32Array(c.cin * c.h * c.w);
      convBackwardInput(g, w, c, gx);
      expect(run('conv_bwd_x', new Operands().geom(c).array(w).array(g))).toEqual(bytes(gx));
    });
    it(`tt_conv_grad_w, ${name}`, () => {
      const n = isDepthwise(c) ? c.cout >> 1 : Math.max(1, c.cpg >> 1);
      const x = int8s(c.cin * c.h * c.w), g = floats(c.cout * c.ho * c.wo);
      const rows = isDepthwise(c) ? n : c.cout, per = (isDepthwise(c) ? 1 : n) * c.k * c.k;
      const out = new Float32Array(rows * per);
      for (let oc = 0; oc < rows; oc++) convWeightGradRow(x, 5, g, c, oc, n, out.subarray(oc * per, (oc + 1) * per));
      expect(run('conv_grad_w', new Operands().geom(c).ints(5, n).array(x).array(g))).toEqual(bytes(out));
    });
  }

  it('tt_add (with its clamp mask)', () => {
    const n = 1001, a = int8s(n), b = int8s(n), y = new Int8Array(n), mask = new Uint8Array(Math.ceil(n / 8));
    addInt8(a, 0.05, 3, b, 0.08, -4, y, 0.07, 2, mask);
    expect(run('add', new Operands().ints(n).floats(0.05).ints(3).floats(0.08).ints(-4).floats(0.07).ints(2).array(a).array(b))).toEqual(bytes(y, mask));
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
});
