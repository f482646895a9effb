/**
 * The backward kernels in TypeScript and in WebAssembly (the C library, csrc/), in one run: mcunet-5fps at 128x128 with the
 * 99kb scheme, batch 1; the device program (streamed block_bwd, in-place updates) and the trainer's
 * gradient program (unfused conv_bwd_x, conv_grad_w, ...). Steps alternate between the two so that
 * a machine shared with other work slows both alike; CPU milliseconds per step (this process's CPU
 * time, not wall time) by kernel phase and for the costliest backward kernels. Both compute the same values (src/engine/wasm/*.test.ts).
 * Reproduce: npx tsx bench/backward-kernels.ts [--steps 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import type { KernelOp } from '../src/engine/program/types.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import { REFERENCE_KERNELS, type Impl, type KernelTable } from '../src/engine/runtime/kernels.ts';
import { FAST_KERNELS } from '../src/engine/wasm/kernel-table.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { GradRunner, gradProgram } from '../src/engine/train/grad-step.ts';
import { setWasmKernels } from '../src/engine/wasm/instance.ts';
import { table } from '../src/cli/format.ts';

const { values: a } = parseArgs({ options: { steps: { type: 'string', default: '30' } } });
const STEPS = Number(a.steps);
const RES = 128;
const PKL = new URL('../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url);

const model = modelFromPkl(new Uint8Array(readFileSync(PKL)), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: RES });
const g = model.graph;
const scheme = builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!;
const copy = () => Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.slice()]));
const input = Int8Array.from({ length: 3 * RES * RES }, (_, i) => ((i * 37) % 256) - 128);

/** CPU milliseconds by kernel op, summed over the timed steps, for the mode (TS or wasm) running now. */
type Times = Map<string, number>;
let current: Times | null = null;
function timed<O extends KernelOp>(table: KernelTable, op: O): void {
  const f: Impl<O> = table[op];
  const g: Impl<O> = (k, env) => {
    const t = process.cpuUsage();
    f(k, env);
    const d = process.cpuUsage(t);
    const key = k.phase === 'forward' ? 'forward' : op;
    if (current) current.set(key, (current.get(key) ?? 0) + (d.user + d.system) / 1000);
  };
  // The table's entry for O is an Impl<O>; TypeScript cannot see that through the generic index.
  (table as Record<O, Impl<O>>)[op] = g;
}
for (const table of [REFERENCE_KERNELS, FAST_KERNELS]) for (const op of Object.keys(table) as KernelOp[]) timed(table, op);

const programs = {
  'device program': (): (() => void) => {
    const ex = new ArenaExecutor(compileTraining(g, scheme), copy());
    let i = 0;
    return () => void ex.step(input, i++ % 10);
  },
  'trainer gradients': (): (() => void) => {
    const r = new GradRunner(gradProgram(g, scheme), copy());
    let i = 0;
    return () => void r.step(input, i++ % 10, () => {});
  },
};

const rows: (string | number)[][] = [];
for (const [name, make] of Object.entries(programs)) {
  const runs = { ts: make(), wasm: make() };
  const times = { ts: new Map() as Times, wasm: new Map() as Times };
  for (let s = 0; s < STEPS + 3; s++) {
    for (const mode of ['ts', 'wasm'] as const) {
      setWasmKernels(mode === 'wasm');
      current = s < 3 ? null : times[mode];
      runs[mode]();
    }
  }
  current = null;
  const ms = (t: Times, op: string) => (t.get(op) ?? 0) / STEPS;
  const backward = (t: Times) => [...t].reduce((sum, [op, v]) => (op === 'forward' ? sum : sum + v), 0) / STEPS;
  const line = (label: string, ts: number, wasm: number) => rows.push([name, label, ts.toFixed(2), wasm.toFixed(2), `${(ts / wasm).toFixed(1)}x`]);
  line('backward, all kernels', backward(times.ts), backward(times.wasm));
  const top = [...times.ts].filter(([op]) => op !== 'forward').sort((x, y) => y[1] - x[1]).slice(0, 4);
  for (const [op] of top) line(op, ms(times.ts, op), ms(times.wasm, op));
  line('forward (see bench:forward)', ms(times.ts, 'forward'), ms(times.wasm, 'forward'));
}
setWasmKernels(true);
console.log(`mcunet-5fps, ${RES}x${RES}, 99kb scheme, batch 1; CPU ms per step over ${STEPS} alternating steps, Node ${process.version}`);
console.log(table(['program', 'kernels', 'TypeScript CPU ms', 'wasm (C) CPU ms', 'speedup'], rows, [false, false, true, true, true]));
