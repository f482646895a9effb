import { wasmKernels, WasmCall } from '../src/engine/wasm/instance.ts';
import { wasmKernels as asKernels, WasmCall as AsCall } from '../src/engine/wasm/as/instance.ts';
const k = wasmKernels()!, a = asKernels()!;
const n = Number(process.argv[2] ?? 4096);
const g = Float32Array.from({ length: n }, (_, i) => Math.sin(i)), mask = Uint8Array.from({ length: n / 8 }, (_, i) => (i * 37) & 255), out = new Float32Array(n);
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < 2000; i++) { const c = new WasmCall(k); k.tt_mask(c.in(g), c.in(mask), c.out(out), n); c.done(); }
  const tc = performance.now() - t; t = performance.now();
  for (let i = 0; i < 2000; i++) { const c = new AsCall(a); a.applyMask(c.in(g), c.in(mask), c.out(out), n); c.done(); }
  const ta = performance.now() - t;
  t = performance.now();
  const c = new WasmCall(k); const gp = c.in(g), mp = c.in(mask), op = c.out(out);
  for (let i = 0; i < 2000; i++) k.tt_mask(gp, mp, op, n);
  c.done();
  console.log('mask C', tc.toFixed(1), 'AS', ta.toFixed(1), 'C kernel only', (performance.now() - t).toFixed(1));
}
