/**
 * The calls of the WebAssembly int8 conv forward (wasm/conv-forward.ts, wasm/conv-chain.ts,
 * wasm/add.ts): the operands are copied into the module's memory and described by stage records,
 * small int32 arrays of shapes, zero points and byte offsets whose layout is the one of
 * wasm/conv-forward.ts. The kernels may read a few bytes past an operand (a row's last 8-wide load)
 * and grow the memory for their scratch, so every call ends with scratch after its operands. They compute what convInt8, runConvChain and addInt8 compute, bit for bit.
 */
import type { ConvGeom } from '../../ops/conv2d-forward.ts';
import type { ChainLayout } from '../../schedule/fuse-rows.ts';
import { WasmCall, type KernelExports } from './instance.ts';

/** Words of a chain's header, before its stage records (24 words each, wasm/stage.ts). */
const HEADER = 16;

/** Where a stage reads or writes its rows: a whole tensor (rows = its height) or a ring. */
interface Rows { at: number; channelStride: number; rows: number }

interface StageParams { xZero: number; yZero: number; w: Int8Array; bias: Int32Array; eff: Float32Array }

/** A stage record's 24 fields, in wasm/stage.ts's order. */
function stageFields(call: WasmCall, c: ConvGeom, p: StageParams, src: Rows, dst: Rows, mask: number): number[] {
  return [c.cin, c.h, c.w, c.cout, c.ho, c.wo, c.cpg, c.k, c.stride, c.pad, c.groups, p.xZero, p.yZero,
    call.in(p.w), call.in(p.bias), call.in(p.eff), src.at, src.channelStride, src.rows, dst.at, dst.channelStride, dst.rows, mask, 0];
}

/** convInt8 in round mode into an Int8Array: the wasm kernel, with the same outputs and mask bits. */
export function convInt8Wasm(k: KernelExports, x: Int8Array, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array,
  y: Int8Array, yZero: number, c: ConvGeom, mask?: Uint8Array): void {
  const call = new WasmCall(k);
  // x is copied in before y is reserved, so a depthwise conv in place (y over x) reads the old x.
  const src = { at: call.in(x), channelStride: c.h * c.w, rows: c.h };
  const dst = { at: call.out(y), channelStride: c.ho * c.wo, rows: c.ho };
  const rec = call.record(stageFields(call, c, { xZero, yZero, w, bias, eff }, src, dst, mask ? call.inout(mask) : 0));
  k.convWhole(rec, call.alloc(16));
  call.done();
}

export interface ChainStage extends StageParams { geom: ConvGeom }
export interface ChainAdd { sa: number; za: number; sb: number; zb: number; sy: number; zy: number }

/** runConvChain: the whole chain (rings, streamed input, residual add) in one wasm call. */
export function convChainWasm(k: KernelExports, stages: ChainStage[], add: ChainAdd | null, layout: ChainLayout,
  input: Int8Array, output: Int8Array, scratch: Int8Array, inputRing?: Int8Array): void {
  const call = new WasmCall(k);
  const m = stages.length;
  const g0 = stages[0].geom, last = stages[m - 1].geom;
  const inP = call.in(input), outP = call.out(output), scratchP = call.inout(scratch);
  const inRows = inputRing ? inputRing.length / (g0.cin * g0.w) : 0;
  const ringP = inputRing ? call.inout(inputRing) : 0;
  const header = [m, inP, ringP, inRows, g0.cin, g0.h, g0.w, outP, add ? scratchP + layout.addRow : 0];
  const desc: number[] = [...header, ...new Array<number>(HEADER - header.length).fill(0)];
  const ring = (i: number): Rows => {
    const r = layout.rings[i];
    return { at: scratchP + r.offset, channelStride: r.rows * r.width, rows: r.rows };
  };
  stages.forEach((s, i) => {
    const src = i > 0 ? ring(i - 1) : inputRing ? { at: ringP, channelStride: inRows * g0.w, rows: inRows }
      : { at: inP, channelStride: g0.h * g0.w, rows: g0.h };
    const dst = i < m - 1 ? ring(i) : add ? { at: scratchP + layout.addRow, channelStride: last.wo, rows: 1 }
      : { at: outP, channelStride: last.ho * last.wo, rows: last.ho };
    desc.push(...stageFields(call, s.geom, s, src, dst, 0));
  });
  const a = add ?? { sa: 0, za: 0, sb: 0, zb: 0, sy: 1, zy: 0 };
  k.convChain(call.record(desc), call.alloc(16), a.sa, a.za, a.sb, a.zb, a.sy, a.zy);
  call.done();
}

/** addInt8 in round mode: the wasm kernel. */
export function addInt8Wasm(k: KernelExports, a: Int8Array, sa: number, za: number, b: Int8Array, sb: number, zb: number,
  y: Int8Array, sy: number, zy: number, mask?: Uint8Array): void {
  const call = new WasmCall(k);
  const at = [call.in(a), call.in(b), call.out(y), mask ? call.inout(mask) : 0];
  // The mask bits are written two bytes at a time: room for the byte after the last.
  call.alloc(16);
  k.addInt8(at[0], sa, za, at[1], sb, zb, at[2], sy, zy, at[3], y.length);
  call.done();
}
