/**
 * The WebAssembly calls of the backward kernels (wasm/conv-backward.ts, wasm/block-backward.ts): the
 * operands copied into the module's memory, the structs the kernels read (geometry, update rules,
 * the streamed kernels' operands) written there, and the updated parameters, velocities and
 * gradients copied back.
 */
import type { ConvGeom } from '../../ops/conv2d.ts';
import type { BlockOperands, ExpansionOperands, ParamUpdate, PwOperands } from '../../runtime/streamed-backward.ts';
import { F32, WasmCall, type KernelExports } from './instance.ts';

/** wasm/conv-backward.ts Geom. */
export function geomStruct(call: WasmCall, c: ConvGeom): number {
  return call.record([c.cin, c.h, c.w, c.cout, c.ho, c.wo, c.cpg, c.k, c.stride, c.pad, c.groups]);
}

/** wasm/sgd.ts Update; the velocity is copied in and back. */
export function updateStruct(call: WasmCall, u: ParamUpdate): number {
  const vel = u.velocity ? call.inout(u.velocity) : 0;
  return call.record([new F32(u.cfg.lr), new F32(u.cfg.momentum), u.cfg.qas ? 1 : 0, vel, u.key === undefined ? 0 : 1, (u.key ?? 0) | 0]);
}

/** wasm/block-backward.ts PwStream. */
function pwStruct(call: WasmCall, k: KernelExports, o: PwOperands): number {
  const hw = o.geom.ho * o.geom.wo;
  return call.record([
    geomStruct(call, o.geom), call.inout(o.w), call.inout(o.b), call.in(o.s), call.in(o.eff), call.in(o.mask),
    (o.saved ? call.in(o.saved) : 0), o.xZero, o.n, (o.gx ? call.out(o.gx) : 0), call.alloc(o.n * 4 + 32),
    o.saved ? call.alloc(hw * k.transposedWidth(o.n) * 4) : 0, o.bias ? 1 : 0, new F32(o.xScale),
    updateStruct(call, o.weight), updateStruct(call, o.biasUpdate),
  ]);
}

export function wasmExpansionBackward(k: KernelExports, o: ExpansionOperands): void {
  const call = new WasmCall(k);
  const geom = geomStruct(call, o.geom);
  const e = call.record([call.in(o.g), call.in(o.w), geom, call.alloc(o.geom.h * o.geom.w * 4), pwStruct(call, k, o.pw)]);
  k.expansionBackward(e);
  call.done();
}

export function wasmBlockBackward(k: KernelExports, o: BlockOperands): void {
  const call = new WasmCall(k);
  const dg = o.geom;
  const geom = geomStruct(call, dg);
  const b = call.record([
    call.in(o.g2), call.in(o.w2), o.geom2.cout, o.geom2.cpg, geom, call.in(o.mask), (o.saved ? call.in(o.saved) : 0), o.xZero, o.n,
    call.inout(o.w), call.inout(o.b), call.in(o.s), call.in(o.eff), updateStruct(call, o.weight), updateStruct(call, o.biasUpdate),
    o.inputGrad ? 1 : 0, o.bias ? 1 : 0, new F32(o.xScale),
    call.alloc(dg.ho * dg.wo * 4), call.alloc(dg.h * dg.w * 4), call.alloc(dg.k * dg.k * 4 + 32), o.saved ? call.alloc(k.paddedBytes(geom)) : 0,
    o.pw ? pwStruct(call, k, o.pw) : 0, !o.pw ? (o.gx ? call.out(o.gx) : 0) : 0,
  ]);
  k.blockBackward(b);
  call.done();
}

/** conv_bwd_x: gx = conv_transpose(g, W); gx may be g's buffer (the copies keep them apart). */
export function wasmConvBackwardInput(k: KernelExports, g: Float32Array, w: Int8Array, c: ConvGeom, gx: Float32Array): void {
  const call = new WasmCall(k);
  const hw = c.h * c.w;
  k.convBackwardInput(call.in(g), call.in(w), geomStruct(call, c), call.out(gx.subarray(0, c.cin * hw)), call.alloc(hw * 4));
  call.done();
}

/** conv_grad_w's rows into `out` (see wasm convWeightGrad); the offset of the rows in the call's memory. */
function weightGrad(call: WasmCall, k: KernelExports, x: Int8Array, xZero: number, g: Float32Array, c: ConvGeom, n: number, out: number): void {
  const geom = geomStruct(call, c);
  k.convWeightGrad(call.in(x), xZero, call.in(g), geom, n, out, call.alloc(k.weightGradScratch(geom, n)));
}

export function wasmConvWeightGrad(k: KernelExports, x: Int8Array, xZero: number, g: Float32Array, c: ConvGeom, n: number, out: Float32Array): void {
  const call = new WasmCall(k);
  weightGrad(call, k, x, xZero, g, c, n, call.out(out));
  call.done();
}

/** The int8 updates of a weight's first n input channels from gradient rows, given or computed (conv_update_w). */
export function wasmWeightUpdate(k: KernelExports, grad: Float32Array | { x: Int8Array; xZero: number; g: Float32Array; floats: number },
  w: Int8Array, sW: Float32Array, c: ConvGeom, n: number, u: ParamUpdate): void {
  const call = new WasmCall(k);
  let gw: number;
  if (grad instanceof Float32Array) gw = call.in(grad);
  else {
    gw = call.alloc(grad.floats * 4);
    weightGrad(call, k, grad.x, grad.xZero, grad.g, c, n, gw);
  }
  k.applyWeightUpdate(gw, call.inout(w), call.in(sW), geomStruct(call, c), n, updateStruct(call, u));
  call.done();
}

/** conv_grad_b: the plane sums of g. */
export function wasmBiasGrad(k: KernelExports, g: Float32Array, out: Float32Array): void {
  const call = new WasmCall(k);
  k.convBiasGrad(call.in(g), out.length, g.length / out.length, call.out(out));
  call.done();
}

/** The int32 updates of a bias from its gradients, given or summed from g (conv_update_b). */
export function wasmBiasUpdate(k: KernelExports, grad: Float32Array | { g: Float32Array }, b: Int32Array, sW: Float32Array, xScale: number,
  u: ParamUpdate): void {
  const call = new WasmCall(k);
  let gb: number;
  if (grad instanceof Float32Array) gb = call.in(grad);
  else {
    gb = call.alloc(b.length * 4);
    k.convBiasGrad(call.in(grad.g), b.length, grad.g.length / b.length, gb);
  }
  k.applyBiasUpdate(gb, call.inout(b), call.in(sW), Math.fround(xScale), b.length, updateStruct(call, u));
  call.done();
}

/** mask: out = g where the clamp passed (out may be g's buffer). */
export function wasmApplyMask(k: KernelExports, g: Float32Array, mask: Uint8Array, out: Float32Array): void {
  const call = new WasmCall(k);
  k.applyMask(call.in(g), call.in(mask), call.out(out.subarray(0, g.length)), g.length);
  call.done();
}

/** channel_scale: out[c, ...] = g[c, ...] * scale[c] (out may be g's buffer). */
export function wasmChannelScale(k: KernelExports, g: Float32Array, scale: Float32Array, out: Float32Array): void {
  const call = new WasmCall(k);
  k.channelScale(call.in(g), call.in(scale), call.out(out.subarray(0, g.length)), scale.length, g.length / scale.length);
  call.done();
}
