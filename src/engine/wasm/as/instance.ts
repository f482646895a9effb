/**
 * The WebAssembly kernels (wasm/, built into kernels-binary.ts): one instance per thread, created on
 * first use, and the copying of operands into its memory for one call.
 *
 * Where the module cannot run (no WebAssembly SIMD, or a browser's main thread, which refuses to
 * compile a module this size synchronously) `wasmKernels()` returns null and the callers run their
 * TypeScript kernels, which compute the same values bit for bit.
 */
import type { TypedArray } from '../../ir/tensor.ts';
import { AS_KERNELS_WASM_BASE64 as KERNELS_WASM_BASE64 } from './kernels-binary.ts';

/** The module's exports: pointers are byte offsets into `memory`. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  applyMask(g: number, mask: number, out: number, n: number): void;
  channelScale(g: number, scale: number, out: number, channels: number, per: number): void;
  // The int8 forward (wasm/conv-forward.ts, conv-chain.ts, add.ts; called by ./conv-forward.ts).
  convWhole(rec: number, work: number): void;
  convChain(desc: number, work: number, sa: number, za: number, sb: number, zb: number, sy: number, zy: number): void;
  addInt8(a: number, sa: number, za: number, b: number, sb: number, zb: number, y: number, sy: number, zy: number, mask: number, n: number): void;
  // The conv backward (wasm/conv-backward.ts, wasm/block-backward.ts; calls in backward-call.ts).
  transposedWidth(n: number): number;
  paddedBytes(geom: number): number;
  weightGradScratch(geom: number, n: number): number;
  convBackwardInput(g: number, w: number, geom: number, gx: number, tmp: number): void;
  convWeightGrad(x: number, xZero: number, g: number, geom: number, n: number, out: number, scratch: number): void;
  applyWeightUpdate(gw: number, w: number, sW: number, geom: number, n: number, update: number): void;
  convBiasGrad(g: number, cout: number, howo: number, gb: number): void;
  applyBiasUpdate(gb: number, b: number, sW: number, xScale: number, cout: number, update: number): void;
  expansionBackward(operands: number): void;
  blockBackward(operands: number): void;
}

let instance: KernelExports | null | undefined;
let enabled = true;

function instantiate(): KernelExports | null {
  try {
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as KernelExports;
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
   * Writes 4-byte fields in the order of an AssemblyScript record (an @unmanaged class, or a stage
   * record of wasm/stage.ts) and returns its offset.
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

  /** Copies the outputs back and frees the scratch. */
  done(): void {
    const buf = this.k.memory.buffer;
    for (const [at, a] of this.back) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(new Uint8Array(buf, at, a.byteLength));
    top = this.start;
  }
}
