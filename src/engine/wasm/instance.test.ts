import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyMask, channelScale } from '../ops/grad-kernels.ts';
import { requireTool } from '../../../tests/require-tool.ts';
import { WasmCall, wasmKernels } from './instance.ts';

const rand = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;

describe('wasm kernels', () => {
  it.skipIf(!(requireTool('clang') && requireTool('lld')))('the committed binary is the build of csrc/ (clang 14)', () => {
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' });
  });

  it('instantiate under Node and copy operands in and out', () => {
    const k = wasmKernels();
    expect(k).not.toBeNull();
    const r = rand(3);
    const n = 1003;
    const g = Float32Array.from({ length: n }, r);
    const mask = Uint8Array.from({ length: Math.ceil(n / 8) }, () => Math.floor((r() + 1) * 128));
    const scale = Float32Array.from({ length: 17 }, r);
    const g2 = Float32Array.from({ length: 17 * 59 }, r);
    const want = new Float32Array(n), got = new Float32Array(n);
    applyMask(g, mask, want);
    const call = new WasmCall(k!);
    k!.tt_mask(call.in(g), call.in(mask), call.out(got), n);
    call.done();
    expect(got).toEqual(want);
    const wantS = new Float32Array(g2.length), gotS = g2.slice();
    channelScale(g2, scale, wantS);
    const c2 = new WasmCall(k!);
    const p = c2.inout(gotS);
    k!.tt_channel_scale(p, c2.in(scale), 17, 59, p);
    c2.done();
    expect(gotS).toEqual(wantS);
  });
});
