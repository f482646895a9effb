/**
 * The int8 forward kernels of one device training step (mcunet-5fps at 128x128, the 99kb scheme,
 * batch 1), WebAssembly (the C library csrc/, built by scripts/build-wasm.mjs) against TypeScript in the same run: the CPU time each forward kernel op
 * (the fused conv chains, the other convs, the residual adds) takes per step (CPU time, not wall
 * time, so that other work on a shared machine does not count), the two alternating in rounds.
 * Reproduce: npm run bench:forward (npx tsx bench/forward-kernels.ts [--rounds 6] [--steps 10])
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { table } from '../src/cli/format.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import type { KernelOp } from '../src/engine/program/types.ts';
import { REFERENCE_KERNELS, type Impl, type KernelTable } from '../src/engine/runtime/kernels.ts';
import { FAST_KERNELS } from '../src/engine/wasm/kernel-table.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { setWasmKernels } from '../src/engine/wasm/instance.ts';

const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, steps: { type: 'string', default: '10' } } });
const ROUNDS = Number(a.rounds), STEPS = Number(a.steps);
const RES = 128;
const OPS = ['conv_chain', 'conv2d', 'add'] as const;
const PKL = new URL('../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url);

const model = modelFromPkl(new Uint8Array(readFileSync(PKL)), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: RES });
const g = model.graph;
const program = compileTraining(g, builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!);
const input = Int8Array.from({ length: 3 * RES * RES }, (_, i) => ((i * 37) % 256) - 128);

// Each forward op's kernel is wrapped to add its time to the current engine's total.
const spent = new Map<string, number>();
function timed<O extends KernelOp>(table: KernelTable, op: O): void {
  const f: Impl<O> = table[op];
  const g: Impl<O> = (k, env) => {
    const t = process.cpuUsage();
    f(k, env);
    const d = process.cpuUsage(t);
    spent.set(op, (spent.get(op) ?? 0) + (d.user + d.system) / 1000);
  };
  // The table's entry for O is an Impl<O>; TypeScript cannot see that through the generic index.
  (table as Record<O, Impl<O>>)[op] = g;
}
for (const table of [REFERENCE_KERNELS, FAST_KERNELS]) for (const op of OPS) timed(table, op);

const device = new ArenaExecutor(program, Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.slice()])));
const totals = { wasm: new Map<string, number>(), ts: new Map<string, number>() };
let label = 0;
for (let r = 0; r <= ROUNDS; r++) {
  for (const engine of ['wasm', 'ts'] as const) {
    setWasmKernels(engine === 'wasm');
    spent.clear();
    for (let s = 0; s < STEPS; s++) device.step(input, label++ % 10);
    // Round 0 warms both up.
    if (r > 0) for (const [op, t] of spent) totals[engine].set(op, (totals[engine].get(op) ?? 0) + t);
  }
}
setWasmKernels(true);

const n = ROUNDS * STEPS;
const per = (engine: 'wasm' | 'ts', op: string) => (totals[engine].get(op) ?? 0) / n;
const rows = OPS.map((op) => [op, per('ts', op).toFixed(2), per('wasm', op).toFixed(2), (per('ts', op) / per('wasm', op)).toFixed(1)]);
const sum = (engine: 'wasm' | 'ts') => OPS.reduce((s, op) => s + per(engine, op), 0);
rows.push(['forward total', sum('ts').toFixed(2), sum('wasm').toFixed(2), (sum('ts') / sum('wasm')).toFixed(1)]);
console.log(`mcunet-5fps ${RES}x${RES}, mcunet-5fps@99kb, CPU ms per training step (${n} steps each, alternating rounds)\n`);
console.log(table(['kernel op', 'TypeScript CPU ms', 'wasm CPU ms', 'speedup'], rows, [false, true, true, true]));
