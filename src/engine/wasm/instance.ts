/**
 * The WebAssembly kernels (the C library csrc/, built by scripts/build-wasm.mjs into kernels-binary.ts):
 * one instance per thread, created on first use, and the copying of operands into its memory for one call.
 *
 * Where the module cannot run (no WebAssembly SIMD, or a browser's main thread, which refuses to
 * compile a module this size synchronously) `wasmKernels()` returns null and the callers run their
 * TypeScript kernels, which compute the same values bit for bit.
 */
import type { TypedArray } from '../ir/tensor.ts';
import { KERNELS_WASM_BASE64 } from './kernels-binary.ts';

/**
 * The module's exports: the C library's functions (csrc/tt_kernels.h, their C signatures; pointers are
 * byte offsets into `memory`, structs are written by ./kernel-calls.ts) and where the free memory starts.
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  tt_conv2d(x: number, xz: number, w: number, bias: number, eff: number, y: number, yz: number, g: number, mask: number, scratch: number,
    ws: number, wk: number, wkBytes: number): void;
  tt_conv_chain(c: number, input: number, src: number, ring: number, out: number, scratch: number, wk: number, wkBytes: number): void;
  tt_wasm_image_src(s: number, image: number, channels: number, h: number, w: number): void;
  tt_add(a: number, sa: number, za: number, b: number, sb: number, zb: number, y: number, sy: number, zy: number, mask: number, n: number): void;
  tt_add_q(a: number, za: number, b: number, zb: number, y: number, zy: number, rq: number, mask: number, n: number): void;
  tt_mask(g: number, mask: number, out: number, n: number): void;
  tt_channel_scale(g: number, scale: number, channels: number, per: number, out: number): void;
  tt_conv_bwd_x(g: number, w: number, c: number, gx: number, work: number, acc: number): void;
  tt_conv_update_w(x: number, xz: number, g: number, c: number, n: number, w: number, sw: number, cfg: number, vel: number, row: number): void;
  tt_conv_grad_w(x: number, xz: number, g: number, c: number, n: number, out: number): void;
  tt_apply_update_w(gw: number, c: number, n: number, w: number, sw: number, cfg: number, vel: number): void;
  tt_conv_update_b(g: number, b: number, id: number, cout: number, howo: number, sw: number, xs: number, cfg: number, vel: number): void;
  tt_conv_update_b_masked(v: number, mask: number, b: number, id: number, cout: number, howo: number, sw: number, xs: number, cfg: number, vel: number): void;
  tt_conv_grad_b(g: number, cout: number, howo: number, out: number): void;
  tt_apply_update_b(gb: number, b: number, id: number, cout: number, sw: number, xs: number, cfg: number, vel: number): void;
  tt_dw_pw_bwd(gD: number, mask: number, saved: number, gx: number, gxAcc: number, scratch: number, wD: number, dg: number, wP: number, pg: number, bP: number,
    sP: number, eff: number, n: number, bias: number, xz: number, xs: number, cw: number, cb: number, velW: number, velB: number, wk: number, wkBytes: number): void;
  tt_block_bwd(g2: number, g2Mask: number, w2: number, g2g: number, dMask: number, dSaved: number, wD: number, dg: number, bD: number, sD: number, effD: number,
    nD: number, dBias: number, dInputGrad: number, dxz: number, dxs: number, dVelW: number, dVelB: number,
    pMask: number, pSaved: number, gx: number, gxAcc: number, wP: number, pg: number, bP: number, sP: number, effP: number,
    n: number, bias: number, xz: number, xs: number, velW: number, velB: number, cw: number, cb: number, scratch: number, wk: number, wkBytes: number): void;
}

let instance: KernelExports | null | undefined;
let enabled = true;

function instantiate(): KernelExports | null {
  try {
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
    const heap = (e.__heap_base as WebAssembly.Global).value as number;
    return { ...e, heapBase: () => heap } as unknown as KernelExports;
  } catch {
    return null;
  }
}

/** This thread's kernels, or null: then the TypeScript kernels run. */
export function wasmKernels(): KernelExports | null {
  if (!enabled) return null;
  if (instance === undefined) instance = instantiate();
  return instance;
}

/** Turns the WebAssembly kernels off (false) or back on, so tests and benchmarks can run the TypeScript ones. */
export function setWasmKernels(on: boolean): void {
  enabled = on;
}

/** The scratch's top: calls may nest (a kernel inside a kernel), each allocating above the last. */
let top = 0;

const ALIGN = 16;
const PAGE = 65536;

/** A float32 field of a record (the other fields are int32 numbers or offsets). */
export class F32 {
  constructor(readonly v: number) {}
}

/**
 * The operands of one kernel call: `in` copies an array into the module's memory, `out` reserves room
 * and copies it back in `done()`, `inout` does both; `record` writes a struct of 4-byte fields.
 */
export class WasmCall {
  private readonly start: number;
  private readonly back: [number, TypedArray][] = [];
  private readonly later: (() => void)[] = [];

  constructor(readonly k: KernelExports) {
    if (top === 0) top = k.heapBase();
    this.start = top;
  }

  /** `bytes` of scratch (not cleared), 16-byte aligned. */
  alloc(bytes: number): number {
    const at = Math.ceil(top / ALIGN) * ALIGN;
    const end = at + bytes;
    const mem = this.k.memory;
    if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / PAGE));
    top = end;
    return at;
  }

  in(a: TypedArray): number {
    const at = this.alloc(a.byteLength);
    new Uint8Array(this.k.memory.buffer, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return at;
  }

  out(a: TypedArray): number {
    const at = this.alloc(a.byteLength);
    this.back.push([at, a]);
    return at;
  }

  inout(a: TypedArray): number {
    const at = this.in(a);
    this.back.push([at, a]);
    return at;
  }

  /**
   * Writes a struct of 4-byte fields (int, float, pointer: wasm32 C lays them out in declaration order
   * with no padding) and returns its offset.
   */
  record(fields: (number | F32)[]): number {
    const at = this.alloc(fields.length * 4);
    const buf = this.k.memory.buffer;
    const i32 = new Int32Array(buf, at, fields.length), f = new Float32Array(buf, at, fields.length);
    fields.forEach((v, i) => {
      if (v instanceof F32) f[i] = v.v;
      else i32[i] = v;
    });
    return at;
  }

  /** Runs `fn` in `done()`, after the outputs are copied back. */
  after(fn: () => void): void {
    this.later.push(fn);
  }

  /** Copies the outputs back and frees the scratch. */
  done(): void {
    const buf = this.k.memory.buffer;
    for (const [at, a] of this.back) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(new Uint8Array(buf, at, a.byteLength));
    for (const fn of this.later) fn();
    top = this.start;
  }
}
